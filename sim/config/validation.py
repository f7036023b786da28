"""Value checks of a Config: `validate` raises ConfigError naming the first bad key and what
is allowed (Hydra prints it on one line). What a field allows is its metadata in the schema
(sim/config/schema.py, sim/config/params.py: `hard`, `open_hi`, `choices`, `keys`; int fields take
integers), so each limit has one source; only rules across fields are code here."""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import Any

from .fields import NAME_RULE, is_name
from .posterior import check_setting as check_posterior
from . import budget
from .schema import ECOSYSTEMS, MAX_YEAR, OUTSIDE, PARK_RANGED, Calibration, Config, ConfigError, ParkSpec, numeric_levers, ranged_data, uncertain_keys


def _fail(key: str, value: Any, allowed: str) -> None:
    raise ConfigError(f"Invalid value for {key}: {value!r}; allowed: {allowed}")


def _check_range(key: str, value: Any, lo: float = -math.inf, hi: float = math.inf, integer: bool = False, open_hi: bool = False) -> None:
    """A finite real number (numpy's too; not a bool) in [lo, hi], or [lo, hi) if open_hi;
    an integer (int or numpy integer) if `integer`."""
    what = f"{'an integer' if integer else 'a finite number'} in [{lo}, {hi}{')' if open_hi else ']'}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral if integer else numbers.Real):
        _fail(key, value, what)
    if not isinstance(value, numbers.Integral) and not math.isfinite(value):
        _fail(key, value, what)
    if not (lo <= value and (value < hi if open_hi else value <= hi)):
        _fail(key, value, what)


def _check_choice(key: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        _fail(key, value, " | ".join(choices))


def _check_field(key: str, f: dataclasses.Field, value: Any) -> None:
    """The checks a field's metadata asks for."""
    m = f.metadata
    if "keys" in m:  # a table with one number per key, every key required
        for k in value:
            _check_choice(f"{key} key", k, m["keys"])
        for k in m["keys"]:
            _check_range(f"{key}.{k}", value.get(k), *m["hard"])
    elif m.get("schedule") and isinstance(value, dict):  # a lever's schedule {year: value}
        if not value:
            _fail(key, value, "a number, or a schedule {year: value} with at least one year")
        for year, v in value.items():
            _check_range(f"{key} year", year, 2001, MAX_YEAR, integer=True)
            _check_range(f"{key}[{year}]", v, *m["hard"])
    elif "hard" in m:
        _check_range(key, value, *m["hard"], integer=f.type in (int, "int"), open_hi=m.get("open_hi", False))
    if m.get("name") and not is_name(value) and value != f.default:  # the default: sweep_name's ${now:} pattern
        _fail(key, value, NAME_RULE)
    if "choices" in m:  # a string, or a list of strings, from a fixed set
        for v in value if isinstance(value, list) else [value]:
            _check_choice(key, v, m["choices"])
    if f.type in (bool, "bool") and not isinstance(value, bool):
        _fail(key, value, "true | false")


def _walk(obj: Any, prefix: str) -> None:
    """Check every field of a schema dataclass, and of the dataclasses and lists of them it holds."""
    for f in dataclasses.fields(obj):
        key, value = prefix + f.name, getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            _walk(value, key + ".")
        elif isinstance(value, list) and value and all(dataclasses.is_dataclass(v) for v in value):
            for i, row in enumerate(value):
                _walk(row, f"{key}[{i}].")
        else:
            _check_field(key, f, value)


def check_fields(cfg: Config) -> Config:
    """Check each field against its own metadata only (no rule across fields). Returns cfg."""
    _walk(cfg, "")
    return cfg


def validate(cfg: Config) -> Config:
    """Check every value; raise ConfigError naming the first bad key. Returns cfg."""
    check_fields(cfg)
    _validate_calibration(cfg.calibration)
    # fixed_parameters names uncertain fields, or park data with a range
    drawable = {key for key, _ in uncertain_keys()} | {key for key, *_ in ranged_data(cfg.calibration)}
    for key in cfg.fixed_parameters:
        if key not in drawable:
            _fail("fixed_parameters", key, "keys of uncertain fields, e.g. params.macro_sd or calibration.zipf_exponent (sim/config/schema.py, `param` fields), "
                  "or of park data with a range, e.g. calibration.parks.tonglu.st_platforms_2022")
    # the posterior's name; under uncertainty=posterior its file, read and checked
    check_posterior(cfg)
    # the horizon reaches the target year, which is after the base year
    base, t = cfg.calibration.base_year, cfg.targets
    if cfg.horizon_year < t.year:
        _fail("horizon_year", cfg.horizon_year, f"an integer in [{t.year}, {MAX_YEAR}]")
    if t.year <= base:
        _fail("targets.year", t.year, f"an integer in [{base + 1}, {MAX_YEAR}]")
    # a lever's schedule starts in the first simulated year (sim/config/schedules.py)
    for f in numeric_levers():
        value = getattr(cfg.policy, f.name)
        if isinstance(value, dict) and min(value) != base + 1:
            _fail(f"policy.{f.name}", value, f"a number, or a schedule {{year: value}} whose first year is {base + 1}, the first simulated year (later years hold the last value listed)")
    # the levers before the plan are their 2022 sizes: numbers, not schedules
    for f in numeric_levers():
        value = getattr(cfg.calibration.before_plan, f.name)
        if isinstance(value, dict):
            _fail(f"calibration.before_plan.{f.name}", value, "a number (the lever's size in the base year, before the plan)")
    # a count of named clusters cannot exceed the ecosystems listed ([] = any of the five)
    for key in ("clusters_1000yi", "clusters_10000yi"):
        names = getattr(t, f"{key}_ecosystems")
        _check_range(f"targets.{key}_count", getattr(t, f"{key}_count"), 0, len(names) or len(ECOSYSTEMS), integer=True)
    # the smallest of a Pareto range is below its largest
    p = cfg.params
    for small, large in (("entrant_min_yi", "entrant_max_yi"), ("project_min_yi", "project_max_yi")):
        if getattr(p, small) >= getattr(p, large):
            _fail(f"params.{small}", getattr(p, small), f"a number below params.{large} ({getattr(p, large):g}): the smallest of a size distribution")
    budget.check(cfg)  # the memory it needs, before anything is allocated
    return cfg


def _validate_calibration(c: Calibration) -> None:
    """The rules of the park table across rows and fields."""
    # at least one park, with unique ids other than the rest of the city's
    if not c.parks:
        _fail("calibration.parks", "[]", "a non-empty list of parks")
    ids = [p.id for p in c.parks]
    if len(set(ids)) != len(ids) or OUTSIDE in ids:
        _fail("calibration.parks[].id", ids, f"unique ids other than {OUTSIDE!r}")
    # the outside row is the rest of the city: its own id and no leading industry
    if c.outside.id != OUTSIDE:
        _fail("calibration.outside.id", c.outside.id, f"{OUTSIDE!r} (the rest of the city is not a park)")
    if c.outside.leading or c.outside.leading_share_2022 != 0:
        _fail("calibration.outside.leading", c.outside.leading, "[] with leading_share_2022 0 (the rest of the city has no leading industry)")
    for i, p in enumerate([*c.parks, c.outside]):
        key = f"calibration.parks[{i}]" if i < len(c.parks) else "calibration.outside"
        # required: the schema's "?" means not given; every park has a leading industry
        for name in ("id", "name_zh", "district"):
            if getattr(p, name) in ("", "?"):
                _fail(f"{key}.{name}", getattr(p, name), "a value (required, no default)")
        if i < len(c.parks) and not p.leading:
            _fail(f"{key}.leading", p.leading, f"a non-empty list of {' | '.join(ECOSYSTEMS)} (every park has a leading industry)")
        _check_ranges(key, p, i < len(c.parks))
    # the largest firm is well above the above-scale threshold (the Zipf draw needs room)
    _check_range("calibration.max_firm_yi", c.max_firm_yi, 10.0 * c.above_scale_threshold_yi)
    # the above-scale firms share the calibration's output (sim.rules.population.synthesize):
    # a cell's count is capped where its firms would not all fit above the threshold, and
    # its firms are held at max_firm_yi where they cannot carry its output. A mean firm of at
    # least 3 x the threshold keeps every cell's rounded count under that cap, and one of at
    # most half the largest firm keeps every cell's output reachable (at least one simulated
    # firm in a cell), so the count and the output given are the ones simulated.
    total = sum(p.output_2022_yi for p in [*c.parks, c.outside])
    lo, hi = max(1, math.ceil(2.0 * total / c.max_firm_yi)), math.floor(total / (3.0 * c.above_scale_threshold_yi))
    if hi < lo:  # no count fits: the threshold is too high for the output (max_firm_yi >= 10 x it is checked above)
        _fail("calibration.above_scale_threshold_yi", c.above_scale_threshold_yi,
              f"at most {total / 3.0:.6g}, a third of the calibration's output_2022_yi ({total:.6g}亿 in all), so that a firm above it fits")
    if not lo <= c.above_scale_firms <= hi:
        _fail("calibration.above_scale_firms", c.above_scale_firms,
              f"an integer in [{lo:.6g}, {hi:.6g}] for this calibration: its output_2022_yi, {total:,.6g}亿 in all, over at most half of "
              f"max_firm_yi ({c.max_firm_yi:g}) and at least 3 x above_scale_threshold_yi ({c.above_scale_threshold_yi:g}) a firm")


def _check_ranges(key: str, p: ParkSpec, is_park: bool) -> None:
    """A row's plausible ranges: fields of PARK_RANGED (none for the rest of the city), each
    [lo, hi] with lo < hi inside the field's limits (integers for an integer field) and the
    row's value in it."""
    fields = {f.name: f for f in dataclasses.fields(ParkSpec)}
    for name, bounds in p.ranges.items():
        where = f"{key}.ranges.{name}"
        if not is_park or name not in PARK_RANGED:
            _fail(f"{key}.ranges key", name, " | ".join(PARK_RANGED) if is_park else "none (the rest of the city's data are not drawn)")
        f, value = fields[name], getattr(p, name)
        integer = f.type in (int, "int")
        if not isinstance(bounds, (list, tuple)) or len(bounds) != 2:
            _fail(where, bounds, "[lo, hi]: two numbers")
        for v in bounds:
            _check_range(where, v, *f.metadata["hard"], integer=integer)
        if not bounds[0] <= value <= bounds[1] or not bounds[0] < bounds[1]:
            _fail(where, list(bounds), f"[lo, hi] with lo < hi and the row's {name} ({value:g}) in it")

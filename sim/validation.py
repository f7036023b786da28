"""Value checks of a Config: `validate` raises ConfigError naming the first bad key and what
is allowed (Hydra prints it on one line). Ranges that are field metadata (`param`) are read
from the schema in sim.config, so each limit has one source."""

from __future__ import annotations

import math
from typing import Any

from .config import (
    CLUSTER_SCOPES, ECOSYSTEMS, FAI_BASES, FUND_ALLOCATIONS, GAIN_MODES, LEADING_SETS, OUTPUT_SCOPES, OUTSIDE,
    PARK_STATUSES, PRICES, RELOCATION_RULES, SECTORS, SPACE_ALLOCATIONS, UNCERTAINTIES, Calibration, Config,
    ConfigError, hard_range, uncertain_keys,
)


def _fail(key: str, value: Any, allowed: str) -> None:
    raise ConfigError(f"Invalid value for {key}: {value!r}; allowed: {allowed}")


def _check_range(key: str, value: float, lo: float = -math.inf, hi: float = math.inf) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        _fail(key, value, f"a finite number in [{lo}, {hi}]")
    if not lo <= value <= hi:
        _fail(key, value, f"a number in [{lo}, {hi}]")


def _check_choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        _fail(key, value, " | ".join(choices))


def validate(cfg: Config) -> Config:
    """Check every value; raise ConfigError naming the first bad key. Returns cfg."""
    if not isinstance(cfg.replications, int) or cfg.replications < 1:
        _fail("replications", cfg.replications, "an integer >= 1")
    if not isinstance(cfg.seed, int) or cfg.seed < 0:
        _fail("seed", cfg.seed, "an integer >= 0")
    _check_range("firms_scale", cfg.firms_scale, 1e-3, 10.0)
    _check_choice("uncertainty", cfg.uncertainty, UNCERTAINTIES)
    drawable = {key for key, _ in uncertain_keys()}
    for name, keys in (("fixed_parameters", cfg.fixed_parameters), ("fit_se", cfg.fit_se)):
        for key in keys:
            if key not in drawable:
                _fail(name, key, "keys of uncertain fields, e.g. params.macro_sd or calibration.zipf_exponent (sim/config.py, `param` fields)")
    for key, se in cfg.fit_se.items():
        _check_range(f"fit_se.{key}", se, 0.0)
    base = cfg.calibration.base_year
    if not isinstance(cfg.horizon_year, int) or not cfg.targets.year <= cfg.horizon_year <= 2035:
        _fail("horizon_year", cfg.horizon_year, f"an integer in [{cfg.targets.year}, 2035]")
    if not base < cfg.targets.year <= 2035:
        _fail("targets.year", cfg.targets.year, f"an integer in [{base + 1}, 2035]")

    p = cfg.policy
    _check_range("policy.fund_yi_per_year", p.fund_yi_per_year, 0.0, 1e5)
    _check_choice("policy.fund_allocation", p.fund_allocation, FUND_ALLOCATIONS)
    _check_range("policy.fund_platform_share", p.fund_platform_share, 0.0, 1.0)
    _check_range("policy.factory_space_m2_per_year", p.factory_space_m2_per_year, 0.0, 1e9)
    _check_range("policy.land_renovation_mu_per_year", p.land_renovation_mu_per_year, 0.0, 1e7)
    _check_choice("policy.space_allocation", p.space_allocation, SPACE_ALLOCATIONS)
    _check_range("policy.talent_inflow_per_year", p.talent_inflow_per_year, 0.0, 1e8)
    _check_range("policy.attraction_intensity", p.attraction_intensity, 0.0, 10.0)
    _check_range("policy.attraction_steering", p.attraction_steering, 0.0, 1.0)
    _check_choice("policy.relocation_rule", p.relocation_rule, RELOCATION_RULES)

    # a value outside the plausible range is allowed (sensitivity studies go there), but
    # not outside what the equations accept (`hard_range`): sign and share constraints.
    for key, f in uncertain_keys():
        group, name = key.split(".")
        _check_range(key, getattr(getattr(cfg, group), name), *hard_range(f))
    if cfg.params.jump_rate > 12.0:  # a jump is a Bernoulli draw per month: at most 12 a year
        _fail("params.jump_rate", cfg.params.jump_rate, "a number in [0, 12]")
    if cfg.params.jump_scale >= 0.5:
        _fail("params.jump_scale", cfg.params.jump_scale, "a number in [0, 0.5)")
    _check_range("params.space_hold_slack", cfg.params.space_hold_slack, 0.0, 1.0)
    _check_range("params.coordination_cost_relief", cfg.params.coordination_cost_relief, 0.0, 1.0)

    t = cfg.targets
    _check_range("targets.parks_output_yi", t.parks_output_yi, 0.0)
    _check_range("targets.leading_share", t.leading_share, 0.0, 1.0)
    _check_range("targets.fai_growth", t.fai_growth, -1.0, 10.0)
    _check_range("targets.cluster_1000yi", t.cluster_1000yi, 0.0)
    _check_range("targets.cluster_10000yi", t.cluster_10000yi, 0.0)
    _check_choice("targets.cluster_scope", t.cluster_scope, CLUSTER_SCOPES)
    _check_choice("targets.output_scope", t.output_scope, OUTPUT_SCOPES)
    _check_choice("targets.prices", t.prices, PRICES)
    _check_choice("targets.leading_set", t.leading_set, LEADING_SETS)
    _check_choice("targets.fai_base", t.fai_base, FAI_BASES)
    for key in ("clusters_1000yi", "clusters_10000yi"):
        names = getattr(t, f"{key}_ecosystems")
        for s in names:
            _check_choice(f"targets.{key}_ecosystems", s, ECOSYSTEMS)
        _check_range(f"targets.{key}_count", getattr(t, f"{key}_count"), 0, len(names) or len(ECOSYSTEMS))
    _check_range("targets.leading_share_gain", t.leading_share_gain, 0.0, 10.0)
    _check_choice("targets.leading_share_gain_mode", t.leading_share_gain_mode, GAIN_MODES)
    _check_range("targets.leading_share_cap", t.leading_share_cap, 0.0, 1.0)
    _check_range("targets.st_coverage", t.st_coverage, 0.0, 1.0)

    _validate_calibration(cfg.calibration)
    return cfg


def _validate_calibration(c: Calibration) -> None:
    if not c.parks:
        _fail("calibration.parks", "[]", "a non-empty list of parks")
    ids = [p.id for p in c.parks]
    if len(set(ids)) != len(ids) or OUTSIDE in ids:
        _fail("calibration.parks[].id", ids, f"unique ids other than {OUTSIDE!r}")
    for k in set(c.sector_weights) | set(c.skilled_share):
        _check_choice(f"calibration sector key {k}", k, SECTORS)
    for s in SECTORS:
        _check_range(f"calibration.sector_weights.{s}", c.sector_weights.get(s, -1.0), 1e-6, math.inf)
        _check_range(f"calibration.skilled_share.{s}", c.skilled_share.get(s, -1.0), 0.0, 1.0)
    if c.outside.id != OUTSIDE:
        _fail("calibration.outside.id", c.outside.id, f"{OUTSIDE!r} (the rest of the city is not a park)")
    if c.outside.leading or c.outside.leading_share_2022 != 0:
        _fail("calibration.outside.leading", c.outside.leading, "[] with leading_share_2022 0 (the rest of the city has no leading industry)")
    for i, p in enumerate([*c.parks, c.outside]):
        key = f"calibration.parks[{i}]" if i < len(c.parks) else "calibration.outside"
        for name in ("id", "name_zh", "district"):  # required: the schema's "?" means not given
            if getattr(p, name) in ("", "?"):
                _fail(f"{key}.{name}", getattr(p, name), "a value (required, no default)")
        if i < len(c.parks) and not p.leading:
            _fail(f"{key}.leading", p.leading, f"a non-empty list of {' | '.join(ECOSYSTEMS)} (every park has a leading industry)")
        _check_choice(f"{key}.status", p.status, PARK_STATUSES)
        _check_range(f"{key}.output_2022_yi", p.output_2022_yi, 1e-6)
        _check_range(f"{key}.leading_share_2022", p.leading_share_2022, 0.0, 1.0)
        _check_range(f"{key}.vacancy_2022", p.vacancy_2022, 0.0, 0.9)
        _check_range(f"{key}.land_price_yuan_m2", p.land_price_yuan_m2, 1e-6)
        _check_range(f"{key}.st_platforms_2022", p.st_platforms_2022, 0)
        _check_range(f"{key}.inefficient_land_share", p.inefficient_land_share, 0.0, 1.0)
        _check_range(f"{key}.services_revenue_2022_yi", p.services_revenue_2022_yi, 0.0)
        for s in p.leading:
            _check_choice(f"{key}.leading", s, ECOSYSTEMS)
    _check_range("calibration.above_scale_firms", c.above_scale_firms, 1)
    _check_range("calibration.max_firm_yi", c.max_firm_yi, 10.0 * c.above_scale_threshold_yi)
    _check_range("calibration.above_scale_threshold_yi", c.above_scale_threshold_yi, 1e-6)

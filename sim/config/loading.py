"""Loading a Config without Hydra: `load_config(scenario=..., **settings)` composes what
`python run.py` composes by default (calibration, target reading, fitted parameters, the
scenario's levers), with any setting given by its field name or dotted key; files are
parsed once per process (cached on their modification time) and each call returns a fresh
copy. The files are named by names, not paths (fields.NAME_RULE), and read by the data-file
rule Hydra reads them by (sim.config.datafiles). Values are checked by
sim.config.validation.validate."""

from __future__ import annotations

import copy
import dataclasses
import functools
from dataclasses import field
from pathlib import Path
from typing import Any

from .fields import NAME_RULE, close_matches, is_name
from .held import explicit_keys, hold
from .params import Params
from .schema import CONFIG_DIR, Calibration, Config, ConfigError, Costs, Policy, Targets, schema_keys
from .validation import validate

GROUPS: tuple[str, ...] = ("policy", "params", "calibration", "targets", "costs")


def _group_classes() -> dict[str, type]:
    return {"policy": Policy, "params": Params, "calibration": Calibration, "targets": Targets, "costs": Costs}


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    import typing

    return typing.get_type_hints(cls)


@functools.cache
def setting_names() -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """(flat, ambiguous): `flat` maps every name a setting can be given by to its dotted key
    (the fields of Config, e.g. "firms_scale", and of its groups, e.g.
    "factory_space_m2_per_year" -> "policy.factory_space_m2_per_year"); `ambiguous` maps a
    name that is a field of more than one group to its dotted keys (none today: a test
    checks; such a name must be given dotted)."""
    owners: dict[str, list[str]] = {}
    for f in dataclasses.fields(Config):
        owners.setdefault(f.name, []).append(f.name)
    for group, cls in _group_classes().items():
        for f in dataclasses.fields(cls):
            owners.setdefault(f.name, []).append(f"{group}.{f.name}")
    flat = {name: keys[0] for name, keys in owners.items() if len(keys) == 1}
    ambiguous = {name: tuple(keys) for name, keys in owners.items() if len(keys) > 1}
    return flat, ambiguous


def _all_keys() -> list[str]:
    flat, ambiguous = setting_names()
    return [*flat, *flat.values(), *(k for keys in ambiguous.values() for k in keys)]


def _unknown(key: str) -> ConfigError:
    return ConfigError(f"Unknown setting {key!r}{close_matches(key, dict.fromkeys(_all_keys()))} (allowed: a field of sim.config.Config or of "
                       f"its groups {', '.join(GROUPS)}, by name or dotted, e.g. factory_space_m2_per_year or policy.factory_space_m2_per_year)")


def unknown_key_line(key: str) -> str:
    """One line for a key the schema lacks, naming the close keys: those whose last name is
    the key's (a field given at the wrong place: factory_space_m2_per_year=... for
    policy.factory_space_m2_per_year=...), else the close spellings (difflib, as sim.run's)."""
    keys = schema_keys()
    last = key.rpartition(".")[2]
    placed = [k for k in keys if k.rpartition(".")[2] == last and k != key]
    close = f"; did you mean: {', '.join(placed[:3])}?" if placed else close_matches(key, keys)
    return f"Unknown config key {key}{close} (allowed: the keys of sim.config.Config, dotted, as python run.py --cfg job prints them)"


def setting_path(key: str) -> tuple[str, ...]:
    """The path of a setting given by name ("macro_sd" -> ("params", "macro_sd")) or dotted
    ("params.macro_sd", "calibration.outside.vacancy_2022"); ConfigError, one line naming it
    and the close names, if there is no such field."""
    if "." not in key:
        flat, ambiguous = setting_names()
        if key in ambiguous:
            raise ConfigError(f"{key!r} is a field of several groups: give it dotted, as one of {' | '.join(ambiguous[key])}")
        if key not in flat:
            raise _unknown(key)
        return tuple(flat[key].split("."))
    parts, cls = tuple(key.split(".")), Config
    for i, part in enumerate(parts):
        names = cls.__dataclass_fields__ if cls is not None else {}
        if part not in names:
            raise _unknown(key)
        kind = _hints(cls)[part]
        cls = kind if dataclasses.is_dataclass(kind) else None
        if cls is None and i < len(parts) - 1:
            raise _unknown(key)
    return parts


def _plain(value: Any) -> Any:
    """`value` with numpy scalars and arrays (np.int64, np.float32, ...) as Python values,
    in lists, tuples and dicts too (a dict's numpy keys: a schedule's years), so that the
    config holds Python types."""
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dict):
        return {(k.item() if type(k).__module__ == "numpy" and hasattr(k, "item") else k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _deep_update(into: dict, new: dict) -> None:
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _deep_update(into[k], v)
        else:
            into[k] = v


def nest_settings(values: dict[str, Any]) -> dict[str, Any]:
    """Settings by name or dotted key as the nested dict of top-level fields they set:
    {"factory_space_m2_per_year": 8e6, "seed": 3} -> {"policy": {"factory_space_m2_per_year": 8e6}, "seed": 3}.
    ConfigError for an unknown name."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        *head, last = setting_path(str(key))
        node: dict = {}
        leaf = node
        for part in head:
            leaf = leaf.setdefault(part, {})
        leaf[last] = _plain(value)
        _deep_update(out, node)
    return out


def apply_settings(cfg: Config, values: dict[str, Any]) -> Config:
    """Set `values` (names or dotted keys, see `setting_path`) on `cfg` in place, with the
    schema's types (an int for a float field becomes a float; a dict for a group sets some
    of its fields); ConfigError, one line, for an unknown name or a value of the wrong type.
    Values are not range-checked here: see sim.config.validation.validate. Returns cfg."""
    nested = nest_settings(values)
    if not nested:
        return cfg
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    _register_resolvers()
    hints = _hints(Config)
    # a small structured config holding only the fields being set, at cfg's values
    spec = [(k, hints[k], field(default_factory=functools.partial(copy.deepcopy, getattr(cfg, k)))) for k in nested]
    touched = dataclasses.make_dataclass("Settings", spec)
    try:
        merged = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(touched), nested))
    except OmegaConfBaseException as e:
        line = omegaconf_line(e)
        if not getattr(e, "full_key", None):  # OmegaConf did not say which: the settings given
            line = f"Invalid value for {' or '.join(map(str, values))}: {line}"
        raise ConfigError(line) from None
    for k in nested:
        setattr(cfg, k, getattr(merged, k))
    return cfg


def omegaconf_line(e: Exception) -> str:
    """One line for an OmegaConf error (a type error names its key)."""
    key = getattr(e, "full_key", None)
    first = str(e).splitlines()[0]
    if first.startswith("Incompatible key type"):  # a dict's key: a schedule's year is the only dict a user sets
        first += "; allowed: integer years as keys, a schedule {year: value}"
    return f"Invalid value for {key}: {first}" if key else first


def _register_resolvers() -> None:
    import datetime

    from omegaconf import OmegaConf

    if not OmegaConf.has_resolver("now"):  # Hydra's resolver for sweep_name, if Hydra has not run
        OmegaConf.register_new_resolver("now", lambda pattern: datetime.datetime.now().strftime(pattern))


def _now_sweep_name() -> str | None:
    """The default sweep_name (`${now:PATTERN}`) resolved now; None if it is not a timestamp."""
    import datetime
    import re

    m = re.fullmatch(r"\$\{now:(.*)\}", Config.__dataclass_fields__["sweep_name"].default)
    return datetime.datetime.now().strftime(m.group(1)) if m else None


def scenarios() -> list[str]:
    """The named scenarios: configs/scenario/NAME.yaml."""
    return sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))


def _file(group: str, name: str) -> Path:
    if not is_name(name):
        raise ConfigError(f"Invalid value for {group}: {name!r}; allowed: {NAME_RULE} (a file configs/{group}/NAME.yaml)")
    path = CONFIG_DIR / group / f"{name}.yaml"
    if not path.exists():
        options = sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))
        raise ConfigError(f"{group}: no file {path}; allowed: {' | '.join(options)}")
    return path


def _stamp(path: Path) -> tuple[str, int, int]:
    """What the caches are keyed on: a file edited since (e.g. a new fit) is read again."""
    st = path.stat()
    return str(path), st.st_mtime_ns, st.st_size


def _read(stamp: tuple[str, int, int]) -> dict:
    """A data file's content as Hydra would place it: refused (ConfigError) unless it is data
    (sim.config.datafiles) at the package `load_config` puts it at, as configs/config.yaml
    composes it (calibration and targets files: their group's; fit and scenario files: global)."""
    from . import datafiles

    path = Path(stamp[0])
    group = path.parent.name
    content, _, package = datafiles.read(path.read_bytes(), str(path), f"{group}/{path.stem}")
    want = group if group in ("calibration", "targets") else ""
    if package != want:
        raise ConfigError(f"{path}: at the package {package or '_global_'}; allowed: {want or '# @package _global_'}, as configs/config.yaml composes it")
    for key in ("defaults", "hydra"):
        if content.pop(key, None):
            raise ConfigError(f"{path}: {key} (a defaults list or sweep axes need run.py); allowed by load_config: values only")
    return content


def read_file(group: str, name: str) -> dict:
    """The content of configs/GROUP/NAME.yaml (a name, not a path), read as data (`_read`)."""
    return copy.deepcopy(_read(_stamp(_file(group, name))))


@functools.cache
def _calibration(stamp: tuple[str, int, int]) -> Calibration:
    from omegaconf import OmegaConf

    merged = OmegaConf.merge(OmegaConf.structured(Calibration), _read(stamp))
    return OmegaConf.to_object(merged)


def load_calibration(name: str = "hangzhou_2022") -> Calibration:
    """Read configs/calibration/NAME.yaml into a Calibration, without Hydra (parsed once per
    process and file version; a fresh copy each call)."""
    return copy.deepcopy(_calibration(_stamp(_file("calibration", name))))


@functools.cache
def _composed(calibration: tuple, targets: tuple, fit: tuple, scenario: tuple) -> Config:
    """Config <- calibration, target reading, fitted values and scenario files (each a
    `_stamp`), as Hydra's defaults list composes them (configs/config.yaml)."""
    from omegaconf import OmegaConf

    _register_resolvers()
    merged = OmegaConf.merge(
        OmegaConf.structured(Config),
        {"calibration": OmegaConf.to_container(OmegaConf.structured(_calibration(calibration)))},
        {"targets": _read(targets)},
        _read(fit),
        _read(scenario),
    )
    return OmegaConf.to_object(merged)


@functools.cache
def _file_settings(stamp: tuple[str, int, int]) -> dict:
    """What a data file sets (a scenario's levers and parameters), as a nested dict."""
    from omegaconf import OmegaConf

    return OmegaConf.to_container(OmegaConf.load(stamp[0]), resolve=False) or {}


def load_config(calibration: str = "hangzhou_2022", fit: str = "hangzhou_2022", targets: str = "plan_2025", scenario: str = "baseline", **values: Any) -> Config:
    """The Config `python run.py scenario=SCENARIO ...` composes (calibration, target reading,
    fitted parameters, the scenario's levers from configs/scenario/SCENARIO.yaml), without
    Hydra; `values` set any field by name or dotted key (e.g. firms_scale=0.1,
    factory_space_m2_per_year=8e6, macro_sd=0.05, **{"policy.fund_yi_per_year": 3.0}; a
    group as a dict sets some of its fields: policy={"fund_yi_per_year": 3.0}); numpy
    scalars are taken as Python values. fit="none" keeps every parameter at its prior
    default. An unknown file, scenario or name is a ConfigError (one line, with the allowed
    or close names); the result is validated. The files are parsed once per process (and
    again if edited); each call returns a fresh Config. An uncertain parameter set by
    `values` or by the scenario file is held at that value under every uncertainty (added to
    `fixed_parameters`, sim.config.held); the calibration and fit files are the base."""
    if scenario not in scenarios():
        raise ConfigError(f"Unknown scenario {scenario!r}; allowed: {' | '.join(scenarios())} (configs/scenario/)")
    stamps = [_stamp(_file(group, name)) for group, name in (("calibration", calibration), ("targets", targets), ("fit", fit), ("scenario", scenario))]
    cfg = copy.deepcopy(_composed(*stamps))
    if "sweep_name" not in values and (now := _now_sweep_name()) is not None:
        cfg.sweep_name = now  # the timestamp of this call, as an uncached load would resolve it
    apply_settings(cfg, values)
    hold(cfg, [*explicit_keys(_file_settings(stamps[3])), *explicit_keys(nest_settings(values))])  # an explicit setting wins
    return validate(cfg)


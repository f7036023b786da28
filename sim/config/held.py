"""An explicit setting wins: an uncertain parameter the user set is held at that value.

Under `uncertainty=parameters` or `posterior` replication k draws every uncertain parameter
but those listed in `Config.fixed_parameters`. A parameter set explicitly (on the command
line, in a sweep axis, in a scenario or experiment file, or as a keyword of `load_config`,
`sim.run` or `sim.outcomes`) is added to that list, so it keeps the value given in every
mode, and the resolved config (its hash, .hydra/config.yaml) and targets.json say so. It is
the key that counts, not the value: setting a parameter to its default holds it too. The
calibration file (configs/calibration/) and the fit file (configs/fit/) are the base the
settings start from, not explicit settings.

`explicit_keys(settings)` finds the uncertain keys a nested mapping of settings sets (a data
file's content, or settings by dotted key nested); `hold(cfg, keys)` adds them to
`cfg.fixed_parameters`. Where the settings come from is the caller's: `load_config` here,
the command line in sim/runs/held.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .schema import Config, uncertain_keys

BASE_GROUPS = ("calibration", "fit")  # config groups whose files are the base, not explicit settings


def _dotted(node: Any, prefix: str = "") -> Iterable[str]:
    if isinstance(node, Mapping):
        for k, v in node.items():
            key = f"{prefix}{k}"
            yield key
            yield from _dotted(v, key + ".")


def explicit_keys(settings: Mapping) -> list[str]:
    """The uncertain keys that nested `settings` set, in schema order:
    {"params": {"macro_sd": 0.05}, "policy": {...}} -> ["params.macro_sd"]."""
    found = set(_dotted(settings))
    return [key for key, _ in uncertain_keys() if key in found]


def hold(cfg: Config, keys: Iterable[str]) -> Config:
    """Add `keys` to `cfg.fixed_parameters` (in place; those listed already keep their place,
    the new ones follow in schema order). Returns cfg."""
    listed = list(cfg.fixed_parameters)
    new = set(keys) - set(listed)
    cfg.fixed_parameters = listed + [key for key, _ in uncertain_keys() if key in new]
    return cfg

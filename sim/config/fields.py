"""How a user-settable number or choice of the schema declares what is allowed (re-exported
by sim.config), and the model's time step.

A number carries, in field metadata: `unit`, `source`, `hard` (what the equations accept:
`sim.config.validate` refuses anything else), and where meaningful `range` (the
plausible range a sweep, a sensitivity analysis or a policy search should vary). `param`
declares an uncertain number, drawn under `uncertainty=parameters` from its prior, a PERT
distribution on its range with its mode at its default (priors.py);
`number` declares any other (policy levers, targets, calibration values, run settings),
with the same keys. A string with a fixed set of values is declared with `choice`. A policy
lever also carries `label` (plain words and the unit, "Land renovation, 亩 a year") and `help`
(a sentence or two on what it does), which the dashboard shows on its control.
Integer fields are those annotated `int`.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import field
from typing import Any

STEPS_PER_YEAR = 12  # the model steps a month at a time
DT = 1.0 / STEPS_PER_YEAR  # years per step: Model.dt
# a per-year rate r enters a step as r x DT (a probability, or a share of a stock, per
# step), which cannot exceed 1: such fields are flagged per_step and capped at 1 / DT
PER_STEP_MAX = 1.0 / DT


def number(default: float, unit: str = "-", lo: float | None = None, hi: float | None = None, source: str = "",
           hard: tuple[float, float] | None = None, *, per_step: bool = False, share: bool = False,
           open_hi: bool = False, drawn: bool = False, schedule: bool = False, label: str = "", help: str = "") -> Any:
    """A number a user can set: default, unit, plausible range [lo, hi] (if given), source
    and `hard` limits (default: [0, inf), or [lo, inf) when lo < 0; [0, 1] for a `share`
    or probability; the top capped at 1 / DT for a `per_step` rate). `open_hi`: the top
    limit is excluded. `drawn`: uncertain, drawn from [lo, hi] (use `param`). `schedule`: a
    lever, a number or a schedule {year: number} (use `lever`; sim/config/schedules.py).
    `label` and `help`, if given: the plain-words name with its unit, and what it does."""
    if hard is None:
        hard = (0.0, 1.0) if share else (lo if lo is not None and lo < 0 else 0.0, math.inf)
    if per_step:
        hard = (hard[0], min(hard[1], PER_STEP_MAX))
    meta: dict[str, Any] = {"unit": unit, "source": source, "hard": hard}
    if lo is not None:
        meta["range"] = (lo, hi)
    for key, flag in (("per_step", per_step), ("share", share), ("open_hi", open_hi), ("drawn", drawn), ("schedule", schedule)):
        if flag:
            meta[key] = True
    meta.update(_words(label, help))
    return field(default=default, metadata=meta)


def _words(label: str, help: str) -> dict[str, str]:
    return {k: v for k, v in (("label", label), ("help", help)) if v}


def param(default: float, unit: str, lo: float, hi: float, source: str, hard: tuple[float, float] | None = None, **flags: bool) -> Any:
    """An uncertain number: `uncertainty=parameters` draws it from its prior (priors.py: PERT
    on [lo, hi], mode at `default`)."""
    return number(default, unit, lo, hi, source, hard, drawn=True, **flags)


# A numeric lever's type: a number, or a schedule {year: number} (sim/config/schedules.py). OmegaConf
# cannot type a union of a float and a dict, so the schema types it Any and `validate`
# checks it against the field's metadata, as every other value.
Schedule = Any


def lever(default: float, unit: str, lo: float, hi: float, source: str, hard: tuple[float, float] | None = None, *, label: str, help: str,
          **flags: bool) -> Any:
    """A numeric policy lever: a number, or a schedule {year: number} (sim/config/schedules.py);
    plausible range [lo, hi] (what a sweep or a policy search varies), not drawn. `label`
    (plain words and the unit) and `help` (what it does) are what the dashboard shows."""
    return number(default, unit, lo, hi, source, hard, schedule=True, label=label, help=help, **flags)


def choice(default: Any, choices: tuple[str, ...], *, label: str = "", help: str = "") -> Any:
    """A string (or, with a list default, a list of strings) from a fixed set of values;
    `label` and `help` as for `number` (a policy lever's choice has both)."""
    meta = {"choices": choices, **_words(label, help)}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


# A name of a file or a directory, never a path: what a sweep_name, a scenario label and the
# calibration, fit, targets and scenario file names must be, so that whatever they name stays
# inside its root (results/, configs/). The default sweep name, a timestamp such as
# 2026-12-07_14-43-25, is one.
NAME_RULE = "a name of letters, digits, _ . - (not starting with '.', without '..'): it names a file or directory, not a path"
_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")


def is_name(value: Any) -> bool:
    """`value` is a name (NAME_RULE): it cannot lead out of the directory it is joined to."""
    return isinstance(value, str) and _NAME.fullmatch(value) is not None and ".." not in value


def name(default: str) -> Any:
    """A string that names a file or directory (NAME_RULE; `validate` refuses anything else)."""
    return field(default=default, metadata={"name": True})


def close_matches(name: str, names) -> str:
    """'; did you mean: a, b?' for the close matches of `name` among `names`, or ''."""
    matches = difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)
    return f"; did you mean: {', '.join(matches)}?" if matches else ""


def _setattr_fields_only(self, name: str, value: Any) -> None:
    if name in type(self).__dataclass_fields__ or name.startswith("_"):
        object.__setattr__(self, name, value)
        return
    cls = type(self).__name__
    raise AttributeError(f"{cls} has no field {name!r}{close_matches(name, type(self).__dataclass_fields__)} "
                         f"(the fields of sim.config.{cls}; a typo would create a setting the model never reads)", name=name, obj=self)


def locked(cls: type) -> type:
    """A schema dataclass whose instances refuse to set a name that is not one of its fields
    (private names, `_x`, are allowed). Instances still pickle, copy, `dataclasses.replace`
    and go through OmegaConf.structured / to_object: those set fields only."""
    cls.__setattr__ = _setattr_fields_only
    return cls

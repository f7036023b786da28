"""What a replication must be before its results are kept: finite, and within the memory
budget as it runs (sim.config.budget).

`run` builds and steps the Model, checking before each month that the firms, the entrants
they may draw and the projects fit in the budget, so a population that grows without bound
is refused before it allocates, not by a MemoryError. `check_finite` then refuses a
replication whose recorded aggregates, targets or cost are not finite numbers. Both raise
ConfigError, one line, naming the values furthest outside their plausible ranges (the
likely cause): a run never writes NaN or inf into targets.json.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..config import budget
from ..config.schema import Config, ConfigError
from ..model.model import Model
from .lifetime import raise_if_terminated

GROUPS = ("params", "calibration", "policy", "costs")


def _values(value) -> list[float]:
    return [float(v) for v in value.values()] if isinstance(value, dict) else [float(value)]


def outside(cfg: Config) -> list[tuple[float, str, str]]:
    """(distance, key, text) of every number outside its plausible range (field metadata
    `range`), farthest first; the distance is in widths of the range."""
    found = []
    for group in GROUPS:
        obj = getattr(cfg, group)
        for f in dataclasses.fields(obj):
            if "range" not in f.metadata:
                continue
            lo, hi = f.metadata["range"]
            width = hi - lo if hi > lo else max(abs(hi), 1.0)
            for v in _values(getattr(obj, f.name)):
                d = (v - hi) / width if v > hi else (lo - v) / width if v < lo else 0.0
                if d > 0 or not math.isfinite(d):
                    found.append((d, f"{group}.{f.name}", f"{v:g} (plausible {lo:g} to {hi:g})"))
    return sorted(found, key=lambda t: (-t[0], t[1]))


def refusal(cfg: Config, what: str, limit: int = 3) -> ConfigError:
    """One line: 'Invalid value for KEY: VALUE (plausible ...; also ...): WHAT; allowed: ...'."""
    far = outside(cfg)[:limit]
    allowed = "values that keep the run finite and within memory: move them towards their plausible ranges (sim/config/params.py, schema.py)"
    if not far:
        return ConfigError(f"{what}, with every value inside its plausible range (a combination of calibration values, or a bug: please report it)")
    first, rest = far[0], far[1:]
    also = "; also " + ", ".join(f"{k}={t}" for _, k, t in rest) if rest else ""
    return ConfigError(f"Invalid value for {first[1]}: {first[2]}{also}: {what}; allowed: {allowed}")


def _when(model: Model) -> str:
    return str(model.dates[min(model.steps, len(model.dates) - 1)])


def check_step(model: Model, cfg: Config, replication: int, start: int, draws: tuple[float, float]) -> None:
    """Before a month: the memory it may need (sim.config.budget.step_bytes) within the budget;
    `draws`: the config's entry draws per firm and project draws a month (constant in a run)."""
    firms = model.firms
    live = firms.live().size
    need = budget.step_bytes(firms.n, live, len(model.investment.projects), *draws)
    if need > budget.MEMORY_BUDGET:
        raise refusal(cfg, f"replication {replication} at {_when(model)}: the population grew to {live:,} simulated firms ({start:,} at the "
                           f"start) and the next month could need {budget.gib(need)} of memory, beyond the budget of "
                           f"{budget.gib(budget.MEMORY_BUDGET)} (sim.config.budget.MEMORY_BUDGET)")


def check_month(model: Model, cfg: Config, replication: int) -> None:
    """After a month: its recorded aggregates are finite (a NaN stops the run where it
    appears, before it reaches a draw or a division that would fail on it)."""
    rec, t = model.recorder, model.steps
    for group in (rec.cells, rec.locations, rec.flows):
        for name, a in group.items():
            if not np.isfinite(a[t]).all():
                raise refusal(cfg, f"replication {replication}: the model's state is not finite ({_first_bad(name, a, rec.dates)})")


# numpy's Poisson draw refuses a rate that is NaN, negative, infinite or beyond about 9.2e18
# (its messages): a state gone outside what a count can be, as a non-finite one
POISSON_ERRORS = ("lam value too large", "lam < 0 or lam is NaN", "lam < 0 or lam contains NaNs")


def run(cfg: Config, replication: int) -> Model:
    """Model(cfg, replication).run(), a month at a time: check_step before each month,
    check_month after it. An arithmetic error of the model (a division by zero, an
    overflow), a Poisson rate beyond any count, or a MemoryError is refused as a
    non-finite state is; any other error is a bug and keeps its traceback."""
    model = None
    try:
        model = Model(cfg, replication=replication)
        start = model.firms.live().size
        draws = budget.entry_draws_per_firm(cfg), budget.monthly_project_draws(cfg)
        while model.running:
            raise_if_terminated()  # a signal whose exception a C callback swallowed (sim.runs.lifetime)
            check_step(model, cfg, replication, start, draws)
            model.step()
            check_month(model, cfg, replication)
    except (ArithmeticError, MemoryError, ValueError) as e:
        if isinstance(e, ValueError) and str(e) not in POISSON_ERRORS:
            raise
        when = f" at {_when(model)}" if model is not None and hasattr(model, "dates") else ""
        raise refusal(cfg, f"replication {replication}{when}: the model failed with {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from None
    return model


def _first_bad(name: str, a, dates) -> str | None:
    """'VAR is nan from DATE' for the first non-finite value of array `a` ([date, ...])."""
    a = np.asarray(a, dtype=float)
    bad = ~np.isfinite(a)
    if not bad.any():
        return None
    rows = bad.reshape(a.shape[0], -1).any(axis=1) if a.ndim > 1 else bad
    t = int(np.argmax(rows))
    value = a[t][bad[t]].flat[0] if a.ndim > 1 else a[t]
    return f"{name} is {value} from {dates[t] if t < len(dates) else t}"


def check_finite(cfg: Config, replication: int, rec, evaluation: list, cost: dict) -> None:
    """Refuse a replication with a non-finite recorded aggregate, target value or cost."""
    series = {**rec.cells, **rec.locations, **rec.flows, "price_index": rec.price_index, "services_revenue_yi": rec.services_yi}
    for name, a in series.items():
        where = _first_bad(name, a, rec.dates)
        if where is not None:
            raise refusal(cfg, f"replication {replication}: the model's state is not finite ({where})")
    for v in evaluation:
        if not math.isfinite(v.value):
            raise refusal(cfg, f"replication {replication}: target {v.name} is {v.value}")
    totals = [cost["total"], cost["low"], cost["high"], *cost["by_lever"].values(), *cost["quantities"].values()]
    if not all(math.isfinite(x) for x in totals):
        raise refusal(cfg, f"replication {replication}: the policy's cost is not finite ({cost['by_lever']})")

"""`sim.run`: one scenario x N replications from Python, results as Python objects.

    import sim
    r = sim.run(scenario="no_policy", replications=20, uncertainty="seeds", factory_space_m2_per_year=8e6)
    r.targets["parks_output"].met_fraction, r.frame, r.timeseries

It is `sim.runs.simulate.simulate` (what `python run.py` runs), with the config built by
`sim.config.load_config` and the result files read back into pandas: no progress line
and no Mesa log lines, whatever the logging configuration.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import budget
from ..config.schema import Config, ConfigError
from ..config.loading import load_config

if TYPE_CHECKING:  # pandas is imported when a run is made, not with `import sim`
    import pandas as pd


@dataclass(frozen=True)
class TargetResult:
    """One of the plan's targets over the replications (an entry of targets.json)."""

    name: str
    description: str
    unit: str
    threshold: float
    met_fraction: float  # P(met): the share of replications that met it
    ci95: tuple[float, float]  # Wilson 95% interval of met_fraction
    median: float  # median value over the replications
    median_margin: float | None  # median of (value - threshold) / threshold
    values: list[float] = field(repr=False)  # per replication
    met: list[bool] = field(repr=False)  # per replication
    reading: str = field(default="", repr=False)  # how the plan's words are read (ODD 8.3)

    @classmethod
    def from_entry(cls, entry: dict) -> "TargetResult":
        import numpy as np

        values = [float(v) for v in entry["values"]]
        return cls(
            name=entry["name"], description=entry["description"], unit=entry["unit"], threshold=float(entry["threshold"]),
            met_fraction=float(entry["met_fraction"]), ci95=(float(entry["ci95"][0]), float(entry["ci95"][1])),
            median=float(np.median(values)), median_margin=entry["median_margin"], values=values,
            met=[bool(m) for m in entry["met"]], reading=entry.get("reading", ""),
        )  # fmt: skip


@dataclass(frozen=True)
class Result:
    """What `sim.run` returns.

    targets: name -> TargetResult (under uncertainty=parameters or posterior: over parameter
    draws and seeds; `targets_seeds` then holds the same replications at the configured values);
    frame: one row per target (name, met_fraction, ci_lo, ci_hi, median, threshold,
    median_margin, unit, description); timeseries: the long table of timeseries.parquet
    (replication, date, level, id, variable, value as float32; its levels by
    `outputs=parks|cells`; README's results contract); config:
    the Config run; raw: the targets.json content; cost_yi and cost: the policy's public
    cost over the plan period, in total and by lever (亿元)."""

    targets: dict[str, TargetResult]
    frame: "pd.DataFrame" = field(repr=False)
    timeseries: "pd.DataFrame" = field(repr=False)
    config: Config = field(repr=False)
    raw: dict = field(repr=False)
    targets_seeds: dict[str, TargetResult] | None = field(default=None, repr=False)

    @property
    def cost_yi(self) -> float:
        """The policy's public cost over the plan period, 亿元 (median over the replications; sim/rules/costs.py)."""
        return float(self.raw["cost"]["total_yi"])

    @property
    def cost(self) -> dict[str, float]:
        """The cost by lever, 亿元 (factory_space, land_renovation, talent, fund, attraction)."""
        return dict(self.raw["cost"]["by_lever_yi"])

    @property
    def outcomes(self) -> dict[str, float]:
        """A flat dict of numbers, as exploratory-modelling tools take outcomes: per target
        `NAME_met_fraction`, `NAME_ci_lo`, `NAME_ci_hi`, `NAME_median`, `NAME_median_margin`
        (NaN where a margin is undefined); `cost_yi` and `cost_LEVER_yi`, the public cost."""
        out: dict[str, float] = {"cost_yi": self.cost_yi, **{f"cost_{k}_yi": v for k, v in self.cost.items()}}
        for name, t in self.targets.items():
            margin = float("nan") if t.median_margin is None else float(t.median_margin)
            out.update({f"{name}_met_fraction": t.met_fraction, f"{name}_ci_lo": t.ci95[0], f"{name}_ci_hi": t.ci95[1],
                        f"{name}_median": t.median, f"{name}_median_margin": margin})
        return out


def _frame(targets: dict[str, TargetResult]) -> "pd.DataFrame":
    import pandas as pd

    columns = ["name", "met_fraction", "ci_lo", "ci_hi", "median", "threshold", "median_margin", "unit", "description"]
    rows = [(t.name, t.met_fraction, t.ci95[0], t.ci95[1], t.median, t.threshold, t.median_margin, t.unit, t.description) for t in targets.values()]
    return pd.DataFrame(rows, columns=columns)


@contextlib.contextmanager
def quiet_mesa():
    """Mesa logs every step at INFO on its "MESA" logger family (mesa.model._do_step): raise
    that family to WARNING for the duration, then restore its level. Nothing else of the
    logging configuration is touched."""
    logger = logging.getLogger("MESA")
    level = logger.level
    if logger.getEffectiveLevel() < logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def run(scenario: str = "baseline", replications: int = 10, seed: int = 0, firms_scale: float = 1.0, uncertainty: str = "parameters",
        on_progress: Callable[[int, int], None] | None = None, **overrides: Any) -> Result:
    """Run `scenario` (configs/scenario/) for `replications` replications from `seed`, at
    `firms_scale` simulated firms per real firm, and evaluate the plan's targets.
    `uncertainty`: "seeds" (P(met) over seed noise, parameters at their values),
    "parameters" (each replication also draws every uncertain parameter from its prior; as
    run.py) or "posterior" (the parameters of the posterior sample `posterior=NAME`,
    data/posterior/NAME.csv, from one of its particles, the others from their priors).
    `overrides`: any field of the config by name or dotted key (e.g.
    factory_space_m2_per_year=8e6, macro_sd=0.05, **{"targets.year": 2025}; calibration=,
    fit= and targets= name files, as in `load_config`, e.g. fit="none"); numpy scalars are
    accepted. An uncertain parameter set here is held at its value in every replication
    (not drawn; `raw["held"]` records it). An unknown name or a bad value raises ConfigError (one line). `on_progress(done,
    total)` is called after each model run (under "parameters" and "posterior" there are 2 x replications)."""
    import pandas as pd

    from .simulate import simulate

    if "progress" in overrides:  # run.py's bar on stderr; sim.run reports progress to a callback
        raise ConfigError(f"Invalid value for progress: {overrides['progress']!r}; allowed: not a setting of sim.run, which prints "
                          "nothing: pass on_progress=f, called as f(done, total) after each model run")
    cfg = load_config(scenario=scenario, replications=replications, seed=seed, firms_scale=firms_scale, uncertainty=uncertainty, progress=False, **overrides)
    budget.check(cfg, timeseries_in_memory=True)  # the whole time series is returned in memory
    with tempfile.TemporaryDirectory(prefix="sim-run-") as tmp, quiet_mesa():
        out = Path(tmp) / "run"
        raw = simulate(cfg, out_dir=out, on_progress=on_progress)
        timeseries = pd.read_parquet(out / "timeseries.parquet")
    targets = {e["name"]: TargetResult.from_entry(e) for e in raw["targets"]}
    seeds = {e["name"]: TargetResult.from_entry(e) for e in raw["targets_seeds"]} if "targets_seeds" in raw else None
    return Result(targets=targets, frame=_frame(targets), timeseries=timeseries, config=cfg, raw=raw, targets_seeds=seeds)


def outcomes(**settings: Any) -> dict[str, float]:
    """`run(**settings).outcomes`: a function of keyword arguments returning a dict of
    numbers, the form EMA Workbench's `Model(name, function=sim.outcomes)`, SALib loops and
    Optuna objectives take without a wrapper."""
    return run(**settings).outcomes

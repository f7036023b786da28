"""Run one scenario x N replications in-process and write the results contract.

Kept apart from Hydra (run.py) so scripts, notebooks and tests call it directly.
"""

from __future__ import annotations

import contextlib
import itertools
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from ..rules import costs
from . import guard, uncertainty
from ..config.schema import Config
from ..config.validation import validate
from .results import ResultSet, timeseries_table
from .table import format_table, margin_words
from .targets import evaluate, summarize, years_met

__all__ = ["format_table", "margin_words", "simulate"]


def _progress(cfg: Config, total: int, desc: str = "replications") -> tqdm:
    """A tqdm bar on stderr (runs done, elapsed, time left); disabled unless `cfg.progress`
    and more than one replication."""
    return tqdm(total=total, desc=desc, unit="run", file=sys.stderr, disable=not (cfg.progress and cfg.replications > 1),
                dynamic_ncols=True, leave=True)


def _replicate(cfg: Config, values: pd.DataFrame, progress: Callable[[], None], results: ResultSet | None) -> tuple[list[dict], dict]:
    """Run every replication k with the parameter values of row k (its rows streamed to
    `results`, if given); the targets.json entries and the policy's cost (sim/rules/costs.py)."""
    evaluations, first_years, spent = [], [], []
    base = cfg.calibration.base_year
    for k, row in values.iterrows():
        run_cfg = uncertainty.apply(cfg, row)
        rec = guard.run(run_cfg, int(k)).recorder  # refused, one line, if it outgrows the memory budget or a month is not finite
        evaluation, cost = evaluate(rec, cfg.targets, base), costs.of_run(rec, cfg)
        guard.check_finite(run_cfg, int(k), rec, evaluation, cost)  # refused, one line, unless finite
        if results is not None:
            results.add_replication(timeseries_table(rec, int(k), cfg.outputs))
        evaluations.append(evaluation)
        spent.append(cost)
        if cfg.horizon_year > cfg.targets.year:
            first_years.append(years_met(rec, cfg.targets, base))
        progress()
    return summarize(evaluations, first_years if first_years else None), costs.summarize(spent, cfg)


def simulate(cfg: Config, out_dir: Path | None = None, on_progress: Callable[[int, int], None] | None = None) -> dict:
    """Run `cfg.replications` replications; returns the targets.json content. With `out_dir`,
    write timeseries.parquet, parameters.parquet and targets.json there as a set: all three
    once every replication has finished, or none (sim.runs.results.ResultSet). Under `uncertainty=parameters` (or `posterior`) replication k runs at
    its own parameter draw (or particle), and the same replications are run again at the configured
    values, so targets.json holds P(met) under both (`targets` and `targets_seeds`).
    `on_progress(done, total)` is called after each run (a dashboard's progress bar)."""
    validate(cfg)
    drawn = uncertainty.is_drawn(cfg)
    values = uncertainty.values(cfg)
    total = cfg.replications * (2 if drawn else 1)
    with contextlib.ExitStack() as stack:
        bar = stack.enter_context(_progress(cfg, total, "replications at their draws, then at the configured values" if drawn else "replications"))
        done = itertools.count(1)

        def progress() -> None:
            bar.update()
            if on_progress is not None:
                on_progress(next(done), total)

        results = stack.enter_context(ResultSet(out_dir)) if out_dir is not None else None
        targets, cost = _replicate(cfg, values, progress, results)
        result = dict(
            scenario=cfg.scenario, seed=int(cfg.seed), replications=int(cfg.replications), uncertainty=cfg.uncertainty,
            target_year=cfg.targets.year, horizon_year=cfg.horizon_year, targets=targets, cost_yi=cost["total_yi"], cost=cost,
        )
        result.update(uncertainty.recorded(cfg))  # what was held, and the posterior used
        if drawn:
            result["targets_seeds"] = _replicate(cfg, uncertainty.point(cfg), progress, None)[0]
        if results is not None:
            results.commit(values.reset_index(), result)
    return result

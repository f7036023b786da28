"""Run one scenario x N replications in-process and write the results contract.

Kept apart from Hydra (run.py) so scripts, notebooks and tests call it directly.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from . import uncertainty
from .config import Config
from .validation import validate
from .model import Model
from .results import ResultSet
from .targets import evaluate, summarize, years_met


class _Progress:
    """One line on stderr, rewritten: replications done, seconds, time left."""

    def __init__(self, cfg: Config, total: int):
        self.on, self.total, self.done, self.start = cfg.progress and total > 1, total, 0, time.perf_counter()

    def tick(self) -> None:
        self.done += 1
        elapsed = time.perf_counter() - self.start
        if self.on and (elapsed > 2.0 or self.done == self.total):
            eta = elapsed / self.done * (self.total - self.done)
            print(f"\rreplication {self.done}/{self.total}  {elapsed:.1f} s, about {eta:.0f} s left", end="", file=sys.stderr, flush=True)
        if self.on and self.done == self.total:
            print(file=sys.stderr)


def _replicate(cfg: Config, values: pd.DataFrame, progress: _Progress, results: ResultSet | None) -> list[dict]:
    """Run every replication k with the parameter values of row k (its rows streamed to
    `results`, if given); the targets.json entries."""
    evaluations, first_years = [], []
    base = cfg.calibration.base_year
    for k, row in values.iterrows():
        rec = Model(uncertainty.apply(cfg, row), replication=int(k)).run().recorder
        if results is not None:
            results.add_replication(rec.tidy(int(k)))
        evaluations.append(evaluate(rec, cfg.targets, base))
        if cfg.horizon_year > cfg.targets.year:
            first_years.append(years_met(rec, cfg.targets, base))
        progress.tick()
    return summarize(evaluations, first_years if first_years else None)


def simulate(cfg: Config, out_dir: Path | None = None) -> dict:
    """Run `cfg.replications` replications; returns the targets.json content. With `out_dir`,
    write timeseries.parquet, parameters.parquet and targets.json there as a set: all three
    once every replication has finished, or none (sim.results.ResultSet). Under `uncertainty=parameters` replication k runs at
    its own parameter draw, and the same replications are run again at the configured
    values, so targets.json holds P(met) under both (`targets` and `targets_seeds`)."""
    validate(cfg)
    drawn = cfg.uncertainty == "parameters"
    values = uncertainty.draws(cfg) if drawn else uncertainty.point(cfg)
    progress = _Progress(cfg, cfg.replications * (2 if drawn else 1))
    with contextlib.ExitStack() as stack:
        results = stack.enter_context(ResultSet(out_dir)) if out_dir is not None else None
        result = dict(
            scenario=cfg.scenario, seed=int(cfg.seed), replications=int(cfg.replications), uncertainty=cfg.uncertainty,
            target_year=cfg.targets.year, horizon_year=cfg.horizon_year,
            targets=_replicate(cfg, values, progress, results),
        )
        if drawn:
            result["targets_seeds"] = _replicate(cfg, uncertainty.point(cfg), progress, None)
        if results is not None:
            results.commit(values.reset_index(), result)
    return result


def margin_words(margin: float | None) -> str:
    """'short by 27%', 'over by 15%', 'met exactly'."""
    if margin is None:
        return "–"
    if abs(margin) < 5e-4:
        return "met exactly"
    return f"{'short' if margin < 0 else 'over'} by {abs(margin):.{1 if abs(margin) < 0.01 else 0}%}"


def format_table(result: dict, out_dir: Path | None = None) -> str:
    """The terminal table: per target the median value, the threshold, the median margin,
    and P(met) with its 95% Wilson interval (under both kinds of uncertainty when run)."""
    n = result["replications"]
    both = "targets_seeds" in result
    seeds = {t["name"]: t for t in result.get("targets_seeds", [])}
    p_head = ["P(met), parameters+seeds", "P(met), seeds only"] if both else ["P(met), seeds"]
    head = f"{'target':<20}{'median':>12}{'target':>10}  {'median margin':<15}" + "".join(f"{h:<26}" for h in p_head)
    lines = [
        f"scenario {result['scenario']}: {n} replication{'s' if n > 1 else ''} from seed {result['seed']}, "
        f"uncertainty={result['uncertainty']}; the plan's targets for {result['target_year']} (reading: ODD section 8.3)",
        head,
    ]

    def num(v: float, unit: str) -> str:
        if unit == "亿元":
            return f"{v:,.0f}亿"
        if unit == "count":
            return f"{v:g}"
        return f"{v:.1%}" if unit in ("share", "share of parks", "1/yr") else f"{v:.3g}"

    def p_cell(t: dict) -> str:
        lo, hi = t["ci95"]
        return f"{t['met_fraction']:.2f} [{lo:.2f}, {hi:.2f}]"

    for t in result["targets"]:
        cells = [p_cell(t)] + ([p_cell(seeds[t["name"]])] if both else [])
        lines.append(
            f"{t['name']:<20}{num(float(np.median(t['values'])), t['unit']):>12}{num(t['threshold'], t['unit']):>10}  "
            f"{margin_words(t['median_margin']):<15}" + "".join(f"{c:<26}" for c in cells)
        )
    lines.append("")
    lines += [f"  {t['name']}: {t['description']}" for t in result["targets"]]
    if "year_met" in result["targets"][0]:
        lines.append("year first met (median over replications that met it by the horizon):")
        for t in result["targets"]:
            hit = [y for y in t["year_met"] if y is not None]
            lines.append(f"  {t['name']}: " + (f"{int(np.median(hit))} in {len(hit)} of {n}" if hit else f"not by {result['horizon_year']}"))
    if out_dir is not None:
        lines.append(f"results: {out_dir}/ (targets.json, timeseries.parquet, parameters.parquet)")
    return "\n".join(lines)

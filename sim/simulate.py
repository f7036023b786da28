"""Run one scenario x N replications in-process and write the results contract.

Kept apart from Hydra (run.py) so scripts, notebooks and tests call it directly.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

from .config import Config, validate
from .model import Model
from .results import write_json, write_timeseries
from .targets import evaluate, summarize


def simulate(cfg: Config, out_dir: Path | None = None) -> dict:
    """Run `cfg.replications` replications; write timeseries.parquet and targets.json to
    `out_dir` (if given) only once all have finished. Returns the targets.json content."""
    validate(cfg)
    frames, evaluations = [], []
    start = time.perf_counter()
    for k in range(cfg.replications):
        model = Model(cfg, replication=k).run()
        frames.append(model.recorder.tidy(k))
        evaluations.append(evaluate(model.recorder, cfg.targets, cfg.calibration.base_year))
        elapsed = time.perf_counter() - start
        if cfg.progress and (elapsed > 2.0 or k + 1 == cfg.replications) and cfg.replications > 1:
            eta = elapsed / (k + 1) * (cfg.replications - k - 1)
            print(f"\rreplication {k + 1}/{cfg.replications}  {elapsed:.1f} s, about {eta:.0f} s left", end="", file=sys.stderr, flush=True)
    if cfg.progress and cfg.replications > 1:
        print(file=sys.stderr)
    result = dict(scenario=cfg.scenario, seed=cfg.seed, replications=cfg.replications, targets=summarize(evaluations))
    if out_dir is not None:
        out_dir = Path(out_dir)
        write_timeseries(out_dir / "timeseries.parquet", pd.concat(frames, ignore_index=True))
        write_json(out_dir / "targets.json", result)
    return result


def format_table(result: dict) -> str:
    """A short, readable table of the targets."""
    lines = [
        f"scenario {result['scenario']}, seed {result['seed']}, {result['replications']} replication(s)",
        f"{'target':<20}{'median value':>14}{'threshold':>12}  {'met':>5}  95% CI",
    ]
    for t in result["targets"]:
        values = sorted(t["values"])
        median = values[len(values) // 2]
        fmt = (lambda v: f"{v:,.0f}") if t["unit"] == "亿元" else (lambda v: f"{v:.3g}")
        lo, hi = t["ci95"]
        lines.append(f"{t['name']:<20}{fmt(median):>14}{fmt(t['threshold']):>12}  {t['met_fraction']:>5.0%}  [{lo:.2f}, {hi:.2f}]")
    return "\n".join(lines)

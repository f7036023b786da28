"""Hydra callbacks of a sweep (configs/config.yaml selects them)."""

from __future__ import annotations

from hydra.experimental.callback import Callback
from omegaconf import DictConfig


class SummarizeSweep(Callback):
    """At the end of a multirun, write summary.parquet/csv and report failed jobs.

    Jobs record their own failures (sim.sweep.jobs), so Hydra reaches this hook even when some
    failed; `python -m sim.sweep.summary SWEEP_DIR` does the same by hand (e.g. after
    a job was killed). Exits non-zero if any job did not complete.
    """

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        from .report import build
        from .summary import describe, summarize

        sweep_dir = config.hydra.sweep.dir
        df = summarize(sweep_dir)
        print(describe(df))
        print(f"summary: {sweep_dir}/summary.csv")
        if (df["status"] == "complete").any():
            print(f"report: {build(sweep_dir)}")
        if not (df["status"] == "complete").all():
            raise SystemExit(1)

"""A sweep job's task, as run.py's Hydra main runs it in a multirun: the job (sim.sweep.jobs)
then its share of the sweep's report (sim.sweep.report_cache). Apart from jobs.py because the
report's modules read the jobs' records (report_cache -> report_jobs -> summary -> plan -> jobs):
the task sits above both."""

from __future__ import annotations

import shlex
from pathlib import Path

from .jobs import run_job


def sweep_job(make_config, hc, report: bool = True, program: list[str] | None = None) -> str:
    """run.py's task in a multirun: run_job into Hydra's output directory (the job's command
    recorded as `program` and its overrides, by default python run.py), then, unless it
    failed, its share of the sweep's report (an older sweep's too, when skipped; not with
    report=false). Returns the job's line ("DIR: complete"), which the sweep's process
    prints above the sweep's bar (sim.sweep.progress)."""
    out = Path(hc.runtime.output_dir)
    overrides = list(hc.overrides.task)
    status = run_job(make_config, out, overrides, shlex.join([*(program or ["python", "run.py"]), *overrides]))
    if status != "failed" and report:
        from . import report_cache

        report_cache.prepare(out)
    return f"{hc.job.override_dirname or '.'}: {status}"

"""Hydra callbacks of a sweep (configs/config.yaml selects them).

Hydra turns an exception raised in a callback into a warning and exits 0, so each of these
prints one line and exits non-zero itself.
"""

from __future__ import annotations

import sys
import threading

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from ..runs.cli import to_config, user_error
from . import progress, warm


def _stop(what: str, e: BaseException) -> None:
    print(f"error: {what}: {user_error(e) or f'{type(e).__name__}: {e}'}", file=sys.stderr)
    raise SystemExit(1) from None


class PlanSweep(Callback):
    """Before the first job: hold the sweep directory's lock (sim.runs.sweepdir; run.py's
    entry took it before Hydra started) and record the sweep's planned jobs and settings
    (sim.sweep.plan), refusing a sweep_name already used with other settings unless
    extend=true, and jobs that would overwrite another invocation's; open the sweep's bar
    (sim.sweep.progress). After each job: its line, and the bar moved on."""

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        from .plan import planned_jobs, start

        try:
            start(config, to_config(config))
        except Exception as e:
            _stop("the sweep cannot start", e)
        try:  # before the workers start: they load the compiled code instead of each compiling it
            warm.warm()
        except Exception:  # noqa: BLE001 (the jobs compile it then, as they would have; a bad config fails in its job)
            pass
        progress.start(len(planned_jobs(config)), enabled=bool(config.get("progress", True)))
        if config.get("report", True):  # the report's modules (matplotlib: 1-2 s) load while the jobs run, not after them
            threading.Thread(target=_import_report, name="import-report", daemon=True).start()

    # After each job, in the process that ran it: its line, and the sweep's bar moved on if
    # that process holds it (Hydra's basic launcher runs jobs in the sweep's process). Jobs
    # run by the project's launcher are reported by the launcher, in the sweep's process, as
    # they come back (hydra_plugins.hangzhou_launcher); another launcher's workers print
    # their jobs' lines there, as before.
    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs) -> None:
        if progress.LAUNCHER_REPORTS:
            return
        if job_return.status != JobStatus.COMPLETED:  # the task raised: Hydra ends the sweep after this job
            progress.close()
            return
        line = job_return.return_value
        progress.job_done(line if isinstance(line, str) else None, progress.status_of(line))


def _import_report() -> None:
    try:
        import sim.sweep.report  # noqa: F401
    except Exception:  # noqa: BLE001 (the end of the sweep imports it again and reports the error)
        pass


def _release_workers() -> None:
    """Tell the joblib launcher's idle worker processes to exit now, so that they wind down
    while the summary and report are written instead of after (about 0.8 s at exit)."""
    loky = sys.modules.get("joblib.externals.loky.reusable_executor")
    executor = getattr(loky, "_executor", None)
    if executor is not None:
        try:
            executor.shutdown(wait=False)
        except Exception:  # noqa: BLE001 (they exit at interpreter exit anyway)
            pass


class SummarizeSweep(Callback):
    """At the end of a multirun, write summary.parquet/csv, print its table, and draw the
    report unless report=false (its per-job aggregates stored by the jobs,
    sim.sweep.report_cache; its figures on every core).

    Jobs record their own failures (sim.sweep.jobs), so Hydra reaches this hook even when
    some failed; `python -m sim.sweep.summary SWEEP_DIR` does the same by hand (e.g. after
    a sweep was killed). Exits non-zero if any planned job did not complete, or if the
    summary or the report cannot be written.
    """

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        from .summary import describe, summarize, table

        sweep_dir = config.hydra.sweep.dir
        progress.close()
        _release_workers()
        try:
            df = summarize(sweep_dir)
            print(table(df))
            print(describe(df))
            print(f"summary: {sweep_dir}/summary.csv")
            if not config.get("report", True):
                print(f"report: not drawn (report=false); python -m sim.sweep.report {sweep_dir} draws it")
            elif (df["status"] == "complete").any():
                from .report import build, cores

                print(f"report: {build(sweep_dir, processes=cores())}")
        except Exception as e:
            _stop(f"the summary or report of {sweep_dir} was not written", e)
        if not (df["status"] == "complete").all():
            raise SystemExit(1)

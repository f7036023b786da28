"""One progress bar for a sweep, in the sweep's own process: jobs done of N, elapsed, time left.

A job may run in a worker process (the joblib launchers), where a bar of its own would
interleave with the other workers' on the terminal, so the sweep's bar lives here, in the
process that launched the jobs, and is moved on as each job comes back: by the project's
launcher (hydra_plugins.hangzhou_launcher), which sees every job return, or, for a launcher
that runs jobs in this process (Hydra's basic launcher), by the callback's on_job_end
(sim.sweep.callbacks). Each job's one line ("DIR: complete") is written above the bar by
the same process, so lines and bar do not cut into each other. A job's own bar (its
replications) only with job_progress=true.

`progress=false` turns the bar off; the job lines are printed as before.
"""

from __future__ import annotations

import os
import sys

_BAR = None  # the sweep's tqdm bar, in the sweep's process
_PID = None  # the process that opened it
LAUNCHER_REPORTS = False  # set where jobs run under the project's launcher, which reports them itself


def start(total: int, enabled: bool) -> None:
    """Open the sweep's bar for `total` jobs (closing any left from an earlier sweep)."""
    global _BAR, _PID
    close()
    if not enabled:
        return
    from tqdm import tqdm

    _BAR = tqdm(total=total, desc="sweep", unit="job", file=sys.stderr, dynamic_ncols=True, leave=True,
                bar_format="{desc}: {n_fmt}/{total_fmt} jobs |{bar}| {elapsed} elapsed, {remaining} left{postfix}")
    _PID = os.getpid()
    _BAR.failed = 0


def active() -> bool:
    """A bar is open in this process."""
    return _BAR is not None and _PID == os.getpid()


def job_done(line: str | None, status: str | None = None) -> None:
    """One job came back: write its line above the bar (or print it, with no bar) and move
    the bar on; `status` 'failed' is counted in the bar's postfix."""
    if not active():
        if line:
            print(line, flush=True)
        return
    if line:
        _BAR.write(line, file=sys.stdout)
    if status == "failed":
        _BAR.failed += 1
        _BAR.set_postfix_str(f"{_BAR.failed} failed", refresh=False)
    _BAR.update()


def close() -> None:
    """Close the bar (at the end of the sweep, or when a job raised and the sweep ends early)."""
    global _BAR, _PID
    if _BAR is not None and _PID == os.getpid():
        _BAR.close()
    _BAR, _PID = None, None


def status_of(line) -> str | None:
    """The status at the end of a job's line ("DIR: failed" -> "failed"); None for anything else."""
    return line.rsplit(": ", 1)[-1] if isinstance(line, str) and ": " in line else None

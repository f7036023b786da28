"""No orphans, no leftovers: a sweep's workers end with it, whatever signal ends it, and the
temporaries of a killed run are removed by the next write there (README "What you can rely
on"). Real signals sent to real `run.py` processes, under time limits, at tiny sizes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from sim.runs.results import atomic_write

ROOT = Path(__file__).resolve().parent.parent
TINY = ["firms_scale=0.03", "uncertainty=seeds", "progress=false"]
SWEEP = ["-m", "seed=0,1,2,3", "replications=5", "hydra.launcher.n_jobs=2", *TINY, "sweep_name=x"]


def temporaries(d: Path) -> list[Path]:
    return sorted(d.rglob(".*.tmp"))


@pytest.fixture
def start():
    """Start `python run.py ARGS`; at the end of the test, kill it and the processes it was
    seen to start (p.kids) if a failed assertion left them running."""
    started: list[subprocess.Popen] = []

    def start(args: list[str]) -> subprocess.Popen:
        p = subprocess.Popen([sys.executable, "run.py", *args], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        p.kids = []
        started.append(p)
        return p

    yield start
    for p in started:
        p.kill()
        gone_within(p.kids, 5)
        p.communicate()


def until_results_are_written(p: subprocess.Popen, d: Path, workers: int, limit: float = 180) -> list[psutil.Process]:
    """Wait until a replication is being written under `d` (a ResultSet temporary directory)
    with `workers` worker processes started; return the process's descendants then."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        assert p.poll() is None, p.communicate()
        kids = psutil.Process(p.pid).children(recursive=True)
        workers_up = sum("LokyProcess" in command(k) for k in kids)
        if any(t.name.startswith(".results.") for t in temporaries(d)) and workers_up >= workers:
            p.kids = kids
            return kids
        time.sleep(0.05)
    pytest.fail(f"no replication was being written after {limit} s")


def command(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:  # ended meanwhile
        return ""


def gone_within(procs: list[psutil.Process], seconds: float) -> list[psutil.Process]:
    """The processes still alive after `seconds` (killed then, so no test leaves them)."""
    _, alive = psutil.wait_procs(procs, timeout=seconds)
    for proc in alive:
        proc.kill()
    return alive


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_sweep_ended_by_a_signal_stops_its_workers_and_says_so_in_one_line(tmp_path, start, sig):
    p = start([*SWEEP, f"hydra.sweep.dir={tmp_path}"])
    kids = until_results_are_written(p, tmp_path, workers=2)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 128 + sig, err
    assert err.strip().splitlines()[-1] == f"error: stopped by {sig.name}; the same command resumes the sweep", err
    assert "Traceback" not in err, err
    assert gone_within(kids, 15) == []  # workers and loky's resource trackers


def test_workers_of_a_sweep_killed_by_sigkill_end_and_the_next_run_removes_their_temporaries(tmp_path, start):
    p = start([*SWEEP, f"hydra.sweep.dir={tmp_path}"])
    kids = until_results_are_written(p, tmp_path, workers=2)
    p.kill()
    p.communicate(timeout=30)
    assert gone_within(kids, 15) == []  # each worker sees its parent gone within 0.5 s
    left = temporaries(tmp_path)
    assert left, "the test needs a temporary left by the killed sweep"
    again = subprocess.run([sys.executable, "run.py", *SWEEP, f"hydra.sweep.dir={tmp_path}"], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert temporaries(tmp_path) == []
    assert (pd.read_csv(tmp_path / "summary.csv")["status"] == "complete").all()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_single_run_ended_by_a_signal_removes_its_temporaries_and_writes_no_results(tmp_path, start, sig):
    p = start(["replications=50", *TINY, f"hydra.run.dir={tmp_path}"])
    until_results_are_written(p, tmp_path, workers=0)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 128 + sig, err
    assert err.strip().splitlines()[-1] == f"error: stopped by {sig.name}", err
    assert "Traceback" not in err, err
    assert temporaries(tmp_path) == []
    assert not (tmp_path / "targets.json").exists()


def test_a_write_removes_the_temporaries_a_killed_writer_of_that_file_left(tmp_path):
    stale = [tmp_path / ".summary.csv.k1ll3d_.tmp", tmp_path / ".summary.csv.x.tmp"]
    other = tmp_path / ".sweep.json.abc123.tmp"  # another file's: left to that file's writer
    for f in [*stale, other]:
        f.write_text("partial")
    atomic_write(tmp_path / "summary.csv", lambda p: p.write_text("done"))
    assert (tmp_path / "summary.csv").read_text() == "done"
    assert temporaries(tmp_path) == [other]


def test_the_reports_drawing_processes_end_with_the_process_that_builds_it():
    draws = "import time; from sim.sweep import report; report.in_parallel([lambda: time.sleep(120) or 'a', lambda: 'b'], processes=2)"
    p = subprocess.Popen([sys.executable, "-c", draws], cwd=ROOT)
    try:
        end = time.monotonic() + 120
        while not (kids := psutil.Process(p.pid).children()) and time.monotonic() < end:
            time.sleep(0.05)
        assert kids, "no drawing process was forked"
        time.sleep(1)  # it is drawing (sleeping) now
        p.kill()
        p.wait(timeout=30)
        assert gone_within(kids, 10) == []
    finally:
        p.kill()
        p.wait()

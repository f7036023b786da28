"""A lean sweep (issue 30): no log file in each job, the report only when asked for (the
summary always), and the model's compiled code compiled once before the jobs when its cache
is cold, instead of in every worker."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from sim.model import compiled
from sim.sweep import warm

ROOT = Path(__file__).resolve().parent.parent
TINY = ["firms_scale=0.03", "replications=2", "uncertainty=seeds", "progress=false"]
COMPILING = "compiling the model's code once before the jobs"


def sweep(sweep_dir, *overrides, env=None):
    cmd = [sys.executable, str(ROOT / "run.py"), "-m", f"hydra.sweep.dir={sweep_dir}", *TINY, *overrides]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert p.returncode == 0, p.stderr[-3000:]
    return p


def jobs(sweep_dir):
    return sorted(d for d in Path(sweep_dir).iterdir() if (d / ".hydra").is_dir())


def test_report_false_writes_the_summary_and_no_report_and_the_report_can_be_drawn_later(tmp_path):
    p = sweep(tmp_path, "seed=0,1", "report=false")
    assert "2 jobs: 2 complete" in p.stdout and "report: not drawn (report=false)" in p.stdout
    assert len(pd.read_parquet(tmp_path / "summary.parquet")) == 2
    assert not (tmp_path / "report.html").exists() and not any((j / "report_series").exists() for j in jobs(tmp_path))
    assert not any(list(j.glob("*.log")) for j in jobs(tmp_path))  # no log file in a job by default
    q = subprocess.run([sys.executable, "-m", "sim.sweep.report", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert q.returncode == 0, q.stderr[-3000:]
    assert (tmp_path / "report.html").exists()
    # report, like progress, names no job: asking for the report resumes the sweep
    r = sweep(tmp_path, "seed=0,1")
    assert r.stdout.count(": skipped") == 2 and "report:" in r.stdout and "not drawn" not in r.stdout


def test_a_job_log_file_when_asked_for(tmp_path):
    sweep(tmp_path, "seed=0", "hydra/job_logging=default")
    assert [j.name for j in jobs(tmp_path) if (j / "run.log").exists()] == [j.name for j in jobs(tmp_path)]


def test_the_cache_directory_is_the_one_the_model_compiles_into():
    assert str(warm.cache_dir()) == compiled.cache_dir()


def test_a_cold_cache_is_compiled_once_before_the_jobs(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    p = sweep(tmp_path / "a", "seed=0,1", env=env)
    assert p.stderr.count(COMPILING) == 1
    assert list((tmp_path / "cache").rglob("*.nbi"))  # compiled, for the workers to load
    q = sweep(tmp_path / "b", "seed=0,1", env=env)
    assert COMPILING not in q.stderr  # warm: nothing compiled, nothing said

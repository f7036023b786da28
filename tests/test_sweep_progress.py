"""A sweep's progress (sim.sweep.progress): one bar for the sweep in the sweep's process, jobs
done of N with the time left; each job's line above it; a job's own bars only with
job_progress=true; the summary table at the end (sim.sweep.summary.table)."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep.summary import table

ROOT = Path(__file__).resolve().parent.parent
TINY = ["firms_scale=0.03", "replications=2", "uncertainty=seeds"]


def sweep(sweep_dir, *overrides):
    cmd = [sys.executable, str(ROOT / "run.py"), "-m", f"hydra.sweep.dir={sweep_dir}", *TINY, *overrides]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    return p


def job_lines(p) -> list[str]:
    return sorted(line for line in p.stdout.splitlines() if line.endswith((": complete", ": skipped")))


@pytest.mark.parametrize("launcher", ["parallel", "basic"])
def test_one_bar_for_the_sweep_with_each_jobs_line_and_the_table_at_the_end(tmp_path, launcher):
    p = sweep(tmp_path, "seed=0,1,2", f"hydra/launcher={launcher}")
    assert "sweep: 3/3 jobs" in p.stderr and " left" in p.stderr  # jobs done of N, time left
    assert "replications" not in p.stderr  # no job's own bar
    assert job_lines(p) == [f"firms_scale=0.03,replications=2,seed={s},uncertainty=seeds: complete" for s in range(3)]
    out = p.stdout
    assert out.index("P(met) of each target") < out.index("3 jobs: 3 complete") < out.index("report:")
    rows = out[out.index("P(met) of each target"):].splitlines()
    assert rows[1].split()[:2] == ["seed", "status"] and [r.split()[:2] for r in rows[2:5]] == [["0", "complete"], ["1", "complete"], ["2", "complete"]]


def test_job_bars_on_request_and_none_with_progress_false(tmp_path):
    p = sweep(tmp_path / "jobs", "seed=0,1", "job_progress=true")
    assert "sweep: 2/2 jobs" in p.stderr and "replications: 100%" in p.stderr
    q = sweep(tmp_path / "quiet", "seed=0,1", "progress=false")
    assert "sweep:" not in q.stderr and "replications" not in q.stderr
    assert len(job_lines(q)) == 2  # the lines still printed
    # neither setting names a job: the same sweep resumed with another skips every job
    r = sweep(tmp_path / "quiet", "seed=0,1", "job_progress=true")
    assert [line.rsplit(": ", 1)[1] for line in job_lines(r)] == ["skipped", "skipped"]


def test_another_launchers_workers_print_their_jobs_lines(tmp_path):
    p = sweep(tmp_path, "seed=0,1", "hydra/launcher=joblib", "progress=false")
    assert len(job_lines(p)) == 2 and "2 jobs: 2 complete" in p.stdout


def test_the_table_lists_the_keys_that_differ_and_says_how_many_rows_it_left_out():
    df = pd.DataFrame(dict(
        job=[f"j{i}" for i in range(5)], status=["complete"] * 4 + ["failed"], overrides=[f"seed={i} firms_scale=0.1" for i in range(5)],
        seed=range(5), firms_scale=[0.1] * 5, parks_output_met_fraction=[0.5, 1.0, 0.0, 0.25, None], cost_yi=[1234.5, 0, 0, 0, None],
    ))
    lines = table(df, rows=3).splitlines()
    assert lines[1].split() == ["seed", "status", "parks_output", "cost", "亿元"]  # firms_scale is the same in every job
    assert lines[2].split() == ["0", "complete", "50%", "1,234"]
    assert lines[-1] == "... and 2 more jobs in summary.csv" and len(lines) == 6
    assert table(df).splitlines()[-1].split() == ["4", "failed", "–", "–"]

"""The sweep's work outside the model: the checks before the first job (once per choice of
config groups, one line and nothing written for a bad value), the report's per-job share done
by the jobs, and its figures drawn in parallel, with the same bytes as before."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from sim.sweep import report, report_cache

ROOT = Path(__file__).resolve().parent.parent
TINY = ["firms_scale=0.03", "replications=2", "progress=false"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pipeline") / "seeds"
    p = run("-m", f"hydra.sweep.dir={out}", "seed=0,1,2", *TINY)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "3 jobs: 3 complete" in p.stdout and f"report: {out}/report.html" in p.stdout  # the summary, then the report
    return out


def jobs_of(sweep_dir: Path) -> list[Path]:
    return sorted(d for d in sweep_dir.iterdir() if (d / ".hydra").is_dir())


def test_the_jobs_store_the_reports_share_and_the_page_is_the_same_without_it(swept, tmp_path):
    for job in jobs_of(swept):
        assert json.loads((job / "job.json").read_text())["cpu_seconds"] > 0
        assert (job / report_cache.CACHE / "key.json").exists() and (job / report_cache.CACHE / "fan.parquet").exists()
    page = (swept / "report.html").read_bytes()
    bare = tmp_path / swept.name  # the same name: the page names its directory
    shutil.copytree(swept, bare)
    for job in jobs_of(bare):
        shutil.rmtree(job / report_cache.CACHE)
    report.build(bare)
    assert (bare / "report.html").read_bytes() == page  # from the time series, serially: the same bytes
    for name in ("fan_chart.png", "scorecard.svg"):
        assert (bare / "figures" / name).read_bytes() == (swept / "figures" / name).read_bytes()


def test_stored_aggregates_that_do_not_match_are_not_used(swept, tmp_path):
    copy = tmp_path / swept.name
    shutil.copytree(swept, copy)
    job = jobs_of(copy)[0]
    key = json.loads((job / report_cache.CACHE / "key.json").read_text())
    key["timeseries_sha256"] = "0" * 64  # computed from other results
    (job / report_cache.CACHE / "key.json").write_text(json.dumps(key))
    fan = job / report_cache.CACHE / "fan.parquet"
    fan.write_bytes(b"not parquet")  # would fail if it were read
    report.build(copy, processes=2)
    assert (copy / "report.html").read_bytes() == (swept / "report.html").read_bytes()
    assert report_cache.write(job) and fan.read_bytes() != b"not parquet"  # rewritten on the next write


def test_sections_drawn_in_forked_processes_keep_order_and_warnings():
    def warns() -> str:
        warnings.warn("drawn elsewhere", UserWarning)
        return "a"

    with pytest.warns(UserWarning, match="drawn elsewhere"):
        assert report.in_parallel([warns, lambda: "b", lambda: "c"], processes=3) == ["a", "b", "c"]
    assert report.in_parallel([lambda: "x"], processes=4) == ["x"]


def test_a_resumed_sweep_skips_its_jobs_and_still_reports(swept):
    p = run("-m", f"hydra.sweep.dir={swept}", "seed=0,1,2", *TINY)
    assert p.returncode == 0, p.stderr
    assert p.stdout.count(": skipped") == 3 and "3 jobs: 3 complete" in p.stdout and "report:" in p.stdout


@pytest.mark.parametrize("axis, key", [("seed=0,1,-3", "seed"), ("policy.fund_yi_per_year=1,2,abc", "policy.fund_yi_per_year")])
def test_a_bad_later_value_of_an_axis_stops_the_sweep_before_anything_is_written(tmp_path, axis, key):
    out = tmp_path / "sweep"
    p = run("-m", f"hydra.sweep.dir={out}", axis, *TINY)
    assert p.returncode == 1
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and key in lines[0] and ("allowed" in lines[0] or "converted" in lines[0]), p.stderr
    assert not out.exists()


def test_the_sweeper_checks_every_job_before_the_first_runs(tmp_path):
    """Without run.py's precheck, the project's sweeper still refuses a bad value in any job
    before any job runs (Hydra's check, once per choice of config groups)."""
    out = tmp_path / "sweep"
    script = tmp_path / "no_precheck.py"
    script.write_text(
        "import runpy, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "import sim.cli\n"
        "sim.cli.precheck = lambda argv: None\n"
        f"sys.argv = ['run.py', '-m', 'hydra.sweep.dir={out}', 'scenario=baseline,no_policy', 'seed=0,1,abc', *{TINY!r}]\n"
        f"runpy.run_path({str(ROOT / 'run.py')!r}, run_name='__main__')\n"
    )
    p = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert p.returncode != 0
    assert "seed" in p.stderr and "abc" in p.stderr
    assert not [d for d in out.glob("*") if d.is_dir()]  # no job started
    assert "CheckedSweeper" in (out / "multirun.yaml").read_text()

"""Trustworthy runs: nothing silently wrong, nothing half-written, no code from a data file.

One test per fault a careful user tried (the table of the issue), each with the behaviour
now required. Real faults where they are cheap: truncated files, a path below a regular
file (unwritable even for root), a small tmpfs for a full disk (skipped where it cannot be
mounted), a job directory removed as if the sweep stopped before it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest

from sim.config.loading import load_config
from sim.runs.results import RESULT_FILES
from sim.runs.simulate import simulate
from conftest import copy_of, one_error_line

ROOT = Path(__file__).resolve().parent.parent
TINY = ["firms_scale=0.03", "replications=2", "uncertainty=seeds", "progress=false"]


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def sweep(sweep_dir, *overrides):
    return run("-m", f"hydra.sweep.dir={sweep_dir}", f"sweep_name={Path(sweep_dir).name}", *TINY, *overrides)


def job_dirs(sweep_dir: Path) -> list[Path]:
    return sorted(d.parent for d in Path(sweep_dir).glob("*/.hydra"))


def leftovers(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob(".*.tmp")]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished two-job sweep; tests copy it before changing it."""
    out = tmp_path_factory.mktemp("trust") / "base"
    p = sweep(out, "scenario=baseline,no_policy")
    assert p.returncode == 0, p.stdout + p.stderr
    return out


# ---------------------------------------------------------------- the end of a sweep
def test_a_failing_summary_gives_one_line_and_a_nonzero_exit(finished, tmp_path):
    d = copy_of(finished, tmp_path)
    (d / "summary.csv").unlink()
    (d / "summary.csv").mkdir()  # the summary cannot be written where a directory stands
    p = sweep(d, "scenario=baseline,no_policy")
    line = one_error_line(p)
    assert line.startswith("error: the summary or report") and "summary.csv" in line


def test_a_seed_above_2_63_is_refused_before_the_sweep_starts(tmp_path):
    line = one_error_line(sweep(tmp_path / "s", f"seed={2**63}"))
    assert "seed" in line and not (tmp_path / "s").exists()


# ---------------------------------------------------------------- resume verifies
def test_truncated_results_are_rerun_and_reported_as_failed_meanwhile(finished, tmp_path):
    d = copy_of(finished, tmp_path)
    a, b = job_dirs(d)
    data = (a / "timeseries.parquet").read_bytes()
    (a / "timeseries.parquet").write_bytes(data[: len(data) // 2])
    (b / "targets.json").write_text("{", encoding="utf-8")
    q = subprocess.run([sys.executable, "-m", "sim.sweep.summary", str(d)], cwd=ROOT, capture_output=True, text=True)
    assert q.returncode == 1 and "Traceback" not in q.stderr, q.stderr
    s = pd.read_csv(d / "summary.csv").set_index("job")
    assert list(s["status"]) == ["failed", "failed"]
    p = sweep(d, "scenario=baseline,no_policy")
    assert p.returncode == 0, p.stderr
    assert f"{a.name}: complete" in p.stdout and f"{b.name}: complete" in p.stdout
    assert (pd.read_csv(d / "summary.csv")["status"] == "complete").all()


def test_an_unreadable_job_file_is_a_failed_job_not_a_crash(finished, tmp_path):
    d = copy_of(finished, tmp_path)
    a, _ = job_dirs(d)
    (a / "job.json").write_text("not json", encoding="utf-8")
    q = subprocess.run([sys.executable, "-m", "sim.sweep.summary", str(d)], cwd=ROOT, capture_output=True, text=True)
    assert q.returncode == 1 and "Traceback" not in q.stderr
    s = pd.read_csv(d / "summary.csv").set_index("job")
    assert s.loc[a.name, "status"] == "failed" and "unreadable" in s.loc[a.name, "error"]


def test_the_summary_lists_jobs_that_never_started(finished, tmp_path):
    d = copy_of(finished, tmp_path)
    a, b = job_dirs(d)
    shutil.rmtree(b)  # as if the sweep was killed before this job started
    (a / "job.json").write_text(json.dumps({"status": "running"}), encoding="utf-8")
    q = subprocess.run([sys.executable, "-m", "sim.sweep.summary", str(d)], cwd=ROOT, capture_output=True, text=True)
    assert q.returncode == 1
    s = pd.read_csv(d / "summary.csv").set_index("job")
    assert s.loc[b.name, "status"] == "not started" and s.loc[a.name, "status"] == "incomplete"
    assert f"scenario={s.loc[b.name, 'scenario']}" in b.name


# ---------------------------------------------------------------- results as a set
def test_results_appear_together_and_stale_temporaries_are_cleaned(finished, tmp_path):
    d = copy_of(finished, tmp_path)
    a, _ = job_dirs(d)
    (a / ".timeseries.parquet.x1y2.tmp").write_bytes(b"partial")
    (a / ".results.abc.tmp").mkdir()
    (a / "targets.json").unlink()
    p = sweep(d, "scenario=baseline,no_policy")
    assert p.returncode == 0 and f"{a.name}: complete" in p.stdout
    assert not leftovers(d)
    status = json.loads((a / "job.json").read_text(encoding="utf-8"))
    assert set(status["files"]) == set(RESULT_FILES) and all(len(f["sha256"]) == 64 for f in status["files"].values())


def test_identical_sweeps_give_byte_identical_summaries(finished, tmp_path):
    other = tmp_path / "x" / finished.name
    p = sweep(other, "scenario=baseline,no_policy")
    assert p.returncode == 0, p.stderr
    assert (other / "summary.csv").read_bytes() == (finished / "summary.csv").read_bytes()
    assert (other / "report.html").read_bytes() == (finished / "report.html").read_bytes()


@pytest.fixture
def small_disk(tmp_path):
    """A 400 kB tmpfs: room for a run's config, not for its results (with outputs=cells)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mnt)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_full_disk_in_a_single_run_leaves_no_results(small_disk):
    out = small_disk / "run"
    line = one_error_line(run(*TINY, "replications=6", "outputs=cells", f"hydra.run.dir={out}"))  # cells: about 0.6 MB
    assert "No space left on device" in line
    assert not any((out / name).exists() for name in RESULT_FILES) and not leftovers(small_disk)


def test_a_full_disk_in_a_sweep_leaves_nothing_half_written(small_disk):
    d = small_disk / "s"
    args = ("scenario=baseline,no_policy,land_first", "replications=3", "outputs=cells")  # more than the disk holds
    p = sweep(d, *args)
    assert p.returncode != 0 and "Traceback" not in p.stderr, p.stderr
    for job in job_dirs(d):  # every job's results are all there, or none is
        present = [(job / name).exists() for name in RESULT_FILES]
        assert not any(present) or all(present)
    page = d / "report.html"
    assert not page.exists() or page.read_text(encoding="utf-8").rstrip().endswith("</html>")
    # a job Hydra stopped when another could not write may leave a temporary directory; with
    # room again, the same command cleans it up and completes the sweep
    subprocess.run(["mount", "-o", "remount,size=20m", str(small_disk)], check=True)
    p = sweep(d, *args)
    assert p.returncode == 0, p.stdout + p.stderr
    assert not leftovers(small_disk)
    assert (pd.read_csv(d / "summary.csv")["status"] == "complete").all()


# ---------------------------------------------------------------- one line for user errors
def test_a_yaml_syntax_error_names_the_file_line_and_column(tmp_path):
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "broken.yaml").write_text("policy:\n  fund_yi_per_year: [1\n", encoding="utf-8")
    line = one_error_line(run("--config-dir", str(tmp_path), *TINY, "scenario=broken", f"hydra.run.dir={tmp_path / 'out'}"))
    assert "broken.yaml, line 3, column 1" in line and "YAML" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "override, expect",
    [("replications=abc", "replications"), ("seed=1.5", "seed"), ("scenario=nopolicy", "no_policy"),
     ("calibration=hangzhou", "hangzhou_2022"), ("params.skilled_attrition=30", "params.skilled_attrition")],
)
def test_hydra_type_and_group_errors_are_one_line(tmp_path, override, expect):
    line = one_error_line(run(*TINY, override, f"hydra.run.dir={tmp_path / 'out'}"))
    assert expect in line
    assert not (tmp_path / "out").exists()


def test_a_bad_value_on_a_sweep_axis_is_refused_before_any_job(tmp_path):
    line = one_error_line(sweep(tmp_path / "s", "policy.fund_platform_share=0.5,1.5", "seed=0,1"))
    assert "policy.fund_platform_share" in line and "1.5" in line
    assert not (tmp_path / "s").exists()


def test_an_unwritable_run_directory_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a directory", encoding="utf-8")
    line = one_error_line(run(*TINY, f"hydra.run.dir={blocker / 'out'}"))
    assert str(blocker) in line


# ---------------------------------------------------------------- config files are data
@pytest.mark.parametrize(
    "group, text",
    [
        ("calibration", "# @package _global_\nhydra:\n  callbacks:\n    x:\n      _target_: sim.runs.results.write_json\n      path: {marker}\n      obj: 1\n"),
        ("scenario", "# @package _global_\nhydra:\n  job_logging:\n    handlers:\n      x:\n        (): sim.runs.results.write_json\n        path: {marker}\n        obj: 1\n"),
        ("targets", "_target_: sim.runs.results.write_json\npath: {marker}\nobj: 1\n"),
        ("experiment", "# @package _global_\ndefaults:\n  - override /hydra/launcher: local_processes\n"),
    ],
)
def test_a_data_file_that_would_run_code_is_refused(tmp_path, group, text):
    marker = tmp_path / "pwned.json"
    (tmp_path / group).mkdir()
    (tmp_path / group / "evil.yaml").write_text(text.format(marker=marker), encoding="utf-8")
    choice = f"+{group}=evil" if group == "experiment" else f"{group}=evil"
    line = one_error_line(run("--config-dir", str(tmp_path), *TINY, choice, f"hydra.run.dir={tmp_path / 'out'}"))
    assert "evil.yaml" in line and "config files are data" in line
    assert not marker.exists() and not (tmp_path / "out").exists()


def test_the_project_experiment_files_are_data():
    for group in ("experiment", "scenario", "calibration", "targets", "fit"):
        for f in (ROOT / "configs" / group).glob("*.yaml"):
            choice = f"+{group}={f.stem}" if group == "experiment" else f"{group}={f.stem}"
            p = run("--cfg", "job", choice)  # composes without running
            assert p.returncode == 0, (f, p.stderr)


# ---------------------------------------------------------------- memory and sweep names
def test_memory_is_flat_in_the_number_of_replications(tmp_path):
    def peak(n: int) -> int:
        cfg = load_config(firms_scale=0.02, replications=n, uncertainty="seeds", progress=False)
        tracemalloc.start()
        simulate(cfg, tmp_path / f"r{n}")
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(3), peak(15)
    # each replication's rows take about 3 MB in memory: 12 more held at once would add 36 MB
    assert large < small + 8e6, (small, large)


def test_a_sweep_name_reused_with_other_settings_is_refused_unless_extended(finished, tmp_path):
    d = copy_of(finished, tmp_path)
    before = sorted(p.name for p in d.iterdir())
    line = one_error_line(sweep(d, "scenario=baseline,no_policy", "replications=3"))
    assert "replications" in line and "extend=true" in line
    assert sorted(p.name for p in d.iterdir()) == before
    p = sweep(d, "scenario=land_first", "extend=true")
    assert p.returncode == 0, p.stderr
    s = pd.read_csv(d / "summary.csv")
    assert sorted(s["scenario"]) == ["baseline", "land_first", "no_policy"]


def test_an_unknown_option_is_one_line_and_options_may_follow_overrides(tmp_path):
    from sim.runs.cli import options_first

    assert "--bogus" in one_error_line(run("--bogus"))
    assert options_first(["seed=0,1", "-m", "--config-dir", "d", "--info", "defaults", "x=1"]) == \
        ["-m", "--config-dir", "d", "--info", "defaults", "seed=0,1", "x=1"]
    assert options_first(["--info", "a=1"]) == ["--info", "a=1"]

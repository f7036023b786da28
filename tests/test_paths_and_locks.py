"""Every path stays inside its root, one sweep per directory (sim/runs/sweepdir.py), and a
sweep's jobs keep their definitions (sim/sweep/plan.py).

Real faults: names with `..` and '/', given on the command line, by an experiment file, a
scenario file and sim.run, run from a temporary results root (nothing may appear outside
it); two sweeps started on the same directory at once; two unnamed sweeps in the same
second; a sweep killed with SIGKILL; the summary, report and discovery pointed at a
directory of sweeps; extend=true after the experiment changed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.config.schema import ConfigError
from sim.runs import sweepdir
from conftest import one_error_line

ROOT = Path(__file__).resolve().parent.parent
TINY = ["firms_scale=0.03", "replications=1", "uncertainty=seeds", "progress=false"]


def command(*args) -> list[str]:
    return [sys.executable, str(ROOT / "run.py"), *args]


def run(*args, cwd=ROOT, timeout=600):
    return subprocess.run(command(*args), cwd=cwd, capture_output=True, text=True, timeout=timeout)


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.fixture
def jail(tmp_path):
    """cwd for run.py: results/ lands in jail/work/; anything outside work/ is an escape."""
    work = tmp_path / "jail" / "work"
    work.mkdir(parents=True)
    return work


# ---------------------------------------------------------------- names, not paths
@pytest.mark.parametrize("name", ["../../x", "A/inner", ".hidden", "a..b", "/tmp/abs"])
def test_a_sweep_name_is_a_name(jail, name):
    before = tree(jail.parent)
    line = one_error_line(run("-m", *TINY, f"sweep_name={name}", "seed=0,1", cwd=jail))
    assert "sweep_name" in line and "not a path" in line, line
    assert tree(jail.parent) == before  # nothing written, inside or out


def test_the_default_sweep_name_stays_valid():
    from sim.config.validation import validate
    from sim.runs.cli import compose

    assert validate(compose("sweep_name=2026-12-07_14-43-25_123")).sweep_name == "2026-12-07_14-43-25_123"


def test_names_from_files_are_names(jail):
    cd = jail.parent / "cd"
    (cd / "experiment").mkdir(parents=True)
    (cd / "scenario").mkdir()
    (cd / "experiment" / "out.yaml").write_text("# @package _global_\nsweep_name: ../../../x\nhydra:\n  sweeper:\n    params:\n      seed: 0,1\n", encoding="utf-8")
    (cd / "scenario" / "out.yaml").write_text("# @package _global_\nscenario: ../../../x\n", encoding="utf-8")
    before = tree(jail.parent)
    assert "sweep_name" in one_error_line(run("--config-dir", str(cd), "-m", *TINY, "+experiment=out", cwd=jail))
    assert "out.yaml" in one_error_line(run("--config-dir", str(cd), *TINY, "scenario=out", cwd=jail))
    assert tree(jail.parent) == before


def test_sim_run_takes_names_not_paths():
    import sim
    from sim.config.loading import load_config

    for kwargs in (dict(calibration="../../.."), dict(fit="../fit/none"), dict(targets="/etc/passwd"), dict(calibration="")):
        with pytest.raises(ConfigError, match="not a path"):
            sim.run(replications=1, firms_scale=0.02, **kwargs)
    with pytest.raises(ConfigError, match="Unknown scenario"):
        load_config(scenario="../scenario/baseline")


def test_a_sweep_directory_is_never_inside_another(tmp_path):
    outer = tmp_path / "outer"
    outer.mkdir()
    (outer / "sweep.json").write_text("{}", encoding="utf-8")
    line = one_error_line(run("-m", *TINY, "seed=0,1", f"hydra.sweep.dir={outer / 'inner'}", "sweep_name=inner"))
    assert "inside the sweep" in line and not (outer / "inner").exists()
    line = one_error_line(run("-m", *TINY, "seed=0,1", f"hydra.sweep.dir={tmp_path}", "sweep_name=x"))
    assert "holds 1 other sweep" in line


def test_the_summary_report_and_discovery_read_one_sweep(tmp_path, capsys):
    from experiments import discover
    from sim.sweep import report, summary

    sweeps = tmp_path / "sweeps"
    for name in ("a", "b"):
        job = sweeps / name / "seed=0" / ".hydra"
        job.mkdir(parents=True)
        (job / "overrides.yaml").write_text("- seed=0\n", encoding="utf-8")
        (sweeps / name / "sweep.json").write_text(json.dumps({"invocations": []}), encoding="utf-8")
    before = tree(tmp_path)
    assert summary.main([str(sweeps)]) == 1
    assert report.main([str(sweeps)]) == 1
    with pytest.raises(SystemExit) as e:
        discover.main([str(sweeps)])
    assert e.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3 and all(line.startswith("error: ") and "not one sweep" in line and "2 sweeps" in line for line in err), err
    assert tree(tmp_path) == before
    with pytest.raises(ConfigError, match="not one sweep"):
        summary.summarize(sweeps)


# ---------------------------------------------------------------- one sweep per directory
def test_the_lock_is_exclusive_and_released_with_its_process(tmp_path):
    d = tmp_path / "s"
    holder = subprocess.Popen([sys.executable, "-c", f"from sim.runs import sweepdir; import time; sweepdir.hold({str(d)!r}); print('held', flush=True); time.sleep(600)"],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ConfigError, match=f"process {holder.pid}"):
            sweepdir.hold(d)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    sweepdir.hold(d)  # the kernel released it with the killed process
    assert sweepdir.holds(d)
    sweepdir.release(d)


def test_two_sweeps_on_one_directory(tmp_path):
    """The second is refused at once, with one line, while the first runs; the first ends well."""
    d = tmp_path / "s"
    args = ["-m", *TINY, "hydra.launcher.n_jobs=1", f"hydra.sweep.dir={d}", "sweep_name=s", "seed=0,1,2,3,4,5"]
    first = subprocess.Popen(command(*args), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (d / "sweep.json").exists():  # planned: it holds the lock
            assert first.poll() is None and time.monotonic() < deadline, first.communicate()
            time.sleep(0.1)
        second = run(*args)
        still = first.poll() is None
        line = one_error_line(second)
        assert "another sweep" in line and f"process {first.pid}" in line, line
        assert still, "the first sweep ended before the second was refused: make it longer"
    finally:
        out, err = first.communicate(timeout=600)
    assert first.returncode == 0, out + err
    plan = json.loads((d / "sweep.json").read_text(encoding="utf-8"))
    assert len(plan["invocations"]) == 1
    assert (pd.read_csv(d / "summary.csv")["status"] == "complete").all()


def test_unnamed_sweeps_get_directories_of_their_own(jail):
    procs = [subprocess.Popen(command("-m", *TINY, "seed=0"), cwd=jail, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    dirs = sorted((jail / "results" / "sweeps").iterdir())
    assert len(dirs) == 2 and {d.name.rsplit("_", 1)[1] for d in dirs} == {str(p.pid) for p in procs}
    for d in dirs:
        assert (pd.read_csv(d / "summary.csv")["status"] == "complete").all()
        command_line = json.loads((d / "sweep.json").read_text(encoding="utf-8"))["invocations"][0]["command"]
        assert f"sweep_name={d.name}" in command_line  # the recorded command resumes this sweep


# ---------------------------------------------------------------- extend
def test_extend_never_overwrites_a_finished_job_nor_adds_phantom_rows(tmp_path):
    cd, d = tmp_path / "cd", tmp_path / "sweep"
    (cd / "experiment").mkdir(parents=True)
    (cd / "scenario").mkdir()

    def experiment(name: str, replications: int, seeds: str) -> None:
        (cd / "experiment" / f"{name}.yaml").write_text(
            f"# @package _global_\nsweep_name: sweep\nreplications: {replications}\nhydra:\n  sweeper:\n    params:\n      seed: {seeds}\n", encoding="utf-8")

    def sweep(*extra):
        return run("--config-dir", str(cd), "-m", *[a for a in TINY if not a.startswith("replications")], f"hydra.sweep.dir={d}", *extra)

    def finished() -> dict[str, bytes]:
        return {p.parent.name: p.read_bytes() for p in sorted(d.glob("*/job.json"))}

    experiment("e", 1, "0,1")
    assert sweep("+experiment=e").returncode == 0
    done = finished()
    experiment("e", 2, "0,1")  # the experiment changed: the same directories, other settings
    for extend in ([], ["extend=true"]):
        line = one_error_line(sweep("+experiment=e", *extend))
        assert "replications" in line and "sweep_name" in line, line
    experiment("other", 2, "1,2")  # another experiment, one directory in common
    assert "seed=1" in one_error_line(sweep("+experiment=other", "extend=true"))
    assert finished() == done
    experiment("e", 1, "0,1,2")  # the same experiment with one more job: extend adds it
    p = sweep("+experiment=e", "extend=true")
    assert p.returncode == 0, p.stderr
    assert {k: v for k, v in finished().items() if k in done} == done
    s = pd.read_csv(d / "summary.csv")
    assert sorted(s["seed"]) == [0, 1, 2] and (s["status"] == "complete").all()  # no row twice, none not started

    # a scenario file an axis selects changed: extend keeps the finished job as it is
    (cd / "scenario" / "mine.yaml").write_text("# @package _global_\npolicy:\n  fund_yi_per_year: 1.0\n", encoding="utf-8")
    extra = ("scenario=mine,baseline", "seed=3", "replications=1", "extend=true")  # the scenario an axis: not in the shared settings
    assert sweep(*extra).returncode == 0
    job = next(d.glob("*scenario=mine*"))
    before = (job / "job.json").read_bytes()
    (cd / "scenario" / "mine.yaml").write_text("# @package _global_\npolicy:\n  fund_yi_per_year: 5.0\n", encoding="utf-8")
    p = sweep(*extra)
    assert p.returncode == 0 and ": kept" in p.stdout, p.stdout + p.stderr
    assert (job / "job.json").read_bytes() == before

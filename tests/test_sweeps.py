"""Sweeps: resume, failures, launchers, named experiments, and paired comparisons."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import Model

ROOT = Path(__file__).resolve().parent.parent
TINY = ["firms_scale=0.03", "replications=2", "progress=false"]


def sweep(sweep_dir, *overrides):
    cmd = [sys.executable, str(ROOT / "run.py"), "-m", f"hydra.sweep.dir={sweep_dir}", *TINY, *overrides]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)


def summary(sweep_dir):
    return pd.read_parquet(Path(sweep_dir) / "summary.parquet")


def test_resume_skips_complete_jobs_and_reruns_incomplete_ones(tmp_path):
    p = sweep(tmp_path, "scenario=baseline,no_policy")
    assert p.returncode == 0, p.stderr
    jobs = sorted(d for d in tmp_path.iterdir() if (d / ".hydra").is_dir())
    assert len(jobs) == 2
    before = {d.name: (d / "targets.json").stat().st_mtime_ns for d in jobs}
    (jobs[1] / "targets.json").unlink()  # as if interrupted before it finished writing

    p = sweep(tmp_path, "scenario=baseline,no_policy")
    assert p.returncode == 0, p.stderr
    assert f"{jobs[0].name}: skipped" in p.stdout and f"{jobs[1].name}: complete" in p.stdout
    assert (jobs[0] / "targets.json").stat().st_mtime_ns == before[jobs[0].name]
    assert (jobs[1] / "targets.json").exists()

    status = json.loads((jobs[0] / "job.json").read_text())
    status["config_hash"] = "stale"  # results of another config: must be recomputed
    (jobs[0] / "job.json").write_text(json.dumps(status))
    p = sweep(tmp_path, "scenario=baseline,no_policy")
    assert f"{jobs[0].name}: complete" in p.stdout and f"{jobs[1].name}: skipped" in p.stdout
    assert (summary(tmp_path)["status"] == "complete").all()


def test_a_failing_job_is_recorded_and_the_others_run(tmp_path):
    # each value is allowed on its own (so the sweep starts), but the 2027 job's target year
    # lies past its horizon: a rule across fields, checked by the job
    p = sweep(tmp_path, "targets.year=2025,2027,2026", "horizon_year=2026")
    assert p.returncode != 0
    s = summary(tmp_path).set_index("targets.year")
    assert list(s.loc[[2025, 2026], "status"]) == ["complete", "complete"]
    assert s.loc[2027, "status"] == "failed" and "horizon_year" in s.loc[2027, "error"]
    failed = next(d for d in tmp_path.iterdir() if "2027" in d.name)
    assert "ConfigError" in (failed / "error.txt").read_text()
    assert (failed / ".hydra" / "config.yaml").exists()  # the error sits next to its config
    assert not (failed / "targets.json").exists()
    assert "1 failed" in p.stdout
    # the summary can be rebuilt by hand, e.g. after a job was killed
    q = subprocess.run([sys.executable, "-m", "sim.sweep.summary", str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert q.returncode == 1 and "failed" in q.stdout


@pytest.mark.parametrize("launcher", ["basic", "local_processes", "ray"])
def test_launchers_give_identical_summaries(tmp_path, launcher):
    if launcher == "ray":  # the optional extra: pip install '.[ray]' in its own environment
        pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    grid = ["policy.factory_space_m2_per_year=0,4e6", "seed=0,1"]
    assert sweep(tmp_path / "joblib", *grid).returncode == 0
    p = sweep(tmp_path / launcher, f"hydra/launcher={launcher}", *grid)
    assert p.returncode == 0, p.stderr
    a, b = summary(tmp_path / "joblib"), summary(tmp_path / launcher)
    assert len(a) == 4
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_slurm_launcher_config_composes():
    cmd = [sys.executable, str(ROOT / "run.py"), "hydra/launcher=slurm", "hydra.launcher.partition=cpu", "--cfg", "hydra"]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "SlurmLauncher" in p.stdout and "partition: cpu" in p.stdout and "array_parallelism: 256" in p.stdout


def test_named_experiment_runs_every_scenario(tmp_path):
    p = sweep(tmp_path, "+experiment=policy_comparison", "replications=1")
    assert p.returncode == 0, p.stderr
    s = summary(tmp_path)
    assert sorted(s["scenario"]) == sorted(["baseline", "pre_plan", "no_policy", "land_first", "talent_first", "fund_to_leading_industries"])
    assert (s["replications"] == 1).all()


def test_paired_seeds_give_a_narrower_band_on_a_lever_effect(small):
    """Common random numbers: replication k of two scenarios shares its draws, so the
    spread of the paired difference is far below that of unpaired differences."""
    small.firms_scale = 0.05

    def parks_output(space, seed, k):
        c = copy.deepcopy(small)
        c.seed, c.policy.factory_space_m2_per_year = seed, space
        rec = Model(c, replication=k).run().recorder
        return rec.cells["output_yi"][-12:].mean(axis=0)[rec.is_park].sum()

    reps = range(10)
    low = np.array([parks_output(0.0, 0, k) for k in reps])
    high_paired = np.array([parks_output(8e6, 0, k) for k in reps])
    high_unpaired = np.array([parks_output(8e6, 1, k) for k in reps])
    paired, unpaired = high_paired - low, high_unpaired - low
    assert paired.mean() > 0
    # measured: about 0.46-0.53 of the unpaired spread (pairing is exact for incumbents'
    # draws; entrants and moves diverge once the states differ)
    assert paired.std() < 0.75 * unpaired.std()

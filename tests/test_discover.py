"""python -m experiments.discover: PRIM (EMA Workbench) on the runs that miss each target."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from experiments import discover
from sim.runs.results import RESULT_FILES, file_digest, write_json
from sim.runs.simulate import simulate
from sim.runs.targets import NAMES
from conftest import ROOT, composed


def synthetic(n=1000, seed=1):
    """n points uniform on 4 dimensions; the cases: x0 > 0.7 and x2 < 0.4, of which 5% are
    relabelled as not cases (label noise that keeps every case inside the box)."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(size=(n, 4)), columns=[f"x{i}" for i in range(4)])
    y = ((x.x0 > 0.7) & (x.x2 < 0.4)).to_numpy()
    return x, y & (rng.uniform(size=n) >= 0.05)


def test_prim_recovers_a_known_box():
    x, y = synthetic()
    boxes = discover.find_boxes(x, y, 2)
    first = boxes[0]
    lims = {r["key"]: r for r in first["restrictions"]}
    assert set(lims) == {"x0", "x2"}  # x1 and x3 are irrelevant
    assert abs(lims["x0"]["lower"] - 0.7) < 0.05 and lims["x0"]["upper"] is None
    assert abs(lims["x2"]["upper"] - 0.4) < 0.05 and lims["x2"]["lower"] is None
    assert first["density"] > 0.85 and first["coverage"] > 0.8
    assert all(r["qp"] <= 0.05 for r in first["restrictions"])
    assert len(boxes) == 1  # the runs outside hold no cases worth a box


def test_a_second_box_among_the_runs_outside_the_first():
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.uniform(size=(1000, 4)), columns=[f"x{i}" for i in range(4)])
    y = ((x.x0 > 0.8) | ((x.x1 < 0.3) & (x.x3 > 0.6))).to_numpy()
    boxes = discover.find_boxes(x, y, 3)  # a third box would not beat the share of cases: none
    assert [sorted(r["key"] for r in b["restrictions"]) for b in boxes] == [["x0"], ["x1", "x3"]]
    assert sum(b["coverage"] for b in boxes) > 0.95 and min(b["density"] for b in boxes) > 0.95


def test_prim_keeps_the_categories_of_a_categorical_dimension():
    rng = np.random.default_rng(2)
    x = pd.DataFrame(rng.uniform(size=(600, 3)), columns=["x0", "x1", "x2"])
    x["policy.relocation_rule"] = pd.Categorical(rng.choice(["free", "coordinated", "restricted"], 600))
    y = ((x["policy.relocation_rule"] != "restricted") & (x.x0 > 0.5)).to_numpy()
    (box,) = discover.find_boxes(x, y, 2)
    lims = {r["key"]: r for r in box["restrictions"]}
    assert set(lims) == {"x0", "policy.relocation_rule"}
    rule = lims["policy.relocation_rule"]
    assert rule["categories"] == ["coordinated", "free"] and rule["full_categories"] == ["coordinated", "free", "restricted"]
    assert "policy.relocation_rule in {coordinated, free}" in discover.words("t", box, 600)


def _restriction(key, lower=None, upper=None, categories=None, qp=0.01):
    return dict(key=key, lower=lower, upper=upper, categories=categories, full_lower=None, full_upper=None,
                full_categories=None, qp=qp)


def test_a_box_in_plain_words():
    box = dict(coverage=0.6234, density=0.8012, mass=0.2, n=40, restrictions=[
        _restriction("params.jump_scale", lower=0.13012, qp=0.00042),
        _restriction("params.background_space_growth", upper=0.030049, qp=0.0012),
        _restriction("params.macro_sd", lower=0.0812, upper=0.1234, qp=0.004),
        _restriction("policy.relocation_rule", categories=["coordinated", "free"], qp=0.02),
    ])
    assert discover.words("fai_growth", box, 200) == (
        "fai_growth is missed in 80% of the runs where params.jump_scale > 0.13 and "
        "params.background_space_growth < 0.03 and 0.0812 < params.macro_sd < 0.123 and "
        "policy.relocation_rule in {coordinated, free} (coverage 62% of all misses, 40 of 200 runs, significance p = 0.02)")
    one = dict(box, density=0.055, restrictions=[_restriction("policy.factory_space_m2_per_year", upper=8e6, qp=0.0004)])
    assert discover.words("st_coverage", one, 200, "met") == (
        "st_coverage is met in 5.5% of the runs where policy.factory_space_m2_per_year < 8e6 "
        "(coverage 62% of all runs that meet it, 40 of 200 runs, significance p < 0.001)")


def test_no_box_when_every_run_or_none_misses():
    x, _ = synthetic(200)
    every = discover.discover_target("clusters_10000yi", np.ones(200, bool), x, 2, "missed")
    assert every["boxes"] == [] and every["note"] == "missed in all 200 runs: no condition separates misses"
    assert every["fraction"] == 1.0 and every["runs"] == 200
    none = discover.discover_target("st_coverage", np.zeros(200, bool), x, 2, "missed")
    assert none["boxes"] == [] and none["note"] == "met in all runs" and none["fraction"] == 0.0
    assert discover.discover_target("t", np.zeros(200, bool), x, 2, "met")["note"] == "missed in all runs"


# ------------------------------------------------------------------------ real runs
@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A real run directory: 12 replications at 3% of the firms, uncertainty=posterior (the default)."""
    d = tmp_path_factory.mktemp("run")
    simulate(composed("firms_scale=0.03", "replications=12", "progress=false"), d)
    return d


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "experiments.discover", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_end_to_end_on_a_run_directory(run_dir):
    done = _cli(run_dir)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no import-time warnings from EMA Workbench
    assert "wrote" in done.stdout and "parks_output: missed in" in done.stdout
    first = (run_dir / "discover.json").read_bytes()
    result = json.loads(first)
    assert [t["name"] for t in result["targets"]] == list(NAMES)
    assert result["kind"] == "run" and result["runs"] == 12 and result["outcome"] == "missed"
    assert result["rule"] == discover.RULE and "params.jump_scale" in result["dimensions"]
    for t in result["targets"]:
        assert (t["note"] is None) == bool(t["boxes"])
        for b in t["boxes"]:
            assert b["words"].startswith(f"{t['name']} is missed in ") and b["density"] > t["fraction"]
    assert discover.main([str(run_dir)]) == 0  # again, in this process
    assert (run_dir / "discover.json").read_bytes() == first


def test_a_sweep_pools_its_complete_jobs_and_adds_the_levers_that_vary(run_dir, tmp_path):
    sweep = tmp_path / "sweep"
    for i, (space, rule) in enumerate([("0", "free"), ("8e6", "restricted"), ("8e6", "free")]):
        job = sweep / f"job{i}"
        (job / ".hydra").mkdir(parents=True)
        overrides = ["sweep_name=s", f"seed={i}", "firms_scale=0.03", f"policy.factory_space_m2_per_year={space}",
                     f"policy.relocation_rule={rule}", "fixed_parameters=[params.macro_sd]"]
        (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides), encoding="utf-8")
        for name in RESULT_FILES:
            shutil.copy(run_dir / name, job / name)
        status = "failed" if i == 2 else "complete"
        write_json(job / "job.json", dict(overrides=overrides, status=status, files={n: file_digest(job / n) for n in RESULT_FILES}))
    result = discover.discover(sweep)
    assert result["kind"] == "sweep" and result["jobs"] == 2 and result["runs"] == 24 and result["draws"] == 12
    levers = [d for d in result["dimensions"] if not d.startswith(("params.", "calibration."))]
    assert levers == ["policy.factory_space_m2_per_year", "policy.relocation_rule"]  # not seed, sweep_name or a list
    x = discover.dimensions(discover.load(sweep)[2])
    assert x["policy.factory_space_m2_per_year"].dtype == float and list(x["policy.factory_space_m2_per_year"][[0, 12]]) == [0.0, 8e6]
    assert isinstance(x["policy.relocation_rule"].dtype, pd.CategoricalDtype)


def _error(capsys, *argv):
    with pytest.raises(SystemExit) as e:
        discover.main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert e.value.code == 1 and err.startswith("error: ") and err.count("\n") == 1, err
    return err


def test_user_errors_are_one_line_and_write_nothing(tmp_path, capsys):
    assert "no such directory" in _error(capsys, tmp_path / "missing")
    assert "neither a run directory" in _error(capsys, tmp_path)
    seeds = tmp_path / "seeds"
    simulate(composed("firms_scale=0.03", "replications=10", "uncertainty=seeds", "progress=false"), seeds)
    assert "nothing varies: run with uncertainty=parameters" in _error(capsys, seeds)
    assert not list(tmp_path.rglob("discover.json"))

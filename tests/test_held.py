"""An explicit setting wins: an uncertain parameter set on the command line, in a sweep axis,
in a scenario or experiment file, or as a keyword of load_config / sim.run / sim.outcomes is
held at that value under every uncertainty (issue 26, "an override silently replaced")."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from omegaconf import OmegaConf

import sim
from sim.config import load_config
from sim.config.held import explicit_keys, hold
from sim.runs import uncertainty
from sim.runs.cli import compose
from sim.runs.held import explicit

ROOT = Path(__file__).resolve().parent.parent
KEY = "params.elasticity_localization"


def test_keywords_hold_by_key_not_value_and_the_base_files_hold_nothing():
    assert load_config().fixed_parameters == [] and compose().fixed_parameters == []  # the fit sets macro_sd: the base
    default = load_config(elasticity_localization=0.05, replications=4)  # the default value, still held
    assert default.fixed_parameters == [KEY]
    assert (uncertainty.draws(default)[KEY] == 0.05).all()
    cfg = load_config(fixed_parameters=["params.exit_rate"], params={"macro_sd": 0.1}, **{"calibration.zipf_exponent": 1.0},
                      factory_space_m2_per_year=8e6, seed=3)  # a lever and a run setting are not parameters
    assert cfg.fixed_parameters == ["params.exit_rate", "params.macro_sd", "calibration.zipf_exponent"]


def test_overrides_and_data_files_are_explicit_the_calibration_and_fit_groups_are_not(tmp_path):
    assert compose("params.elasticity_localization=0.05", "calibration.zipf_exponent=1.1", "fit=none",
                   "calibration=hangzhou_2022").fixed_parameters == [KEY, "calibration.zipf_exponent"]
    assert compose("params={macro_sd: 0.1}").fixed_parameters == ["params.macro_sd"]
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "mine.yaml").write_text("# @package _global_\nscenario: mine\nparams:\n  macro_sd: 0.02\n", encoding="utf-8")
    (tmp_path / "fit").mkdir()
    (tmp_path / "fit" / "other.yaml").write_text("# @package _global_\nparams:\n  exit_rate: 0.05\n", encoding="utf-8")
    hydra = OmegaConf.create({"runtime": {"choices": {"scenario": "mine", "fit": "other", "hydra/launcher": "basic"},
                                          "config_sources": [{"schema": "file", "path": str(tmp_path), "provider": "main"}]},
                              "overrides": {"task": ["scenario=mine", "fit=other", "seed=1"]}})
    assert explicit(hydra) == ["params.macro_sd"]  # the scenario's parameter; the fit file is the base
    assert explicit_keys({"params": {"macro_sd": 1}, "policy": {"fund_yi_per_year": 2}, "seed": 1}) == ["params.macro_sd"]
    held = hold(hold(load_config(), ["params.macro_sd"]), ["params.exit_rate", "params.macro_sd"])
    assert held.fixed_parameters == ["params.macro_sd", "params.exit_rate"]  # listed ones keep their place, new ones follow


def test_outcomes_respond_to_a_parameter_set_explicitly_under_parameters():
    settings = dict(replications=3, firms_scale=0.03, seed=2, uncertainty="parameters")
    low, high = sim.run(elasticity_localization=0.0, **settings), sim.run(elasticity_localization=0.10, **settings)
    assert low.raw["held"] == {KEY: 0.0} and high.raw["held"] == {KEY: 0.10}
    assert low.outcomes != high.outcomes  # before, both were redrawn: the same numbers, zero sensitivity
    assert low.timeseries["value"].to_numpy().tolist() != high.timeseries["value"].to_numpy().tolist()
    again = sim.outcomes(elasticity_localization=0.0, **settings)
    assert again == low.outcomes  # reproducible; the other parameters' draws are the same (paired)


def run(*args, timeout=600):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_the_command_line_holds_its_value_in_every_replication(tmp_path):
    out = tmp_path / "run"
    p = run("horizon_year=2030", "params.elasticity_localization=0.08", "firms_scale=0.02", "replications=3", "progress=false",
            f"hydra.run.dir={out}")
    assert p.returncode == 0, p.stderr
    params = pd.read_parquet(out / "parameters.parquet")
    assert len(params) == 3 and (params[KEY] == 0.08).all()
    assert params["params.macro_sd"].nunique() == 3  # the others are drawn
    assert yaml.safe_load((out / ".hydra" / "config.yaml").read_text(encoding="utf-8"))["fixed_parameters"] == [KEY]
    assert json.loads((out / "targets.json").read_text(encoding="utf-8"))["held"] == {KEY: 0.08}
    assert f"held at their values in every replication (set explicitly, or fixed_parameters): {KEY} = 0.08" in " ".join(p.stdout.split())


def test_a_sweep_axis_holds_each_jobs_value_and_the_summary_says_so(tmp_path):
    sweep = tmp_path / "held"
    p = run("-m", "sweep_name=held", f"hydra.sweep.dir={sweep}", "params.elasticity_localization=0.0,0.1", "firms_scale=0.02",
            "replications=2", "progress=false", "hydra.launcher.n_jobs=1")
    assert p.returncode == 0, p.stdout + p.stderr
    summary = pd.read_parquet(sweep / "summary.parquet").set_index("job")
    for value in (0.0, 0.1):
        job = sweep / f"firms_scale=0.02,params.elasticity_localization={value},replications=2"
        assert (pd.read_parquet(job / "parameters.parquet")[KEY] == value).all()
        assert yaml.safe_load((job / ".hydra" / "config.yaml").read_text(encoding="utf-8"))["fixed_parameters"] == [KEY]
        assert summary.at[job.name, "held"] == f"{KEY}={value:g}"
    a, b = (pd.read_parquet(sweep / f"firms_scale=0.02,params.elasticity_localization={v},replications=2" / "parameters.parquet").drop(columns=KEY)
            for v in (0.0, 0.1))
    pd.testing.assert_frame_equal(a, b)  # the other draws paired across the jobs
    page = (sweep / "report.html").read_text(encoding="utf-8")
    assert f"{KEY} = 0 (elasticity_localization=0)" in page and f"{KEY} = 0.1 (elasticity_localization=0.1)" in page

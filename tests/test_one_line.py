"""One line promised, one line given (issue 26): a sweep too long to check, launcher settings
joblib refuses, a malformed sweep.json, search.json, discover.json or summary.parquet,
`sim.run(progress=True)`, numpy integers as a schedule's years. Each gives one line naming
the key or file and what is allowed, a non-zero exit, and no half-written results."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.config.loading import load_config
from sim.config.schema import ConfigError
from conftest import copy_of

ROOT = Path(__file__).resolve().parent.parent
TINY = ["firms_scale=0.03", "replications=2", "uncertainty=seeds", "progress=false"]


def python(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def one_error_line(p: subprocess.CompletedProcess) -> str:
    assert p.returncode == 1, p.stdout + p.stderr
    assert "Traceback" not in p.stderr, p.stderr
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), p.stderr
    return lines[0]


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("oneline") / "seeds"
    p = python("run.py", "-m", f"hydra.sweep.dir={out}", f"sweep_name={out.name}", "seed=0,1", *TINY)
    assert p.returncode == 0, p.stdout + p.stderr
    return out


# ------------------------------------------------------------------ sweeps too long to check
@pytest.mark.parametrize("axes, says", [
    (["seed=range(0,100000000)"], "Invalid value for seed: range(0,100000000) sweeps 100,000,000 values"),
    (["seed=range(0,200)", "policy.fund_yi_per_year=range(0,100)"], "the sweep has 20,000 jobs (seed: 200 x policy.fund_yi_per_year: 100)"),
])
def test_a_sweep_of_more_jobs_than_allowed_is_refused_with_its_length_before_it_is_walked(tmp_path, axes, says):
    p = python("run.py", "-m", f"hydra.sweep.dir={tmp_path / 's'}", *axes, timeout=120)  # walking 1e8 values would take hours
    line = one_error_line(p)
    assert says in line and "allowed: at most 10,000 jobs" in line, line
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("setting, says", [
    ("hydra.launcher.n_jobs=0", "Invalid value for hydra.launcher.n_jobs: 0; allowed: a non-zero integer"),
    ("hydra.launcher.batch_size=0", "Invalid value for hydra.launcher: batch_size must be 'auto' or a positive integer"),
])
def test_launcher_settings_joblib_refuses_are_one_line_before_the_sweep_records_anything(tmp_path, setting, says):
    p = python("run.py", "-m", setting, f"hydra.sweep.dir={tmp_path / 's'}", "seed=0,1", *TINY)
    assert says in one_error_line(p)
    assert not (tmp_path / "s").exists()  # no sweep.json left behind


# ------------------------------------------------------------------ malformed files of a sweep
@pytest.mark.parametrize("text", ["{", "[]", '{"invocations": [{"jobs": [{"overrides": 5, "dir": "x"}]}]}'])
def test_a_malformed_sweep_json_is_one_line_from_the_summary(swept, tmp_path, text):
    d = copy_of(swept, tmp_path)
    (d / "sweep.json").write_text(text, encoding="utf-8")
    before = {name: (d / name).read_bytes() for name in ("summary.csv", "summary.parquet")}
    line = one_error_line(python("-m", "sim.sweep.summary", str(d)))
    assert f"{d}/sweep.json cannot be read" in line and "allowed: the plan a sweep records" in line, line
    assert {name: (d / name).read_bytes() for name in before} == before


@pytest.mark.parametrize("name", ["search.json", "discover.json"])
@pytest.mark.parametrize("text", ["{", "[1, 2]", '{"targets": 5, "candidates": []}'])
def test_a_malformed_search_or_discover_json_is_one_line_from_the_report_before_it_draws(swept, tmp_path, name, text):
    d = copy_of(swept, tmp_path)
    (d / name).write_text(text, encoding="utf-8")
    figures = {p.name: p.read_bytes() for p in (d / "figures").iterdir()}
    page = (d / "report.html").read_bytes()
    line = one_error_line(python("-m", "sim.sweep.report", str(d), "--processes", "1"))
    assert f"{d}/{name} cannot be read" in line and f"allowed: the {name} that python -m experiments." in line, line
    assert (d / "report.html").read_bytes() == page and {p.name: p.read_bytes() for p in (d / "figures").iterdir()} == figures


def test_an_unreadable_summary_parquet_is_one_line_from_the_report(swept, tmp_path):
    d = copy_of(swept, tmp_path)
    (d / "summary.parquet").write_bytes(b"not parquet")
    line = one_error_line(python("-m", "sim.sweep.report", str(d), "--processes", "1"))
    assert f"{d}/summary.parquet cannot be read" in line and "python -m sim.sweep.summary" in line


# ------------------------------------------------------------------ sim.run and schedules
def test_sim_run_progress_is_refused_naming_on_progress():
    with pytest.raises(ConfigError) as e:
        sim.run(progress=True)
    assert str(e.value).startswith("Invalid value for progress: True; allowed:") and "on_progress" in str(e.value) and "\n" not in str(e.value)


def test_numpy_integers_are_years_of_a_schedule():
    ints = load_config(factory_space_m2_per_year={2023: 1e6, 2024: 2e6}).policy.factory_space_m2_per_year
    numpy = load_config(factory_space_m2_per_year={np.int64(2023): np.float32(1e6), np.int32(2024): np.float64(2e6)}).policy
    assert numpy.factory_space_m2_per_year == ints
    assert all(type(y) is int for y in numpy.factory_space_m2_per_year)
    for bad, says in (({(2023,): 1.0}, "Invalid value for factory_space_m2_per_year: Incompatible key type 'tuple'; allowed: integer years"),
                      ({None: 1.0}, "Invalid value for policy.factory_space_m2_per_year: Incompatible key type 'NoneType'; allowed: integer years"),
                      ({np.float64(2023.5): 1.0}, "Invalid value for policy.factory_space_m2_per_year year: 2023.5; allowed: an integer")):
        with pytest.raises(ConfigError) as e:
            load_config(factory_space_m2_per_year=bad)
        assert str(e.value).startswith(says), str(e.value)

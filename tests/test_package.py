"""The installable package: a wheel built from the project, installed into a fresh
environment without network, runs a scenario from another directory and offers the console
command `hangzhou-parks`.

The fresh environment sees this environment's dependencies through a .pth file naming its
site-packages (a plain path: the .pth files there, such as the project's own editable
install, are not executed), so what it imports of the project is the wheel's alone; the
tests assert that.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from conftest import one_error_line

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("sim", "hydra_plugins", "configs", "data", "pyproject.toml", "README.md", "LICENSE")  # what the wheel is built from
TINY = ["firms_scale=0.02", "replications=1", "progress=false"]


def _version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def _run(args, cwd, timeout=180):
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("package")
    src = tmp / "src"  # a copy: an in-tree build would write build/ and *.egg-info into the checkout
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, src / name)
    p = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--disable-pip-version-check",
              "-q", "-w", tmp / "dist", src], cwd=tmp)
    assert p.returncode == 0, p.stdout + p.stderr
    (wheel,) = (tmp / "dist").glob("hangzhou_parks_abm-*.whl")
    env = tmp / "venv"
    p = _run([sys.executable, "-m", "venv", "--without-pip", env], cwd=tmp)
    assert p.returncode == 0, p.stderr
    python = env / "bin" / "python"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp).stdout.strip())
    (purelib / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    p = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--disable-pip-version-check", "-q", wheel], cwd=tmp)
    assert p.returncode == 0, p.stdout + p.stderr
    (tmp / "elsewhere").mkdir()
    return env


def test_the_wheel_runs_a_scenario_outside_the_checkout(venv):
    script = """
import json, sim
from sim.config.schema import CONFIG_DIR
from sim.config.posterior import POSTERIOR_DIR
r = sim.run(scenario="no_policy", replications=1, firms_scale=0.02, uncertainty="posterior")
print(json.dumps(dict(file=sim.__file__, configs=str(CONFIG_DIR), posterior=str(POSTERIOR_DIR), version=sim.__version__,
                      scenario=r.config.scenario, uncertainty=r.raw["uncertainty"], targets=sorted(r.targets),
                      replications=int(r.timeseries["replication"].nunique()))))
"""
    p = _run([venv / "bin" / "python", "-c", script], cwd=venv.parent / "elsewhere")
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout.strip().splitlines()[-1])
    for key in ("file", "configs", "posterior"):  # the wheel's own code and data, not the checkout's
        assert Path(got[key]).is_relative_to(venv), (key, got[key])
    assert got["version"] == _version()
    assert (got["scenario"], got["uncertainty"], got["replications"]) == ("no_policy", "posterior", 1)
    assert len(got["targets"]) == 7 and "parks_output" in got["targets"]


def test_the_console_command_runs_a_scenario_and_names_what_is_not_shipped(venv):
    command, cwd = venv / "bin" / "hangzhou-parks", venv.parent / "elsewhere"
    out = cwd / "run"
    p = _run([command, "run", *TINY, "uncertainty=seeds", f"hydra.run.dir={out}"], cwd=cwd)
    assert p.returncode == 0, p.stderr
    assert json.loads((out / "targets.json").read_text(encoding="utf-8"))["scenario"] == "baseline"
    assert "parks_output" in p.stdout and (out / ".hydra" / "config.yaml").exists()  # Hydra composed it (no run.log unless asked)

    p = _run([command, "--version"], cwd=cwd)
    assert p.returncode == 0 and p.stdout.split() == ["hangzhou-parks", _version()], p.stdout + p.stderr
    # search is a script of the checkout, which the wheel does not ship: one line saying how to run it
    line = one_error_line(_run([command, "search", "--p", "0.5"], cwd=cwd))
    assert "python -m experiments.search" in line and "clone of the repository" in line
    assert "did you mean: run" in one_error_line(_run([command, "rnu"], cwd=cwd))


def test_from_a_checkout_the_console_command_runs_its_scripts(tmp_path):
    """From the checkout (sim imported from it), search is experiments/search.py itself, run
    in place of the command, from any directory."""
    call = "import sys; from sim.command import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-c", call, "search", "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0 and p.stdout.startswith("usage: python -m experiments.search"), p.stdout + p.stderr
    p = subprocess.run([sys.executable, "-c", call, "discover", str(tmp_path / "absent")], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert one_error_line(p) == f"error: {tmp_path / 'absent'}: no such directory"

"""Shared fixtures: configs composed from configs/ exactly as run.py composes them, at a
reduced population so the suite stays fast."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim.runs.cli import compose
from sim.config.schema import Config

ROOT = Path(__file__).resolve().parent.parent
SMALL = 0.1  # 10% of the real firm count: about 2,800 firms


def one_error_line(p) -> str:
    """The single line a user error prints (asserting there is no traceback and a non-zero exit)."""
    assert p.returncode != 0, p.stdout + p.stderr
    assert "Traceback" not in p.stderr, p.stderr
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, p.stderr
    return lines[0]


def copy_of(sweep_dir: Path, tmp_path: Path) -> Path:
    """A copy of a finished sweep under the same directory name (sweep_name is part of its settings)."""
    dst = tmp_path / sweep_dir.name
    shutil.copytree(sweep_dir, dst)
    return dst


def with_value(cfg, key, value):
    """A deep copy of cfg with the dotted key (calibration.parks[3].vacancy_2022, calibration.sector_weights.other) set."""
    cfg = copy.deepcopy(cfg)
    *path, name = key.split(".")
    obj = cfg
    for part in path:
        m = re.fullmatch(r"(\w+)\[(\d+)\]", part)
        obj = getattr(obj, m[1])[int(m[2])] if m else getattr(obj, part)
    if isinstance(obj, dict):
        obj[name] = value
    else:
        setattr(obj, name, value)
    return cfg


def sweep(out: Path, *overrides: str, tiny=("replications=2", "firms_scale=0.05", "progress=false")) -> Path:
    """A tiny sweep through the command line (run.py -m) into `out`, named after it; its summary written."""
    p = subprocess.run([sys.executable, "run.py", "-m", f"sweep_name={out.name}", f"hydra.sweep.dir={out}", *overrides, *tiny],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert (out / "summary.parquet").exists()
    return out


def composed(*overrides: str) -> Config:
    """The Config `python run.py OVERRIDES` would run (without Hydra's run directory)."""
    return compose(*overrides)


@pytest.fixture(scope="session")
def _baseline_small() -> Config:
    return composed(f"firms_scale={SMALL}", "replications=1", "progress=false")


@pytest.fixture
def small(_baseline_small) -> Config:
    """Baseline at reduced size; a fresh copy per test, safe to modify."""
    return copy.deepcopy(_baseline_small)


# ------------------------------------------------------------------ a real browser
# Debian's chromium (apt-get install chromium; .ci/run installs it), driven by pytest-playwright:
# Playwright's own browser download is not reachable here. Without chromium the browser tests
# skip, except where SIM_REQUIRE_BROWSER is set (CI), where they fail.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if CHROMIUM is None:
        if os.environ.get("SIM_REQUIRE_BROWSER"):
            pytest.fail("chromium is not installed (apt-get install chromium, as .ci/run does)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ["--no-sandbox"]}


# Whether the page's text used the embedded CJK face (sim.sweep.figures.CJK_FAMILY): the
# browser loads a @font-face only when characters in its unicode-range are drawn.
FONT_LOADED_JS = """async (family) => { await document.fonts.ready;
  return [...document.fonts].some(f => f.family.replace(/"/g, '') === family && f.status === 'loaded'); }"""

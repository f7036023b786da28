"""Shared fixtures: configs composed from configs/ exactly as run.py composes them, at a
reduced population so the suite stays fast."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from sim.cli import compose
from sim.config import Config

ROOT = Path(__file__).resolve().parent.parent
SMALL = 0.1  # 10% of the real firm count: about 2,800 firms


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

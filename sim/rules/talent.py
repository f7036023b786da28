"""Skilled labour: firms' requests, and where arriving talent settles (ODD: Talent). The
market that matches them is `sim.rules.markets.match`."""

from __future__ import annotations

import numpy as np

from .ops import maximum


def request(skilled, target, per_output):
    """A firm's skilled workers for `target` output at `per_output` skilled per 亿/yr: it
    releases those it no longer needs and asks for those it lacks.
    Returns (released, demanded). Arrays or scalars (sim.rules.ops)."""
    need = per_output * target
    return maximum(skilled - need, 0.0), maximum(need - skilled, 0.0)


def settle(workers: float, skilled: np.ndarray) -> np.ndarray:
    """Share `workers` arriving this step among home locations in proportion to skilled
    employment (they settle where the jobs are; the market lets them commute)."""
    return workers * skilled / skilled.sum() if skilled.sum() > 0 else np.full(skilled.size, workers / skilled.size)

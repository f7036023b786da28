"""Skilled labour: firms' requests, and where arriving talent settles (ODD: Talent). The
market that matches them is `sim.rules.markets.match`."""

from __future__ import annotations

import numpy as np

from .ops import maximum
from ..config.params import Params


def request(skilled, target, per_output):
    """A firm's skilled workers for `target` output at `per_output` skilled per 亿/yr: it
    releases those it no longer needs and asks for those it lacks.
    Returns (released, demanded). Arrays or scalars (sim.rules.ops)."""
    need = per_output * target
    return maximum(skilled - need, 0.0), maximum(need - skilled, 0.0)


def skill_factor(params: Params, intensity):
    """A firm's skilled workers per 亿 relative to its sector's mean, from its floor space per
    亿 at base-year technology (`space_intensity`): (intensity / floor_m2_per_yi)^k with k
    = `land_labour_link`, scaled to a mean of 1 over the lognormal intensity draws
    (space.intensity): exp(k (1 - k) sd^2 / 2), sd = `space_intensity_sd`. So a firm that
    uses land intensively uses skilled labour intensively too. Arrays or scalars."""
    k, sd = params.land_labour_link, params.space_intensity_sd
    return (intensity / params.floor_m2_per_yi) ** k * np.exp(0.5 * k * (1.0 - k) * sd * sd)


def settle(workers: float, skilled: np.ndarray) -> np.ndarray:
    """Share `workers` arriving this step among home locations in proportion to skilled
    employment (they settle where the jobs are; the market lets them commute)."""
    return workers * skilled / skilled.sum() if skilled.sum() > 0 else np.full(skilled.size, workers / skilled.size)

"""Skilled labour: each location's talent pool and its inflow (ODD: Talent)."""

from __future__ import annotations

import numpy as np

from .ops import maximum, minimum


def request(skilled, target, per_output, attrition: float, dt: float):
    """A firm's skilled workers for `target` output at `per_output` skilled per 亿/yr, after
    a step's attrition: it releases those it no longer needs and asks for those it lacks.
    Returns (skilled after attrition, released, demanded). Arrays or scalars (sim.ops)."""
    skilled = skilled * (1.0 - attrition * dt)
    need = per_output * target
    return skilled, maximum(skilled - need, 0.0), maximum(need - skilled, 0.0)


def feasible(target, skilled, per_output):
    """Output the firm's skilled workers allow, up to its target (never quite zero)."""
    return maximum(minimum(target, skilled / per_output), 1e-9)


def inflow(workers: float, skilled: np.ndarray, unmet: np.ndarray) -> np.ndarray:
    """Share `workers` arriving this step among locations, half in proportion to skilled
    employment and half to skilled demand left unmet last step (where jobs go begging)."""
    a = skilled / skilled.sum() if skilled.sum() > 0 else np.full(skilled.size, 1 / skilled.size)
    b = unmet / unmet.sum() if unmet.sum() > 0 else a
    return workers * 0.5 * (a + b)

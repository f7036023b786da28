"""Skilled labour: each location's talent pool and its inflow (ODD: Talent)."""

from __future__ import annotations

import numpy as np


def inflow(workers: float, skilled: np.ndarray, unmet: np.ndarray) -> np.ndarray:
    """Share `workers` arriving this step among locations, half in proportion to skilled
    employment and half to skilled demand left unmet last step (where jobs go begging)."""
    a = skilled / skilled.sum() if skilled.sum() > 0 else np.full(skilled.size, 1 / skilled.size)
    b = unmet / unmet.sum() if unmet.sum() > 0 else a
    return workers * 0.5 * (a + b)

"""Industrial floor space: the factory-space and land-renovation levers (ODD: Land)."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from ..config.params import Params
from .ops import maximum, minimum
from .population import M2_PER_MU


def intensity(params: Params, u: np.ndarray) -> np.ndarray:
    """Firms' own floor space per 亿 of output at base-year technology (the firm store's
    `space_intensity`): the mean `floor_m2_per_yi` times a lognormal factor of mean 1 (one
    uniform per firm)."""
    sd = params.space_intensity_sd
    return params.floor_m2_per_yi * np.exp(sd * ndtri(u) - 0.5 * sd * sd)


def request(floor, target, per_yi: float, slack: float):
    """A firm's floor space for `target` output (亿/yr) at `per_yi` m² per 亿: it releases
    what exceeds its need by more than `slack`, and asks for what it lacks.
    Returns (floor space kept, m² demanded). Arrays or one firm's scalars (sim.rules.ops)."""
    need = per_yi * target
    kept = minimum(floor, maximum(need * (1.0 + slack), 0.0))
    return kept, maximum(need - kept, 0.0)


def feasible(target, floor, per_yi: float):
    """Output the firm's floor space allows, up to its target."""
    return minimum(target, floor / per_yi)


def allocate_new_space(m2: float, rule: str, unmet: np.ndarray, stock: np.ndarray, is_park: np.ndarray) -> np.ndarray:
    """Share `m2` of new standard factory space among the parks (never `outside`).

    demand: in proportion to each park's floor-space demand left unmet last step, or to its
    stock if no park was short; stock: in proportion to the stock.
    """
    key = np.where(is_park, unmet, 0.0) if rule == "demand" else np.zeros_like(stock)
    if key.sum() <= 0:
        key = np.where(is_park, stock, 0.0)
    return m2 * key / key.sum()


def rebuilt_floor(mu: np.ndarray, plot_ratio: float) -> np.ndarray:
    """Floor space (m²) rebuilt on `mu` 亩 of cleared land at `plot_ratio`."""
    return mu * M2_PER_MU * plot_ratio


def land_of(floor_m2, plot_ratio: float):
    """Land (亩) under `floor_m2` of floor space at `plot_ratio` (the inverse of `rebuilt_floor`)."""
    return floor_m2 / plot_ratio / M2_PER_MU


def rent(rent_2022: np.ndarray, occupancy: np.ndarray, occupancy_2022: np.ndarray, elasticity: float) -> np.ndarray:
    """Rent index: the 2022 rent scaled by occupancy relative to 2022."""
    return rent_2022 * np.power(np.maximum(occupancy, 1e-6) / occupancy_2022, elasticity)

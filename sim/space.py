"""Industrial floor space: the factory-space and land-renovation levers (ODD: Land)."""

from __future__ import annotations

import numpy as np

from .population import M2_PER_MU


def allocate_new_space(m2: float, rule: str, unmet: np.ndarray, stock: np.ndarray, is_park: np.ndarray) -> np.ndarray:
    """Share `m2` of new standard factory space among the parks (never `outside`).

    demand: in proportion to each park's floor-space demand left unmet last step, or to its
    stock if no park was short; stock: in proportion to the stock.
    """
    key = np.where(is_park, unmet, 0.0) if rule == "demand" else np.zeros_like(stock)
    if key.sum() <= 0:
        key = np.where(is_park, stock, 0.0)
    return m2 * key / key.sum()


def renovate(mu: float, inefficient_mu: np.ndarray, far_gain: float) -> tuple[np.ndarray, np.ndarray]:
    """Renovate `mu` 亩 of inefficient land, in proportion to each location's remaining stock.

    Returns (亩 renovated, m² of floor space added) per location; renovation lifts the
    plot ratio of the land by `far_gain`. Nothing is renovated once the stock is used up.
    """
    total = inefficient_mu.sum()
    if total <= 0 or mu <= 0:
        zero = np.zeros_like(inefficient_mu)
        return zero, zero
    done = np.minimum(inefficient_mu, mu * inefficient_mu / total)
    return done, done * M2_PER_MU * far_gain


def rent(rent_2022: np.ndarray, occupancy: np.ndarray, occupancy_2022: np.ndarray, elasticity: float) -> np.ndarray:
    """Rent index: the 2022 rent scaled by occupancy relative to 2022."""
    return rent_2022 * np.power(np.maximum(occupancy, 1e-6) / occupancy_2022, elasticity)

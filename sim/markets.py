"""Rationing: how a location's scarce floor space or talent is shared among its firms."""

from __future__ import annotations

import numpy as np


def ration(demand: np.ndarray, location: np.ndarray, available: np.ndarray, weight: float) -> np.ndarray:
    """Grant each firm the same share of its demand within a location.

    demand: per simulated firm (each stands for `weight` real firms); available: per
    location, in real units. Where a location's total demand exceeds what is available,
    every firm there gets available / total of its demand; elsewhere it gets all of it.
    """
    return demand * ration_ratio(demand, location, available, weight)[location]


def ration_ratio(demand: np.ndarray, location: np.ndarray, available: np.ndarray, weight: float) -> np.ndarray:
    """Share of its demand every firm of each location is granted (see `ration`): a firm's
    grant is its demand times its location's ratio."""
    total = weight * np.bincount(location, weights=demand, minlength=available.size)
    ratio = np.ones_like(available, dtype=float)
    available = np.maximum(available, 0.0)
    short = total > available
    ratio[short] = available[short] / total[short]
    return ratio


def fill_in_order(size: np.ndarray, destination: np.ndarray, order: np.ndarray, room: np.ndarray, weight: float) -> np.ndarray:
    """Admit requests (moves, entries) to destinations in the given order while room lasts.

    size: room each request needs (per simulated firm); order: a random key per request,
    lower goes first. Returns a boolean mask of admitted requests.
    """
    if size.size == 0:
        return np.zeros(0, dtype=bool)
    idx = np.lexsort((order, destination))
    d, s = destination[idx], weight * size[idx]
    cum = np.cumsum(s)
    start = np.searchsorted(d, d, side="left")  # first position of each destination group
    before = np.concatenate(([0.0], cum))[start]
    admitted = np.empty(size.size, dtype=bool)
    admitted[idx] = (cum - before) <= room[d]
    return admitted

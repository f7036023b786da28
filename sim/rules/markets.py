"""Rationing: how a location's scarce floor space or talent is shared among its firms."""

from __future__ import annotations

import numpy as np


def ration_ratio(total: np.ndarray, available: np.ndarray) -> np.ndarray:
    """The same share of its demand for every firm of a location: where the location's
    total demand (`total`, real units: each simulated firm stands for `weight` real firms)
    exceeds what is available, available / total; elsewhere all of it. A firm's grant is
    its demand times its location's ratio."""
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


def commute_weights(district: np.ndarray, cost: float) -> np.ndarray:
    """[home, job] weight of a job for a worker living at a location: 1 in the same
    district, exp(-cost) across a district boundary."""
    return np.exp(-cost * (district[:, None] != district[None, :]))


def match(demand: np.ndarray, pool: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One city-wide labour market with a cost of commuting.

    demand: skilled workers firms ask for, per job location; pool: job-seekers per home
    location; weights: `commute_weights`. Each home's job-seekers spread over the job
    locations in proportion to demand x weight; a location hires what it is offered, up
    to its demand, each offer taken in the same proportion. Returns (the share of its
    demand each job location is granted, job-seekers hired from each home location).
    """
    pull = weights * demand[None, :]
    total = pull.sum(axis=1, keepdims=True)
    offers = np.divide(pool[:, None] * pull, total, out=np.zeros_like(pull), where=total > 0)
    offered = offers.sum(axis=0)
    hired = np.minimum(offered, demand)
    taken = np.divide(hired, offered, out=np.zeros_like(hired), where=offered > 0)
    ratio = np.divide(hired, demand, out=np.ones_like(hired), where=demand > 0)
    return ratio, (offers * taken[None, :]).sum(axis=1)

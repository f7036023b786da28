"""The city's market for skilled workers (ODD 7.3, 7.7): the job-seekers by home location
(`pool`), matched to the firms' requests city-wide with a cost of commuting across district
boundaries (`markets.match`). No wage: a request the pool cannot fill is rationed.

Shaped for batches of replications: `pool` is an array over locations (last axis)."""

from __future__ import annotations

import numpy as np

from ..config.schema import SECTORS
from ..rules.markets import commute_weights
from . import market


class LabourMarket:
    """`pool`: skilled workers looking for a job, by location (weighted: real workers);
    `skilled_share`: skilled workers per worker, by sector; `arrived`: skilled workers
    arrived since the start (the talent flows' balance); `in_inflow`: the recruits the new
    plants brought at the 2022 attraction rate, not yet netted out of the published net inflow
    (which counts them). Requests are per simulated firm,
    so the market weighs them by `weight` real firms."""

    __slots__ = ("pool", "commute", "skilled_share", "arrived", "in_inflow", "weight", "n")

    def __init__(self, district: np.ndarray, skilled_share: dict[str, float], commute_cost: float, weight: float) -> None:
        self.commute = commute_weights(district, commute_cost)
        self.skilled_share = np.array([skilled_share[s] for s in SECTORS])
        self.weight = weight
        self.n = district.size
        self.pool = np.zeros(self.n)  # set by the end-2022 state
        self.arrived = 0.0
        self.in_inflow = 0.0  # plants' recruits still to be counted in the net inflow (Government.supply_talent)

    def ratio(self, demand_l: np.ndarray) -> np.ndarray:
        """The share of their requests the firms of each location are granted, given the
        requests' sum by location (per simulated firm); the hired leave the pool."""
        ratio, taken = market.match(self.weight * demand_l, self.pool, self.commute)  # markets.match, compiled
        self.pool -= taken
        return ratio

    def hire(self, demand: np.ndarray, location: np.ndarray) -> np.ndarray:
        """The skilled workers granted to each request (per simulated firm); `location`: of
        each request's job."""
        return demand * self.ratio(np.bincount(location, weights=demand, minlength=self.n))[location]

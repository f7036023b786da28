"""The locations: the 16 parks and `outside` (the rest of the city), one row each (ODD 2.2,
5.6). Their state is arrays indexed by location (`outside` last); the Park agents read
their row.

Shaped for batches of replications: every field is an array whose last axis is the
location, so a later [replication, location] layout changes the shapes, not the names.
"""

from __future__ import annotations

import numpy as np

from ..config.schema import OUTSIDE, SECTORS
from ..rules import space


class Locations:
    """Each location's fixed facts (from the calibration's park table) and its state.

    Set at construction, from the park table: `ids`, `is_park`, `district` (index),
    `leading` [location, sector], `leading_share_2022`, `land_price` (元/m²),
    `vacancy_2022`, `inefficient_share`. Set by the end-2022 state (sim/model/initial.py):
    `stock_m2` (floor space), `land_mu` (serviced land ready for projects),
    `land_2022_mu`, `density_cutoff` (output per m² below which the renovation programme
    clears a firm), `inefficient_mu` (land it can clear), `occupancy_2022`. Changed by the
    step: `rent`, `platforms`, `platform_grant`, `unmet_space`, `unmet_talent`,
    `fai_construction` (亿/yr), `cleared_mu` (cleared, not yet used), `renovation_due`,
    `cleared_before_mu` (cleared before the plan, to be rebuilt: set by the prehistory).
    A name that is not one of these cannot be set (a typo cannot create state).
    """

    __slots__ = (
        "ids", "n", "is_park", "district", "leading", "leading_share_2022", "land_price", "vacancy_2022",
        "inefficient_share", "stock_m2", "land_mu", "land_2022_mu", "density_cutoff", "inefficient_mu",
        "occupancy_2022", "rent", "platforms", "platform_grant", "unmet_space", "unmet_talent", "fai_construction",
        "cleared_mu", "renovation_due", "cleared_before_mu",
    )  # fmt: skip

    def __init__(self, parks: list, outside) -> None:
        specs = [*parks, outside]
        districts = {d: i for i, d in enumerate(dict.fromkeys(p.district for p in specs))}
        self.ids = [p.id for p in parks] + [OUTSIDE]
        self.n = len(specs)
        self.is_park = np.array([p.id != OUTSIDE for p in specs])
        self.district = np.array([districts[p.district] for p in specs])
        self.leading = np.array([[s in p.leading for s in SECTORS] for p in specs])
        self.leading_share_2022 = np.array([p.leading_share_2022 for p in specs])
        self.land_price = np.array([p.land_price_yuan_m2 for p in specs])
        self.vacancy_2022 = np.array([p.vacancy_2022 for p in specs])
        self.inefficient_share = np.array([p.inefficient_land_share for p in specs])  # of the parks' land
        self.platforms = np.array([float(p.st_platforms_2022) for p in specs])
        self.platform_grant = np.zeros(self.n)
        self.unmet_space = np.zeros(self.n)
        self.unmet_talent = np.zeros(self.n)
        self.fai_construction = np.zeros(self.n)
        self.cleared_mu = np.zeros(self.n)  # land cleared by the renovation programme, not yet used
        self.renovation_due = np.zeros(self.n)  # 亩 the programme still owes each park this month
        self.cleared_before_mu = np.zeros(self.n)  # cleared by the renovation before the plan, being rebuilt
        self.rent = self.land_price.astype(float)

    def reprice(self, vacancy: np.ndarray, elasticity: float) -> None:
        """Rents from occupancy (`space.rent`), given the vacant floor space."""
        occupancy = 1.0 - vacancy / self.stock_m2
        self.rent = space.rent(self.land_price, occupancy, self.occupancy_2022, elasticity)

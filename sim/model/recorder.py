"""What a run records: the Recorder keeps pre-allocated arrays, one row per record date,
filled from the model's state (aggregates only, never per firm). sim.runs.results turns
them into the long table of timeseries.parquet (`tidy`)."""

from __future__ import annotations

import numpy as np

from ..config.schema import SECTORS
from ..rules.costs import QUANTITIES
from ..rules.exogenous import price_index, services_revenue

CELL_VARS = ("output_yi", "output_all_yi", "firms", "above_scale_firms", "employment", "skilled_employment", "fai_yi")
LOCATION_VARS = ("floor_space_m2", "vacant_space_m2", "st_platforms", "talent_pool", "construction_fai_yi", "rent_index", "land_for_projects_mu", "inefficient_land_mu")
# model.flows keys (FLOW_KEYS) recorded as FLOW_VARS; the quantities the public cost reads
# (sim/rules/costs.py) under their own names
FLOW_VARS = ("entries", "exits", "moves", "crossed_up", "crossed_down", "projects_started", "projects_started_10yi", "projects_completed", "firms_cleared", "firms_upgraded", *QUANTITIES)
FLOW_KEYS = ("entries", "exits", "moves", "up", "down", "projects", "large_projects", "completed", "cleared", "upgraded", *QUANTITIES)


class Flows(dict):
    """This month's flows (`FLOW_KEYS`: firms that entered, exited, moved, ..., and the
    quantities the public cost reads), in real firms or units; `total`: the firms at the
    start and the entries, exits and moves since."""

    def __init__(self, start: float) -> None:
        super().__init__(dict.fromkeys(FLOW_KEYS, 0.0))
        self.total = dict(start=start, entries=0.0, exits=0.0, moves=0.0)

    def reset(self) -> None:
        """A new month: every flow at zero."""
        for k in self:
            self[k] = 0.0

    def close(self) -> None:
        """The month's entries, exits and moves join the totals."""
        for k in ("entries", "exits", "moves"):
            self.total[k] += self[k]


class Recorder:
    """Aggregates per record date: [date, location, sector] cells, [date, location], [date]."""

    def __init__(self, model):
        n = model.n_steps + 1
        self.dates = model.dates
        self.years = np.array([d.year for d in model.dates])
        self.location_ids = model.locations.ids
        self.is_park = model.locations.is_park.copy()
        self.leading = model.locations.leading.copy()
        elapsed = np.arange(n) * model.dt  # years since the end of the base year
        self.price_index = price_index(model.params, elapsed)  # exogenous paths (sim.rules.exogenous)
        self.services_yi = services_revenue(model.params, model.cal, elapsed)
        self.fai_base_published = model.cal.parks_fai_2022_yi
        # FAI (亿/yr) in the years before the base, from the model's prehistory (set by the
        # model): the parks', and the city's (parks and outside)
        self.fai_prehistory: dict[int, float] = {}
        self.fai_prehistory_city: dict[int, float] = {}
        self.targets = model.config.targets
        self.cells = {v: np.zeros((n, model.locations.n, len(SECTORS))) for v in CELL_VARS}
        self.locations = {v: np.zeros((n, model.locations.n)) for v in LOCATION_VARS}
        self.flows = {v: np.zeros(n) for v in FLOW_VARS}

    def record(self, model, t: int, fai_ls: np.ndarray, vacancy: np.ndarray | None = None, sums: tuple | None = None) -> None:
        """Row `t` from the model now; `vacancy`: `model.totals.vacancy()`, `sums`:
        `model.totals.firm_totals()`, if the caller has them."""
        c, totals = self.cells, model.totals
        c["output_yi"][t], c["firms"][t], c["above_scale_firms"][t], c["employment"][t], c["skilled_employment"][t] = totals.firm_totals() if sums is None else sums
        c["output_all_yi"][t] = totals.output_ls
        c["fai_yi"][t] = fai_ls
        loc, lv = model.locations, self.locations
        lv["floor_space_m2"][t] = loc.stock_m2
        lv["vacant_space_m2"][t] = totals.vacancy() if vacancy is None else vacancy
        lv["st_platforms"][t] = loc.platforms
        lv["talent_pool"][t] = model.labour.pool
        lv["construction_fai_yi"][t] = loc.fai_construction
        lv["rent_index"][t] = loc.rent
        lv["land_for_projects_mu"][t] = loc.land_mu + loc.cleared_mu
        lv["inefficient_land_mu"][t] = loc.inefficient_mu
        fl = model.flows
        for name, key in zip(FLOW_VARS, FLOW_KEYS):
            self.flows[name][t] = fl[key] if t > 0 else 0.0

    # -------------------------------------------------------------- derived series
    def fai_by_location(self) -> np.ndarray:
        """Parks' FAI (亿/yr): firms' investment plus construction of floor space."""
        return self.cells["fai_yi"].sum(axis=2) + self.locations["construction_fai_yi"]

    def leading_output(self) -> np.ndarray:
        """Above-scale output in each location's leading industries, [date, location]."""
        return (self.cells["output_yi"] * self.leading[None]).sum(axis=2)

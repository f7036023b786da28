"""Sums of the firms' state by location and by location x sector cell, and what they imply
for the locations: floor space occupied and vacant, output by cell and its change (ODD
7.12-7.13). The passes over the firms are sim/model/kernels.py's, which add in the order of
the slots as `np.bincount` does. Weighted: each simulated firm stands for `weight` real
firms."""

from __future__ import annotations

import numpy as np

from ..config.schema import SECTORS
from . import kernels, passes
from .firms import FirmStore
from .locations import Locations

S = len(SECTORS)


class Totals:
    """Sums over `firms` for `locations`. `output_ls` [location, sector] is the output of the
    live firms at the last `refresh`, `dln_ls` and `dln_l` its log change in that step by
    cell and by location (the agglomeration forces of ODD 7.5)."""

    def __init__(self, firms: FirmStore, locations: Locations, weight: float) -> None:
        self.firms, self.locations, self.weight, self.n_loc = firms, locations, weight, locations.n
        self._index_version = -1
        self._live_index: tuple[np.ndarray, np.ndarray] | None = None
        self.output_ls = np.zeros((self.n_loc, S))
        self.dln_ls = np.zeros((self.n_loc, S))
        self.dln_l = np.zeros(self.n_loc)

    def index(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Location and location x sector cell of each of `slots`; for the live firms (the
        array `firms.live()` returns) they are kept until firms enter, exit or move."""
        f = self.firms
        if slots is not f.live():
            return kernels.index_of(slots, f.location, f.sector)
        if self._index_version != f.version:
            first = f.appended_since(self._index_version)
            if first is not None:  # only added since: the earlier firms' index, then the new firms'
                where, cell = kernels.index_of(slots[slots.size - (f.n - first) :], f.location, f.sector)
                self._live_index = np.concatenate([self._live_index[0], where]), np.concatenate([self._live_index[1], cell])
            else:
                self._live_index = kernels.index_of(slots, f.location, f.sector)
            self._index_version = f.version
        return self._live_index

    def by_location(self, values: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """Weighted sum of per-firm values (aligned with `slots`) by location."""
        return self.weight * kernels.sum_by(self.index(slots)[0], values, self.n_loc)

    def by_cell(self, values: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """Weighted sum of per-firm values by location x sector."""
        return self.cell_sum(values, self.index(slots)[1])

    def cell_sum(self, values: np.ndarray | None, cell: np.ndarray) -> np.ndarray:
        """Weighted sum by location x sector of values given with their cells (`index`);
        values None: the count of firms (the same numbers as a sum of ones)."""
        sums = np.bincount(cell, minlength=self.n_loc * S) if values is None else kernels.sum_by(cell, values, self.n_loc * S)
        return self.weight * sums.reshape(self.n_loc, S)

    def location_total(self, field: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """Weighted sum by location of a firm field (an array by slot, e.g. `firms.skilled`)
        over `slots`: `by_location(field[slots], slots)` without the gathers."""
        return self.weight * kernels.total_by_location(slots, self.firms.location, field, self.n_loc)

    def cell_total(self, field: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """Weighted sum by location x sector of a firm field over `slots`."""
        return self.weight * kernels.total_by_cell(slots, self.firms.location, self.firms.sector, field, self.n_loc).reshape(self.n_loc, S)

    def firm_totals(self) -> tuple[np.ndarray, ...]:
        """What the recorder sums by location x sector over the live firms, in one pass:
        above-scale output, firms, above-scale firms, employment, skilled employment."""
        f, shape = self.firms, (self.n_loc, S)
        sums = kernels.record_cells(f.live(), f.location, f.sector, f.above_scale, f.output_yi, f.employees, f.skilled, self.n_loc)
        return tuple(self.weight * v.reshape(shape) for v in sums)

    def occupied(self) -> np.ndarray:
        """Floor space the live firms occupy, by location."""
        return self.location_total(self.firms.floor_m2, self.firms.live())

    def vacancy(self) -> np.ndarray:
        """Vacant floor space by location: the stock less what the live firms occupy, at least 0."""
        return np.maximum(self.locations.stock_m2 - self.occupied(), 0.0)

    def vacancy_and_subsidies(self) -> tuple[np.ndarray, np.ndarray]:
        """`vacancy()` and the subsidies by location x sector (`cell_total(firms.subsidy_yi,
        firms.live())`) from one pass over the live firms: the same sums."""
        f = self.firms
        occupied, subsidy = passes.occupied_and_cells(f.live(), f.location, f.sector, f.floor_m2, f.subsidy_yi, self.n_loc)
        return np.maximum(self.locations.stock_m2 - self.weight * occupied, 0.0), self.weight * subsidy.reshape(self.n_loc, S)

    def refresh(self, first: bool = False) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Output by cell and its log change since the last refresh (none the first time).
        Returns the vacancy and the recorder's sums (`firm_totals`) now, from the same pass
        over the firms (passes.end_of_step: the same sums as `vacancy()` and `firm_totals()`)."""
        f, shape = self.firms, (self.n_loc, S)
        out_all, cells, occupied = passes.end_of_step(f.live(), f.location, f.sector, f.above_scale, f.output_yi, f.employees, f.skilled, f.floor_m2, self.n_loc)
        out_ls = self.weight * out_all.reshape(shape)
        if not first:
            self.dln_ls = np.log1p(out_ls) - np.log1p(self.output_ls)
            self.dln_l = np.log1p(out_ls.sum(1)) - np.log1p(self.output_ls.sum(1))
        self.output_ls = out_ls
        vacancy = np.maximum(self.locations.stock_m2 - self.weight * occupied, 0.0)
        return vacancy, tuple(self.weight * v.reshape(shape) for v in cells)

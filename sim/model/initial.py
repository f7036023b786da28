"""The end-2022 state: locations and the synthetic firms, their capital prehistory, floor
space, land and the inefficient land the renovation programme can clear (ODD: Initialization).
A part of `sim.Model`, kept apart by responsibility; the rules are the pure functions
of sim/rules/population.py, sim/rules/renovation.py and sim/rules/space.py."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..rules import demography, growth, renovation, space
from ..config.schema import OUTSIDE, SECTORS
from .firms import FirmStore
from ..rules.markets import commute_weights
from ..rules.population import capital_prehistory, mean_by_size, synthesize


class InitialState:
    """The Model's construction phases (mixed into `sim.Model`)."""

    def _build_locations(self, specs) -> None:
        districts = {d: i for i, d in enumerate(dict.fromkeys(p.district for p in specs))}
        self.loc = SimpleNamespace(
            is_park=np.array([p.id != OUTSIDE for p in specs]),
            district=np.array([districts[p.district] for p in specs]),
            leading=np.array([[s in p.leading for s in SECTORS] for p in specs]),
            leading_share_2022=np.array([p.leading_share_2022 for p in specs]),
            platforms=np.array([float(p.st_platforms_2022) for p in specs]),
            platform_grant=np.zeros(len(specs)),
            unmet_space=np.zeros(len(specs)),
            unmet_talent=np.zeros(len(specs)),
            fai_construction=np.zeros(len(specs)),
            cleared_mu=np.zeros(len(specs)),  # land cleared by the renovation programme, not yet used
            renovation_due=np.zeros(len(specs)),  # 亩 the programme still owes each park this month
        )
        self.commute = commute_weights(self.loc.district, self.params.commute_cost)
        self._vacancy_2022 = np.array([p.vacancy_2022 for p in specs])
        self._inefficient_share = np.array([p.inefficient_land_share for p in specs])  # of the parks' land
        self._land_price = np.array([p.land_price_yuan_m2 for p in specs])

    def _build_firms(self) -> None:
        cal, par = self.cal, self.params
        pop = synthesize(cal, par, self.config.firms_scale, self.streams.get("population", 0))
        self.weight = pop.weight
        self.skilled_share = np.array([cal.skilled_share[s] for s in SECTORS])
        self.sector_drift = growth.sector_drift(par)
        y = pop.output_yi
        overhang, invest, trend = capital_prehistory(par, y, [cal.growth_2021, cal.growth_2022], self.streams.get("population", 1))
        self._invest_prior = np.array([mean_by_size(v, y) for v in invest])  # expected rates, not one draw's luck
        intensity = self.space_draws(self.streams.get("population", 2).random(y.size))
        self.firms = FirmStore(capacity=int(y.size * 1.5))
        self._index_version = -1
        employees = cal.workers_per_yi * y
        slots = self.firms.add(
            sector=pop.sector,
            location=pop.location,
            output_yi=y,
            productivity=y,
            capital_yi=par.capital_output * y * overhang,
            employees=employees,
            skilled=self.skilled_share[pop.sector] * employees,
            floor_m2=intensity * y,
            space_intensity=intensity,
            age_months=pop.age_months,
            above_scale=y >= cal.above_scale_threshold_yi,
            trend=trend,
        )
        self._firm_agents_start()  # their Mesa agents: made when first asked for (agents.FirmAgents)
        loc = self.loc
        occupied = self.occupied()
        loc.stock_m2 = occupied / (1.0 - self._vacancy_2022)
        self._land_2022 = space.land_of(loc.stock_m2, cal.plot_ratio_2022)  # 亩 of industrial land
        loc.land_mu = par.land_reserve_share * self._land_2022  # serviced land ready for projects
        loc.density_cutoff = renovation.density_cutoffs(y, intensity * y, pop.location, self._inefficient_share * loc.is_park)
        bad = renovation.inefficient(y, intensity * y, pop.location, loc.density_cutoff, loc.is_park)
        land = space.land_of(intensity * y * bad, cal.plot_ratio_2022)
        loc.inefficient_mu = self.weight * np.bincount(pop.location, weights=land, minlength=self.n_loc)  # what the programme can clear
        self._occupancy_2022 = occupied / loc.stock_m2
        loc.rent = self._land_price.astype(float)
        loc.pool = cal.pool_share_2022 * self.by_location(self.firms.skilled[slots], slots)
        self.mean_entrant_yi = demography.mean_entrant_size(par, cal.zipf_exponent)
        live = self.firms.live()
        self.base_hazard = float(demography.exit_hazard(par, self.firms.output_yi[live], self.firms.trend[live]).mean())

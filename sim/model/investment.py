"""Investment (ODD 7.8, 7.14): the incumbents' equipment investment, a large investor's
spread over the build time as a project, and the pipeline of outside projects (new plants
and expansions attracted to the city) that take land, spend while they are built and
produce when they complete. The rules are the pure functions of sim/rules/projects.py and
sim/rules/growth.py.

Shaped for batches of replications: the state is the project book (rows) and an array
[month, location, sector] of the incumbents' large investment.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..config.params import Params
from ..config.schema import SECTORS, Policy
from ..rules import costs, production, projects, relocation, space, talent
from ..rules.projects import ProjectBook
from . import choice, kernels
from .firms import FirmStore
from .labour import LabourMarket
from .locations import Locations
from .recorder import Flows
from .streams import Streams
from .totals import Totals

S = len(SECTORS)


class Investment:
    """The projects being built (`projects`, a ProjectBook) and the incumbents' large
    investment of the last `project_build_years` by month (`own_projects`, 亿 a month by
    location x sector). It takes land from `locations`, workers from `labour`, expands
    incumbents of `firms`, and counts what it does in `flows`."""

    def __init__(self, params: Params, streams: Streams, firms: FirmStore, locations: Locations, labour: LabourMarket,
                 flows: Flows, weight: float, dt: float) -> None:
        self.params, self.streams, self.firms, self.locations, self.labour, self.flows = params, streams, firms, locations, labour, flows
        self.weight, self.dt = weight, dt
        self.projects = ProjectBook()
        self.own_projects = np.zeros((projects.build_months(params), locations.n, S))  # incumbents' large investment by month
        self._own_slot = 0
        self.sector_share = np.zeros(S)  # where projects arise: each sector's share of the 2022 output

    # ------------------------------------------------------------------ the end-2022 state
    def start(self, sector_share: np.ndarray, utility: np.ndarray, growth: float) -> None:
        """The projects under construction at the end of the base year: those that arrived
        in the last `project_build_years` at the base year's rate (attraction 1, no
        steering), the rate having grown by `growth` a year before (`before_plan_growth`):
        each project's time since its start is drawn from that history (uniform at growth
        0); their land is already theirs. `utility`: the location utility [location, sector]
        (no steering)."""
        par, months = self.params, projects.build_months(self.params)
        self.sector_share = sector_share
        rng = self.streams.get("project", 0, S)
        years, q = par.project_build_years, (1.0 + growth) ** -par.project_build_years  # q: the rate T years ago, relative
        span = years if growth == 0 else (1.0 - q) / np.log1p(growth)  # years of arrivals at the base year's rate
        n = rng.poisson(par.project_rate * self.sector_share * span / self.weight)
        sec = np.repeat(np.arange(S), n).astype(np.int8)
        u = np.clip(rng.random((sec.size, 4)), 1e-12, 1 - 1e-12)
        since = u[:, 2] * years if growth == 0 else -np.log1p(-u[:, 2] * (1.0 - q)) / np.log1p(growth)  # years since the start
        options = utility[:, sec].T
        dest = choice.choose(options, np.ones_like(options, dtype=bool), u[:, 1])
        self.projects.add(sector=sec, location=dest, size_yi=projects.sizes(par, u[:, 0]), months=np.full(sec.size, months),
                          left=months - np.minimum((since * 12).astype(int), months - 1), pick=np.where(u[:, 3] < par.project_expansion_share, u[:, 3] / par.project_expansion_share, -1.0))

    def prehistory(self, totals: Totals, invest_prior: np.ndarray, mean_entrant_yi: float, before: Policy, growth: float,
                   lag_years: float) -> tuple[np.ndarray, np.ndarray]:
        """FAI in the years before the base (one per row of `invest_prior`, the last the
        base year), from the same rules: incumbents invest as in their simulated recent past
        (`invest_prior`, the yearly rates of `population.capital_prehistory` at the
        published growth), a firm's large investment spread over the build time as in
        `spend` (months before the prehistory at its first year's rate); entrants arrive at
        `entry_rate`; the project pipeline spends at the base year's rate, less by `growth` a
        year before it; construction: the background rate, and the standard factory space
        and the rebuilding of cleared land of the levers before the plan (`before`: their
        2022 sizes, less by `growth` a year before; land is rebuilt `lag_years` after it is
        cleared). Sets the locations' `fai_construction` (the base year's) and
        `cleared_before_mu` (land cleared and not yet rebuilt), and fills `own_projects`. Returns the firms' and
        projects' FAI [year, location, sector] and the construction FAI [year, location]
        (亿/yr)."""
        par, live, loc = self.params, self.firms.live(), self.locations
        entrants = par.entry_rate * totals.by_cell(np.ones(live.size), live) * mean_entrant_yi
        book = self.projects
        spend = np.zeros((loc.n, S))
        np.add.at(spend, (book.location, book.sector), self.weight * book.size_yi / par.project_build_years)
        cost = par.construction_cost_yuan_m2 / 1e8
        background = par.background_space_growth * loc.stock_m2 * cost
        programme = space.allocate_new_space(before.factory_space_m2_per_year, before.space_allocation, loc.unmet_space, loc.stock_m2, loc.is_park) * cost
        inefficient = np.where(loc.is_park, loc.inefficient_mu, 0.0)
        cleared = before.land_renovation_mu_per_year * inefficient / max(inefficient.sum(), 1e-12)  # 亩 a year, by park
        rebuilt = space.rebuilt_floor(cleared, par.new_plot_ratio) * cost
        loc.cleared_before_mu = cleared * lag_years  # cleared in the last lag_years, not yet rebuilt
        y, big = self.firms.output_yi[live], self.large_investors(live)
        small, large = [], []
        for rate in invest_prior:  # yearly investment of each firm in each prior year
            invest = par.capital_output * y * rate[live]
            small.append(totals.by_cell(np.where(big, 0.0, invest), live))
            large.append(totals.by_cell(np.where(big, invest, 0.0), live))
        months = self.own_projects.shape[0]
        # large investment by month, oldest first: the first prior year's rate before the prehistory
        monthly = np.array([large[0]] * months + [v for v in large for _ in range(12)])
        self.own_projects[:] = monthly[-months:] * self.dt  # the buffer holds monthly amounts
        self._own_slot = 0
        firms, construction = [], []
        for k in range(len(large)):  # FAI of year k: small investment at once, large spread over the build time
            end, before_base = months + 12 * (k + 1), len(large) - 1 - k  # years before the base year
            ramp = (1.0 + growth) ** -before_base
            firms.append(par.capital_output * entrants + ramp * spend + small[k] + monthly[end - months : end].mean(axis=0))
            construction.append(background + ramp * programme + (1.0 + growth) ** -(before_base + lag_years) * rebuilt)
        loc.fai_construction = construction[-1]
        return np.array(firms), np.array(construction)

    # ------------------------------------------------------------------ incumbents
    def large_investors(self, slots: np.ndarray) -> np.ndarray:
        """Firms whose investment comes as projects: replacing their equipment alone
        (capital x depreciation) is a project of `project_min_yi` or more a year."""
        return self.firms.capital_yi[slots] * self.params.depreciation >= self.params.project_min_yi

    def spend(self, now: np.ndarray, large: np.ndarray) -> np.ndarray:
        """Incumbents' equipment investment this step as FAI by cell (亿/yr), given its sums
        by cell (亿, real firms): `now`, the small investors', is spent at once; `large`, the
        large investors' (`large_investors`, before investing), is a project, spent evenly
        over `project_build_years`."""
        self.own_projects[self._own_slot] = large
        self._own_slot = (self._own_slot + 1) % self.own_projects.shape[0]
        return (now + self.own_projects.sum(axis=0) / self.own_projects.shape[0]) / self.dt

    # ------------------------------------------------------------------ the pipeline
    def build(self, t: int, attraction: float, trend: float, utility: Callable[[], np.ndarray],
              skilled_need: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> tuple[np.ndarray, dict]:
        """9. Projects: new starts, this month's spending of every project being built (its
        FAI, buildings and equipment), and completion of those finished. `attraction`: this
        year's attraction intensity; `trend`: floor space per 亿 now relative to 2022;
        `utility()`: the steered location utility; `skilled_need(sector, intensity)`: skilled workers
        per 亿 of output. Returns the spending by cell (亿/yr) and the new plants, for the
        model to add as firms (`Model.add_firms`'s arguments)."""
        book = self.projects
        self._start(t, attraction, trend, utility)
        fai = np.zeros((self.locations.n, S))
        np.add.at(fai, (book.location, book.sector), self.weight * projects.spending(book, self.dt))
        book.rows["left"] = book.left - 1
        done = book.drop(book.left <= 0)
        plants = self._complete(done, trend, skilled_need, attraction) if done["sector"].size else None
        return fai, plants

    def _start(self, t: int, attraction: float, trend: float, utility: Callable[[], np.ndarray]) -> None:
        """New projects: arrivals at `project_rate` x attraction, by sector in proportion to
        the 2022 output; each picks a location with land for its plant (logit on the steered
        utility) and takes the land, cleared land first; a project no location has land for
        is lost."""
        par, loc = self.params, self.locations
        lam = par.project_rate * attraction * self.sector_share * self.dt / self.weight
        sec = np.repeat(np.arange(S), self.streams.poisson_each("project", t, lam, 0)).astype(np.int8)  # each sector's stream
        if sec.size == 0:
            return
        u = self.streams.uniform_block("project", t, (sec.size, 4), S, 1)
        size = projects.sizes(par, u[:, 0])
        land = space.land_of(projects.capacity(par, size) * par.floor_m2_per_yi * trend, par.new_plot_ratio)
        available = loc.land_mu + loc.cleared_mu
        dest = choice.choose(utility()[:, sec].T, available[None, :] >= self.weight * land[:, None], u[:, 1])
        ok = dest >= 0
        ok[ok] = choice.fill_in_order(land[ok], dest[ok], u[ok, 2], available, self.weight)
        taken = self.weight * np.bincount(dest[ok], weights=land[ok], minlength=loc.n)
        from_cleared = np.minimum(taken, loc.cleared_mu)
        loc.cleared_mu -= from_cleared
        loc.land_mu -= taken - from_cleared
        months = projects.build_months(par)
        pick = np.where(u[ok, 3] < par.project_expansion_share, u[ok, 3] / par.project_expansion_share, -1.0)
        self.projects.add(sector=sec[ok], location=dest[ok], size_yi=size[ok], months=np.full(ok.sum(), months), left=np.full(ok.sum(), months), pick=pick)
        self.flows["projects"] += self.weight * ok.sum()
        self.flows["large_projects"] += self.weight * np.sum(size[ok] >= 10.0)
        self.flows["attracted_investment_yi"] += costs.attracted_share(attraction) * self.weight * size[ok].sum()

    def _complete(self, done: dict, trend: float, skilled_need: Callable[[np.ndarray, np.ndarray], np.ndarray], attraction: float) -> dict:
        """Completed projects produce: an expansion adds its capacity, plant and equipment to
        an incumbent of its sector and location (picked in proportion to output; a new plant
        if there is none); a new plant is a new firm (returned). Both bring
        `project_recruits_share` of their skilled workers from outside the city (they join
        the talent balance, `labour.arrived`; those of the 2022 attraction rate are part of
        the published net inflow, `labour.in_inflow`) and hire the rest from the market. The plant's floor space joins the stock (its cost was the
        project's)."""
        f, par = self.firms, self.params
        cap = projects.capacity(par, done["size_yi"])
        floor = par.floor_m2_per_yi * trend * cap
        sec, dest = done["sector"], done["location"].astype(np.intp)
        self.locations.stock_m2 += self.weight * np.bincount(dest, weights=floor, minlength=self.locations.n)
        per_worker = skilled_need(sec, np.full(sec.size, par.floor_m2_per_yi))  # plants at the mean floor space per 亿
        need = per_worker * cap
        recruited = par.project_recruits_share * need  # from outside the city: they arrive with the plant
        skilled = recruited + self.labour.hire(need - recruited, dest)
        self.labour.arrived += self.weight * recruited.sum()
        # the published net inflow (talent_natural_inflow) counts the recruits plants brought at
        # the 2022 rate of attraction: those come out of it (Government.supply_talent), the
        # ones more attraction brings are added
        self.labour.in_inflow += self.weight * recruited.sum() / attraction if attraction > 0 else 0.0
        made = production.output(cap, floor, floor, skilled, per_worker * cap, par.input_substitution)
        live = f.live()
        firm = np.full(cap.size, -1)
        expanding = np.flatnonzero(done["pick"] >= 0)
        if expanding.size:  # the firm of its cell picked in proportion to output (-1: the cell has none)
            firm[expanding] = kernels.pick_in_cells(live, f.location, f.sector, f.output_yi, dest[expanding] * S + sec[expanding], done["pick"][expanding])
        grow = firm >= 0
        i = firm[grow]
        np.add.at(f.output_yi, i, made[grow])
        np.add.at(f.productivity, i, cap[grow])
        np.add.at(f.capital_yi, i, par.capital_output * cap[grow])
        np.add.at(f.floor_m2, i, floor[grow])
        np.add.at(f.skilled, i, skilled[grow])
        f.space_intensity[i] = f.floor_m2[i] / np.maximum(f.productivity[i], 1e-9) / trend
        f.skill_factor[i] = talent.skill_factor(par, f.space_intensity[i])  # the expanded firm's (ODD 7.7)
        new = ~grow
        self.flows["completed"] += self.weight * cap.size
        return dict(sector=sec[new], location=dest[new], output=made[new], floor=floor[new], intensity=np.full(new.sum(), par.floor_m2_per_yi),
                    capital=par.capital_output * cap[new], skilled=skilled[new], pick_productivity=cap[new])

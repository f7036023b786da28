"""The Mesa agents: Firm, Park and Government.

Firms and parks are thin: their state lives in the model's parts (the firm store, the
locations, the labour market) and each agent reads its row (firm slot, park index). The
Government holds the levers and applies them to the parts: the locations' floor space,
land and platforms, the labour market's job-seekers, the firms' subsidies, and the
renovation programme's clearing of firms.
"""

from __future__ import annotations

import mesa
import numpy as np

from ..rules import fund, renovation, space, talent
from ..config.schema import SECTORS
from . import choice, passes


def _row(array_name: str, store: str, index: str, doc: str) -> property:
    def get(self):
        return getattr(getattr(self.model, store), array_name)[getattr(self, index)].item()

    return property(get, doc=doc)


class Firm(mesa.Agent):
    """A firm: one row (slot) of the model's FirmStore."""

    def __init__(self, model, slot: int):
        super().__init__(model)
        self.slot = int(slot)

    output_yi = _row("output_yi", "firms", "slot", "output, 亿元/yr")
    productivity = _row("productivity", "firms", "slot", "potential output at unconstrained inputs, 亿元/yr")
    capital_yi = _row("capital_yi", "firms", "slot", "fixed capital, 亿元")
    employees = _row("employees", "firms", "slot", "workers")
    skilled = _row("skilled", "firms", "slot", "skilled workers (talent)")
    floor_m2 = _row("floor_m2", "firms", "slot", "floor space occupied, m²")
    age_months = _row("age_months", "firms", "slot", "age, months")
    above_scale = _row("above_scale", "firms", "slot", "revenue >= the above-scale threshold")

    @property
    def sector(self) -> str:
        return SECTORS[self.model.firms.sector[self.slot]]

    @property
    def location(self) -> str:
        return self.model.locations.ids[self.model.firms.location[self.slot]]

    @property
    def park(self) -> "Park | None":
        j = int(self.model.firms.location[self.slot])
        return self.model.parks[j] if j < len(self.model.parks) else None


class FirmAgents(dict):
    """The Model's Mesa agents of its firms (slot -> Firm agent), made when first asked for.

    A firm's state is its row of the FirmStore; its Firm agent is a view of that row.
    Making one costs about 3.6 µs (Mesa registers it with the model and its AgentSets and
    emits a signal), about a quarter of a 100,000-firm run. So the agents of the live
    firms are made the first time the model's `agents`, `agents_by_type` or `agent_types`
    is read (and then at each later read, for the firms that entered since: `make`), and
    an agent is removed when its firm exits (`remove`). Their `unique_id`s are in the
    order they were made; entry and exit signals of firms come at those reads, not as
    firms enter.
    """

    def __init__(self, model: mesa.Model, firms, firm_class: type) -> None:
        super().__init__()
        self.model, self.firms, self.firm_class = model, firms, firm_class
        self._made_to = 0  # slots below this have had their agent made (if alive then)

    def make(self) -> None:
        f = self.firms
        if self._made_to < f.n:  # slots are appended, never reused (FirmStore.add)
            live = f.live()
            for s in live[np.searchsorted(live, self._made_to) :].tolist():
                self[s] = self.firm_class(self.model, s)
            self._made_to = f.n

    def remove(self, slots: np.ndarray) -> None:
        if self:
            for s in slots.tolist():
                agent = self.pop(s, None)
                if agent is not None:
                    agent.remove()


class Park(mesa.Agent):
    """A development zone, referenced by index into the model's location arrays."""

    def __init__(self, model, index: int, spec):
        super().__init__(model)
        self.index = index
        self.park_id = spec.id
        self.name_zh = spec.name_zh
        self.district = spec.district
        self.status = spec.status
        self.leading = tuple(spec.leading)

    floor_space_m2 = _row("stock_m2", "locations", "index", "industrial floor space stock, m²")
    inefficient_land_mu = _row("inefficient_mu", "locations", "index", "inefficient land left, 亩")
    st_platforms = _row("platforms", "locations", "index", "provincial-level S&T platforms")
    talent_pool = _row("pool", "labour", "index", "skilled workers looking for a job")
    rent_index = _row("rent", "locations", "index", "rent index (2013 land floor price x occupancy)")

    @property
    def occupied_m2(self) -> float:
        return float(self.model.totals.occupied()[self.index])

    @property
    def vacant_m2(self) -> float:
        return self.floor_space_m2 - self.occupied_m2


class Government(mesa.Agent):
    """The city government: applies the policy levers at the start of every step."""

    @property
    def policy(self):
        """The levers in this step's year (`Model.policy`; a schedule's value of the year)."""
        return self.model.policy

    def step(self) -> None:
        m = self.model
        live = m.firms.live()
        skilled = m.totals.location_total(m.firms.skilled, live)  # skilled employment by location
        self.supply_space()
        self.supply_talent(live, skilled)
        self.spend_fund(live, skilled)

    def supply_space(self) -> None:
        """Programme floor space; the renovation programme (making room, `make_room`),
        whose cleared land no project claims is rebuilt as standard factory space after
        `renovation_lag_years`; background supply; new land for projects. Construction is
        FAI (a project's own plant is in the project's spending)."""
        m, pol, par = self.model, self.policy, self.model.params
        loc = m.locations
        new = space.allocate_new_space(pol.factory_space_m2_per_year * m.dt, pol.space_allocation, loc.unmet_space, loc.stock_m2, loc.is_park)
        freed = self.make_room(pol.land_renovation_mu_per_year * m.dt)
        loc.cleared_mu += freed
        rebuilt_mu = loc.cleared_mu * min(m.dt / par.renovation_lag_years, 1.0)
        loc.cleared_mu -= rebuilt_mu
        rebuilt = space.rebuilt_floor(rebuilt_mu, par.new_plot_ratio)
        # land cleared before the plan is rebuilt at the same pace: the pre-plan programme's
        # commitment, in the construction FAI but not a cost of this policy
        before_mu = loc.cleared_before_mu * min(m.dt / par.renovation_lag_years, 1.0)
        loc.cleared_before_mu -= before_mu
        added = new + rebuilt + space.rebuilt_floor(before_mu, par.new_plot_ratio) + par.background_space_growth * m.dt * loc.stock_m2
        m.flows["programme_space_m2"] += new.sum()  # what the levers cost (sim/rules/costs.py)
        m.flows["renovated_mu"] += freed.sum()
        m.flows["rebuilt_space_m2"] += rebuilt.sum()
        loc.stock_m2 += added
        loc.land_mu += par.land_supply_rate * m.dt * m.locations.land_2022_mu
        loc.fai_construction = added * par.construction_cost_yuan_m2 / 1e8 / m.dt  # 亿/yr

    def make_room(self, mu: float) -> np.ndarray:
        """The renovation programme's `mu` 亩 this step (sim/rules/renovation.py), shared among
        the parks in proportion to their inefficient land: the firms there with the lowest
        output per m² relative to their park's cutoff are taken, the lowest first (亩均论英雄:
        the D class of Zhejiang's 亩均 evaluation); each upgrades in place with probability
        `upgrade_share` (its output per m² rises `upgrade_density_gain` times, and the land of
        the floor space it no longer needs is freed), or gives up its plot and moves elsewhere if it can
        (`displace`) or closes (for the city, leaving it is closing).
        The floor space given up is demolished and its land (亩) is freed. Returns the land
        freed per location."""
        m = self.model
        f, loc = m.firms, m.locations
        # renovation.inefficient's firms and their locations, in one compiled pass
        firms, where = passes.inefficient(f.live(), f.location, f.output_yi, f.floor_m2, loc.density_cutoff, loc.is_park)
        land = space.land_of(f.floor_m2[firms], m.cal.plot_ratio_2022)
        stock = m.weight * np.bincount(where, weights=land, minlength=m.locations.n)
        loc.inefficient_mu = stock
        owed = np.minimum(loc.renovation_due, 0.0)  # a plot cleared beyond what was owed is carried
        if mu <= 0 or stock.sum() <= 0:
            loc.renovation_due = owed  # nothing to renovate: the programme waits, owing nothing
            return np.zeros(m.locations.n)
        loc.renovation_due = np.where(stock > 0, loc.renovation_due + mu * stock / stock.sum(), owed)
        ratio = f.output_yi[firms] / f.floor_m2[firms] / loc.density_cutoff[where]
        # a firm upgrades in place with probability upgrade_share (its own draw, the same
        # every month): it keeps its output on less floor space and hands back the land of
        # the rest; the others give up their whole plot
        upgrade = m.streams.fixed_uniform_at("renovation", f.n, firms, 3) < m.params.upgrade_share
        kept = renovation.upgraded_floor(f.floor_m2[firms], m.params.upgrade_density_gain)
        demolished = np.where(upgrade, f.floor_m2[firms] - kept, f.floor_m2[firms])
        land = np.where(upgrade, space.land_of(demolished, m.cal.plot_ratio_2022), land)
        # the plot straddling what is owed is cleared once what is owed passes u x its area,
        # u the firm's own draw, the same every month (step key 0): the land cleared is what
        # was owed in expectation at any firms_scale, even as the stock runs out
        u = m.streams.fixed_uniform_at("renovation", f.n, firms, 2)
        chosen = choice.select(ratio, land, where, loc.renovation_due, m.weight, u)
        firms, where, land, upgrade, kept, demolished = firms[chosen], where[chosen], land[chosen], upgrade[chosen], kept[chosen], demolished[chosen]
        freed = m.weight * np.bincount(where, weights=land, minlength=m.locations.n)
        loc.renovation_due -= freed
        loc.stock_m2 -= m.weight * np.bincount(where, weights=demolished, minlength=m.locations.n)
        up = firms[upgrade]
        f.floor_m2[up] = kept[upgrade]
        f.space_intensity[up] = kept[upgrade] / np.maximum(f.productivity[up], 1e-9) / m.space_trend()
        f.skill_factor[up] = talent.skill_factor(m.params, f.space_intensity[up])  # the upgrade lifts both (ODD 7.7)
        m.flows["upgraded"] += m.weight * up.size
        gone = firms[~upgrade]
        out = self.displace(gone)
        m.remove_firms(gone[~out])
        m.flows["cleared"] += m.weight * gone.size
        return freed

    def displace(self, firms: np.ndarray) -> np.ndarray:
        """Cleared firms look for a site elsewhere, as movers do (the rule's destinations,
        logit on utility, room admitted in order), never their own park nor a park where
        they would be below the cutoff (`outside` has none). Returns the mask of those that
        moved; the others close."""
        m = self.model
        f, par, loc, t, n = m.firms, m.params, m.locations, m.steps, m.firms.n
        if firms.size == 0:
            return np.zeros(0, dtype=bool)
        cur, sec, rule = f.location[firms], f.sector[firms], m.policy.relocation_rule
        room, subsidy_ls = m.totals.vacancy_and_subsidies()
        allowed = choice.allowed_moves(rule, cur, sec, loc.district, loc.leading, loc.is_park, np.ones(firms.size, dtype=bool))
        allowed &= (room[None, :] >= m.weight * f.floor_m2[firms][:, None]) & (np.arange(m.locations.n)[None, :] != cur[:, None])
        # a park does not take a firm it would clear: below its own cutoff (outside has none)
        allowed &= (f.output_yi[firms] / f.floor_m2[firms])[:, None] >= loc.density_cutoff[None, :]
        utility = choice.move_utility(par, rule, m.location_utility(room, subsidy_ls), sec, cur, loc.district)
        dest = choice.choose(utility, allowed, m.streams.uniform_at("renovation", t, n, firms, 0))
        go = dest >= 0
        go[go] = choice.fill_in_order(f.floor_m2[firms[go]], dest[go], m.streams.uniform_at("renovation", t, n, firms[go], 1), room, m.weight)
        m.move_firms(firms[go], dest[go])
        return go

    def supply_talent(self, live: np.ndarray, skilled: np.ndarray) -> None:
        """The net natural inflow of skilled workers and the talent programme's recruits
        join the job-seekers where the jobs are (one count: the published inflow is net). The
        published inflow counts the workers new plants bring with them at the 2022 rate of
        attraction (`labour.in_inflow`, added by Investment._complete): they came with their
        plants, so they are netted out of it here, as far as this month's inflow goes (the rest
        next month)."""
        m, pol, par, labour = self.model, self.policy, self.model.params, self.model.labour
        workforce = skilled.sum() + labour.pool.sum()  # skilled workers employed or seeking
        natural = par.talent_natural_inflow * workforce * m.dt
        netted = min(labour.in_inflow, natural)
        labour.in_inflow -= netted
        arriving = natural - netted + pol.talent_inflow_per_year * m.dt
        m.flows["recruits"] += pol.talent_inflow_per_year * m.dt
        m.labour.pool = m.labour.pool + talent.settle(arriving, skilled)
        m.labour.arrived += arriving

    def spend_fund(self, live: np.ndarray, skilled: np.ndarray) -> None:
        m, pol, par = self.model, self.policy, self.model.params
        loc, firms = m.locations, m.firms
        m.flows["fund_yi"] += pol.fund_yi_per_year * m.dt
        grants = fund.platform_grants(pol.fund_yi_per_year * pol.fund_platform_share * m.dt, loc.platforms, loc.is_park)
        loc.platform_grant += grants
        built = np.floor(loc.platform_grant / par.platform_cost_yi)
        loc.platforms += built
        loc.platform_grant -= built * par.platform_cost_yi
        loc.platforms += m.streams.poisson("platform", m.steps, par.platform_rate * skilled / 1e4 * m.dt) * loc.is_park
        # fund.subsidies of fund.subsidy_weights, in two compiled passes over the firms
        passes.subsidies(live, firms.location, firms.sector, firms.output_yi, firms.trend, loc.is_park, loc.leading, pol.fund_allocation,
                          pol.fund_yi_per_year * (1.0 - pol.fund_platform_share), m.weight, firms.subsidy_yi)

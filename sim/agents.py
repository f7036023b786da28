"""The Mesa agents: Firm, Park and Government.

Firms and parks are thin: their state lives in arrays on the model and each agent reads
its row (firm slot, park index). The Government holds the levers and applies them.
"""

from __future__ import annotations

import mesa
import numpy as np

from . import fund, space, talent
from .config import SECTORS


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
        return self.model.location_ids[self.model.firms.location[self.slot]]

    @property
    def park(self) -> "Park | None":
        j = int(self.model.firms.location[self.slot])
        return self.model.parks[j] if j < len(self.model.parks) else None


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

    floor_space_m2 = _row("stock_m2", "loc", "index", "industrial floor space stock, m²")
    inefficient_land_mu = _row("inefficient_mu", "loc", "index", "inefficient land left, 亩")
    st_platforms = _row("platforms", "loc", "index", "provincial-level S&T platforms")
    talent_pool = _row("pool", "loc", "index", "skilled workers looking for a job")
    rent_index = _row("rent", "loc", "index", "rent index (2013 land floor price x occupancy)")

    @property
    def occupied_m2(self) -> float:
        return float(self.model.occupied()[self.index])

    @property
    def vacant_m2(self) -> float:
        return self.floor_space_m2 - self.occupied_m2


class Government(mesa.Agent):
    """The city government: applies the policy levers at the start of every step."""

    def __init__(self, model, policy):
        super().__init__(model)
        self.policy = policy

    def step(self) -> None:
        m = self.model
        live = m.firms.live()
        skilled = m.by_location(m.firms.skilled[live], live)  # skilled employment by location
        self.supply_space()
        self.supply_talent(live, skilled)
        self.spend_fund(live, skilled)

    def supply_space(self) -> None:
        m, pol, par = self.model, self.policy, self.model.params
        loc = m.loc
        new = space.allocate_new_space(pol.factory_space_m2_per_year * m.dt, pol.space_allocation, loc.unmet_space, loc.stock_m2, loc.is_park)
        mu, renovated = space.renovate(pol.land_renovation_mu_per_year * m.dt, loc.inefficient_mu, par.renovation_far_gain)
        added = new + renovated + par.background_space_growth * m.dt * loc.stock_m2
        loc.stock_m2 += added
        loc.inefficient_mu -= mu
        loc.fai_construction = added * par.construction_cost_yuan_m2 / 1e8 / m.dt  # 亿/yr

    def supply_talent(self, live: np.ndarray, skilled: np.ndarray) -> None:
        m, pol, par = self.model, self.policy, self.model.params
        employment = m.weight * m.firms.employees[live].sum()
        arriving = (par.talent_natural_inflow * employment + pol.talent_inflow_per_year) * m.dt
        m.loc.pool = m.loc.pool * (1.0 - par.pool_attrition * m.dt) + talent.inflow(arriving, skilled, m.loc.unmet_talent)

    def spend_fund(self, live: np.ndarray, skilled: np.ndarray) -> None:
        m, pol, par = self.model, self.policy, self.model.params
        loc, firms = m.loc, m.firms
        grants = fund.platform_grants(pol.fund_yi_per_year * pol.fund_platform_share * m.dt, loc.platforms, loc.is_park)
        loc.platform_grant += grants
        built = np.floor(loc.platform_grant / par.platform_cost_yi)
        loc.platforms += built
        loc.platform_grant -= built * par.platform_cost_yi
        rng = m.streams.get("platform", m.steps)
        loc.platforms += rng.poisson(par.platform_rate * skilled / 1e4 * m.dt) * loc.is_park
        weights = fund.subsidy_weights(
            pol.fund_allocation,
            firms.output_yi[live],
            loc.is_park[firms.location[live]],
            loc.leading[firms.location[live], firms.sector[live]],
            firms.trend[live],
        )
        firms.subsidy_yi[live] = fund.subsidies(pol.fund_yi_per_year * (1.0 - pol.fund_platform_share), weights, m.weight)

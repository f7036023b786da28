"""The end-2022 state (ODD 5): the synthetic firms, their capital prehistory, and the
locations' floor space, land, rents, job-seekers and the inefficient land the renovation
programme can clear, all derived from the firms. The rules are the pure functions of
sim/rules/population.py, sim/rules/renovation.py and sim/rules/space.py."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config.schema import Config
from ..rules import demography, renovation, space, talent
from ..rules.population import mean_by_size, synthesize
from .firms import FirmStore
from .labour import LabourMarket
from .locations import Locations
from .prehistory import capital_prehistory  # population.capital_prehistory's results, computed faster
from .streams import Streams
from .totals import Totals


@dataclass
class Start:
    """What the end-2022 state gives the Model: its parts and the constants the firms'
    rules read."""

    firms: FirmStore
    totals: Totals
    labour: LabourMarket
    weight: float  # real firms per simulated firm
    invest_prior: np.ndarray  # [year, slot] investment rates of the four years before the base
    mean_entrant_yi: float  # an entrant's mean output (亿/yr)
    base_hazard: float  # the firms' mean exit hazard in 2022 (demography.exit_probability's norm)


def end_2022(config: Config, streams: Streams, locations: Locations) -> Start:
    """Synthesize the firms (`population.synthesize`), simulate their recent past
    (`capital_prehistory`, at the published growth of the four years before the base) and
    draw their floor space per 亿; then set each location's floor space (what its firms
    occupy at its 2022 vacancy), land, renovation cutoff and inefficient land, and the
    job-seekers (`pool_share_2022` of its skilled employment)."""
    cal, par = config.calibration, config.params
    pop = synthesize(cal, par, config.firms_scale, streams.get("population", 0))
    weight = pop.weight
    y = pop.output_yi
    overhang, invest, trend = capital_prehistory(par, y, [cal.growth_2019, cal.growth_2020, cal.growth_2021, cal.growth_2022], streams.get("population", 1))
    invest_prior = np.array([mean_by_size(v, y) for v in invest])  # expected rates, not one draw's luck
    intensity = space.intensity(par, streams.get("population", 2).random(y.size))
    factor = talent.skill_factor(par, intensity)
    firms = FirmStore(capacity=int(y.size * 1.5))
    labour = LabourMarket(locations.district, cal.skilled_share, par.commute_cost, weight)
    employees = cal.workers_per_yi * y
    slots = firms.add(
        sector=pop.sector,
        location=pop.location,
        output_yi=y,
        productivity=y,
        capital_yi=par.capital_output * y * overhang,
        employees=employees,
        skilled=labour.skilled_share[pop.sector] * employees * factor,
        floor_m2=intensity * y,
        space_intensity=intensity,
        skill_factor=factor,
        age_months=pop.age_months,
        above_scale=y >= cal.above_scale_threshold_yi,
        trend=trend,
    )
    totals = Totals(firms, locations, weight)
    loc = locations
    occupied = totals.occupied()
    loc.stock_m2 = occupied / (1.0 - loc.vacancy_2022)
    loc.land_2022_mu = space.land_of(loc.stock_m2, cal.plot_ratio_2022)  # 亩 of industrial land
    loc.land_mu = par.land_reserve_share * loc.land_2022_mu  # serviced land ready for projects
    loc.density_cutoff = renovation.density_cutoffs(y, intensity * y, pop.location, loc.inefficient_share * loc.is_park)
    bad = renovation.inefficient(y, intensity * y, pop.location, loc.density_cutoff, loc.is_park)
    land = space.land_of(intensity * y * bad, cal.plot_ratio_2022)
    loc.inefficient_mu = weight * np.bincount(pop.location, weights=land, minlength=loc.n)  # what the programme can clear
    loc.occupancy_2022 = occupied / loc.stock_m2
    labour.pool = cal.pool_share_2022 * totals.by_location(firms.skilled[slots], slots)
    live = firms.live()
    return Start(
        firms=firms, totals=totals, labour=labour, weight=weight, invest_prior=invest_prior,
        mean_entrant_yi=demography.mean_entrant_size(par, cal.zipf_exponent),
        base_hazard=float(demography.exit_hazard(par, firms.output_yi[live], firms.trend[live]).mean()),
    )  # fmt: skip


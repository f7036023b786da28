"""The end-2022 state (ODD 5): the synthetic firms, their capital prehistory, and the
locations' floor space, land, rents, job-seekers and the inefficient land the renovation
programme can clear, all derived from the firms. The rules are the pure functions of
sim/rules/population.py, sim/rules/renovation.py and sim/rules/space.py.

The firms' draws and prehistory (`draw`, 90% of a model's construction) depend on the
calibration, the parameters, `firms_scale` and the run's entropy (seed, replication), not on
the policy: the scenarios that share a replication share them (ODD 4.8). They are kept in
this process, read-only, for the next model that needs the same ones (`CACHE_BYTES`), so a
comparison of scenarios, a policy search or a lever table builds each replication's firms once.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ..config.schema import Config
from ..rules import demography, renovation, space, talent
from ..rules.population import Population, mean_by_size, synthesize
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


@dataclass(frozen=True)
class Draws:
    """The firms of the end of 2022 as drawn (read-only arrays, one entry per firm)."""

    pop: Population  # sizes, sectors, locations, ages, weight
    overhang: np.ndarray  # capital / (capital_output x output) after the prehistory
    invest_prior: np.ndarray  # [year, firm] expected investment rates of the four years before the base
    trend: np.ndarray  # smoothed yearly log growth at the base
    intensity: np.ndarray  # floor space per 亿 of output

    @property
    def nbytes(self) -> int:
        arrays = (self.pop.sector, self.pop.location, self.pop.output_yi, self.pop.age_months, self.overhang, self.invest_prior, self.trend, self.intensity)
        return sum(a.nbytes for a in arrays)


def draw(config: Config, streams: Streams) -> Draws:
    """Synthesize the firms (`population.synthesize`), simulate their recent past
    (`capital_prehistory`, at the published growth of the four years before the base) and
    draw their floor space per 亿 (the `population` stream's keys 0, 1 and 2)."""
    cal, par = config.calibration, config.params
    pop = synthesize(cal, par, config.firms_scale, streams.get("population", 0))
    y = pop.output_yi
    overhang, invest, trend = capital_prehistory(par, y, [cal.growth_2019, cal.growth_2020, cal.growth_2021, cal.growth_2022], streams.get("population", 1))
    invest_prior = np.array([mean_by_size(v, y) for v in invest])  # expected rates, not one draw's luck
    intensity = space.intensity(par, streams.get("population", 2).random(y.size))
    out = Draws(pop, overhang, invest_prior, trend, intensity)
    for a in (pop.sector, pop.location, y, pop.age_months, overhang, invest_prior, trend, intensity):
        a.flags.writeable = False  # shared by the models that share them: a write raises
    return out


# Draws kept in this process, least recently used first: up to CACHE_BYTES of arrays (a
# replication at firms_scale 1 holds about 2 MB). 0 keeps none. The key is a digest of
# everything `draw` reads: the calibration, the parameters, firms_scale and the entropy.
CACHE_BYTES = 256 * 2**20
_cache: OrderedDict[bytes, Draws] = OrderedDict()
cache_info = {"hits": 0, "misses": 0}


def clear_cache() -> None:
    _cache.clear()
    cache_info.update(hits=0, misses=0)


def cached_draw(config: Config, streams: Streams) -> Draws:
    """`draw(config, streams)`, or the same arrays a model of this process drew before."""
    if CACHE_BYTES <= 0:
        return draw(config, streams)
    what = (config.calibration, config.params, float(config.firms_scale), streams.entropy)
    key = hashlib.blake2b(pickle.dumps(what, protocol=5), digest_size=20).digest()
    found = _cache.get(key)
    if found is not None:
        cache_info["hits"] += 1
        _cache.move_to_end(key)
        return found
    cache_info["misses"] += 1
    found = _cache[key] = draw(config, streams)
    held = sum(d.nbytes for d in _cache.values())
    while held > CACHE_BYTES and _cache:
        held -= _cache.popitem(last=False)[1].nbytes
    return found


def end_2022(config: Config, streams: Streams, locations: Locations) -> Start:
    """The firms as drawn (`cached_draw`); then each location's floor space (what its firms
    occupy at its 2022 vacancy), land, renovation cutoff and inefficient land, and the
    job-seekers (`pool_share_2022` of its skilled employment)."""
    cal, par = config.calibration, config.params
    drawn = cached_draw(config, streams)
    pop, overhang, invest_prior, trend, intensity = drawn.pop, drawn.overhang, drawn.invest_prior, drawn.trend, drawn.intensity
    weight = pop.weight
    y = pop.output_yi
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


"""The Mesa model of Hangzhou's development zones: it holds the state in parts (the firm
store, the locations, the labour market, the investment pipeline, the sums over firms, the
month's flows), builds them at the end of 2022 (sim/model/initial.py), and orders the
mechanisms each month. The phases of `step` are the ODD's process overview; the firms'
rules (phases 2-8) are methods here, the Government's (phase 1) are its agent's, the
projects' (phase 9) the investment part's."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt_
import functools
import numbers
from typing import Any

import mesa
import numpy as np

from ..config.fields import DT, STEPS_PER_YEAR
from ..config.loading import apply_settings, load_config
from ..config.schedules import by_year
from ..config.schema import SECTORS, Config, ConfigError
from ..config.validation import validate
from ..rules import costs, demography, growth, production, relocation, renovation, space, talent
from ..rules.markets import ration_ratio
from . import choice, initial, kernels, passes
from .agents import FirmAgents, Firm, Government, Park
from .ages import AgeTable
from .investment import Investment
from .locations import Locations
from .recorder import Flows, Recorder
from .reporters import REPORTERS
from .streams import Streams

S = len(SECTORS)


def month_ends(base_year: int, n_steps: int) -> list[dt_.date]:
    """Dates of the records: end of the base year, then every month end."""
    out = []
    for k in range(n_steps + 1):
        y, m = base_year + (k + 11) // 12, (k + 11) % 12 + 1  # k = 0 -> December of base year
        nxt = dt_.date(y + (m == 12), m % 12 + 1, 1)
        out.append(nxt - dt_.timedelta(days=1))
    return out


def _seed_of(rng: Any) -> int:
    """The config seed a Mesa-style `rng` argument stands for: an int is the seed; a numpy
    SeedSequence or Generator gives one (a Generator is advanced)."""
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return int(rng)
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.generate_state(1, np.uint64)[0] >> np.uint64(1))
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**63 - 1))
    raise ConfigError(f"Invalid value for rng: {rng!r}; allowed: None (the config's seed), an integer seed >= 0, a numpy SeedSequence or Generator")



class Model(mesa.Model):
    """Firms, parks and the government of Hangzhou's development zones, monthly steps.

    Build it from a `Config` (see sim.config), `Model(cfg)`, or from a scenario and settings,
    `Model(scenario="no_policy", rng=1, firms_scale=0.1, factory_space_m2_per_year=8e6)`
    (`sim.config.load_config`: any field by name or dotted key); then `run()` (or `step()`
    while `running`, as `mesa.batch_run` does). `recorder` holds the results, and
    `datacollector` (a mesa.DataCollector) the city-level `REPORTERS` at t=0 and after
    every step. `rng` is Mesa's seeding argument: an int sets `config.seed` (None: the
    config's), from which every random stream derives. `replication` selects the random
    streams: replication k uses the same streams in every scenario, so scenario comparisons
    are paired. `agents_by_type[Firm]` has one Firm agent (a view of its row of `firms`)
    per live firm, made when first read (`firm_agents`, agents.FirmAgents).

    Its state, in parts: `firms` (a FirmStore, one row per firm), `locations` (the parks and
    `outside`), `labour` (the skilled job-seekers), `investment` (the projects being built
    and the incumbents' large investment), `totals` (sums over the firms by location and
    cell), `flows` (this month's entries, exits, moves, ...; `flows.total` since the start).
    """

    firm_class = Firm  # the Mesa agent made for every firm

    def __init__(self, config: Config | None = None, replication: int = 0, *, rng: Any = None, scenario: str | None = None, **overrides: Any):
        if config is None:
            config = load_config(scenario=scenario or "baseline", **overrides)
        elif not isinstance(config, Config):
            raise ConfigError(f"Invalid value for config: a {type(config).__name__}; allowed: a sim.config.Config, or None with scenario= and settings")
        elif scenario is not None:
            raise ConfigError("Model: give either a config or a scenario (load_config(scenario=...) makes the config)")
        elif overrides:
            config = apply_settings(copy.deepcopy(config), overrides)
        if rng is not None:
            if any(str(k).split(".")[-1] == "seed" for k in overrides):
                raise ConfigError("Model: give either rng or seed, not both (rng sets config.seed)")
            config = dataclasses.replace(config, seed=_seed_of(rng))
        validate(config)
        entropy = (int(config.seed), int(replication))
        super().__init__(rng=int(np.random.SeedSequence(entropy).generate_state(1)[0]))
        self.config, self.params = config, config.params
        self.cal = config.calibration
        self._policies = by_year(config.policy, self.cal.base_year + 1, config.horizon_year)  # each year's levers
        self.policy = self._policies[self.cal.base_year + 1]  # this year's: set each step
        self.streams = Streams(entropy)
        self.dt = DT
        self.n_steps = STEPS_PER_YEAR * (config.horizon_year - self.cal.base_year)
        self.dates = month_ends(self.cal.base_year, self.n_steps)
        # the end-2022 state (sim/model/initial.py)
        self.locations = Locations(self.cal.parks, self.cal.outside)
        start = initial.end_2022(config, self.streams, self.locations)
        self.firms, self.totals, self.labour, self.weight = start.firms, start.totals, start.labour, start.weight
        self.mean_entrant_yi, self.base_hazard = start.mean_entrant_yi, start.base_hazard
        self.sector_drift = growth.sector_drift(self.params)
        live = self.firms.live()  # the young firm's premium redistributes the sectors' growth by age (ODD 7.5)
        self.young_offset = growth.young_offset(self.params, self.firms.output_yi[live], self.firms.age_months[live])
        self.firm_agents = FirmAgents(self, self.firms, self.firm_class)  # made when first read
        # the rules of a firm's age alone, looked up by age (sim/model/ages.py)
        self._young = AgeTable(functools.partial(growth.young, self.params))
        self._age_effect = AgeTable(functools.partial(relocation.age_effect, self.params))
        self.parks = [Park(self, j, spec) for j, spec in enumerate(self.cal.parks)]
        self.government = Government(self)
        self.flows = Flows(start=self.weight * self.firms.live().size)
        self._refresh_aggregates(first=True)
        output_ls = self.totals.output_ls
        self.investment = Investment(self.params, self.streams, self.firms, self.locations, self.labour, self.flows, self.weight, self.dt)
        self.investment.start(output_ls.sum(axis=0) / output_ls.sum(), self.location_utility(), self.cal.before_plan_growth)
        self.recorder = Recorder(self)
        fai_prior, construction = self.investment.prehistory(self.totals, start.invest_prior, self.mean_entrant_yi, self.cal.before_plan,
                                                             self.cal.before_plan_growth, self.params.renovation_lag_years)
        park, first = self.locations.is_park, self.cal.base_year + 1 - len(fai_prior)
        fai = fai_prior.sum(axis=2) + construction  # [year, location]
        self.recorder.fai_prehistory = {first + k: float(v[park].sum()) for k, v in enumerate(fai)}  # the parks'
        self.recorder.fai_prehistory_city = {first + k: float(v.sum()) for k, v in enumerate(fai)}
        self.recorder.record(self, 0, fai_ls=fai_prior[-1])
        self.datacollector = mesa.DataCollector(model_reporters=REPORTERS)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ Mesa's agents
    def _firm_agents_made(self) -> None:
        made = self.__dict__.get("firm_agents")  # None while mesa.Model.__init__ runs
        if made is not None:
            made.make()

    @property
    def agents(self):
        self._firm_agents_made()
        return super().agents

    @property
    def agents_by_type(self):
        self._firm_agents_made()
        return super().agents_by_type

    @property
    def agent_types(self):
        self._firm_agents_made()
        return super().agent_types

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """One month, in the ODD's order."""
        self.flows.reset()
        self.policy = self._policies[self.dates[self.steps].year]  # a schedule's value this month
        self.government.step()  # 1. levers: floor space, talent, fund, platforms
        fai_ls = self.firms_act()  # 2.-7. the firms' rules
        fai_ls += self.enter()  # 8. entry (investment attraction)
        fai_ls += self.build_projects()  # 9. projects: new starts, spending, completion
        vacancy, sums = self.update_status()  # 10. above-scale status, ages, rents, agglomeration
        self.recorder.record(self, self.steps, fai_ls=fai_ls, vacancy=vacancy, sums=sums)  # 11. aggregates
        self.datacollector.collect(self)
        if self.steps >= self.n_steps:
            self.running = False

    def run(self) -> "Model":
        while self.running:
            self.step()
        return self

    # ------------------------------------------------------------------ time
    def space_trend(self) -> float:
        """Floor space per 亿 of output now relative to the base year: it falls at
        `space_intensity_decline` a year as output per 亩 rises."""
        return float(np.exp(-self.params.space_intensity_decline * self.steps * self.dt))

    def workers_per_yi(self) -> float:
        """Workers per 亿 of output now: falls with labour productivity growth."""
        return self.cal.workers_per_yi * np.exp(-self.params.labour_productivity_growth * self.steps * self.dt)

    def skilled_need(self, sector: np.ndarray, intensity: np.ndarray) -> np.ndarray:
        """Skilled workers per 亿 of output now of firms of `sector` with floor space per 亿
        `intensity` at base-year technology (their `skill_factor`)."""
        return self.labour.skilled_share[sector] * self.workers_per_yi() * talent.skill_factor(self.params, intensity)

    def common_shock(self) -> float:
        """This step's city-wide log shock, shared by all firms (one draw per step)."""
        return growth.macro_shock(self.params, self.streams.normal("macro", self.steps, 1)[0], self.dt)

    # ------------------------------------------------------------------ the firms' rules
    def firms_act(self) -> np.ndarray:
        """Phases 2-7, vectorised over all firms. Returns their FAI by cell (亿/yr).
        (sim.checks.reference runs the same rules one Mesa agent at a time.)"""
        live = self.firms.live()
        target = self.desired_output(live)  # 2. productivity growth -> desired output
        feasible, per_yi = self.occupy_space(live, target)  # 3. floor space, rationed by park
        talent_asked = self.hire_talent(live, feasible)  # 4. skilled workers, city-wide market
        fai_ls = self.produce_and_invest(live, target, per_yi, talent_asked)  # 4.-5. output, capital, FAI
        self.relocate(self.firms.live())  # 6. relocation choice under the rule
        self.exit(self.firms.live())  # 7. exit of weak firms
        return fai_ls

    def desired_output(self, live: np.ndarray) -> np.ndarray:
        f, par, t, n, totals = self.firms, self.params, self.steps, self.firms.n, self.totals
        # the rules of a cell's firms on [location, sector] tables, read by cell with the firms' own inputs (one compiled pass)
        place = growth.place_drift(par, self.sector_drift, self.locations.is_park[:, None], self.locations.platforms[:, None]).ravel()
        agglomeration_ls = growth.agglomeration(par, totals.dln_ls, totals.dln_l[:, None]).ravel()
        for _ in range(2):  # a firm older than the young premium's table: the table extended (AgeTable), then read again
            ok, y, mu, agglomeration, productivity, boost = passes.drift_inputs(live, f.location, f.sector, f.output_yi, f.age_months, f.subsidy_yi, f.productivity, f.boost,
                                                                                 place, self.young_offset, par.subsidy_return, self._young.values, agglomeration_ls)
            if ok:
                break
            self._young(f.age_months[live])
        u_jump, u_sign = self.streams.uniform_at("growth", t, n, live, 0), self.streams.uniform_at("growth", t, n, live, 1)
        shock = growth.shock(par, y, u_jump, u_sign, self.streams.normal("growth", t, n, 2)[live], self.dt) + self.common_shock()
        potential = growth.potential(par, productivity, y, mu, agglomeration, boost, shock, self.dt)
        passes.set_potential(live, f.productivity, f.boost, potential)
        return potential

    def occupy_space(self, live: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Floor space released and requested; the room left after the releases is rationed
        by park (`markets.ration_ratio`). Returns (the output floor space allows, m² per 亿 needed)."""
        f, loc = self.firms, self.locations
        per_yi, demand, kept_l, demand_l = kernels.request_space(live, f.location, f.floor_m2, f.space_intensity, self.space_trend(), target, self.params.space_hold_slack, loc.n)
        room = np.maximum(loc.stock_m2 - self.weight * kept_l, 0.0)  # vacancy after the excess is released
        ratio = ration_ratio(self.weight * demand_l, room)
        feasible, unmet_l = kernels.grant_space(live, f.location, f.floor_m2, demand, ratio, target, per_yi, loc.n)
        loc.unmet_space = self.weight * unmet_l
        return feasible, per_yi

    def hire_talent(self, live: np.ndarray, feasible: np.ndarray) -> tuple[np.ndarray, ...]:
        """Skilled workers for the output floor space allows: the released join the
        job-seekers, the requests go to the market. Returns (skilled per 亿, released,
        requested, each location's share granted)."""
        f = self.firms
        per_worker, release, demand, release_l, demand_l = kernels.request_talent(live, f.location, f.sector, f.skilled, f.skill_factor, feasible, self.labour.skilled_share, self.workers_per_yi(), self.locations.n)
        self.labour.pool += self.weight * release_l
        return per_worker, release, demand, self.labour.ratio(demand_l)

    def produce_and_invest(self, live: np.ndarray, target: np.ndarray, per_yi: np.ndarray, talent_asked: tuple) -> np.ndarray:
        """Skilled workers granted; output from both inputs (`production.output`:
        substitution between them), and the equipment investment that tops capital up to
        it (buildings are floor space, counted when built). Returns the investment by cell (亿/yr)."""
        f, totals, (per_worker, release, demand, ratio) = self.firms, self.totals, talent_asked
        skilled, unmet_l = passes.grant_talent(live, f.location, demand, release, ratio, f.skilled, self.locations.n)  # written to f.skilled
        self.locations.unmet_talent = totals.weight * unmet_l
        output = production.output(target, f.floor_m2[live], per_yi * target, skilled, per_worker * target, self.params.input_substitution)
        large = self.investment.large_investors(live)
        capital, kept = growth.invest(self.params, f.capital_yi[live], output, f.trend[live], self.dt)
        f.trend[live] = growth.trend(f.trend[live], output, f.output_yi[live], self.dt)
        # capital, output and employment written; the investment (capital - kept) by cell, of the small investors and the large
        small_c, large_c = passes.invested(live, f.location, f.sector, large, capital, kept, output, self.workers_per_yi(), f.capital_yi, f.output_yi, f.employees, self.locations.n)
        return self.investment.spend(totals.weight * small_c.reshape(-1, S), totals.weight * large_c.reshape(-1, S))

    def location_utility(self, vacancy: np.ndarray | None = None, subsidy_ls: np.ndarray | None = None) -> np.ndarray:
        """Utility [location, sector]; `vacancy`, `subsidy_ls`: the current `totals.vacancy_and_subsidies()` if the caller has them."""
        loc, totals = self.locations, self.totals
        if vacancy is None:  # both from one pass over the firms
            vacancy, subsidy_ls = totals.vacancy_and_subsidies()
        elif subsidy_ls is None:
            subsidy_ls = totals.cell_total(self.firms.subsidy_yi, self.firms.live())
        rate_ls = np.divide(subsidy_ls, totals.output_ls, out=np.zeros_like(subsidy_ls), where=totals.output_ls > 0)
        vacancy_share = vacancy / loc.stock_m2
        return relocation.location_utility(self.params, totals.output_ls, loc.rent, vacancy_share, self.labour.pool, rate_ls, loc.is_park, self._place_utility)

    def steered_utility(self, vacancy: np.ndarray | None = None, subsidy_ls: np.ndarray | None = None) -> np.ndarray:
        """Location utility [location, sector] of entrants and projects, with the steering of
        investment attraction towards parks whose leading industry matches."""
        return self.location_utility(vacancy, subsidy_ls) + self.params.util_leading * self.policy.attraction_steering * self.locations.leading

    def relocate(self, live: np.ndarray) -> None:
        f, par, loc, t, n = self.firms, self.params, self.locations, self.steps, self.firms.n
        age = f.age_months[live]
        p = relocation.consider_probability(par, f.output_yi[live], age, self.dt, self._age_effect(age))
        movers = live[self.streams.uniform_at("move", t, n, live, 0) < p]
        if movers.size == 0:
            return
        cur, sec = f.location[movers], f.sector[movers]
        rule = self.policy.relocation_rule
        room, subsidy_ls = self.totals.vacancy_and_subsidies()
        utility = choice.move_utility(par, rule, self.location_utility(room, subsidy_ls), sec, cur, loc.district)
        making_room = renovation.inefficient(f.output_yi[movers], f.floor_m2[movers], cur, loc.density_cutoff, loc.is_park)
        allowed = choice.allowed_moves(rule, cur, sec, loc.district, loc.leading, loc.is_park, making_room)
        allowed &= (room[None, :] >= self.weight * f.floor_m2[movers][:, None]) | (np.arange(loc.n)[None, :] == cur[:, None])
        dest = choice.choose(utility, allowed, self.streams.uniform_at("move", t, n, movers, 1))
        go = dest != cur
        movers, cur, sec, dest = movers[go], cur[go], sec[go], dest[go]
        ok = choice.fill_in_order(f.floor_m2[movers], dest, self.streams.uniform_at("move", t, n, movers, 2), room, self.weight)
        movers, cur, sec, dest = movers[ok], cur[ok], sec[ok], dest[ok]
        output_ls = self.totals.output_ls
        lnY, lnL = np.log1p(output_ls), np.log1p(output_ls.sum(1))
        f.boost[movers] += growth.agglomeration(par, lnY[dest, sec] - lnY[cur, sec], lnL[dest] - lnL[cur])
        self.move_firms(movers, dest)

    def exit(self, live: np.ndarray) -> None:
        f, par = self.firms, self.params
        hazard = demography.exit_hazard(par, f.output_yi[live], f.trend[live])
        p = demography.exit_probability(par, hazard, self.base_hazard, self.dt)
        self.remove_firms(live[self.streams.uniform_at("exit", self.steps, f.n, live) < p])

    # ------------------------------------------------------------------ firms come, move and go
    def move_firms(self, slots: np.ndarray, destination: np.ndarray) -> None:
        """Firms relocate: their location, their count of moves and the month's flow."""
        self.firms.move(slots, destination)
        self.firms.moves[slots] += 1
        self.flows["moves"] += self.weight * slots.size

    def remove_firms(self, dead: np.ndarray) -> None:
        """Firms close: their skilled workers join the job-seekers, their floor space is free."""
        f = self.firms
        self.labour.pool += self.totals.location_total(f.skilled, dead)
        f.remove(dead)
        self.firm_agents.remove(dead)
        self.flows["exits"] += self.weight * dead.size

    def add_firms(self, sector, location, output, floor, intensity, capital, skilled, pick_productivity=None) -> np.ndarray:
        """New firms (entrants, new plants); returns their slots. Their Mesa agents are made
        when the model's agents are next read (agents.FirmAgents)."""
        slots = self.firms.add(
            sector=sector, location=location, output_yi=output,
            productivity=output if pick_productivity is None else pick_productivity,
            capital_yi=capital, employees=self.workers_per_yi() * output, skilled=skilled,
            floor_m2=floor, space_intensity=intensity, skill_factor=talent.skill_factor(self.params, intensity),
            above_scale=output >= self.cal.above_scale_threshold_yi,
            trend=np.zeros(output.size), born_step=np.full(output.size, self.steps),
        )  # fmt: skip
        self.flows["entries"] += self.weight * slots.size
        return slots

    def enter(self) -> np.ndarray:
        """8. Small new firms (below the size of a project), steered by investment
        attraction. Returns their equipment investment by cell (亿/yr)."""
        f, par, pol, cal, t, loc = self.firms, self.params, self.policy, self.cal, self.steps, self.locations
        live = f.live()
        count_s = self.weight * np.bincount(f.sector[live], minlength=S)
        k = self.streams.poisson_each("entry", t, par.entry_rate * pol.attraction_intensity * count_s * self.dt / self.weight, 0)  # each sector's stream
        sec, u = np.repeat(np.arange(S), k).astype(np.int8), self.streams.blocks_each("entry", t, 4 * k, 1).reshape(-1, 4)
        fai = np.zeros((loc.n, S))
        if sec.size == 0:
            return fai
        y = demography.entrant_sizes(par, cal.zipf_exponent, u[:, 0])
        intensity = space.intensity(par, u[:, 3])
        floor = intensity * self.space_trend() * y
        room, subsidy_ls = self.totals.vacancy_and_subsidies()
        dest = choice.choose(self.steered_utility(room, subsidy_ls)[:, sec].T, room[None, :] >= self.weight * floor[:, None], u[:, 1])
        ok = dest >= 0
        ok[ok] = choice.fill_in_order(floor[ok], dest[ok], u[ok, 2], room, self.weight)
        sec, y, dest, intensity = sec[ok], y[ok], dest[ok], intensity[ok]
        per_worker = self.skilled_need(sec, intensity)
        skilled = self.labour.hire(per_worker * y, dest)
        y = np.minimum(y, skilled / per_worker)
        staffed = y >= 0.5 * par.entrant_min_yi  # an entrant that cannot hire does not enter
        self.labour.pool += self.weight * np.bincount(dest[~staffed], weights=skilled[~staffed], minlength=loc.n)
        sec, y, dest, skilled, intensity = sec[staffed], y[staffed], dest[staffed], skilled[staffed], intensity[staffed]
        self.add_firms(sec, dest, y, intensity * self.space_trend() * y, intensity, par.capital_output * y, skilled)
        np.add.at(fai, (dest, sec), self.weight * par.capital_output * y / self.dt)
        self.flows["attracted_investment_yi"] += costs.attracted_share(pol.attraction_intensity) * self.weight * par.capital_output * y.sum()
        return fai

    def build_projects(self) -> np.ndarray:
        """9. Projects (the investment part): new starts, this month's spending, completion;
        completed new plants join the firms. Returns the spending by cell (亿/yr)."""
        fai, plants = self.investment.build(self.steps, self.policy.attraction_intensity, self.space_trend(), self.steered_utility, self.skilled_need)
        if plants is not None:
            self.add_firms(**plants)
        return fai

    # ------------------------------------------------------------------ status and aggregates
    def update_status(self) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """10. Above-scale status and ages; the month's flows into the totals; output by
        cell, its change and rents. Returns the vacancy and the recorder's sums (`_refresh_aggregates`)."""
        f = self.firms
        up, down = kernels.update_status(f.live(), f.output_yi, f.above_scale, f.age_months, self.cal.above_scale_threshold_yi)
        self.flows["up"] += self.weight * up
        self.flows["down"] += self.weight * down
        self.flows.close()
        return self._refresh_aggregates()

    def _refresh_aggregates(self, first: bool = False) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Output by cell and its log change, rents (and the location utility's terms of
        them); returns the vacancy the rents are priced on and the recorder's sums of the
        firms now (`totals.firm_totals()`), from the same pass (`totals.refresh`)."""
        vacancy, sums = self.totals.refresh(first)
        self.locations.reprice(vacancy, self.params.rent_elasticity)
        # the utility's terms of output by cell and rents, which change only here (four uses a step)
        self._place_utility = relocation.place_utility(self.params, self.totals.output_ls, self.locations.rent)
        return vacancy, sums

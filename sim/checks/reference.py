"""A per-agent reference for the firm-level rules: idiomatic Mesa, one firm at a time.

`ReferenceModel` is `sim.Model` except for phases 2-7 (growth, floor space, talent,
production and investment, relocation, exit): there, each Firm agent applies the rules to
its own row, in Python, on scalars, in stages activated with `shuffle_do`. The rules are
the very functions the vectorised model applies to arrays (sim.rules.growth, sim.rules.space,
sim.rules.talent, sim.rules.production, sim.rules.relocation, sim.rules.demography; see sim.rules.ops). What is a park's
or the city's (rationing a park's floor space among the requests, the city's labour
market, admitting moves in order) the model computes from the requests the agents posted,
with the same functions the vectorised model uses. The government (with the renovation
programme), entry, projects, status updates and the recording are the vectorised model's.

It exists to check the vectorised model (tests/test_reference.py) and to measure what the
vectorisation buys (experiments/bench.py); runs use `sim.Model`.

With `shared_draws=True` each firm uses the random numbers the vectorised model uses for
its slot (sim.model.streams): both give the same values, to rounding (the math module's exp,
log and power and numpy's may differ in the last bit). With `shared_draws=False` the
firms' draws come from the model's own generator instead: the same distribution of
outcomes, other values. The city-wide shock is one draw per step, not a firm's, so both
modes take it from the model's `macro` stream.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..rules import demography, growth, production, relocation, renovation, space, talent
from ..model.agents import Firm
from ..config.schema import Config
from ..rules.markets import fill_in_order, match, ration_ratio
from ..model.model import Model


class ReferenceFirm(Firm):
    """A firm that applies the firm-level rules to its own row. Stages, in order: plan,
    occupy, produce, look, settle; between them the model answers the requests."""

    def plan(self) -> None:
        """2. Productivity growth -> desired output; 3. floor space released or requested."""
        m, f, i, par, b = self.model, self.model.firms, self.slot, self.model.params, self.model.board
        y, loc, sec = float(f.output_yi[i]), f.location[i], f.sector[i]
        place = growth.place_drift(par, m.sector_drift[sec], m.locations.is_park[loc], m.locations.platforms[loc]) - m.young_offset
        mu = growth.drift(par, place, f.subsidy_yi[i] / y, f.age_months[i])
        d = m.draws
        shock = growth.shock(par, y, d.jump[i], d.sign[i], d.noise[i], m.dt) + d.common
        agglomeration = growth.agglomeration(par, m.totals.dln_ls[loc, sec], m.totals.dln_l[loc])
        target = growth.potential(par, f.productivity[i], y, mu, agglomeration, f.boost[i], shock, m.dt)
        f.boost[i] = 0.0
        f.productivity[i] = target
        per_yi = f.space_intensity[i] * b.space_trend
        kept, demand = space.request(f.floor_m2[i], target, per_yi, par.space_hold_slack)
        f.floor_m2[i] = kept
        b.target[i], b.space_demand[i], b.per_yi[i] = target, demand, per_yi

    def occupy(self) -> None:
        """3. Floor space granted (the park's ration); 4. skilled workers released or requested."""
        m, f, i, b = self.model, self.model.firms, self.slot, self.model.board
        granted = b.space_demand[i] * b.space_ratio[f.location[i]]
        floor = f.floor_m2[i] + granted
        f.floor_m2[i] = floor
        b.space_granted[i] = granted
        feasible = space.feasible(b.target[i], floor, b.per_yi[i])
        per_worker = m.labour.skilled_share[f.sector[i]] * b.workers_per_yi * f.skill_factor[i]
        release, demand = talent.request(f.skilled[i], feasible, per_worker)
        b.feasible[i], b.skilled[i], b.release[i], b.talent_demand[i] = feasible, f.skilled[i], release, demand

    def produce(self) -> None:
        """4. Skilled workers granted (the park's ration); 5. output, capital, investment;
        7. the exit hazard (normalised by the city's mean before the decision)."""
        m, f, i, par, b = self.model, self.model.firms, self.slot, self.model.params, self.model.board
        granted = b.talent_demand[i] * b.talent_ratio[f.location[i]]
        skilled = b.skilled[i] - b.release[i] + granted
        f.skilled[i] = skilled
        b.talent_granted[i] = granted
        per_worker = m.labour.skilled_share[f.sector[i]] * b.workers_per_yi * f.skill_factor[i]
        output = production.output(b.target[i], f.floor_m2[i], b.per_yi[i] * b.target[i], skilled, per_worker * b.target[i], par.input_substitution)
        capital, kept = growth.invest(par, f.capital_yi[i], output, f.trend[i], m.dt)
        trend = growth.trend(f.trend[i], output, f.output_yi[i], m.dt)
        f.trend[i], f.capital_yi[i], f.output_yi[i] = trend, capital, output
        f.employees[i] = b.workers_per_yi * output
        b.investment[i] = capital - kept
        b.hazard[i] = demography.exit_hazard(par, output, trend)

    def look(self) -> None:
        """6. Whether to look for a new site and, if so, which one (a request to move)."""
        m, f, i, b = self.model, self.model.firms, self.slot, self.model.board
        if not m.draws.consider[i] < relocation.consider_probability(m.params, f.output_yi[i], f.age_months[i], m.dt):
            return
        loc = m.locations
        cur, sec = f.location[i : i + 1], f.sector[i : i + 1]
        rule = m.policy.relocation_rule
        utility = b.utility[:, sec].T - relocation.moving_cost(m.params, rule, cur, loc.district)
        making_room = renovation.inefficient(f.output_yi[i : i + 1], f.floor_m2[i : i + 1], cur, loc.density_cutoff, loc.is_park)
        allowed = relocation.allowed_moves(rule, cur, sec, loc.district, loc.leading, loc.is_park, making_room)
        allowed &= (b.room >= m.weight * f.floor_m2[i]) | (np.arange(loc.n) == cur[0])
        dest = relocation.choose(utility, allowed, m.draws.pick[i : i + 1])[0]
        if dest != cur[0]:
            b.destination[i] = dest

    def settle(self) -> None:
        """6. Move if the destination admitted the request; 7. exit or stay."""
        m, f, i, b = self.model, self.model.firms, self.slot, self.model.board
        if b.admitted[i]:
            cur, dest, sec = f.location[i], b.destination[i], f.sector[i]
            f.boost[i] += growth.agglomeration(m.params, b.ln_ls[dest, sec] - b.ln_ls[cur, sec], b.ln_l[dest] - b.ln_l[cur])
            f.move(i, dest)
            f.moves[i] += 1
        if m.draws.exit[i] < demography.exit_probability(m.params, b.hazard[i], m.base_hazard, m.dt):
            f.remove(i)
            b.dead[i] = True
            del m.firm_agents[i]
            self.remove()


class ReferenceModel(Model):
    """The model with phases 2-7 run one Mesa agent at a time (see the module docstring)."""

    firm_class = ReferenceFirm

    def __init__(self, config: Config, replication: int = 0, shared_draws: bool = True):
        self.shared_draws = shared_draws
        super().__init__(config, replication)

    def _draws(self, n: int) -> SimpleNamespace:
        """This step's random numbers by firm slot: the vectorised model's, or fresh ones."""
        t, s = self.steps, self.streams
        if self.shared_draws:
            u = lambda decision, *sub: s.uniform(decision, t, n, *sub)  # noqa: E731
            noise = s.normal("growth", t, n, 2)
        else:
            u = lambda decision, *sub: np.clip(self.rng.random(n), 1e-12, 1.0 - 1e-12)  # noqa: E731
            noise = self.rng.standard_normal(n)
        return SimpleNamespace(
            jump=u("growth", 0), sign=u("growth", 1), noise=noise,
            consider=u("move", 0), pick=u("move", 1), order=u("move", 2), exit=u("exit"),
            common=self.common_shock(),  # one city-wide draw per step, not a firm's: always the model's
        )  # fmt: skip

    def firms_act(self) -> np.ndarray:
        f, n, totals, labour = self.firms, self.firms.n, self.totals, self.labour
        agents = self.agents_by_type[self.firm_class]
        self.draws = self._draws(n)
        zeros = lambda: np.zeros(n)  # noqa: E731
        b = self.board = SimpleNamespace(
            target=zeros(), space_demand=zeros(), space_granted=zeros(), feasible=zeros(), skilled=zeros(),
            release=zeros(), talent_demand=zeros(), talent_granted=zeros(), investment=zeros(), hazard=zeros(),
            destination=np.full(n, -1), admitted=np.zeros(n, dtype=bool), dead=np.zeros(n, dtype=bool),
            per_yi=zeros(), workers_per_yi=self.workers_per_yi(), space_trend=self.space_trend(),
        )  # fmt: skip

        agents.shuffle_do("plan")  # 2. growth -> desired output; 3. floor-space requests
        live = f.live()
        b.space_ratio = ration_ratio(totals.by_location(b.space_demand[live], live), totals.vacancy())
        agents.shuffle_do("occupy")  # 3. floor space granted; 4. talent requests
        self.locations.unmet_space = totals.by_location(b.space_demand[live] - b.space_granted[live], live)
        labour.pool += totals.by_location(b.release[live], live)
        b.talent_ratio, taken = match(totals.by_location(b.talent_demand[live], live), labour.pool, labour.commute)
        labour.pool -= taken
        b.large = np.zeros(n, dtype=bool)
        b.large[live] = self.investment.large_investors(live)
        agents.shuffle_do("produce")  # 4. talent granted; 5. output, capital, FAI
        self.locations.unmet_talent = totals.by_location(b.talent_demand[live] - b.talent_granted[live], live)
        cell, big, investment = totals.index(live)[1], b.large[live], b.investment[live]
        fai_ls = self.investment.spend(totals.cell_sum(np.where(big, 0.0, investment), cell), totals.cell_sum(investment[big], cell[big]))

        b.room = totals.vacancy()
        b.utility = self.location_utility(b.room)
        agents.shuffle_do("look")  # 6. relocation requests
        going = live[b.destination[live] >= 0]
        ok = fill_in_order(f.floor_m2[going], b.destination[going], self.draws.order[going], b.room, self.weight)
        b.admitted[going[ok]] = True
        b.ln_ls, b.ln_l = np.log1p(totals.output_ls), np.log1p(totals.output_ls.sum(1))
        agents.shuffle_do("settle")  # 6. moves; 7. exits
        dead = np.flatnonzero(b.dead)
        labour.pool += totals.location_total(f.skilled, dead)
        self.flows["moves"] += self.weight * int(ok.sum())
        self.flows["exits"] += self.weight * dead.size
        return fai_ls

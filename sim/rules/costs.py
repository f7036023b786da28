"""What the policy costs the city (docs/ODD.md 7.16): each lever's physical quantities, as
the model recorded them month by month (sim/runs/results.py flows), times its unit cost
(sim.config.Costs), summed over the plan period (after the base year, to the target year
included), in 亿元.

- factory space: the programme's floor space built, at `factory_space_yuan_m2`;
- land renovation: the 亩 cleared at `renovation_yuan_mu`, and the standard factory space
  rebuilt on the cleared land no project claimed, at `factory_space_yuan_m2`;
- talent: the programme's recruits at `talent_yuan_per_recruit`;
- fund: what is appropriated, 1:1;
- attraction: `attraction_subsidy_share` of the attracted investment (`attracted_share` of
  the investment of the projects started and of the entrants' capital, the part above
  today's rate of arrival).

The allocation rules, the steering of entrants and the relocation rule are administrative:
no cost. A run's cost at the ends of the unit costs' plausible ranges is its low and high.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..config.schema import Costs

LEVERS = ("factory_space", "land_renovation", "talent", "fund", "attraction")
# the recorded flows (sim/runs/results.py FLOW_VARS) each lever's cost reads
QUANTITIES = ("programme_space_m2", "rebuilt_space_m2", "renovated_mu", "recruits", "fund_yi", "attracted_investment_yi")
YI = 1e8  # 元 per 亿元


def attracted_share(intensity: float) -> float:
    """The share of arrivals due to investment attraction at `intensity` x today's rate of
    arrival: 1 - 1/intensity, none at or below today's rate."""
    return max(0.0, 1.0 - 1.0 / intensity) if intensity > 0 else 0.0


def period_totals(flows: dict[str, np.ndarray], years: np.ndarray, base_year: int, target_year: int) -> dict[str, float]:
    """Each quantity summed over the months of base_year+1 to target_year (`years`: the year
    of each record; record 0 is the base state, whose flows are zero)."""
    months = (years > base_year) & (years <= target_year)
    return {q: float(np.asarray(flows[q])[months].sum()) for q in QUANTITIES}


def by_lever(totals: dict[str, float], unit: Costs) -> dict[str, float]:
    """Cost by lever (亿元) of the period's quantities at the unit costs `unit`."""
    return {
        "factory_space": totals["programme_space_m2"] * unit.factory_space_yuan_m2 / YI,
        "land_renovation": (totals["renovated_mu"] * unit.renovation_yuan_mu + totals["rebuilt_space_m2"] * unit.factory_space_yuan_m2) / YI,
        "talent": totals["recruits"] * unit.talent_yuan_per_recruit / YI,
        "fund": totals["fund_yi"],
        "attraction": totals["attracted_investment_yi"] * unit.attraction_subsidy_share,
    }


def at_range_end(unit: Costs, end: int) -> Costs:
    """The unit costs at the low (`end` 0) or high (1) end of their plausible ranges."""
    return dataclasses.replace(unit, **{f.name: f.metadata["range"][end] for f in dataclasses.fields(Costs)})


def of_run(recorder, cfg) -> dict:
    """One replication's cost: {"by_lever": {lever: 亿元}, "total", "low", "high"} over the
    plan period, from its recorder's flows."""
    totals = period_totals(recorder.flows, recorder.years, cfg.calibration.base_year, cfg.targets.year)
    lever = by_lever(totals, cfg.costs)
    return dict(by_lever=lever, total=sum(lever.values()), quantities=totals,
                low=sum(by_lever(totals, at_range_end(cfg.costs, 0)).values()), high=sum(by_lever(totals, at_range_end(cfg.costs, 1)).values()))


def summarize(runs: list[dict], cfg) -> dict:
    """The `cost` entry of targets.json: medians over the replications (亿元), each
    replication's total, the quantities' medians, the unit costs and the period."""
    def med(values) -> float:
        return float(np.median(values))

    return dict(
        period=[cfg.calibration.base_year + 1, cfg.targets.year],
        total_yi=med([r["total"] for r in runs]),
        by_lever_yi={k: med([r["by_lever"][k] for r in runs]) for k in LEVERS},
        range_yi=[med([r["low"] for r in runs]), med([r["high"] for r in runs])],
        values_yi=[r["total"] for r in runs],
        quantities={q: med([r["quantities"][q] for r in runs]) for q in QUANTITIES},
        unit_costs=dataclasses.asdict(cfg.costs),
    )

"""The regime before the plan: the levers of 2022 continued by the `pre_plan` scenario, the
2020-2022 investment and the 2022 FAI base derived from them (not set by hand), and the
published moments the calibration compares."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from sim import Model, load_config
from sim.config.schema import Policy

from experiments import history


def test_pre_plan_continues_the_levers_of_2022():
    cfg = load_config(scenario="pre_plan")
    assert dataclasses.asdict(cfg.policy) == dataclasses.asdict(cfg.calibration.before_plan)
    assert cfg.policy != Policy()  # not the schema's (the plan's) defaults


def test_the_fai_base_comes_out_of_the_prehistory(small):
    """The 2022 FAI (record 0, the FAI target's simulated base) is the prehistory's last
    year, and it moves with what made it: the levers before the plan, their growth before
    2023 and the investment lag; the published estimate is not used."""
    m = Model(small)
    rec = m.recorder
    fai0 = rec.fai_by_location()[0][rec.is_park].sum()
    assert fai0 == pytest.approx(rec.fai_prehistory[2022], rel=1e-9) and sorted(rec.fai_prehistory) == [2019, 2020, 2021, 2022]
    assert abs(fai0 - small.calibration.parks_fai_2022_yi) > 1.0
    for change in (dict(factory_space_m2_per_year=0.0), dict(land_renovation_mu_per_year=0.0)):
        c = copy.deepcopy(small)
        c.calibration.before_plan = dataclasses.replace(c.calibration.before_plan, **change)
        assert Model(c).recorder.fai_prehistory[2022] < rec.fai_prehistory[2022]
    c = copy.deepcopy(small)
    c.calibration.before_plan_growth = 0.0  # no growth before 2023: the pipeline was as large in 2021
    grown = rec.fai_prehistory[2022] / rec.fai_prehistory[2021]
    assert Model(c).recorder.fai_prehistory[2022] / Model(c).recorder.fai_prehistory[2021] < grown


def test_the_investment_lag_moves_the_2022_investment(small):
    """Equipment that follows the output of a year ago keeps 2022's investment up after the
    2021 boom; at lag 0 it follows 2022's flat output at once."""
    growth = {}
    for lag in (0.0, 2.0):
        c = copy.deepcopy(small)
        c.params.investment_lag_years = lag
        r = Model(c).recorder.fai_prehistory_city
        growth[lag] = r[2022] / r[2021] - 1.0
    assert growth[2.0] > growth[0.0] + 0.05


def test_the_published_moments():
    m = {x.id: x for x in history.moments()}
    assert m["city_growth_mean"].value == pytest.approx(0.0477, abs=5e-4)  # ln growth 2019-2022: +5.1, +3.8, +10.6, +0.3%
    assert m["city_growth_sd"].value == pytest.approx(0.0405, abs=5e-4)
    assert m["fai_growth_2022"].value == pytest.approx(0.211)
    assert all(x.lo <= x.value <= x.hi for x in m.values())


def test_one_run_gives_every_statistic_the_calibration_compares():
    stats = history.statistics(history.config({"params.macro_sd": 0.03}, 0.05), 0)
    assert set(stats) == set(history.observed())
    assert all(v == v for v in stats.values())  # finite, not NaN

"""Levers as schedules by year, and what the policy costs the city (sim/config/schedules.py, sim/rules/costs.py)."""

import dataclasses

import numpy as np
import pytest

from sim.rules import costs
from sim.runs.cli import compose
from sim.config.schema import ConfigError
from sim.config.loading import load_config
from sim import Model
from sim.config.schedules import in_year, normalised, value_in
from sim.config.validation import validate

SMALL = dict(firms_scale=0.02, progress=False, uncertainty="seeds")
OFF = dict(factory_space_m2_per_year=0.0, land_renovation_mu_per_year=0.0, talent_inflow_per_year=0.0, fund_yi_per_year=0.0, attraction_intensity=1.0)


def test_a_schedule_is_piecewise_constant_from_its_first_year():
    s = normalised({"2023": 1, 2025: 3.0, 2024: 2})
    assert s == {2023: 1.0, 2024: 2.0, 2025: 3.0} and list(s) == [2023, 2024, 2025]
    assert [value_in(s, y) for y in (2023, 2024, 2025, 2030)] == [1.0, 2.0, 3.0, 3.0]  # the last value holds
    assert value_in({2023: 5.0, 2026: 0.0}, 2025) == 5.0
    assert value_in(7, 2024) == 7.0 and type(normalised(10_000)) is float


def test_a_schedule_changes_the_lever_in_its_years_months():
    cfg = load_config(**SMALL, **OFF)
    cfg.policy.factory_space_m2_per_year = {2023: 0.0, 2024: 6e6, 2025: 0.0}
    cfg.policy.talent_inflow_per_year = {2023: 1.2e4, 2024: 0.0}
    m = Model(cfg).run()
    years = np.array([d.year for d in m.dates])
    space, recruits = m.recorder.flows["programme_space_m2"], m.recorder.flows["recruits"]
    assert space[0] == 0 and recruits[0] == 0  # the base state
    assert np.all(space[years == 2023] == 0) and np.allclose(space[years == 2024], 5e5) and np.all(space[years == 2025] == 0)
    assert np.allclose(recruits[years == 2023][1:], 1e3) and np.all(recruits[years >= 2024] == 0)
    # paired with the levers off (same streams): identical through 2023, apart from 2024
    off = Model(load_config(**SMALL, **{**OFF, "talent_inflow_per_year": {2023: 1.2e4, 2024: 0.0}})).run().recorder
    stock, stock_off = m.recorder.locations["floor_space_m2"].sum(1), off.locations["floor_space_m2"].sum(1)
    assert np.array_equal(stock[years <= 2023], stock_off[years <= 2023])
    assert stock[years == 2024][0] - stock_off[years == 2024][0] == pytest.approx(5e5)  # January 2024


def test_a_constant_schedule_is_the_number():
    plain = Model(load_config(**SMALL), replication=1).run().recorder
    cfg = load_config(**SMALL)
    cfg.policy.factory_space_m2_per_year = {2023: 4e6}
    cfg.policy.attraction_intensity = {2023: 1.2}
    scheduled = Model(cfg, replication=1).run().recorder
    for name in ("output_yi", "fai_yi"):
        assert np.array_equal(plain.cells[name], scheduled.cells[name])


def test_cost_accounting_on_hand_made_schedules():
    cfg = load_config(**SMALL, **OFF, horizon_year=2026)
    p = cfg.policy
    p.factory_space_m2_per_year = {2023: 0.0, 2024: 6e6, 2025: 0.0, 2026: 9e6}  # 2026 is after the plan period
    p.fund_yi_per_year = {2023: 1.0, 2024: 2.0, 2025: 3.0}
    p.talent_inflow_per_year = {2023: 1e4, 2024: 0.0}
    cost = costs.of_run(Model(cfg).run().recorder, cfg)
    lever = cost["by_lever"]
    assert lever["factory_space"] == pytest.approx(6e6 * 2000 / 1e8)  # 120亿
    assert lever["fund"] == pytest.approx(6.0)
    assert lever["talent"] == pytest.approx(1e4 * 5e4 / 1e8)  # 5亿
    assert lever["land_renovation"] == 0 and lever["attraction"] == 0  # no renovation; today's rate of arrival
    assert cost["total"] == pytest.approx(131.0)
    assert cost["low"] == pytest.approx(6e6 * 800 / 1e8 + 6.0 + 1e4 * 1e4 / 1e8) and cost["high"] == pytest.approx(150 + 6 + 20)


def test_renovation_and_attraction_are_costed_from_what_the_model_did():
    cfg = load_config(**SMALL)
    rec = Model(cfg).run().recorder
    cost = costs.of_run(rec, cfg)
    q = cost["quantities"]
    assert q["renovated_mu"] > 0 and q["rebuilt_space_m2"] > 0 and q["attracted_investment_yi"] > 0
    assert cost["by_lever"]["land_renovation"] == pytest.approx((q["renovated_mu"] * 1e6 + q["rebuilt_space_m2"] * 2000) / 1e8)
    assert cost["by_lever"]["attraction"] == pytest.approx(0.1 * q["attracted_investment_yi"])
    assert costs.attracted_share(1.2) == pytest.approx(1 / 6) and costs.attracted_share(0.8) == 0.0
    # paired: doubling a unit cost doubles that lever's cost and nothing else
    dear = dataclasses.replace(cfg, costs=dataclasses.replace(cfg.costs, renovation_yuan_mu=2e6))
    other = costs.of_run(rec, dear)
    assert other["by_lever"]["land_renovation"] - cost["by_lever"]["land_renovation"] == pytest.approx(q["renovated_mu"] * 1e6 / 1e8)
    assert other["by_lever"]["fund"] == cost["by_lever"]["fund"]


def test_in_year_leaves_constant_policies_alone():
    p = load_config().policy
    assert in_year(p, 2024) is p
    p.fund_yi_per_year = {2023: 1.0, 2025: 4.0}
    assert in_year(p, 2024).fund_yi_per_year == 1.0 and in_year(p, 2025).fund_yi_per_year == 4.0


@pytest.mark.parametrize("value, words", [
    ({2024: 4e6}, "policy.factory_space_m2_per_year: {2024: 4000000.0}; allowed: a number, or a schedule {year: value} whose first year is 2023"),
    ({2023: 4e6, 2024: -1.0}, "policy.factory_space_m2_per_year[2024]: -1.0; allowed: a finite number in [0.0, 1000000000.0]"),
    ({"next": 4e6}, "policy.factory_space_m2_per_year year: 'next'; allowed: an integer"),
    ({}, "at least one year"),
    ("lots", "policy.factory_space_m2_per_year: 'lots'"),
])
def test_bad_schedules_are_refused_with_one_line(value, words):
    cfg = load_config()
    cfg.policy.factory_space_m2_per_year = value
    with pytest.raises(ConfigError) as e:
        validate(cfg)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_a_schedule_from_the_command_line_and_from_python():
    cfg = compose("policy.factory_space_m2_per_year={2023:2e6,2024:4e6,2025:6e6}", "costs.renovation_yuan_mu=5e5")
    assert cfg.policy.factory_space_m2_per_year == {2023: 2e6, 2024: 4e6, 2025: 6e6} and cfg.costs.renovation_yuan_mu == 5e5
    cfg = load_config(talent_inflow_per_year={2023: 5000, 2025: 20000}, renovation_yuan_mu=5e5)
    assert cfg.policy.talent_inflow_per_year == {2023: 5000.0, 2025: 20000.0} and cfg.costs.renovation_yuan_mu == 5e5
    with pytest.raises(ConfigError, match="costs.renovation_yuan_mu"):
        load_config(renovation_yuan_mu=-1.0)

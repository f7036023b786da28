"""Each lever moves its own mechanism the right way, in paired runs with the same seeds
(common random numbers: the runs share every random draw until their states differ)."""

import copy

import numpy as np
import pytest

from sim import Model

SEEDS = [0, 1]


def run(cfg, seed, **changes):
    c = copy.deepcopy(cfg)
    c.seed = seed
    for key, value in changes.items():
        section, name = key.split("__")
        setattr(getattr(c, section), name, value)
    return Model(c).run()


def parks_leading_share(model):
    rec = model.recorder
    parks = rec.is_park
    return rec.leading_output()[-1][parks].sum() / rec.cells["output_yi"][-1][parks].sum()


@pytest.mark.parametrize("seed", SEEDS)
def test_more_factory_space_more_investment_where_space_binds(small, seed):
    # without the common shock (a run of bad city-wide years would leave space slack) and
    # without renovation (its rebuilt land leaves most parks with room)
    quiet = dict(params__macro_sd=0.0, policy__land_renovation_mu_per_year=0.0)
    low = run(small, seed, policy__factory_space_m2_per_year=0.0, **quiet)
    high = run(small, seed, policy__factory_space_m2_per_year=8e6, **quiet)
    rec = low.recorder
    vacancy = rec.locations["vacant_space_m2"][-12:].mean(0) / rec.locations["floor_space_m2"][-12:].mean(0)
    constrained = rec.is_park & (vacancy < 0.02)
    assert constrained.sum() >= 3, "the test needs parks where space binds"
    fai_low = rec.cells["fai_yi"][1:].sum(axis=(0, 2))[constrained].sum()
    fai_high = high.recorder.cells["fai_yi"][1:].sum(axis=(0, 2))[constrained].sum()
    assert fai_high > fai_low * 1.05


@pytest.mark.parametrize("seed", SEEDS)
def test_more_talent_faster_employment_growth(small, seed):
    # without the natural inflow and the plants' own recruits, talent binds and the programme is the only source
    off = dict(params__talent_natural_inflow=0.0, params__project_recruits_share=0.0, params__macro_sd=0.0)
    low = run(small, seed, policy__talent_inflow_per_year=0.0, **off)
    high = run(small, seed, policy__talent_inflow_per_year=50_000.0, **off)
    emp_low = low.recorder.cells["employment"].sum(axis=(1, 2))
    emp_high = high.recorder.cells["employment"].sum(axis=(1, 2))
    assert emp_low[0] == emp_high[0]
    assert emp_high[-1] / emp_high[0] > emp_low[-1] / emp_low[0] * 1.05


@pytest.mark.parametrize("seed", SEEDS)
def test_fund_to_leading_industries_raises_leading_share(small, seed):
    # a fund far above the plan's 2亿, so the direction is visible over seed noise
    none = run(small, seed, policy__fund_yi_per_year=0.0)
    lead = run(small, seed, policy__fund_yi_per_year=500.0, policy__fund_allocation="leading", policy__fund_platform_share=0.0)
    uniform = run(small, seed, policy__fund_yi_per_year=500.0, policy__fund_allocation="uniform", policy__fund_platform_share=0.0)
    assert parks_leading_share(lead) > parks_leading_share(none)
    assert parks_leading_share(lead) > parks_leading_share(uniform)


@pytest.mark.parametrize("seed", SEEDS)
def test_restricted_relocation_fewer_moves(small, seed):
    free = run(small, seed, policy__relocation_rule="free")
    coordinated = run(small, seed, policy__relocation_rule="coordinated")
    restricted = run(small, seed, policy__relocation_rule="restricted")
    assert restricted.flows.total["moves"] < coordinated.flows.total["moves"] < free.flows.total["moves"]


def test_fund_builds_platforms_where_parks_lack_them(small):
    none = run(small, 0, policy__fund_yi_per_year=0.0)
    fund = run(small, 0, policy__fund_yi_per_year=2.0)
    lacking = np.array([p.st_platforms_2022 == 0 for p in small.calibration.parks])
    assert lacking.any()
    end_none = none.recorder.locations["st_platforms"][-1][:-1]
    end_fund = fund.recorder.locations["st_platforms"][-1][:-1]
    assert np.all(end_fund[lacking] >= 1)
    assert end_fund[lacking].sum() > end_none[lacking].sum()


def test_attraction_intensity_raises_entry(small):
    low = run(small, 0, policy__attraction_intensity=0.5)
    high = run(small, 0, policy__attraction_intensity=2.0)
    assert high.flows.total["entries"] > 2 * low.flows.total["entries"]


def test_same_config_same_draws(small):
    a, b = run(small, 3), run(small, 3)
    np.testing.assert_array_equal(a.recorder.cells["output_yi"], b.recorder.cells["output_yi"])

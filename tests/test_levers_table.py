"""experiments/levers.py: the one-lever table (docs/ODD.md section 10.2), at a tiny size."""

import dataclasses

import pytest

from experiments import levers
from sim.config.schema import FUND_ALLOCATIONS, RELOCATION_RULES, SPACE_ALLOCATIONS, Policy

TINY = ["firms_scale=0.05", "replications=2"]
SUBSET = ["fund_yi_per_year", "attraction_intensity", "relocation_rule"]


@pytest.fixture(scope="module")
def serial():
    return levers.measure(TINY, SUBSET, workers=1)


@pytest.fixture(scope="module")
def configs():
    return [levers.compose(*TINY, f"scenario={s}", "uncertainty=seeds", "progress=false") for s in ("baseline", "no_policy")]


def test_levers_come_from_the_policy_schema():
    assert set(levers.numeric_levers()) == {f.name for f in dataclasses.fields(Policy) if isinstance(Policy.__dataclass_fields__[f.name].default, float)}
    assert levers.categorical_levers() == {"fund_allocation": FUND_ALLOCATIONS, "space_allocation": SPACE_ALLOCATIONS,
                                          "relocation_rule": RELOCATION_RULES}


def test_levels_follow_the_stated_rules(configs):
    base = configs[0]
    assert [v for _, v in levers.levels(base, "fund_yi_per_year")] == [0.0, 2.0, 4.0]
    assert [v for _, v in levers.levels(base, "attraction_intensity")] == pytest.approx([1.0, 1.2, 1.4])
    assert [v for _, v in levers.levels(base, "fund_platform_share")] == [0.0, 0.5, 1.0]
    assert [v for _, v in levers.levels(base, "attraction_steering")] == [0.0, 1.0]  # capped at 1


def test_one_row_per_lever_setting(configs, serial):
    specs = levers.row_specs(*configs)
    expected = 2 + sum(len(levers.levels(configs[0], n)) - 1 for n in levers.numeric_levers()) \
        + sum(len(v) - 1 for v in levers.categorical_levers().values())
    assert len(specs) == expected
    assert len({s["run"] for s in specs}) == len(specs)
    runs = [r["run"] for r in serial["rows"]]
    assert runs == ["baseline", "fund_yi_per_year = 0 (0)", "fund_yi_per_year = 4 (2x)", "attraction_intensity = 1 (today)",
                    "attraction_intensity = 1.4 (2x)", "relocation_rule = free", "relocation_rule = restricted", "no_policy (scenario)"]
    assert set(serial["monotonicity"]) == {"fund_yi_per_year", "attraction_intensity"}
    assert serial["config"]["replications"] == 2 and "uncertainty=seeds" in serial["note"]
    table = levers.render(serial)
    assert table.count("\n| ") == len(runs) + 1  # header and one line per row (the separator starts "|-")


def test_baseline_repeated_gives_zero_paired_differences(configs, monkeypatch):
    real = levers.row_specs

    def doubled(base, no_policy, subset=None):
        specs = real(base, no_policy, [])
        return [specs[0], dict(specs[0], run="baseline again", cfg=dataclasses.replace(base)), specs[-1]]

    monkeypatch.setattr(levers, "row_specs", doubled)
    result = levers.measure(TINY, workers=2)
    again = result["rows"][1]
    assert again["run"] == "baseline again"
    assert all(v == 0.0 for v in again["paired_median"].values())
    assert all(v == 0.0 for v in again["paired_se"].values())  # zero in every replication, not only in the median
    assert again["median"] == result["rows"][0]["median"]
    assert result["rows"][2]["paired_median"]["fai_growth"] < 0  # no_policy differs: the check can fail


def test_parallel_equals_serial(serial):
    parallel = levers.measure(TINY, SUBSET, workers=2)
    assert parallel["rows"] == serial["rows"]
    assert parallel["monotonicity"] == serial["monotonicity"]


def test_monotonicity_check():
    assert levers.check_monotone([-5.0, 0.0, 3.0])["monotone"]
    assert levers.check_monotone([2.0, 0.0, 0.0])["monotone"]  # ties allowed
    bad = levers.check_monotone([-5.0, 0.0, -3.0], ses=[0.5, 0.0, 0.5])
    assert not bad["monotone"] and bad["within_noise"] is False
    assert levers.check_monotone([-5.0, 0.0, -0.1], ses=[1.0, 0.0, 1.0])["within_noise"] is True


def test_non_monotone_effect_is_flagged_in_the_table(configs):
    def row(run, lever, value, d):
        return dict(run=run, lever=lever, level="", value=value, flags=[], median=dict(parks_output=1.0, fai_growth=0.1, leading_share=0.5),
                    paired_median=dict(parks_output=d, fai_growth=0.0, leading_share=0.0), paired_se=dict(parks_output=1.0, fai_growth=0.0, leading_share=0.0))

    rows = [row("baseline", None, None, 0.0), row("talent = 0", "talent_inflow_per_year", 0.0, -50.0),
            row("talent = 2x", "talent_inflow_per_year", 20_000.0, -40.0), row("free", "relocation_rule", "free", -30.0)]
    checks = levers.flag_monotonicity(rows, configs[0].policy)
    assert not checks["talent_inflow_per_year"]["parks_output"]["monotone"]
    assert checks["talent_inflow_per_year"]["fai_growth"]["monotone"]
    assert rows[2]["flags"] == ["NON-MONOTONE parks_output (-50, +0, -40)"]
    assert rows[1]["flags"] == [] and rows[3]["flags"] == []
    result = dict(command="c", config=dict(replications=2, seed=0, firms_scale=0.05, git_commit="x", target_year=2025),
                  seconds=0.0, workers=1, rows=rows, monotonicity=checks)
    assert "NON-MONOTONE parks_output (-50, +0, -40)" in levers.render(result)

"""The aggregate capacity model (sim/checks/aggregate.py) and the docking table (experiments/docking.py)."""

import copy

import numpy as np
import pytest
from scipy.special import ndtr, ndtri

from experiments import docking
from sim.checks import aggregate
from sim.config.schema import SECTORS
from sim import Model
from sim.rules.population import M2_PER_MU, cell_output
from conftest import composed

DT = 1.0 / 12.0


@pytest.fixture(scope="module")
def base():
    return composed("firms_scale=0.05", "replications=2", "progress=false", "uncertainty=seeds")


def only_renovation(cfg, **policy):
    """cfg with the renovation programme as the only source of floor space."""
    cfg = copy.deepcopy(cfg)
    cfg.policy.factory_space_m2_per_year, cfg.params.background_space_growth = 0.0, 0.0
    cfg.calibration.before_plan.factory_space_m2_per_year = cfg.calibration.before_plan.land_renovation_mu_per_year = 0.0
    for k, v in policy.items():
        setattr(cfg.policy, k, v)
    return cfg


def test_aggregate_model_is_deterministic(base):
    a, b = aggregate.run(base), aggregate.run(copy.deepcopy(base))
    for key in ("output_yi", "stock_m2", "fai_yi", "inefficient_mu", "cleared_output_yi"):
        assert np.array_equal(a[key], b[key]), key
    assert a["parks_output_yi"] == b["parks_output_yi"] and a["fai_growth"] == b["fai_growth"]


def test_without_space_supply_and_with_ample_vacancy_output_grows_at_the_drift(base):
    cfg = only_renovation(base, land_renovation_mu_per_year=0.0)
    cfg.params.growth_other = -0.2  # shrinks faster than capital depreciates: it never invests
    cfg.params.investment_lag_years = 0.0  # capital follows output at once (the lag: tests/test_history.py)
    for p in [*cfg.calibration.parks, cfg.calibration.outside]:
        p.vacancy_2022 = 0.9  # room for 10x the 2022 output: never binds by 2025
    res = aggregate.run(cfg)
    par, y0 = cfg.params, cell_output(cfg.calibration)
    mu = np.array([getattr(par, f"growth_{s}") for s in SECTORS])[None, :] + par.growth_shift + par.zone_premium * res["is_park"][:, None]
    t = np.arange(res["output_yi"].shape[0])[:, None, None] / 12.0
    expected = y0[None] * np.exp(mu[None] * t)
    np.testing.assert_allclose(res["output_yi"], expected, rtol=1e-10)
    assert np.all(res["construction_fai_yi"][1:] == 0.0) and np.all(res["stock_m2"] == res["stock_m2"][0])
    # floor need falls at space_intensity_decline: the floor held is what the output needs, times (1 + b)
    b = aggregate.below_scale_share(cfg)
    need = par.floor_m2_per_yi * (1 + b) * np.exp(-par.space_intensity_decline * t[1:]) * expected[1:]
    assert np.all(res["floor_m2"][1:] >= need * (1 - 1e-12)) and np.all(res["floor_m2"][1:] <= need * (1 + par.space_hold_slack) * (1 + 1e-12))
    rows, parks = res["years"] == cfg.targets.year, res["is_park"]
    assert res["parks_output_yi"] == pytest.approx(expected[rows][:, parks].sum(axis=(1, 2)).mean(), rel=1e-10)
    # investment tops capital up to capital_output (1 + b) x output, and is irreversible:
    # a shrinking cell keeps its capital and invests nothing
    c, d = par.capital_output * (1 + b), par.depreciation
    firms = np.maximum(c * (expected[1:] - (1 - d / 12) * expected[:-1]) * 12, 0.0)
    np.testing.assert_allclose(res["fai_cells_yi"][1:], firms, rtol=1e-8, atol=1e-9)
    assert np.all(res["fai_cells_yi"][1:, :, SECTORS.index("other")] == 0.0)


def test_below_scale_share_is_that_of_the_synthetic_population(base):
    m = Model(composed("firms_scale=0.25", "progress=false"))
    f, live = m.firms, m.firms.live()
    y = f.output_yi[live]
    assert aggregate.below_scale_share(base) == pytest.approx(y[y < 0.2].sum() / y[y >= 0.2].sum(), rel=0.05)


@pytest.mark.parametrize("scenario", ["baseline", "no_policy", "talent_first"])
def test_output_never_exceeds_floor_space(scenario):
    cfg = composed(f"scenario={scenario}", "progress=false")
    res = aggregate.run(cfg)
    assert np.all(res["floor_m2"].sum(axis=2) <= res["stock_m2"] * (1 + 1e-12))
    assert np.all(res["output_yi"] <= res["desired_yi"] * (1 + 1e-12))
    if scenario == "no_policy":  # without the levers floor space binds: the parks' is full somewhere
        used = res["floor_m2"].sum(axis=2)
        assert np.isclose(used[-1], res["stock_m2"][-1], rtol=1e-9)[res["is_park"]].any()
        assert res["output_yi"][-1].sum() < res["desired_yi"][-1].sum() * 0.995  # 0.8% short at the posterior medians


def test_renovation_clears_the_least_dense_floor_and_its_output(base):
    cfg = only_renovation(base)
    res, par, cal = aggregate.run(cfg), cfg.params, cfg.calibration
    parks, plot = res["is_park"], cal.plot_ratio_2022
    share = np.array([p.inefficient_land_share for p in [*cal.parks, cal.outside]]) * parks
    held = res["floor_m2"][0].sum(1)
    np.testing.assert_allclose(res["inefficient_mu"][0], share * held / plot / M2_PER_MU, rtol=1e-12)
    assert res["inefficient_mu"][0][~parks] == 0 and np.all(res["cleared_output_yi"][:, ~parks] == 0)
    # month 1: the programme's 亩 shared in proportion to the inefficient land, whose share of
    # the floor has fallen with floor per 亿; the least dense q of the floor holds G(q) of the output
    below = ndtr(ndtri(share) - par.space_intensity_decline * DT / par.space_intensity_sd)
    mu = cfg.policy.land_renovation_mu_per_year * DT * below * held / (below * held).sum()
    q = mu * M2_PER_MU * plot / held
    expected = ndtr(ndtri(q) - par.space_intensity_sd) * res["output_yi"][0].sum(1) / DT
    np.testing.assert_allclose(res["cleared_output_yi"][1][parks], expected[parks], rtol=1e-9)
    assert np.all(expected[parks] < q[parks] * res["output_yi"][0].sum(1)[parks] / DT)  # less than its floor's share
    # the stock falls by the demolished floor and rises by what is rebuilt; clearing stops
    # when no inefficient land is left, and the cleared land is rebuilt at dt / lag a month
    added = res["construction_fai_yi"] * DT / (par.construction_cost_yuan_m2 / 1e8)
    demolished = added[1:] - np.diff(res["stock_m2"], axis=0)
    assert np.all(demolished > -1e-6) and demolished[0][parks].sum() == pytest.approx(mu.sum() * M2_PER_MU * plot, rel=1e-9)
    done = np.flatnonzero(res["inefficient_mu"][:, parks].sum(1) < 1e-9)
    assert done.size and done[0] < 30  # 10,000 亩 a year exhaust it before 2025
    after = added[done[0] + 1:, parks].sum(1)
    np.testing.assert_allclose(after[1:] / after[:-1], 1 - DT / par.renovation_lag_years, rtol=1e-9)
    assert np.all(demolished[done[0]:] < 1e-6)


def test_the_firms_renovation_leaves_use_less_floor_per_output(base):
    """Cleared firms use space least: those left need less floor per 亿, and ask for no more."""
    cfg = only_renovation(base)
    for p in [*cfg.calibration.parks, cfg.calibration.outside]:
        p.vacancy_2022 = 0.9  # never short of space: the floor held is what the output needs
    res, par = aggregate.run(cfg), cfg.params
    parks, f = res["is_park"], par.floor_m2_per_yi * (1 + aggregate.below_scale_share(cfg))
    held, out = res["floor_m2"][:2].sum(2), res["output_yi"][:2].sum(2)
    cleared = res["cleared_output_yi"][1] * DT / out[0]  # share of the output cleared in month 1
    q = ndtr(ndtri(np.clip(cleared, 1e-300, 1)) + par.space_intensity_sd)  # the share of the floor: G inverted
    trend = np.exp(-par.space_intensity_decline * DT)
    np.testing.assert_allclose((held[1] / out[1])[parks], (f * trend * (1 - q) / (1 - cleared))[parks], rtol=1e-9)
    assert np.all((held[1] / out[1])[parks] < f * trend)


def test_cleared_output_moves_out_only_while_outside_has_room_and_the_rule_allows(base):
    free, restricted = (aggregate.run(only_renovation(base, relocation_rule=r)) for r in ("coordinated", "restricted"))
    none = aggregate.run(only_renovation(base, land_renovation_mu_per_year=0.0))
    o = ~free["is_park"]
    assert np.all(restricted["moved_output_yi"] == 0) and np.array_equal(restricted["output_yi"][:, o], none["output_yi"][:, o])
    moved, cleared = free["moved_output_yi"].sum(1), free["cleared_output_yi"].sum(1)
    assert moved.sum() > 0 and np.all(moved <= cleared * (1 + 1e-12)) and moved[1] == pytest.approx(cleared[1])
    assert moved[-1] < cleared[-1] or cleared[-1] == 0  # outside fills up: later the cleared output closes
    gained = free["output_yi"][1][o].sum() - none["output_yi"][1][o].sum()
    assert gained == pytest.approx(moved[1] * DT, rel=0.02)  # it produces there, then grows at the drift
    # it needs more floor per 亿 than outside's own firms: once outside is full, it has crowded them out
    assert np.isclose(free["floor_m2"][-1][o].sum(), free["stock_m2"][-1][o].sum(), rtol=1e-9)
    assert free["output_yi"][-1][o].sum() < none["output_yi"][-1][o].sum()
    assert free["parks_output_yi"] == pytest.approx(restricted["parks_output_yi"], rel=1e-12)  # it leaves the parks either way


def test_the_abm_without_its_agents_is_the_aggregate_model():
    """The last step of the ablation: no common or idiosyncratic shocks, talent never scarce,
    no projects, entry, exit, moves, agglomeration, platforms or subsidies, investment spent
    at once, and no renovation (no parameter switches off where cleared firms go)."""
    values = {k: v for _, extra in docking.ABLATION for k, v in extra.items()}
    for scenario in ("baseline", "no_policy"):
        cfg = docking._with(composed(f"scenario={scenario}", "firms_scale=0.05", "progress=false", "uncertainty=seeds"), values)
        abm = docking._measure(Model(cfg, replication=0).run().recorder, cfg, {})["values"]
        agg = aggregate.run(cfg)
        assert agg["parks_output_yi"] == pytest.approx(abm["parks_output"], rel=0.015), scenario
        assert agg["fai_growth"] == pytest.approx(abm["fai_growth"], abs=0.01), scenario
        assert agg["leading_share"] == pytest.approx(abm["leading_share"], abs=0.005), scenario


def test_docking_rows_are_every_scenario_and_one_lever_change():
    rows, skipped = docking.changes(["firms_scale=0.05"])
    expected = {f"scenario={s}" for s in ("baseline", "pre_plan", "no_policy", "land_first", "talent_first", "fund_to_leading_industries")} | {
        "policy.fund_yi_per_year=0", "policy.fund_yi_per_year=4", "policy.fund_platform_share=0", "policy.fund_platform_share=1",
        "policy.factory_space_m2_per_year=0", "policy.factory_space_m2_per_year=8e+06", "policy.land_renovation_mu_per_year=0",
        "policy.land_renovation_mu_per_year=20000", "policy.talent_inflow_per_year=0", "policy.talent_inflow_per_year=20000",
        "policy.attraction_intensity=1", "policy.attraction_intensity=2", "policy.attraction_steering=0",
        "policy.fund_allocation=leading", "policy.fund_allocation=performance", "policy.space_allocation=stock",
        "policy.relocation_rule=free", "policy.relocation_rule=restricted"}
    names = [n for n, _ in rows]
    assert len(names) == len(set(names)) and set(names) == expected
    assert [s.split(":")[0] for s in skipped] == ["policy.attraction_steering=2"]  # steering is at most 1
    assert all(c.replications == docking.DEFAULT_REPLICATIONS for _, c in rows)
    cfgs = dict(rows)
    steps = docking._ablation_steps(cfgs)
    assert [s for (sc, s), _ in steps if sc == "scenario=baseline"] == [name for name, _ in docking.ABLATION]
    # no_policy's renovation is off, but the land cleared before the plan is still rebuilt: the last step changes it too
    assert [s for (sc, s), _ in steps if sc == "scenario=no_policy"] == [name for name, _ in docking.ABLATION]


def test_docking_table_and_its_text():
    only = ["scenario=no_policy", "policy.fund_yi_per_year=0", "policy.relocation_rule=restricted"]
    result = docking.measure(["firms_scale=0.05", "replications=2"], ablation=False, only=only)
    rows = {r["change"]: r for r in result["rows"]}
    assert set(rows) == {"scenario=baseline", *only} and result["runs"] == 2 * len(rows) * 2
    for q in docking.QUANTITIES:
        for col in docking.COLUMNS:
            assert rows["scenario=baseline"][f"effect_{col}"][q] == 0.0
            for r in result["rows"]:
                a = r[col][q]
                assert a["p10"] <= a["median"] <= a["p90"] and len(a["values"]) == 2
        assert rows["scenario=baseline"]["effect_aggregate"][q] == 0.0
    # the no-shock column is the ABM without the common shock, not a copy of the configured one
    assert rows["scenario=baseline"]["abm"]["parks_output"]["values"] != rows["scenario=baseline"]["abm_no_shock"]["parks_output"]["values"]
    # the aggregate model has no fund; its cleared output leaves the parks under any rule
    for q in docking.QUANTITIES:
        assert rows["policy.fund_yi_per_year=0"]["effect_aggregate"][q] == 0.0
    assert rows["policy.relocation_rule=restricted"]["effect_aggregate"]["parks_output"] == pytest.approx(0.0, abs=1e-6)
    assert rows["scenario=no_policy"]["effect_aggregate"]["fai_growth"] < 0.0
    assert {v["target"] for v in rows["scenario=baseline"]["verdicts"]} == set(docking.VERDICTS)
    text = docking.render(result)
    assert text.startswith("## Docking: the agent-based model against an aggregate capacity model")
    assert sum(line.startswith("| `") for line in text.splitlines()) == 2 * len(rows)
    assert all(any(line.startswith(f"`{n}`: ") for line in text.splitlines()) for n in rows)  # a paragraph per row
    assert sum(("does not need the agents" in line) or ("needs the agents there" in line) for line in text.splitlines()) == len(docking.VERDICTS)


def _fake_row(change, output, output_no_shock, aggregate_output, p_fai):
    years = 3

    def col(v):
        return {q: dict(median=v[q], p10=v[q], p90=v[q], values=[v[q]]) for q in docking.QUANTITIES}

    abm, abm0 = (dict(parks_output=o, fai_growth=0.1, leading_share=0.6) for o in (output, output_no_shock))
    agg = dict(parks_output=aggregate_output, fai_growth=0.1, leading_share=0.6)
    row = dict(change=change, abm=col(abm), abm_no_shock=col(abm0), aggregate=agg, verdicts=[])
    for c, v in (("abm", abm), ("abm_no_shock", abm0)):
        row[f"rel_diff_{c}"] = {q: docking.rel(agg[q], v[q], q, years) for q in docking.QUANTITIES}
        row[f"effect_{c}"] = {q: v[q] - (100.0 if q == "parks_output" else v[q]) for q in docking.QUANTITIES}
    row["effect_aggregate"] = {q: agg[q] - (100.0 if q == "parks_output" else agg[q]) for q in docking.QUANTITIES}
    for rd in ("configured", "industrial_real"):
        for t in docking.VERDICTS:
            p = p_fai if t == "fai_growth" and rd == "configured" else 0.0
            row["verdicts"].append(dict(reading=rd, target=t, met_aggregate=False, p_abm=p, p_abm_no_shock=p,
                                        agree_abm=p < 0.5, agree_abm_no_shock=p < 0.5))
    return row


def test_the_paragraphs_name_the_differences_and_the_verdicts_that_need_the_agents():
    result = dict(rows=[_fake_row("scenario=baseline", 100.0, 100.0, 101.0, 0.0), _fake_row("policy.x=1", 100.0, 110.0, 104.5, 0.8)],
                  target_year=2025, base_year=2022, ablation=[], skipped=[])
    text = docking.paragraphs(result)
    base, lever = text[0], text[1]
    assert base.startswith("`scenario=baseline`: the aggregate model is within 2%") and "verdicts are the same" in base
    assert lever.startswith("`policy.x=1`: ") and "parks output (+4.5%; σ=0: -5.0%)" in lever and "FAI growth (" not in lever
    assert "its effect differs: parks output +0 in the ABM (σ=0: +10)" in lever and "fai_growth (configured reading: ABM P(met) 0.80" in lever
    verdicts = {t: next(p for p in text if p.startswith(f"`{t}`: ")) for t in docking.VERDICTS}
    assert "`policy.x=1`" in verdicts["fai_growth"] and "needs the agents there" in verdicts["fai_growth"]
    assert all("this verdict does not need the agents" in verdicts[t] for t in docking.VERDICTS if t != "fai_growth")

"""Target evaluation on hand-built states: readings, margins, year met, the Wilson interval."""

import dataclasses

import numpy as np
import pytest

from sim.config.schema import SECTORS, Targets
from sim.model.recorder import Recorder
from sim.runs.targets import evaluate, main_leading, summarize, wilson, years_met

S = len(SECTORS)
IOT, BIO, EQUIP, MAT, ENERGY, OTHER = range(S)


def state(out_2022, out_2023, fai_2022, fai_2023, platforms_2023, leading):
    """A Recorder holding the end-2022 record and twelve identical records for 2023.
    Locations: two parks and the rest of the city (last row)."""
    rec = Recorder.__new__(Recorder)
    rec.years = np.array([2022] + [2023] * 12)
    rec.price_index = np.ones(13)
    rec.services_yi = np.zeros((13, 3))
    rec.fai_base_published = 100.0
    rec.is_park = np.array([True, True, False])
    rec.leading = np.array(leading, dtype=bool)
    rec.cells = {
        "output_yi": np.array([out_2022] + [out_2023] * 12, dtype=float),
        "fai_yi": np.zeros((13, 3, S)),
    }
    rec.cells["fai_yi"][0, :, OTHER] = fai_2022
    rec.cells["fai_yi"][1:, :, OTHER] = fai_2023
    rec.locations = {
        "construction_fai_yi": np.zeros((13, 3)),
        "st_platforms": np.array([[1, 0, 0]] + [platforms_2023] * 12, dtype=float),
    }
    return rec


def row(out_iot, out_other, out_equip=0.0):
    r = np.zeros(S)
    r[IOT], r[OTHER], r[EQUIP] = out_iot, out_other, out_equip
    return r


LEADING = [[True, False, False, False, False, False], [False, False, True, False, False, False], [False] * S]
# the narrow reading (configs/targets/industrial_real.yaml); the tests below vary it
T = Targets(output_scope="industrial", prices="real", leading_set="declared", fai_base="simulated",
            year=2023, parks_output_yi=1000.0, leading_share=0.6, fai_growth=0.10, cluster_1000yi=500.0,
            clusters_1000yi_count=2, cluster_10000yi=5000.0, clusters_10000yi_count=1, cluster_scope="city",
            leading_share_gain=0.2, leading_share_gain_mode="relative", leading_share_cap=0.95, st_coverage=1.0)


def by_name(results):
    return {r.name: r for r in results}


def test_all_targets_on_a_hand_built_state():
    # park A: iot leading, 50% -> 80%; park B: equipment leading, 40% -> 45%
    out_2022 = [row(50, 50), row(0, 60, 40), row(0, 1000)]
    out_2023 = [row(480, 120), row(0, 330, 270), row(600, 4000)]
    rec = state(out_2022, out_2023, fai_2022=[100, 100, 50], fai_2023=[110, 111, 0], platforms_2023=[1, 2, 0], leading=LEADING)
    r = by_name(evaluate(rec, T, base_year=2022))
    assert r["parks_output"].value == pytest.approx(1200) and r["parks_output"].met
    assert r["leading_share"].value == pytest.approx((480 + 270) / 1200) and r["leading_share"].met
    assert r["fai_growth"].value == pytest.approx(221 / 200 - 1) and r["fai_growth"].met
    # city-wide clusters: iot 480 + 600 = 1080 (>= 500), equipment 270 (< 500)
    assert r["clusters_1000yi"].value == 1 and not r["clusters_1000yi"].met
    assert r["clusters_10000yi"].value == 0 and not r["clusters_10000yi"].met
    # A: 0.5 -> 0.8 >= 0.6 met; B: 0.4 -> 0.45 < 0.48 not met
    assert r["leading_share_gain"].value == pytest.approx(0.5) and not r["leading_share_gain"].met
    assert r["st_coverage"].value == 1.0 and r["st_coverage"].met


def test_thresholds_and_scope_come_from_config():
    out = [row(50, 50), row(0, 60, 40), row(0, 1000)]
    rec = state(out, out, fai_2022=[100, 100, 0], fai_2023=[100, 100, 0], platforms_2023=[1, 0, 0], leading=LEADING)
    t = Targets(**{**T.__dict__, "parks_output_yi": 250.0, "cluster_1000yi": 40.0, "cluster_scope": "parks",
                   "leading_share_gain": 0.0, "leading_share_gain_mode": "points", "st_coverage": 0.5})
    r = by_name(evaluate(rec, t, base_year=2022))
    assert not r["parks_output"].met and r["parks_output"].value == pytest.approx(200)
    assert r["fai_growth"].value == pytest.approx(0.0) and not r["fai_growth"].met
    assert r["clusters_1000yi"].value == 2  # iot 50 and equipment 40 within the parks
    assert r["leading_share_gain"].met  # a zero gain in points is met by an unchanged share
    assert r["st_coverage"].value == 0.5 and r["st_coverage"].met


def test_the_cap_lets_saturated_parks_meet_the_gain():
    out_2022 = [row(90, 10), row(0, 10, 90), row(0, 100)]
    out_2023 = [row(96, 4), row(0, 10, 90), row(0, 100)]
    rec = state(out_2022, out_2023, fai_2022=[1, 1, 0], fai_2023=[1, 1, 0], platforms_2023=[1, 1, 0], leading=LEADING)
    r = by_name(evaluate(rec, T, base_year=2022))
    assert r["leading_share_gain"].value == pytest.approx(0.5)  # A reached the 0.95 cap, B did not move


def test_wilson_known_values():
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = wilson(5, 10)
    assert (lo, hi) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    lo, hi = wilson(10, 10)
    assert lo == pytest.approx(0.7225, abs=1e-4) and hi == pytest.approx(1.0)


def test_summary_counts_replications():
    out = [row(50, 50), row(0, 60, 40), row(0, 1000)]
    met = state(out, out, [100, 100, 0], [200, 200, 0], [1, 1, 0], LEADING)
    missed = state(out, out, [100, 100, 0], [100, 100, 0], [1, 1, 0], LEADING)
    runs = [evaluate(r, T, 2022) for r in (met, missed, met, met)]
    fai = next(t for t in summarize(runs) if t["name"] == "fai_growth")
    assert fai["met"] == [True, False, True, True] and fai["met_fraction"] == 0.75
    assert fai["ci95"] == pytest.approx(list(wilson(3, 4)))


def test_all_enterprises_adds_the_parks_services_revenue_only():
    out = [row(50, 50), row(0, 60, 40), row(0, 1000)]
    rec = state(out, out, [100, 100, 0], [100, 100, 0], [1, 1, 0], LEADING)
    rec.services_yi[:] = [300.0, 200.0, 5000.0]  # the rest of the city's services never count
    t = dataclasses.replace(T, output_scope="all_enterprises")
    assert by_name(evaluate(rec, t, 2022))["parks_output"].value == pytest.approx(200 + 500)
    assert by_name(evaluate(rec, T, 2022))["parks_output"].value == pytest.approx(200)


def test_nominal_prices_scale_every_money_target_and_leave_shares():
    out = [row(50, 50), row(0, 60, 40), row(0, 1000)]
    rec = state(out, out, [100, 100, 0], [100, 100, 0], [1, 1, 0], LEADING)
    rec.price_index = np.array([1.0] + [1.1] * 12)
    t = dataclasses.replace(T, prices="nominal", cluster_1000yi=52.0)
    real, nominal = by_name(evaluate(rec, T, 2022)), by_name(evaluate(rec, t, 2022))
    assert nominal["parks_output"].value == pytest.approx(1.1 * real["parks_output"].value)
    assert real["fai_growth"].value == pytest.approx(0.0) and nominal["fai_growth"].value == pytest.approx(0.1)
    assert nominal["clusters_1000yi"].value == 1  # iot 50 x 1.1 = 55 >= 52; equipment 44 < 52
    assert nominal["leading_share"].value == pytest.approx(real["leading_share"].value)


def test_main_leading_industry_is_each_parks_largest_declared_one():
    leading = np.array([[1, 0, 1, 0, 0, 0], [0, 0, 1, 0, 0, 0], [0] * S], dtype=bool)
    out_2022 = [row(60, 20, 20), row(0, 60, 40), row(0, 1000)]
    assert main_leading(leading, np.array(out_2022)).tolist() == [[True] + [False] * 5, [False, False, True] + [False] * 3, [False] * S]
    rec = state(out_2022, out_2022, [1, 1, 0], [1, 1, 0], [1, 1, 0], leading)
    declared = by_name(evaluate(rec, T, 2022))["leading_share"].value
    main = by_name(evaluate(rec, dataclasses.replace(T, leading_set="main"), 2022))["leading_share"].value
    assert declared == pytest.approx((80 + 40) / 200) and main == pytest.approx((60 + 40) / 200)


def test_published_fai_base_and_named_clusters():
    out = [row(50, 50), row(0, 60, 40), row(0, 1000)]
    rec = state(out, out, [100, 100, 0], [110, 110, 0], [1, 1, 0], LEADING)
    rec.fai_base_published = 110.0
    r = by_name(evaluate(rec, dataclasses.replace(T, fai_base="published"), 2022))
    assert r["fai_growth"].value == pytest.approx(220 / 110 - 1)
    t = dataclasses.replace(T, cluster_1000yi=45.0, clusters_1000yi_ecosystems=["high_end_equipment"], clusters_1000yi_count=1, cluster_scope="parks")
    assert by_name(evaluate(rec, t, 2022))["clusters_1000yi"].value == 0  # iot's 50 does not count, equipment 40 < 45


def test_margins_on_known_values():
    out = [row(50, 50), row(0, 60, 40), row(0, 1000)]
    rec = state(out, out, [100, 100, 0], [100, 100, 0], [1, 0, 0], LEADING)
    r = by_name(evaluate(rec, T, 2022))
    assert r["parks_output"].margin == pytest.approx(200 / 1000 - 1)  # short by 80%
    assert r["clusters_1000yi"].margin == pytest.approx((0 - 2) / 2)
    assert r["st_coverage"].margin == pytest.approx(0.5 / 1.0 - 1)
    assert dataclasses.replace(r["fai_growth"], threshold=0.0).margin is None
    entry = next(e for e in summarize([evaluate(rec, T, 2022)] * 3) if e["name"] == "parks_output")
    assert entry["margin"] == [pytest.approx(-0.8)] * 3 and entry["median_margin"] == pytest.approx(-0.8)
    assert "output_scope=industrial" in entry["reading"] and "prices=real" in entry["reading"]


def test_year_met_is_the_first_full_year_the_target_holds():
    out = [row(50, 50), row(0, 60, 40), row(0, 1000)]
    rec = state(out, out, [100, 100, 0], [100, 100, 0], [1, 1, 0], LEADING)
    rec.years = np.array([2022] + [2023] * 12 + [2024] * 12 + [2025] * 6)  # 2025 is not a full year
    n = rec.years.size
    grow = np.array([1.0] + [1.0] * 12 + [6.0] * 12 + [6.0] * 6)  # output x6 from 2024
    rec.cells = {"output_yi": np.array(out, dtype=float)[None] * grow[:, None, None], "fai_yi": np.zeros((n, 3, S))}
    rec.cells["fai_yi"][:, :, OTHER] = 100.0
    rec.locations = {"construction_fai_yi": np.zeros((n, 3)), "st_platforms": np.tile([1.0, 0.0, 0.0], (n, 1))}
    rec.price_index, rec.services_yi = np.ones(n), np.zeros((n, 3))
    first = years_met(rec, T, 2022)
    assert first["parks_output"] == 2024  # 200 in 2023, 1200 >= 1000 in 2024
    assert first["st_coverage"] is None  # park B never gets a platform
    assert first["leading_share"] is None  # (50 + 40) / 200 < 0.6 every year
    years = [first, dict(first, parks_output=None)]
    entry = next(e for e in summarize([evaluate(rec, T, 2022)] * 2, years) if e["name"] == "parks_output")
    assert entry["year_met"] == [2024, None]


def test_services_are_counted_the_same_way_in_output_and_clusters(small):
    """Under output_scope=all_enterprises the parks' services revenue is in parks_output and,
    park by park in its main leading industry, in the clusters: the added amounts agree;
    under industrial it is in neither."""
    from sim import Model
    from sim.runs.targets import annual, parks_output_series, services_by_sector

    rec = Model(small).run().recorder
    t_all = dataclasses.replace(small.targets, output_scope="all_enterprises", cluster_scope="parks")
    t_ind = dataclasses.replace(t_all, output_scope="industrial")
    Y = t_all.year
    added_output = annual(parks_output_series(rec, t_all), rec.years, Y) - annual(parks_output_series(rec, t_ind), rec.years, Y)
    added_clusters = services_by_sector(rec, t_all, Y).sum()
    parks_with_leading = rec.is_park & rec.leading.any(axis=1)
    services_y = annual(rec.services_yi * (rec.price_index if t_all.prices == "nominal" else 1.0)[:, None], rec.years, Y)
    assert added_output == pytest.approx(services_y[rec.is_park].sum())
    assert added_clusters == pytest.approx(services_y[parks_with_leading].sum()) and added_clusters > 0
    assert not services_by_sector(rec, t_ind, Y).any()

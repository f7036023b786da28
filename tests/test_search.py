"""The policy search (experiments/search.py): adaptive replication, the Pareto front, and the
optimiser on a toy problem whose answer is known."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from experiments import search
from sim.runs.targets import wilson


def test_adaptive_replication_stops_where_the_interval_excludes_p():
    assert search.replications_needed(8, 8, 0.8, 64) == 16  # 8 of 8: [0.68, 1.00] still contains 0.8
    assert wilson(16, 16)[0] > 0.8 and search.replications_needed(16, 16, 0.8, 64) is None
    assert wilson(0, 8)[1] < 0.8 and search.replications_needed(0, 8, 0.8, 64) is None  # clearly below
    assert search.replications_needed(13, 16, 0.8, 64) == 32
    assert search.replications_needed(26, 32, 0.8, 32) is None  # undecided, but at n_max


def test_adaptive_doubles_until_decided():
    ev = search.Evaluator(lambda levers, k: dict(met={"t": True}, value={"t": 1.0}, threshold={"t": 1.0}, unit={"t": "-"}, cost=1.0, by_lever=dict.fromkeys(search.costs.LEVERS, 0.0)),
                          ThreadPoolExecutor(1), names=("t",))
    search.adaptive(ev, {0: {}}, 0.8, 4, 64)
    assert len(ev.runs[0]) == 16  # 4: [0.51, 1], 8: [0.68, 1], 16: [0.81, 1] excludes 0.8


def test_pareto_front():
    cost, prob = [5, 1, 3, 4, 2, 2], [0.9, 0.1, 0.5, 0.5, 0.1, 0.3]
    assert search.pareto_front(cost, prob) == [1, 5, 2, 0]


def toy(levers: dict, k: int) -> dict:
    """Cost x + y; the target is met in replication k when x / 10 > u_k (u_k stratified over
    64 replications, the same for every candidate): P(met) rises with x, y only costs. The
    cheapest policy with P >= 0.8 is x just above 8, y = 0."""
    u = (k * 37 % 64 + 0.5) / 64
    met = levers["x"] / 10 > u
    return dict(met={"t": met}, value={"t": levers["x"]}, threshold={"t": 8.0}, unit={"t": "-"}, cost=levers["x"] + levers["y"],
                by_lever=dict(factory_space=levers["x"], land_renovation=levers["y"], talent=0.0, fund=0.0, attraction=0.0))


def test_the_search_finds_the_known_optimum_of_a_toy_problem():
    with ThreadPoolExecutor(2) as pool:
        ev = search.Evaluator(toy, pool, names=("t",))
        records = search.optimise(ev, {"x": (0.0, 10.0), "y": (0.0, 10.0)}, {}, {"x": 5.0, "y": 5.0}, 0.8, 50, 16, 64, 2, seed=1, log=lambda *_: None)
    assert records[0]["levers"] == {"x": 5.0, "y": 5.0} and records[1]["levers"] == {"x": 10.0, "y": 10.0}  # enqueued first
    feasible = [r for r in records if r["feasible"]]
    best = min(feasible, key=lambda r: r["cost_yi"])
    assert 8.0 <= best["levers"]["x"] <= 9.0 and best["levers"]["y"] < 1.0 and best["cost_yi"] < 9.5
    assert all(r["p_met"] >= 0.8 for r in feasible) and all(r["levers"]["x"] > 7.9 for r in feasible)
    # the same seed gives the same search
    with ThreadPoolExecutor(2) as pool:
        again = search.optimise(search.Evaluator(toy, pool, names=("t",)), {"x": (0.0, 10.0), "y": (0.0, 10.0)}, {}, {"x": 5.0, "y": 5.0},
                                0.8, 50, 16, 64, 2, seed=1, log=lambda *_: None)
    assert json.dumps(again) == json.dumps(records)


def test_a_small_search_on_the_model(tmp_path):
    out = tmp_path / "s"
    assert search.main(["firms_scale=0.02", "--targets", "st_coverage", "--trials", "4", "--n0", "2", "--n-max", "4", "--fresh", "4",
                        "--levers", "fund_yi_per_year,fund_platform_share", "--workers", "2", "--out", str(out)]) == 0
    s = json.loads((out / "search.json").read_text(encoding="utf-8"))
    assert s["targets"] == ["st_coverage"] and len(s["candidates"]) == 4 and set(s["levers"]) == {"fund_yi_per_year", "fund_platform_share"}
    assert s["candidates"][1]["levers"] == {"fund_yi_per_year": 10.0, "fund_platform_share": 1.0}
    fund = [c["cost_by_lever_yi"]["fund"] for c in s["candidates"]]
    assert fund == pytest.approx([3 * c["levers"]["fund_yi_per_year"] for c in s["candidates"]])  # the fund costs what it spends, 3 years
    assert (out / "report.html").exists() and (out / "figures" / "frontier.png").exists()
    assert "What it would take" in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("args, words", [(["--targets", "gdp"], "--targets: gdp"), (["--levers", "subsidy"], "--levers: subsidy"),
                                          (["policy.factory_space_m2_per_year={2023:1e6}"], "schedule")])
def test_bad_search_input_is_one_line(args, words, capsys, tmp_path):
    with pytest.raises(SystemExit) as e:
        search.main(["firms_scale=0.02", "--trials", "2", "--out", str(tmp_path), *args])
    assert e.value.code == 1
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err

"""The definition-sensitivity table (python -m experiments.readings) at a tiny size."""

from experiments import readings
from sim.runs.targets import NAMES


def test_every_target_under_every_reading_with_the_baseline_marked():
    result = readings.measure(["firms_scale=0.02", "replications=2", "uncertainty=seeds"], ["baseline", "no_policy"], jobs=1)
    rows = result["rows"]
    for name in NAMES:
        mine = [r for r in rows if r["target"] == name]
        assert sum(r["baseline"] for r in mine) == 1, name
        assert len({r["reading"] for r in mine}) == len(mine)
        for r in mine:
            for s in ("baseline", "no_policy"):
                c = r["scenarios"][s]
                assert 0.0 <= c["ci95"][0] <= c["p"] <= c["ci95"][1] <= 1.0
            flips = {s for s in ("baseline", "no_policy") if len({m["scenarios"][s]["p"] >= 0.5 for m in mine}) > 1}
            assert set(r["flips"]) == flips
    counts = {name: sum(r["target"] == name for r in rows) for name in NAMES}
    assert counts == {"parks_output": 4, "leading_share": 2, "fai_growth": 4, "clusters_1000yi": 8, "clusters_10000yi": 16,
                      "leading_share_gain": 4, "st_coverage": 1}
    # declared lists hold more of the parks' output than each park's single main industry
    share = {r["reading"]: r["scenarios"]["baseline"]["median_value"] for r in rows if r["target"] == "leading_share"}
    assert share["leading_set=declared"] > share["leading_set=main"]
    # the industrial reading is below the all-enterprises reading (services revenue is added)
    out = {r["reading"]: r["scenarios"]["baseline"]["median_value"] for r in rows if r["target"] == "parks_output"}
    assert out["output_scope=industrial, prices=real"] < out["output_scope=all_enterprises, prices=real"]
    # the clusters count the services as parks_output does (issue 28): never fewer clusters with them
    for name in ("clusters_1000yi", "clusters_10000yi"):
        got = {r["reading"]: r["scenarios"]["baseline"]["median_value"] for r in rows if r["target"] == name}
        for reading, value in got.items():
            if "output_scope=industrial" in reading:
                assert got[reading.replace("output_scope=industrial", "output_scope=all_enterprises")] >= value
    assert "| `parks_output`" in readings.render_markdown(result) and "parks_output" in readings.render_text(result)

"""The terminal output (sim.runs.table, as sim.runs.simulate exports it) from a hand-made result and
from a tiny real run: the verdict lines, the header's overrides, the table within 100 columns;
and the Wilson interval against its closed form and scipy."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy.stats import binomtest

from sim.runs.simulate import format_table
from sim.runs.table import WIDTH, asked, header, median, p_cell, shown, sweep_verdict_lines, verdict_lines, width
from sim.runs.targets import wilson


def entry(name, values, threshold, unit, met, description, ci=(0.1, 0.9)):
    return dict(name=name, description=description, reading="prices=nominal" if unit == "亿元" else "", threshold=threshold,
                unit=unit, values=values, met=met, margin=[v / threshold - 1 for v in values],
                met_fraction=sum(met) / len(met), ci95=list(ci),
                median_margin=float(np.median([v / threshold - 1 for v in values])))


def result(both=True):
    targets = [
        entry("parks_output", [20000.0, 21000.0, 26000.0, 31000.0], 30000.0, "亿元", [False, False, False, True],
              "parks' above-scale output in 2025, current prices", (0.046, 0.699)),
        entry("leading_share", [0.50, 0.52, 0.61, 0.70], 0.6, "share", [False, False, True, True],
              "main leading industry's (一园一主业) share of parks' output in 2025", (0.15, 0.85)),
        entry("clusters_1000yi", [2.0, 3.0, 3.0, 4.0], 3.0, "count", [False, True, True, True],
              "ecosystems with output >= 1000亿 in 2025", (0.30, 0.95)),
    ]
    out = dict(scenario="baseline", seed=7, replications=4, uncertainty="parameters" if both else "seeds",
               target_year=2025, horizon_year=2025, targets=targets)
    if both:
        out["targets_seeds"] = [dict(t, met_fraction=0.0, ci95=[0.0, 0.49]) for t in targets]
    return out


def test_median_of_an_even_count_is_numpys():
    text = format_table(result())
    row = next(line for line in text.splitlines() if line.startswith("parks_output "))
    assert "23,500" in row  # (21000 + 26000) / 2, not the upper middle value 26,000
    assert np.median([20000.0, 21000.0, 26000.0, 31000.0]) == 23500.0
    share = next(line for line in text.splitlines() if line.startswith("leading_share "))
    assert "56.5" in share  # (0.52 + 0.61) / 2 in percent


def test_every_probability_cell_has_one_format():
    for both in (True, False):
        text = format_table(result(both))
        rows = [line for line in text.splitlines() if line.split(" ")[0] in ("parks_output", "leading_share", "clusters_1000yi")]
        assert len(rows) == 3
        for row in rows:
            cells = re.findall(r"\d\.\d\d \[\d\.\d\d, \d\.\d\d\]", row)
            assert len(cells) == (2 if both else 1), row
            assert "%" not in row.split("  ")[-1]
        assert "0.25 [0.05, 0.70]" in text and "0.50 [0.15, 0.85]" in text and "0.75 [0.30, 0.95]" in text
        head = next(line for line in text.splitlines() if line.startswith("target "))
        assert head.split() == ["target", "unit", "median", "threshold", "margin", "P(met)", *(["seeds", "only"] if both else [])]


def test_description_unit_year_and_path():
    r = result()
    text = format_table(r, out_dir="/tmp/some/run")
    for t in r["targets"]:
        assert t["description"] in text.replace("\n      ", " "), t["name"]
    assert "parks_output (亿元/yr, 2025)" in text and "leading_share (%, 2025)" in text and "clusters_1000yi (count, 2025)" in text
    assert text.splitlines()[0] == "scenario baseline: 4 replications from seed 7, uncertainty=parameters"
    assert "results: /tmp/some/run/" in text
    assert "results:" not in format_table(r)
    row = next(line for line in text.splitlines() if line.startswith("parks_output "))
    assert row.split()[4] == "-22%"  # median margin 23,500 / 30,000 - 1
    clusters = next(line for line in text.splitlines() if line.startswith("clusters_1000yi "))
    assert clusters.split()[4] == "0%"  # a median of 3 against 3


def test_table_fits_100_columns_and_its_columns_align():
    text = format_table(result(), out_dir="/tmp/x")
    assert max(width(line) for line in text.splitlines()) <= 100
    rows = [line for line in text.splitlines() if line.split(" ")[0] in ("parks_output", "leading_share", "clusters_1000yi")]
    assert len({width(r[:r.index("[")]) for r in rows}) == 1  # columns aligned in display width (亿 takes two)


def test_verdict_lines_say_what_is_asked_and_the_answer():
    assert verdict_lines(result()["targets"]) == [
        "Parks' output of 30,000亿元 a year: met with probability 0.25 [0.05, 0.70], median 23,500亿元",
        "Leading industries' share of 60%: met with probability 0.50 [0.15, 0.85], median 56.5%",
        "3 clusters above 1,000亿 (千亿级): met with probability 0.75 [0.30, 0.95], median 3",
    ]
    t = dict(result()["targets"][0], name="fai_growth", unit="1/yr", threshold=0.1, values=[0.2, 0.25, 0.3, 0.31])
    assert verdict_lines([t]) == ["Investment (FAI) growing 10% a year: met with probability 0.25 [0.05, 0.70], median 27.5% a year"]
    other = dict(t, name="a_new_target", description="parks' widgets", unit="count", threshold=5.0, values=[4.0])
    assert asked(other) == "parks' widgets: at least 5"  # a target without words of its own: its description
    cluster = dict(result()["targets"][2], description="ecosystems (city) with output >= 800亿 in 2030")
    assert asked(cluster) == "3 clusters above 800亿 (千亿级)"  # the size the reading sets, from the description


def test_the_output_opens_with_the_verdicts_whose_numbers_are_the_tables():
    r = result()
    lines = format_table(r).splitlines()
    top = lines[:lines.index(next(line for line in lines if line.startswith("target ")))]
    for t in r["targets"]:
        line = next(line.strip() for line in top if line.strip().startswith(asked(t)))
        row = next(line for line in lines if line.startswith(t["name"] + " "))
        assert p_cell(t) in line and p_cell(t) in row
        value = shown(median(t["values"]), t["unit"])
        assert f"median {value}" in line and value in row.split()


def test_the_header_names_the_settings_given_beside_the_scenario():
    r = result()
    given = ["firms_scale=0.05", "policy.fund_yi_per_year=20", "seed=7", "replications=4", "progress=false",
             "hydra.run.dir=/tmp/x", "hydra/launcher=basic", "+experiment=x"]
    assert header(r, given) == ("scenario baseline, with firms_scale=0.05, policy.fund_yi_per_year=20, +experiment=x: "
                                "4 replications from seed 7, uncertainty=parameters")
    assert header(r) == header(r, ["seed=7", "hydra.run.dir=/tmp/x"]) == "scenario baseline: 4 replications from seed 7, uncertainty=parameters"
    many = [f"policy.lever_number_{k}=123456789" for k in range(8)]
    text = format_table(r, overrides=many)
    assert all(o in " ".join(text.split()) for o in many) and max(width(line) for line in text.splitlines()) <= WIDTH


def test_a_sweeps_verdicts_give_the_range_across_jobs_and_where():
    low, high = result()["targets"], [dict(t, met_fraction=1.0, ci95=[0.51, 1.0], values=[v * 2 for v in t["values"]]) for t in result()["targets"]]
    lines = sweep_verdict_lines([("fund_yi_per_year=0", low), ("fund_yi_per_year=5", high), ("fund_yi_per_year=10", high)])
    assert lines[0] == ("Parks' output of 30,000亿元 a year: met with probability 0.25 [0.05, 0.70] (fund_yi_per_year=0) to "
                        "1.00 [0.51, 1.00] (fund_yi_per_year=5, and 1 more); median 23,500亿元 to 47,000亿元")
    same = sweep_verdict_lines([("a", low), ("b", low)])
    assert same[2] == "3 clusters above 1,000亿 (千亿级): met with probability 0.75 [0.30, 0.95] in all 2 jobs; median 3"
    other = [dict(t, threshold=40000.0) if t["name"] == "parks_output" else t for t in low]
    split = sweep_verdict_lines([("a", low), ("b", other)])  # another threshold: another question
    assert split[0].startswith("Parks' output of 30,000亿元 a year: met with probability 0.25 [0.05, 0.70], median 23,500亿元 (a)")
    assert split[1].startswith("Parks' output of 40,000亿元 a year:") and split[1].endswith("(b)")
    assert sweep_verdict_lines([("a", low)]) == verdict_lines(low)


def test_a_real_runs_output_fits_100_columns(tmp_path):
    """A tiny run of the model under the default uncertainty (two P(met) columns), as
    run.py prints it with overrides: every line within 100 columns, a verdict per target."""
    import sim

    r = sim.run(replications=2, firms_scale=0.05, uncertainty="posterior", fund_yi_per_year=20)
    text = format_table(r.raw, out_dir=tmp_path / "outputs" / "2026-12-07" / "21-44-27",
                        overrides=["firms_scale=0.05", "replications=2", "policy.fund_yi_per_year=20"])
    lines = text.splitlines()
    assert max(width(line) for line in lines) <= 100, max(lines, key=width)
    assert lines[0].startswith("scenario baseline, with firms_scale=0.05, policy.fund_yi_per_year=20: 2 replications")
    verdicts = verdict_lines(r.raw["targets"])
    assert len(verdicts) == 7 and all(v.split(": met with probability ")[0] in text for v in verdicts)
    assert "3 clusters above 1,000亿 (千亿级)" in text and "2 clusters above 10,000亿 (万亿级)" in text  # sizes read from the descriptions
    assert text.index(verdicts[0][:30]) < text.index("public cost") < text.index("target ") < text.index("targets (2025")


def closed_form(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@pytest.mark.parametrize("k, n", [(0, 1), (1, 1), (0, 10), (3, 4), (5, 10), (10, 10), (17, 100), (999, 1000)])
def test_wilson_matches_scipy_and_the_closed_form(k, n):
    lo, hi = wilson(k, n)
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert (lo, hi) == (ci.low, ci.high)
    assert lo == pytest.approx(closed_form(k, n)[0], abs=1e-12) and hi == pytest.approx(closed_form(k, n)[1], abs=1e-12)
    assert (k > 0 or lo == 0.0) and (k < n or hi == 1.0)


def test_help_describes_the_app():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    p = subprocess.run([sys.executable, "run.py", "--help"], cwd=root, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "2025 targets" in out and "P(met)" in out
    for word in ("baseline", "no_policy", "factory_space_m2_per_year", "talent_inflow_per_year", "plan_2025", "Examples:", "outputs=parks|cells"):
        assert word in out, word
    import dataclasses

    from sim.config.schema import Policy

    for f in dataclasses.fields(Policy):  # the help's lever list is in step with Policy
        assert f"  {f.name} " in out, f.name
    for scenario in (root / "configs" / "scenario").glob("*.yaml"):
        assert f"  {scenario.stem} " in out, scenario.stem

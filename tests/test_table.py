"""The terminal table (sim.runs.table, as sim.runs.simulate exports it) from a hand-made result, and
the Wilson interval against its closed form and scipy."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy.stats import binomtest

from sim.runs.simulate import format_table
from sim.runs.table import width
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
        assert ("P(met), parameters+seeds" in text and "P(met), seeds only" in text) if both else "P(met), seeds" in text


def test_description_unit_year_and_path():
    r = result()
    text = format_table(r, out_dir="/tmp/some/run")
    for t in r["targets"]:
        assert t["description"] in text.replace("\n      ", " "), t["name"]
    assert "parks_output (亿元/yr, 2025)" in text and "leading_share (%, 2025)" in text and "clusters_1000yi (count, 2025)" in text
    assert "scenario baseline" in text and "4 replications from seed 7" in text and "uncertainty=parameters" in text
    assert "results: /tmp/some/run/" in text
    assert "results:" not in format_table(r)
    assert "short by 22%" in text  # median margin 23,500 / 30,000 - 1


def test_table_fits_120_columns():
    text = format_table(result(), out_dir="/tmp/x")
    assert max(width(line) for line in text.splitlines()) <= 120
    rows = [line for line in text.splitlines() if line.split(" ")[0] in ("parks_output", "leading_share", "clusters_1000yi")]
    assert len({width(r[:r.index("[")]) for r in rows}) == 1  # columns aligned in display width (亿 takes two)


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

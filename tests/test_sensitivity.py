"""experiments/sensitivity.py: factor list, determinism, a Morris ranking the model's
structure fixes, the noise floor, the report. Runs are tiny (firms_scale 0.03, 3 factors)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from experiments import sensitivity as sa
from experiments import sensitivity_page as page
from sim.config.params import Params

DRIVER = "params.growth_shift"  # shifts every sector's drift: the parks' output must follow it
# construction cost only prices new floor space in parks' FAI: it cannot move output, and
# with common random numbers its elementary effect on output must be exactly zero
INERT = "params.construction_cost_yuan_m2"
TINY = dict(scale=0.03, trajectories=2, replications=2, noise_sets=2, sobol_n=2, top_k=1,
            factors=[DRIVER, INERT, "policy.fund_yi_per_year"])


@pytest.fixture(scope="module")
def tiny():
    return sa.run(jobs=1, **TINY)


def test_factors_cover_every_param_and_numeric_lever():
    cfg = sa.base_config(0.03)
    table = {f["name"]: f for f in sa.factor_table(cfg)}
    for f in dataclasses.fields(Params):
        assert (table[f"params.{f.name}"]["lo"], table[f"params.{f.name}"]["hi"]) == tuple(f.metadata["range"])
    assert {k: (table[f"policy.{k}"]["lo"], table[f"policy.{k}"]["hi"]) for k in sa.LEVER_RANGES} == {
        "fund_yi_per_year": (0.0, 10.0), "fund_platform_share": (0.0, 1.0), "factory_space_m2_per_year": (0.0, 8e6),
        "land_renovation_mu_per_year": (0.0, 2e4), "talent_inflow_per_year": (0.0, 5e4),
        "attraction_intensity": (1.0, 2.0), "attraction_steering": (0.0, 1.0)}
    assert len(table) == len(dataclasses.fields(Params)) + len(sa.LEVER_RANGES)
    assert set(sa.held_fixed(cfg)) == {"policy.fund_allocation", "policy.space_allocation", "policy.relocation_rule"}


def test_run_is_deterministic_and_independent_of_jobs(tiny):
    again = sa.run(jobs=2, **TINY)
    assert sa.to_json(again) == sa.to_json(tiny)
    assert "_runtime_s" not in sa.to_json(tiny)


def test_morris_separates_a_driver_from_an_inert_factor(tiny):
    out = tiny["morris"]["outputs"]["mean.parks_output"]
    driver, inert = out["factors"][DRIVER], out["factors"][INERT]
    assert driver["mu_star"] > 0 and not driver["below_noise"]
    assert inert["mu_star"] == 0 and inert["below_noise"]
    assert out["ranking"].index(DRIVER) < out["ranking"].index(INERT)
    # ... while construction cost does move parks' FAI growth
    assert tiny["morris"]["outputs"]["mean.fai_growth"]["factors"][INERT]["mu_star"] > 0


def test_noise_floor_is_positive_and_finite(tiny):
    n = tiny["noise"]["mean.parks_output"]
    for key in ("sigma_eps", "mu_star_floor_independent", "mu_star_floor_crn"):
        assert math.isfinite(n[key]) and n[key] > 0, key
    assert n["mu_star_floor_independent"] == pytest.approx(math.sqrt(2) * n["sigma_eps"] / sa.DELTA, rel=1e-5)
    # outputs that never vary are reported as constant, not ranked
    for name, m in tiny["morris"]["outputs"].items():
        assert m["constant"] == ("factors" not in m), name


def test_elementary_effect_noise_recovers_a_known_spread():
    # one trajectory over two factors; replication k adds k * 3 to every point's output 0
    # after the first step only (the step's effect differs by 3 between the replications)
    X = np.array([[0.0, 0.0], [2 / 3, 0.0], [2 / 3, 2 / 3]])
    reps = np.zeros((3, 2, 1))
    reps[1:, 1, 0] = 3.0
    noise = sa.elementary_effect_noise(X, reps)
    expected = math.sqrt(np.var([0.0, 3.0 / sa.DELTA], ddof=1) / 2)
    assert noise[0, 0] == pytest.approx(expected) and noise[1, 0] == 0.0


def test_report_and_figures(tiny, tmp_path):
    md = page.render_markdown(tiny)
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in md.splitlines() if line.startswith("|")]
    assert ["rank", "factor"] in [c[:2] for c in cells] and f"`{DRIVER}`" in md
    assert "figures/sensitivity_morris.png" in md and "figures/sensitivity_sobol.png" in md
    assert "`policy.relocation_rule` = coordinated" in md
    paths = page.write_figures(tiny, tmp_path)
    assert [p.name for p in paths] == ["sensitivity_morris.png", "sensitivity_sobol.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sensitivity_morris.png", "sensitivity_sobol.png"]


def test_cli_sizes():
    quick = sa.parse_args(["--quick", "--replications", "3"])
    assert (quick.scale, quick.trajectories, quick.replications, quick.noise_sets, quick.sobol_n, quick.top_k) == (0.05, 4, 3, 3, 8, 4)
    full = sa.parse_args([])
    assert full.scale == sa.FULL["scale"] and full.out == sa.DEFAULT_OUT
    with pytest.raises(ValueError, match="power of 2"):
        sa.run(sobol_n=6, **{k: v for k, v in TINY.items() if k != "sobol_n"})

"""uncertainty=parameters: reproducible, recorded, paired across scenarios, within ranges, from the priors."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from sim.config.priors import prior
from sim.runs import uncertainty
from sim.config import load_config
from sim.config.schema import ConfigError
from sim.config.validation import validate
from sim.runs.simulate import simulate


@pytest.fixture
def cfg(small):
    return dataclasses.replace(small, firms_scale=0.02, replications=6, uncertainty="parameters")


def test_draws_are_reproducible_space_filling_and_within_ranges(cfg):
    a, b = uncertainty.draws(cfg), uncertainty.draws(cfg)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(uncertainty.draws(dataclasses.replace(cfg, seed=cfg.seed + 1)))
    for key, f in uncertainty.uncertain_keys():
        lo, hi = f.metadata["range"]
        assert ((a[key] >= lo) & (a[key] <= hi)).all(), key
        # Latin hypercube through the prior: one draw in each of the R strata of equal prior probability
        strata = np.floor(prior(key).cdf(a[key]) * cfg.replications).clip(0, cfg.replications - 1)
        assert sorted(strata) == list(range(cfg.replications)), key


def test_draws_follow_the_priors_whatever_the_fit_and_fixed_ones_stay(cfg):
    cfg = dataclasses.replace(cfg, replications=40, fixed_parameters=["params.noise_sd"])
    d = uncertainty.draws(cfg)
    for key in ("params.jump_rate", "params.floor_m2_per_yi", "params.platform_cost_yi", "params.macro_sd"):
        assert d[key].mean() == pytest.approx(prior(key).mean(), rel=0.03), key  # centred on the default, not the range
    unfitted = dataclasses.replace(composed_none(cfg), replications=40, fixed_parameters=["params.noise_sd"])
    pd.testing.assert_frame_equal(d, uncertainty.draws(unfitted))  # the fit moves the configured value, not the prior
    assert (d["params.noise_sd"] == cfg.params.noise_sd).all()
    free = uncertainty.draws(dataclasses.replace(cfg, fixed_parameters=[]))
    assert d.drop(columns="params.noise_sd").equals(free.drop(columns="params.noise_sd"))  # fixing one leaves the rest


def test_draws_are_paired_across_scenarios(cfg, tmp_path):
    from conftest import composed

    other = dataclasses.replace(composed("scenario=no_policy"), firms_scale=cfg.firms_scale, replications=cfg.replications,
                                uncertainty="parameters", progress=False)
    assert other.policy != cfg.policy
    pd.testing.assert_frame_equal(uncertainty.draws(cfg), uncertainty.draws(other))


def test_simulate_records_draws_and_both_probabilities(cfg, tmp_path):
    cfg = dataclasses.replace(cfg, replications=3)
    result = simulate(cfg, tmp_path)
    recorded = pd.read_parquet(tmp_path / "parameters.parquet")
    assert list(recorded["replication"]) == [0, 1, 2]
    pd.testing.assert_frame_equal(recorded.set_index("replication"), uncertainty.values(cfg))
    assert json.loads((tmp_path / "targets.json").read_text(encoding="utf-8")) == json.loads(json.dumps(result))
    seeds_only = simulate(dataclasses.replace(cfg, uncertainty="seeds"))
    assert result["targets_seeds"] == seeds_only["targets"]  # the same replications at the configured values
    values = {t["name"]: t["values"] for t in result["targets"]}
    assert values != {t["name"]: t["values"] for t in result["targets_seeds"]}  # the draws change the outcomes


def test_a_draw_is_applied_to_the_model(cfg):
    row = uncertainty.draws(cfg).iloc[2]
    applied = uncertainty.apply(cfg, row)
    assert applied.params.macro_sd == row["params.macro_sd"] and applied.calibration.zipf_exponent == row["calibration.zipf_exponent"]
    assert applied.policy == cfg.policy and cfg.params.macro_sd != row["params.macro_sd"]  # the original is not modified


def test_unknown_fixed_key_is_refused_and_fit_se_is_gone(cfg):
    with pytest.raises(ConfigError, match="fixed_parameters"):
        validate(dataclasses.replace(cfg, fixed_parameters=["params.macro_sdd"]))
    with pytest.raises(ConfigError, match="Unknown setting 'fit_se'"):  # retired: draws come from the priors
        load_config(fit_se={"params.macro_sd": 0.03})


def composed_none(cfg):
    """`cfg` composed with fit=none (the priors' defaults as configured values)."""
    from conftest import composed

    return dataclasses.replace(composed("fit=none"), firms_scale=cfg.firms_scale, progress=False, uncertainty=cfg.uncertainty)

"""uncertainty=posterior: a posterior sample read as data, checked on load, drawn by weight
per replication from the run's seed alone (paired across scenarios, reproducible).

The posterior files here are SYNTHETIC TEST FIXTURES written into tmp_path (named
test_fixture_*), never a calibration result; sim.config.posterior.POSTERIOR_DIR is pointed
at them for the test."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from sim.config import load_config
from sim.config import posterior as post_config
from sim.config.posterior import parse, posterior_path, read_posterior, write_posterior
from sim.config.schema import ConfigError
from sim.runs import posterior, uncertainty
from sim.runs.simulate import simulate

KEYS = ["params.macro_sd", "params.elasticity_localization", "calibration.zipf_exponent"]
VALUES = [[0.02, 0.01, 0.95], [0.05, 0.04, 1.05], [0.09, 0.08, 1.20], [0.12, 0.09, 1.25]]
WEIGHTS = [0.0, 1.0, 2.0, 1.0]  # particle 0 is never drawn
NAME = "test_fixture_synthetic"


@pytest.fixture
def posterior_dir(tmp_path, monkeypatch):
    """A directory of synthetic posterior fixtures, where `posterior=NAME` is looked up."""
    monkeypatch.setattr(post_config, "POSTERIOR_DIR", tmp_path)
    write_posterior(posterior_path(NAME), KEYS, VALUES, WEIGHTS,
                    ["SYNTHETIC TEST FIXTURE (tests/test_posterior.py), not a calibration result", "commit none, 2000-01-01"])
    return tmp_path


def cfg_of(**settings):
    return load_config(**{"firms_scale": 0.02, "replications": 6, "progress": False, "uncertainty": "posterior", "posterior": NAME, **settings})


def test_written_sample_reads_back_exactly_with_its_provenance(posterior_dir):
    p = read_posterior(NAME)
    assert p.keys == tuple(KEYS) and p.particles == 4
    np.testing.assert_array_equal(p.values, np.array(VALUES))
    np.testing.assert_allclose(p.weights, np.array(WEIGHTS) / 4.0)
    assert p.comments[0].startswith("SYNTHETIC TEST FIXTURE")
    text = (posterior_dir / f"{NAME}.csv").read_text(encoding="utf-8")
    assert text.splitlines()[2] == ",".join(KEYS) + ",weight"


@pytest.mark.parametrize("text, problem", [
    ("params.macro_sdd,weight\n0.1,1\n", "'params.macro_sdd' is not an uncertain parameter; did you mean: params.macro_sd"),
    ("policy.fund_yi_per_year,weight\n1,1\n", "'policy.fund_yi_per_year' is not an uncertain parameter"),
    ("params.macro_sd\n0.1\n", "no weight column"),
    ("params.macro_sd,weight\n0.1,-1\n", "line 2: weight '-1'"),
    ("params.macro_sd,weight\n0.1,0\n0.2,0\n", "weights sum to 0"),
    ("params.macro_sd,weight\n-0.1,1\n", "line 2: params.macro_sd '-0.1'; allowed: a finite number in [0.0"),
    ("params.macro_sd,weight\nnan,1\n", "params.macro_sd 'nan'"),
    ("# made by\nparams.macro_sd,weight\n0.1,1,3\n", "line 3: 3 values for 2 columns"),
    ("params.macro_sd,params.macro_sd,weight\n0.1,0.1,1\n", "appears twice"),
    ("params.macro_sd,weight\n", "no particles"),
    ("# only a comment\n", "no header line"),
])  # fmt: skip
def test_a_malformed_sample_is_refused_in_one_line_naming_the_file(text, problem):
    with pytest.raises(ConfigError) as e:
        parse(text, "data/posterior/x.csv")
    assert str(e.value).startswith("data/posterior/x.csv") and problem in str(e.value) and "\n" not in str(e.value)


def test_missing_file_and_bad_names_are_refused_only_where_they_matter(posterior_dir):
    load_config(uncertainty="parameters", posterior="not_made_yet")  # not read unless uncertainty=posterior
    with pytest.raises(ConfigError, match=r"not_made_yet\.csv: no such posterior sample .*python -m experiments\.posterior.*test_fixture_synthetic"):
        load_config(uncertainty="posterior", posterior="not_made_yet")
    for bad in ("../x", "a/b", "x y", ""):
        with pytest.raises(ConfigError, match="Invalid value for posterior"):
            load_config(uncertainty="seeds", posterior=bad)
    with pytest.raises(ConfigError):  # cannot write a sample that would be refused
        write_posterior(posterior_dir / "bad.csv", ["params.macro_sd"], [[0.1]], [-1.0])
    assert not (posterior_dir / "bad.csv").exists()


def test_particles_are_drawn_by_weight_from_the_seed_alone(posterior_dir):
    p = read_posterior(NAME)
    many = posterior.particles(p, 0, 2000)
    assert 0 not in many  # weight 0
    assert np.bincount(many, minlength=4)[1:] / 2000 == pytest.approx([0.25, 0.5, 0.25], abs=0.04)
    np.testing.assert_array_equal(posterior.particles(p, 0, 6), many[:6])  # replication k's particle, whatever R
    assert not np.array_equal(posterior.particles(p, 1, 50), many[:50])


def test_draws_paired_reproducible_priors_elsewhere_and_held_keys_kept(posterior_dir):
    cfg = cfg_of()
    d = uncertainty.values(cfg)
    pd.testing.assert_frame_equal(d, uncertainty.values(cfg_of()))
    pd.testing.assert_frame_equal(d, uncertainty.values(cfg_of(scenario="no_policy")))  # paired across scenarios
    p = read_posterior(NAME)
    np.testing.assert_array_equal(d[KEYS].to_numpy(), p.values[d["particle"].to_numpy()])
    prior_draws = uncertainty.draws(dataclasses.replace(cfg, uncertainty="parameters"))
    others = [c for c in prior_draws.columns if c not in KEYS]
    pd.testing.assert_frame_equal(d[others], prior_draws[others])  # the keys the file lacks: the same Latin hypercube
    held = cfg_of(elasticity_localization=0.03)  # an explicit setting is held, even against the posterior
    assert (uncertainty.values(held)["params.elasticity_localization"] == 0.03).all()


def test_simulate_records_particles_and_the_sample_and_gives_the_same_bytes(posterior_dir, tmp_path):
    cfg = cfg_of(replications=2)
    a, b = tmp_path / "a", tmp_path / "b"
    result = simulate(cfg, a)
    simulate(cfg, b)
    for name in ("targets.json", "parameters.parquet", "timeseries.parquet"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    recorded = pd.read_parquet(a / "parameters.parquet")
    assert list(recorded["replication"]) == [0, 1] and recorded["particle"].dtype == np.int64
    pd.testing.assert_frame_equal(recorded.set_index("replication"), uncertainty.values(cfg))
    t = json.loads((a / "targets.json").read_text(encoding="utf-8"))
    assert t == json.loads(json.dumps(result)) and t["uncertainty"] == "posterior" and "targets_seeds" in t
    assert t["posterior"]["name"] == NAME and t["posterior"]["particles"] == 4 and t["posterior"]["keys"] == KEYS
    assert t["posterior"]["made_by"][0].startswith("SYNTHETIC TEST FIXTURE")
    from sim.runs.table import format_table

    text = " ".join(format_table(t).split())
    assert "seeds only" in text and f"data/posterior/{NAME}.csv, 4 particles over 3 parameters" in text
    from experiments.discover import read_run

    met, x = read_run(a)  # PRIM's dimensions: the particle's values, not its index
    assert "particle" not in x.columns and set(KEYS) <= set(x.columns) and len(x) == 2


def test_the_search_draws_candidates_replications_from_the_posterior(posterior_dir):
    from experiments import search

    cfg = cfg_of()
    rows = search.design(cfg, 4)
    assert [r["particle"] for r in rows] == list(uncertainty.values(dataclasses.replace(cfg, replications=4))["particle"])
    applied = uncertainty.apply(cfg, pd.Series(rows[2]))
    assert applied.params.macro_sd == VALUES[rows[2]["particle"]][0] and applied.calibration.zipf_exponent == VALUES[rows[2]["particle"]][2]


def fake_sweep_job(sweep_dir, name, cfg, overrides):
    """A complete sweep job made in-process (a subprocess would not see the test's posterior directory)."""
    import yaml
    from omegaconf import OmegaConf

    from sim.runs.results import RESULT_FILES, file_digest, write_json
    from sim.sweep.jobs import config_hash

    d = sweep_dir / name
    simulate(cfg, d)
    (d / ".hydra").mkdir()
    (d / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides), encoding="utf-8")
    (d / ".hydra" / "config.yaml").write_text(OmegaConf.to_yaml(OmegaConf.structured(cfg)), encoding="utf-8")
    write_json(d / "job.json", dict(status="complete", config_hash=config_hash(cfg), scenario=cfg.scenario, seed=cfg.seed,
                                    replications=cfg.replications, files={n: file_digest(d / n) for n in RESULT_FILES}))


def test_summary_report_and_dashboard_say_which_posterior_and_what_was_held(posterior_dir, tmp_path):
    import sim
    from sim import dashboard
    from sim.sweep import report
    from sim.sweep.summary import summarize

    sweep_dir = tmp_path / "sweep"
    held = cfg_of(replications=2, macro_sd=0.05, fixed_parameters=["params.macro_sd"])
    fake_sweep_job(sweep_dir, "scenario=baseline", held, ["scenario=baseline"])
    fake_sweep_job(sweep_dir, "scenario=no_policy", cfg_of(replications=2, scenario="no_policy"), ["scenario=no_policy"])
    df = summarize(sweep_dir).set_index("job")
    assert (df["uncertainty"] == "posterior").all() and (df["posterior"] == f"{NAME} (4 particles)").all()
    assert df.at["scenario=baseline", "held"] == "params.macro_sd=0.05" and df["held"].isna().sum() == 1
    assert {"parks_output_met_fraction_seeds", "st_coverage_ci_hi_seeds"} <= set(df.columns)
    page = report.build(sweep_dir).read_text(encoding="utf-8")
    score = page[page.index('<section id="scorecard">'):]
    assert "uncertainty=posterior: each replication draws a particle of the posterior sample" in score
    assert f"data/posterior/{NAME}.csv, 4 particles over 3 parameters" in score
    assert "params.macro_sd = 0.05 (baseline)" in score and score.count("<li>uncertainty=posterior") == 2  # a line per case, with its jobs
    r = sim.run(replications=2, firms_scale=0.02, uncertainty="posterior", posterior=NAME, seed=1,
                fixed_parameters=["params.zone_premium"])
    summary = dashboard.of_result(r).summary
    assert "uncertainty=posterior" in summary and f"{NAME}.csv, 4 particles" in summary and "params.zone_premium = 0.006" in summary

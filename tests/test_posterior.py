"""The Bayesian calibration (experiments/posterior.py): its priors, and that ABC-SMC recovers
parameters from data the model itself made (an identifiability check at a small size)."""

from __future__ import annotations

import numpy as np
import pytest

from experiments import history, posterior


def test_priors_are_pert_over_the_range_with_the_mode_at_the_schema_value():
    for key in posterior.FREE:
        f = posterior.uncertain_field(key)
        lo, hi = f.metadata["range"]
        p = posterior.prior(key)
        assert p.ppf(0.0) == pytest.approx(lo) and p.ppf(1.0) == pytest.approx(hi)
        grid = np.linspace(lo, hi, 2001)[1:-1]
        assert grid[np.argmax(p.pdf(grid))] == pytest.approx(min(max(f.default, lo), hi), abs=(hi - lo) / 500)


class AtTheRest:
    """The calibration's simulator (posterior.Simulator) reduced to the statistic that
    informs the exit rate, with the parameters it does not calibrate held at their configured
    values instead of drawn from their priors, and one replication (K) for every particle:
    common random numbers, as the data below are made. The test asks whether ABC inverts the
    model's statistic; the noise of a single run with the other parameters drawn, which the
    real calibration faces, is what keeps its posteriors wide (docs/VALIDATION.md)."""

    K = 1000

    def __call__(self, theta):
        values = posterior.to_values({posterior._key(n): float(v) for n, v in theta.items()})
        return {"exits": history.statistics(history.config(values, 0.03), self.K)["exits"]}


def test_abc_recovers_a_parameter_from_data_the_model_made(tmp_path):
    key, truth = "params.exit_rate", 0.085  # in the upper tail of its prior (mode 0.07, range 0.06-0.093)
    observed = {"exits": history.statistics(history.config({key: truth}, 0.03), AtTheRest.K)["exits"]}
    h = posterior.run_abc(population=30, generations=3, scale=0.03, procs=1, seed=3, min_acceptance=0.0, db=tmp_path / "t.db",
                          keys=(key,), observed=observed, simulator=AtTheRest())
    values, weights = posterior.particles(h)
    q05, q50, q95 = posterior.weighted_quantiles(values[key], weights, (0.05, 0.5, 0.95))
    prior = posterior.prior(key)
    assert q05 <= truth <= q95  # the truth is inside the posterior's 90% interval ...
    assert abs(q50 - truth) < abs(prior.median() - truth)  # ... which moved towards it from the prior
    assert q95 - q05 < 0.6 * (prior.ppf(0.95) - prior.ppf(0.05))  # ... and narrowed


def test_the_posterior_file_round_trips(tmp_path):
    values = {"params.macro_sd": np.array([0.02, 0.05]), "calibration.zipf_exponent": np.array([1.0, 1.1])}
    path = tmp_path / "p.csv"
    posterior.write_posterior(values, np.array([0.25, 0.75]), path, "python -m experiments.posterior --test")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# posterior") and "# command: python -m experiments.posterior --test" in text
    back, w = posterior.read_posterior(path)
    assert set(back) == set(values) and np.allclose(w, [0.25, 0.75]) and np.allclose(back["params.macro_sd"], values["params.macro_sd"])


def test_the_committed_posterior_is_the_calibration_of_the_free_parameters_with_its_command():
    # data/posterior/hangzhou_2022.csv, what `python run.py` draws from by default
    from sim.config import load_config
    from sim.config.posterior import read_posterior

    assert load_config().uncertainty == "posterior" and load_config().posterior == "hangzhou_2022"
    sample = read_posterior("hangzhou_2022")
    assert set(sample.keys) == set(posterior.FREE) and sample.particles >= 100
    assert any(c.startswith("command: python -m experiments.posterior") for c in sample.comments)
    assert any(c.startswith("commit: ") for c in sample.comments)
    for j, key in enumerate(sample.keys):
        lo, hi = posterior.uncertain_field(key).metadata["range"]
        assert ((sample.values[:, j] >= lo) & (sample.values[:, j] <= hi)).all(), key

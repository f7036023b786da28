"""The priors of the uncertain numbers: PERT on each field's plausible range, mode at its schema default."""

import numpy as np
import pytest

from sim.config import load_config
from sim.config.priors import pert_shape, prior, priors
from sim.config.schema import ConfigError, uncertain_keys


@pytest.mark.parametrize("key,f", uncertain_keys(), ids=[k for k, _ in uncertain_keys()])
def test_every_prior_is_a_pert_on_the_range_with_its_mode_at_the_default(key, f):
    lo, hi = f.metadata["range"]
    d = f.default
    a, b, *_ = pert_shape(key)
    assert a >= 1 and b >= 1 and a + b == pytest.approx(6.0)
    if a + b > 2:
        assert lo + (a - 1) / (a + b - 2) * (hi - lo) == pytest.approx(d)  # the beta's mode
    dist = prior(key)
    assert dist.support() == pytest.approx((lo, hi))
    assert dist.mean() == pytest.approx((lo + 4 * d + hi) / 6)


def test_the_priors_centre_on_the_defaults_not_the_ranges_midpoints():
    # the cases that made uniform draws misleading: defaults far from the range's centre
    for key, default in (("params.jump_rate", 3.0), ("params.floor_m2_per_yi", 6000.0), ("params.platform_cost_yi", 0.3)):
        dist = prior(key)
        lo, hi = dist.support()
        assert abs(dist.median() - default) < abs((lo + hi) / 2 - default) / 2, key


def test_the_prior_is_the_fields_not_the_fits():
    # the fit file moves the configured value (macro_sd 0.1377), not the prior (default 0.04)
    assert load_config().params.macro_sd != load_config(fit="none").params.macro_sd
    assert prior("params.macro_sd").mean() == pytest.approx((0.0 + 4 * 0.04 + 0.15) / 6)
    assert set(priors()) == {k for k, _ in uncertain_keys()}


@pytest.mark.parametrize("key", ["policy.fund_yi_per_year", "params.macro_sdd", "seed"])
def test_a_key_without_a_prior_is_refused_in_one_line(key):
    with pytest.raises(ConfigError, match="not an uncertain parameter") as e:
        prior(key)
    assert "\n" not in str(e.value)


def test_ppf_maps_a_latin_hypercube_into_the_range():
    dist = prior("params.jump_rate")
    x = dist.ppf((np.arange(10) + 0.5) / 10)
    assert np.all(np.diff(x) > 0) and 1.0 < x.min() and x.max() < 12.0

"""At end-2025 the baseline reproduces the published stylized facts of firm dynamics.

Estimators: experiments/facts.py. Full scale (firms_scale 1.0), because the Zipf tail needs
the full population (at 0.25 one seed in three gives a Hill exponent of 1.45) and the
Ellison-Glaeser index needs one simulated firm per real firm; three full runs take about
10 s on 2 cores.
"""

import numpy as np
import pytest

from experiments.facts import facts_of_run, simulate
from sim.runs.cli import compose
from sim.config.schema import ECOSYSTEMS

SEEDS = [0, 1, 2]
SCALE = 1.0


@pytest.fixture(scope="module")
def facts() -> dict[int, dict]:
    """The facts of one baseline run to end-2025 per seed."""
    out = {}
    for seed in SEEDS:
        cfg = compose(f"firms_scale={SCALE}", f"seed={seed}", "replications=1", "progress=false")
        out[seed] = facts_of_run(simulate(cfg))
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_firm_sizes_keep_a_zipf_tail(facts, seed):
    # Axtell, Science 293 (2001): Zipf exponent about 1 (1.06 for US firms);
    # Heinrich & Dai (2016): about 1 for the top Chinese firms. Same estimator as at t = 0.
    assert 0.8 <= facts[seed]["zipf_alpha"] <= 1.3, facts[seed]["zipf_alpha"]


@pytest.mark.parametrize("seed", SEEDS)
def test_growth_rates_are_fat_tailed(facts, seed):
    # Stanley et al., Nature 379 (1996); Bottazzi & Secchi (LEM WP 2002-20, 2005-16):
    # yearly log growth rates are tent-shaped, far from Gaussian (excess kurtosis 0).
    assert facts[seed]["excess_kurtosis"] > 1.0, facts[seed]["excess_kurtosis"]


@pytest.mark.parametrize("seed", SEEDS)
def test_growth_rates_fit_a_laplace_better_than_a_normal(facts, seed):
    # Stanley et al., Nature 379 (1996); Bottazzi & Secchi (LEM WP 2002-20, 2005-16):
    # the growth-rate density is Laplace (tent-shaped); both fitted by maximum likelihood.
    assert facts[seed]["loglik_laplace_minus_normal_per_firm"] > 0.0


@pytest.mark.parametrize("seed", SEEDS)
def test_growth_rates_are_tent_shaped_at_given_size(facts, seed):
    # Stanley et al., Nature 379 (1996): the density of growth rates conditional on size is
    # Laplace, the same tent for every size once scaled by its std. Pooled over sizes the two
    # tests above also pass with Gaussian shocks (small firms are more volatile: a scale
    # mixture); this one does not (jump_rate 12, jump_scale 0.05: kurtosis 0.45-0.52).
    f = facts[seed]
    assert f["excess_kurtosis_within_size"] > 1.0, f["excess_kurtosis_within_size"]
    assert f["loglik_laplace_minus_normal_per_firm_within_size"] > 0.0


@pytest.mark.parametrize("seed", SEEDS)
def test_growth_volatility_falls_with_size(facts, seed):
    # Amaral et al., Physica A 244 (1997): std of growth ~ S^-beta, beta = 0.20 +- 0.03
    # (sales), 0.18 +- 0.03 (employees). 0 (Gibrat) and 0.5 (independent units) both fail.
    assert 0.1 <= facts[seed]["size_variance_beta"] <= 0.35, facts[seed]["size_variance_beta"]


@pytest.mark.xfail(
    strict=True,
    reason="EG gamma < 0 at end-2025, full scale: seed 0 biomedicine -0.074 (H 0.104 > G/(1-sum x^2) about 0.03) and "
    "high_end_equipment -0.0003; seed 1 biomedicine -0.002 (H 0.037); seed 2 all positive. Cause: the synthesis fixes "
    "every location x sector total exactly, so the Herfindahl H the index subtracts (in biomedicine, a small ecosystem "
    "of about 1,350亿, one firm of up to a third of it: the 1000亿 size cap does not bind there) never raised G, and the "
    "calibrated G is small for the ecosystems many parks lead. A per-sector size cap needs each sector's largest firms, "
    "which the sources do not give. Same signs at t = 0.",
)
def test_ecosystems_are_geographically_concentrated(facts):
    # Ellison & Glaeser, JPE 105(5) (1997): the index is positive for almost all
    # industries. With five ecosystems, each must be positive, in every seed. One test over
    # the seeds, not one per seed: the sign hangs on the largest firm's draw, so which seed
    # fails changes with the draws while the failure itself does not.
    gamma = {seed: {s: round(f[f"eg_output_{s}"], 3) for s in ECOSYSTEMS} for seed, f in facts.items()}
    assert all(g > 0 for by_eco in gamma.values() for g in by_eco.values()), gamma


@pytest.mark.parametrize("seed", SEEDS)
def test_movers_are_smaller_and_younger_than_stayers(facts, seed):
    # de Bok & van Oort, JTLU 4(1) (2011); Kronenberg (2013): mostly small and young firms
    # relocate. Movers at the month they move against the firms that stayed that month.
    f = facts[seed]
    assert f["movers"] >= 500, f["movers"]  # enough moves over 2023-25 to compare
    assert f["movers_minus_stayers_log_output"] < 0.0, f["movers_minus_stayers_log_output"]
    assert f["movers_minus_stayers_age_years"] < 0.0, f["movers_minus_stayers_age_years"]


def test_net_entry_share_is_entrants_less_exiters_over_the_change():
    """Firms 0-2 at the start (output 1, 2, 3); firm 1 exits; firm 3 enters with 4; firm 0
    grows to 2: the total goes from 6 to 9, net entry 4 - 2 = 2 of the change of 3."""
    from experiments.facts import net_entry_share

    first_alive, first_output = np.array([True, True, True]), np.array([1.0, 2.0, 3.0])
    end_alive, end_output = np.array([True, False, True, True]), np.array([2.0, 2.0, 3.0, 4.0])
    assert net_entry_share(first_alive, first_output, end_alive, end_output) == pytest.approx(2.0 / 3.0)
    # no entry and no exit: continuers carry all of it
    assert net_entry_share(first_alive, first_output, np.array([True, True, True]), np.array([2.0, 2.0, 3.0])) == 0.0

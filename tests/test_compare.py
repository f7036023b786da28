"""Two runs compared (sim.runs.compare, the dashboard's reference and next run): the changes
in P(met) and in the median, paired by replication when the runs share the settings that
decide replication k's draws, and the differences of the summaries otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from sim.runs.compare import compare, paired_interval, unpaired_by


def raw(values, met, seed=0, **extra) -> dict:
    """targets.json content of one target, as sim.runs.simulate writes it (with firms_scale, as the dashboard adds it)."""
    target = dict(name="parks_output", description="parks' output", unit="亿元", threshold=3.0, values=list(values), met=list(met),
                  met_fraction=float(np.mean(met)), ci95=[0.0, 1.0], median_margin=0.0)
    return {"seed": seed, "replications": len(values), "uncertainty": "posterior", "firms_scale": 1.0,
            "posterior": {"name": "hangzhou_2022"}, "targets": [target],
            "cost": {"period": [2023, 2025], "values_yi": [10.0 * v for v in values]}, **extra}


REF = raw([1.0, 2.0, 3.0, 4.0], [True, False, False, True])
CUR = raw([2.0, 2.0, 5.0, 3.0], [True, True, False, False])


def test_paired_changes_are_per_replication():
    c = compare(REF, CUR)
    assert c.paired and c.unpaired_by == []
    t = c.targets[0]
    assert (t.median_reference, t.median_current) == (2.5, 2.5)
    assert t.median_change == 0.5  # the median of the replications' changes (1, 0, 2, -1), not the change of the medians (0)
    assert (t.higher, t.lower) == (2, 1)
    assert (t.p_reference, t.p_current, t.p_change) == (0.5, 0.5, 0.0)
    assert (t.gained, t.lost) == (1, 1)  # replication 1 newly meets it, replication 3 no longer
    lo, hi = t.p_interval
    assert -1.0 <= lo < 0.0 < hi <= 1.0
    assert c.cost.median_change == 5.0 and (c.cost.higher, c.cost.lower) == (2, 1)  # the public cost, paired the same way


def test_p_change_is_the_mean_of_the_paired_changes():
    rng = np.random.default_rng(3)
    a, b = rng.random(40) < 0.3, rng.random(40) < 0.6
    t = compare(raw(rng.random(40), a), raw(rng.random(40), b)).targets[0]
    assert t.p_change == pytest.approx(np.mean(b.astype(int) - a.astype(int)))
    assert t.gained - t.lost == int(b.sum() - a.sum())
    assert t.p_interval[0] <= t.p_change <= t.p_interval[1]


@pytest.mark.parametrize("key, value, words", [
    ("seed", 1, "seed: 0 and 1"), ("firms_scale", 0.1, "firms scale: 1.0 and 0.1"), ("uncertainty", "seeds", "uncertainty: posterior and seeds"),
    ("posterior", {"name": "other"}, "posterior: hangzhou_2022 and other"), ("held", {"params.macro_sd": 0.05}, "held: {} and {'params.macro_sd': 0.05}"),
])
def test_runs_with_other_draws_are_not_paired(key, value, words):
    cur = {**CUR, key: value}
    assert unpaired_by(REF, cur) == [words]
    c = compare(REF, cur)
    t = c.targets[0]
    assert not c.paired and c.unpaired_by == [words]
    assert t.median_change == 0.0  # the change of the medians
    assert t.higher is None and t.gained is None and t.p_interval is None  # nothing per replication
    assert t.p_change == 0.0


def test_other_replication_counts_are_not_paired():
    cur = raw([2.0, 2.0, 5.0], [True, True, False])
    c = compare(REF, cur)
    assert c.unpaired_by == ["replications: 4 and 3"]
    assert c.targets[0].median_change == 2.0 - 2.5 and c.targets[0].p_change == pytest.approx(2 / 3 - 0.5)


def test_paired_interval_without_correlation_is_newcombes_for_independent_proportions():
    from statsmodels.stats.proportion import confint_proportions_2indep

    # ad = bc: no correlation between the pairs, so method 10 is Newcombe's hybrid score interval for two proportions
    for both, only_current, only_reference, neither in ((1, 2, 3, 6), (1, 3, 2, 6), (2, 2, 2, 2)):
        n = both + only_current + only_reference + neither
        expected = confint_proportions_2indep(both + only_current, n, both + only_reference, n, method="newcomb", compare="diff")
        assert paired_interval(both, only_current, only_reference, neither) == pytest.approx(expected)


def test_paired_interval_is_narrower_for_correlated_pairs():
    from statsmodels.stats.proportion import confint_proportions_2indep

    lo, hi = paired_interval(5, 1, 0, 4)  # 6 of 10 against 5 of 10, the same replications met in both but one
    ilo, ihi = confint_proportions_2indep(6, 10, 5, 10, method="newcomb", compare="diff")
    assert ilo < lo <= 0.1 <= hi < ihi
    assert paired_interval(0, 4, 1, 5) == pytest.approx(tuple(-x for x in reversed(paired_interval(0, 1, 4, 5))))  # antisymmetric
    assert paired_interval(0, 10, 0, 0)[1] == 1.0 and paired_interval(5, 0, 0, 5) == (0.0, 0.0)


def test_two_runs_of_the_model_pair_by_replication():
    """sim.run with the same seed and replications: each replication's draws are the same, so a
    run compared with itself changes nothing, and another lever's changes are the per-replication ones."""
    import sim

    settings = dict(replications=3, firms_scale=0.1, uncertainty="posterior", seed=0)
    a, b, c = (sim.run(**settings, **levers).raw for levers in ({}, {}, {"factory_space_m2_per_year": 8e6}))
    for r in (a, b, c):
        r["firms_scale"] = 0.1
    same = compare(a, b)
    assert same.paired and all(t.median_change == 0 and t.higher == t.lower == 0 and t.p_change == 0 for t in same.targets)
    more = compare(a, c)
    for t in more.targets:
        ref = next(e for e in a["targets"] if e["name"] == t.name)
        cur = next(e for e in c["targets"] if e["name"] == t.name)
        assert t.median_change == pytest.approx(np.median(np.subtract(cur["values"], ref["values"])))
        assert t.p_change == pytest.approx(cur["met_fraction"] - ref["met_fraction"])
    space = more.cost
    assert space.median_change > 0 and space.higher == 3  # twice the factory space costs more in every replication

"""The rules of age looked up by age (sim.model.ages.AgeTable) give the rules' own values on
the firms' arrays, bit for bit, and grow with the oldest firm."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from sim import load_config
from sim.model.ages import AgeTable
from sim.rules import growth, relocation


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("rule", [growth.young, relocation.age_effect])
def test_a_lookup_is_the_rule(seed, rule):
    rng = np.random.default_rng(seed)
    params = load_config().params
    params = dataclasses.replace(params, young_growth_years=float(rng.uniform(0.5, 10)), move_age_elasticity=float(rng.uniform(0.05, 2)))
    table = AgeTable(functools.partial(rule, params))
    for size, oldest in ((1, 3), (11_000, 400), (7, 900), (30_000, 2_500)):
        ages = rng.integers(0, oldest + 1, size).astype(np.int32)
        assert table(ages).tobytes() == rule(params, ages).tobytes()
    assert table.values.size > 2_500


def test_the_model_uses_the_tables_with_the_rules_values():
    cfg = load_config(firms_scale=0.02, replications=1, progress=False, uncertainty="seeds")
    from sim import Model

    m = Model(cfg, 0)
    m.run()
    ages = m.firms.age_months[m.firms.live()]
    assert m._young(ages).tobytes() == growth.young(m.params, ages).tobytes()
    assert m._age_effect(ages).tobytes() == relocation.age_effect(m.params, ages).tobytes()

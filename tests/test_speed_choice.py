"""The compiled logit choice and admission in order (sim.model.choice) give the rules'
choices and admissions (sim.rules.relocation.choose, sim.rules.markets.fill_in_order), bit
for bit, on the shapes and layouts the model passes and on edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import choice
from sim.rules import markets, relocation


def _cases(rng):
    for k in (1, 2, 7, 60, 300):
        for n in (1, 2, 17):
            utility = rng.normal(0.0, 3.0, (k, n))
            allowed = rng.random((k, n)) < rng.choice([0.0, 0.1, 0.7, 1.0])
            yield utility, allowed, rng.random(k)
            yield np.asfortranarray(utility), allowed, rng.random((k, 4))[:, 1]  # the model's layouts: a transposed gather, a strided column
            tied = np.round(utility)  # ties, -inf and a NaN
            tied[0, 0] = -np.inf
            if n > 1:
                tied[-1, -1] = np.nan
            yield tied, allowed, np.clip(rng.random(k), 1e-12, 1 - 1e-12)
            yield np.full((k, n), -np.inf), allowed, rng.random(k)


def test_the_compiled_choice_is_the_rules():
    rng = np.random.default_rng(1)
    for utility, allowed, u in _cases(rng):
        with np.errstate(invalid="ignore"):
            want = relocation.choose(utility, allowed, u)
            got = choice.choose(utility, allowed, u)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    empty = np.zeros((0, 17))
    assert choice.choose(empty, empty > 0, np.zeros(0)).tobytes() == relocation.choose(empty, empty > 0, np.zeros(0)).tobytes()


@pytest.mark.parametrize("dtype", [np.int16, np.int64, np.intp])
def test_the_compiled_admission_is_the_rules(dtype):
    rng = np.random.default_rng(2)
    for trial in range(400):
        k, n = int(rng.integers(0, 80)), int(rng.integers(1, 18))
        size = rng.random(k) * rng.choice([1.0, 1e4])
        if k and trial % 5 == 0:
            size[rng.integers(0, k, 3)] = 0.0
        destination = rng.integers(0, n, k).astype(dtype)
        order = rng.random(k) if trial % 3 else np.round(rng.random(k), 1)  # ties in the order too
        room = rng.random(n) * rng.choice([0.0, 0.5, 3.0, 1e5]) * (k / n + 1)
        weight = float(rng.choice([1.0, 2.75, 35.7]))
        want = markets.fill_in_order(size, destination, order, room, weight)
        got = choice.fill_in_order(size, destination, order, room, weight)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


@pytest.mark.parametrize("rule", ["free", "restricted", "coordinated"])
def test_the_compiled_options_of_movers_are_the_rules(rule):
    """choice.allowed_moves and choice.move_utility give relocation.allowed_moves and the
    utility less relocation.moving_cost, bit for bit."""
    import dataclasses

    from sim import load_config

    rng = np.random.default_rng(3)
    params = load_config().params
    for trial in range(200):
        n, k = int(rng.integers(1, 18)), int(rng.integers(0, 70))
        district = rng.integers(0, max(1, n // 3), n)
        leading = rng.random((n, 6)) < 0.3
        is_park = rng.random(n) < 0.8
        current = rng.integers(0, n, k).astype(np.int16)
        sector = rng.integers(0, 6, k).astype(np.int8)
        making_room = rng.random(k) < 0.5
        want = relocation.allowed_moves(rule, current, sector, district, leading, is_park, making_room)
        got = choice.allowed_moves(rule, current, sector, district, leading, is_park, making_room)
        assert got.dtype == want.dtype and got.shape == want.shape and got.tobytes() == want.tobytes()
        par = dataclasses.replace(params, move_cost=float(rng.choice([0.0, 1.5, 2.0, 0.3])), move_cost_cross_district=float(rng.uniform(0, 3)),
                                  coordination_cost_relief=float(rng.uniform(0, 1)))
        utility = rng.normal(size=(n, 6))
        want = utility[:, sector].T - relocation.moving_cost(par, rule, current, district)
        got = choice.move_utility(par, rule, utility, sector, current, district)
        assert got.dtype == want.dtype and got.shape == want.shape and got.tobytes() == want.tobytes()


def test_the_compiled_selection_of_the_renovation_is_the_rules():
    from sim.rules import renovation

    rng = np.random.default_rng(5)
    for trial in range(500):
        k, n = int(rng.integers(0, 120)), int(rng.integers(1, 18))
        ratio = rng.random(k) if trial % 3 else np.round(rng.random(k), 1)  # ties too
        if k and trial % 17 == 0:
            ratio[0] = np.nan  # the rule's own
        land = rng.random(k) * rng.choice([0.1, 5.0])
        location = rng.integers(0, n, k)
        due = rng.normal(1.0, 2.0, n) * (k / n + 1)
        weight, u = float(rng.choice([1.0, 2.75, 35.7])), rng.random(k)
        want = renovation.select(ratio, land, location, due, weight, u)
        got = choice.select(ratio, land, location, due, weight, u)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()

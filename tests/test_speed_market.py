"""The compiled labour market match (sim.model.market) gives the rule's numbers
(sim.rules.markets.match), bit for bit: numpy's pairwise row sums, its column sums and its
minimum, on random and edge-case inputs."""

from __future__ import annotations

import numpy as np

from sim.model import market
from sim.rules import markets


def test_a_row_sum_is_numpys():
    rng = np.random.default_rng(0)
    for n in [*range(0, 40), 100, 127, 128]:
        for _ in range(20):
            x = rng.random(n) * 10.0 ** rng.uniform(-8, 8, n) * rng.choice([-1.0, 1.0], n)
            assert np.float64(market.row_sum(x)).tobytes() == np.float64(x.sum()).tobytes()
    assert np.float64(market.row_sum(np.array([-0.0, -0.0]))).tobytes() == np.float64(np.array([-0.0, -0.0]).sum()).tobytes()


def test_the_compiled_match_is_the_rules():
    rng = np.random.default_rng(1)
    for trial in range(2000):
        n = int(rng.choice([1, 2, 5, 9, 17, 17, 17, 40, 130]))  # 130: more than a block, the rule itself
        weights = markets.commute_weights(rng.integers(0, max(1, n // 2), n), float(rng.uniform(0.0, 3.0)))
        demand = rng.random(n) * 10.0 ** rng.uniform(-2, 5)
        pool = rng.random(n) * 10.0 ** rng.uniform(-2, 5)
        if trial % 4 == 0:
            demand[rng.random(n) < 0.4] = 0.0  # locations asking for none, home locations with none
        if trial % 5 == 0:
            pool[rng.random(n) < 0.4] = rng.choice([0.0, -0.0, -1e-9])
        if trial % 7 == 0:
            demand[rng.random(n) < 0.2] = -0.0
        if trial % 11 == 0:
            pool[: n // 2] = demand[: n // 2]  # ties in the minimum
        if trial % 13 == 0:
            demand[rng.integers(0, n)] = np.nan
        with np.errstate(all="ignore"):
            want = markets.match(demand, pool, weights)
            got = market.match(demand, pool, weights)
        for a, b in zip(got, want):
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()

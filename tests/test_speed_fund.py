"""The firms' subsidies written in two compiled passes (passes.subsidies) and the firms the
renovation programme may take (passes.inefficient) are the rules' (fund.subsidies of
fund.subsidy_weights under each allocation rule, renovation.inefficient), bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import passes
from sim.rules import fund


@pytest.mark.parametrize("rule", ["uniform", "leading", "performance"])
def test_the_compiled_subsidies_are_the_rules(rule):
    rng = np.random.default_rng(11)
    for trial in range(100):
        n_slots, n_loc = int(rng.integers(0, 3000)), int(rng.integers(1, 18))
        location = rng.integers(0, n_loc, n_slots).astype(np.int16)
        sector = rng.integers(0, 6, n_slots).astype(np.int8)
        output = rng.random(n_slots) * 10.0 ** rng.uniform(-3, 3, n_slots)
        trend = rng.normal(0.0, 0.1, n_slots)
        if n_slots and trial % 4 == 0:
            trend[rng.integers(0, n_slots, 5)] = rng.choice([-0.0, 0.0, np.nan])
        is_park = rng.random(n_loc) < (0.0 if trial % 10 == 0 else 0.8)  # none: a total of 0
        leading = rng.random((n_loc, 6)) < 0.3
        live = np.flatnonzero(rng.random(n_slots) < 0.8)
        yi, weight = float(rng.uniform(0, 50)), float(rng.choice([1.0, 2.75, 35.7]))
        want = np.zeros(n_slots)
        with np.errstate(invalid="ignore"):
            want[live] = fund.subsidies(yi, fund.subsidy_weights(rule, output[live], is_park[location[live]], leading[location[live], sector[live]], trend[live]), weight)
            got = np.zeros(n_slots)
            passes.subsidies(live, location, sector, output, trend, is_park, leading, rule, yi, weight, got)
        assert got.tobytes() == want.tobytes()


def test_the_compiled_inefficient_firms_are_the_rules():
    from sim.rules import renovation

    rng = np.random.default_rng(12)
    for trial in range(100):
        n_slots, n_loc = int(rng.integers(0, 3000)), int(rng.integers(1, 18))
        location = rng.integers(0, n_loc, n_slots).astype(np.int16)
        output, floor = rng.random(n_slots) * 10.0, rng.random(n_slots) * 1e4
        if n_slots and trial % 3 == 0:
            floor[rng.integers(0, n_slots, 4)] = 0.0  # a quotient of inf or NaN
            output[rng.integers(0, n_slots, 2)] = 0.0
        cutoff, is_park = rng.random(n_loc) * 1e-3, rng.random(n_loc) < 0.8
        live = np.flatnonzero(rng.random(n_slots) < 0.8)
        where = location[live].astype(np.intp)
        with np.errstate(divide="ignore", invalid="ignore"):
            bad = np.flatnonzero(renovation.inefficient(output[live], floor[live], where, cutoff, is_park))
        firms, at = passes.inefficient(live, location, output, floor, cutoff, is_park)
        assert firms.tobytes() == live[bad].tobytes() and at.dtype == where.dtype and at.tobytes() == where[bad].tobytes()

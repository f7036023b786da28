"""The draws kept for a step-0 key (`Streams.fixed_uniform_at`) are those of a fresh
generator's `uniform_at` at every slot count."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.streams import Streams


def _plain(s: Streams, decision, step, n, slots, *sub):
    u = s.get(decision, step, *sub).random(n)[slots]
    return np.clip(u, 1e-12, 1.0 - 1e-12, out=u)


def test_kept_draws_are_the_draws_of_step_zero_as_the_slots_grow():
    s, rng = Streams((0, 2)), np.random.default_rng(1)
    for n in (100, 100, 101, 180, 181, 5000, 5001):
        slots = np.flatnonzero(rng.random(n) < 0.3)
        assert s.fixed_uniform_at("renovation", n, slots, 3).tobytes() == _plain(s, "renovation", 0, n, slots, 3).tobytes()
        assert s.fixed_uniform_at("renovation", n, slots, 2).tobytes() == _plain(s, "renovation", 0, n, slots, 2).tobytes()


@pytest.mark.parametrize("shape", [(0, 4), (1, 4), (7, 4), (256, 4), (300, 4)])
def test_a_block_is_the_generators_draws(shape):
    s = Streams((5, 0))
    want = np.clip(s.get("entry", 3, 2, 1).random(shape), 1e-12, 1.0 - 1e-12)
    got = s.uniform_block("entry", 3, shape, 2, 1)
    assert got.shape == want.shape and got.tobytes() == want.tobytes()

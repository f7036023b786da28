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


@pytest.mark.parametrize("sub", [(), (4,), (2, 1), (0, 2**32 - 1), (2**32, 1), (1, 2, 3)])
def test_a_key_made_in_compiled_code_is_seed_sequences(sub):
    """`_state`'s short keys (at most two uint32 sub-keys, made in compiled code) and the
    others (made as before) seed the generator SeedSequence(entropy, spawn_key=key) gives;
    a block and a few slots read in one compiled call are that generator's numbers."""
    entropy = (7, 2)
    s = Streams(entropy)
    want = np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(3, 11, *sub))))
    assert s._state("entry", 11, *sub).words.tobytes() == want.bit_generator.seed_seq.generate_state(4, np.uint64).tobytes()
    u = np.clip(want.random(5000), 1e-12, 1.0 - 1e-12)
    assert s.uniform_block("entry", 11, (9, 4), *sub).tobytes() == u[:36].reshape(9, 4).tobytes()
    slots = np.array([4999, 3, 17, 17, 1200])
    assert s.uniform_at("entry", 11, 5000, slots, *sub).tobytes() == u[slots].tobytes()


def test_the_compiled_clip_is_numpys():
    """The compiled clip (max then min a number at a time) gives np.clip's numbers, at,
    inside and beyond its bounds."""
    from sim.model.streams import _clip_compiled

    x = np.concatenate([[0.0, 1e-13, 1e-12, 0.5, 1.0 - 1e-12, 1.0 - 1e-13, 1.0 - 2.0**-53, 1.0, -0.0, 2.0],
                        np.nextafter(1e-12, [0.0, 1.0]), np.nextafter(1.0 - 1e-12, [0.0, 1.0]), np.random.default_rng(0).random(1000)])
    assert _clip_compiled(x.copy()).tobytes() == np.clip(x, 1e-12, 1.0 - 1e-12).tobytes()


def test_the_gathered_and_clipped_draws_are_numpys():
    """`uniform_at`'s draws for many slots, gathered and clipped in one compiled pass, are
    np.clip of the gathered numbers, at and beyond the bounds too."""
    from sim.model.streams import _gather_clip

    u = np.concatenate([[0.0, 1e-13, 1e-12, 0.5, 1.0 - 1e-12, 1.0 - 1e-13, 1.0 - 2.0**-53], np.random.default_rng(3).random(3000)])
    slots = np.concatenate([np.arange(7), np.sort(np.random.default_rng(4).choice(u.size, 2000, replace=False)), [3, 3]])
    assert _gather_clip(u, slots).tobytes() == np.clip(u[slots], 1e-12, 1.0 - 1e-12).tobytes()

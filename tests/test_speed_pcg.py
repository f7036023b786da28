"""sim.model.pcg reads numpy's PCG64 at chosen positions: the numbers of
`Generator(PCG64(seed)).random(n)[slots]`, bit for bit, and `Streams.uniform_at` gives the
same numbers whether it reads a few slots or draws for all of them."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import pcg, streams
from sim.model.streams import Streams


class _Words(np.random.bit_generator.ISeedSequence):
    """A seed sequence whose generate_state(4, uint64) is `words` (what PCG64 asks for)."""

    def __init__(self, words):
        self.words = words

    def generate_state(self, n_words, dtype=np.uint32):
        return self.words.copy()


@pytest.mark.parametrize("trial", range(40))
def test_read_at_is_numpys_pcg64(trial):
    rng = np.random.default_rng(trial)
    words = rng.integers(0, 2**64, 4, dtype=np.uint64, endpoint=False)
    if trial == 0:
        words[:] = np.uint64(2**64 - 1)  # carries everywhere
    n = int(rng.integers(1, 30_000))
    slots = rng.integers(0, n, int(rng.integers(0, 200)))
    if trial % 2:
        slots = np.sort(slots)
    slots = np.concatenate([slots, [0, n - 1, n - 1]]).astype(np.intp)  # the ends, a slot twice
    want = np.random.Generator(np.random.PCG64(_Words(words))).random(n)[slots]
    assert pcg.read_at(words, slots).tobytes() == want.tobytes()
    assert pcg.read_at(words, slots[:0]).size == 0


@pytest.mark.parametrize("size", [0, 1, 30, 700, 5000])
def test_uniform_at_reads_or_draws_the_same_numbers(size, monkeypatch):
    s, n = Streams((11, 3)), 12_000
    slots = np.sort(np.random.default_rng(size).choice(n, size, replace=False))
    got = s.uniform_at("move", 9, n, slots, 2)
    monkeypatch.setattr(streams, "READ_BELOW", 10**9)  # never read: draw for every slot
    assert got.tobytes() == s.uniform_at("move", 9, n, slots, 2).tobytes()
    u = s.get("move", 9, 2).random(n)[slots]
    assert got.tobytes() == np.clip(u, 1e-12, 1 - 1e-12).tobytes()

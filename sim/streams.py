"""Random streams: one per decision, re-derived at every step from the run's seed.

`Streams(seed).get("exit", step)` returns a fresh `numpy.random.Generator` seeded from
SeedSequence(seed, spawn_key=(decision, step, ...)). Draws for firms are made for every
slot up to the current slot count and indexed by slot id, so a firm's draw for a decision
at a step does not depend on how many other firms exist or on what other decisions
consumed: two scenarios run with the same seed share their random numbers (common random
numbers), and a lever's effect is a paired difference rather than seed noise.
"""

from __future__ import annotations

import numpy as np
from numpy.random.bit_generator import ISeedSequence

from .compiled import njit

DECISIONS = ("population", "growth", "exit", "entry", "move", "platform", "macro", "parameters", "project", "renovation")


def entropy_words(entropy: int | tuple[int, ...]) -> np.ndarray:
    """The uint32 words SeedSequence makes of non-negative integer entropy (each integer's
    32-bit words, low first; 0 is one word): given as this array, SeedSequence mixes the
    same pool without converting the integers again (half its construction time)."""
    words = []
    for v in (entropy if isinstance(entropy, tuple) else (entropy,)):
        v = int(v)
        if v < 0:
            raise ValueError(f"entropy must be non-negative, got {v}")
        words.append(v & 0xFFFFFFFF)
        while v > 0xFFFFFFFF:
            v >>= 32
            words.append(v & 0xFFFFFFFF)
    return np.array(words, dtype=np.uint32)


# SeedSequence's hash (numpy/random/bit_generator.pyx: hashmix, mix, mix_entropy,
# generate_state), with a pool of 4 uint32 words. Constructing SeedSequence costs about 9 µs
# and PCG64 from it 5 µs, some 30 times a step; the run's entropy is mixed into the pool
# once (`_run_pool`), each key's words after it in compiled code (`_spawn_state`), and PCG64
# takes the resulting words through `_State`: 3.5 µs, the same generator
# (tests/test_model.py checks the draws against SeedSequence's).
MASK32, INIT_A, MULT_A, INIT_B, MULT_B, MIX_L, MIX_R = 0xFFFFFFFF, 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED, 0xCA01F9DD, 0x4973F715


def _run_pool(words: np.ndarray) -> tuple[np.ndarray, np.uint32]:
    """SeedSequence's pool and hash constant after the run's entropy `words` (padded with
    zeros to the pool size, as SeedSequence pads it when there is a spawn key)."""
    w = [int(x) for x in words] + [0] * max(0, 4 - len(words))
    h = INIT_A

    def hashmix(value: int) -> int:
        nonlocal h
        value ^= h
        h = (h * MULT_A) & MASK32
        value = (value * h) & MASK32
        return value ^ (value >> 16)

    def mix(x: int, y: int) -> int:
        r = (MIX_L * x - MIX_R * y) & MASK32
        return r ^ (r >> 16)

    pool = [hashmix(w[i]) for i in range(4)]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for word in w[4:]:
        for dst in range(4):
            pool[dst] = mix(pool[dst], hashmix(word))
    return np.array(pool, dtype=np.uint32), np.uint32(h)


@njit
def _spawn_state(pool, h, key):
    """The 4 uint64 words SeedSequence's generate_state(4, uint64) gives for `pool` (after
    the run's entropy) with the spawn key's uint32 words `key` mixed in."""
    m = pool.copy()
    for w in key:
        for d in range(4):
            v = np.uint32(w) ^ h
            h = np.uint32(h * np.uint32(MULT_A))
            v = np.uint32(v * h)
            v ^= v >> np.uint32(16)
            r = np.uint32(np.uint32(MIX_L) * m[d] - np.uint32(MIX_R) * v)
            m[d] = r ^ (r >> np.uint32(16))
    out, hb = np.empty(8, np.uint32), np.uint32(INIT_B)
    for i in range(8):
        v = m[i % 4] ^ hb
        hb = np.uint32(hb * np.uint32(MULT_B))
        v = np.uint32(v * hb)
        v ^= v >> np.uint32(16)
        out[i] = v
    return out.view(np.uint64)  # little-endian words, as generate_state's uint64 view


class _State(ISeedSequence):
    """Hands PCG64 the words `_spawn_state` computed (the one request PCG64 makes); for
    anything else (e.g. `spawn`, which scipy.stats.qmc calls) it is the SeedSequence itself."""

    __slots__ = ("words", "entropy", "key", "_sequence")

    def __init__(self, words: np.ndarray, entropy: np.ndarray, key: tuple[int, ...]):
        self.words, self.entropy, self.key, self._sequence = words, entropy, key, None

    @property
    def sequence(self) -> np.random.SeedSequence:
        if self._sequence is None:
            self._sequence = np.random.SeedSequence(self.entropy, spawn_key=self.key)
        return self._sequence

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        if n_words == 4 and np.dtype(dtype) == np.uint64:
            return self.words.copy()
        return self.sequence.generate_state(n_words, dtype)

    def __getattr__(self, name: str):
        return getattr(self.sequence, name)


class Streams:
    def __init__(self, entropy: int | tuple[int, ...]):
        self.entropy = entropy
        self._words = entropy_words(entropy)
        self._pool, self._hash = _run_pool(self._words)

    def get(self, decision: str, step: int, *sub: int) -> np.random.Generator:
        """The generator for `decision` at `step` (and optional sub-keys, e.g. a sector):
        that of SeedSequence(entropy, spawn_key=(decision index, step, *sub))."""
        key = (DECISIONS.index(decision), int(step), *map(int, sub))
        words = np.array(key, dtype=np.uint32) if 0 <= min(key) and max(key) <= MASK32 else entropy_words(key)
        return np.random.Generator(np.random.PCG64(_State(_spawn_state(self._pool, self._hash, words), self._words, key)))

    def uniform(self, decision: str, step: int, n: int, *sub: int) -> np.ndarray:
        """n uniforms in (0, 1), entry i for firm slot i."""
        u = self.get(decision, step, *sub).random(n)
        return np.clip(u, 1e-12, 1.0 - 1e-12, out=u)

    def uniform_at(self, decision: str, step: int, n: int, slots: np.ndarray, *sub: int) -> np.ndarray:
        """`uniform(decision, step, n, *sub)[slots]`, clipping only the draws of `slots`."""
        u = self.get(decision, step, *sub).random(n)[slots]
        return np.clip(u, 1e-12, 1.0 - 1e-12, out=u)

    def normal(self, decision: str, step: int, n: int, *sub: int) -> np.ndarray:
        """n standard normals, entry i for firm slot i."""
        return self.get(decision, step, *sub).standard_normal(n)

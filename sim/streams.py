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


class Streams:
    def __init__(self, entropy: int | tuple[int, ...]):
        self.entropy = entropy
        self._words = entropy_words(entropy)

    def get(self, decision: str, step: int, *sub: int) -> np.random.Generator:
        """The generator for `decision` at `step` (and optional sub-keys, e.g. a sector):
        that of SeedSequence(entropy, spawn_key=(decision index, step, *sub))."""
        key = (DECISIONS.index(decision), int(step), *map(int, sub))
        ss = np.random.SeedSequence(self._words, spawn_key=key)
        return np.random.Generator(np.random.PCG64(ss))

    def uniform(self, decision: str, step: int, n: int, *sub: int) -> np.ndarray:
        """n uniforms in (0, 1), entry i for firm slot i."""
        u = self.get(decision, step, *sub).random(n)
        return np.clip(u, 1e-12, 1.0 - 1e-12, out=u)

    def normal(self, decision: str, step: int, n: int, *sub: int) -> np.ndarray:
        """n standard normals, entry i for firm slot i."""
        return self.get(decision, step, *sub).standard_normal(n)

"""Random streams: one per decision, re-derived at every step from the run's seed.

`Streams(seed).get("exit", step)` returns a fresh `numpy.random.Generator` seeded from
SeedSequence(seed, spawn_key=(decision, step, ...)). Draws for firms are made for every
slot up to the current slot count and indexed by slot id, so a firm's draw for a decision
at a step does not depend on how many other firms exist or on what other decisions
consumed: two scenarios run with the same seed share their random numbers (common random
numbers), and a lever's effect is a paired difference rather than seed noise.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.random.bit_generator import ISeedSequence

from . import pcg
from .compiled import njit

DECISIONS = ("population", "growth", "exit", "entry", "move", "platform", "macro", "parameters", "project", "renovation")
_INDEX = {d: i for i, d in enumerate(DECISIONS)}


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
# generate_state), with a pool of 4 uint32 words, in compiled code (`_seed_state`).
# Constructing SeedSequence costs about 9 µs and PCG64 from it 5 µs, some 30 times a step;
# PCG64 takes `_seed_state`'s words through `_State` instead: 3.5 µs, the same generator
# (tests/test_model.py checks the draws against SeedSequence's).
INIT_A, MULT_A, INIT_B, MULT_B, MIX_L, MIX_R = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED, 0xCA01F9DD, 0x4973F715
MASK32 = 0xFFFFFFFF
BLOCK_READ = 1024  # `uniform_block` reads blocks of up to this many numbers
READ_BELOW = 16  # `uniform_at` reads the slots' numbers (pcg.read_at, ~50 ns a slot) below one slot in this many (3.7 ns a number drawn)


@njit(inline="always")
def _hashmix(value, h):
    """SeedSequence's hashmix: the hashed value and the next hash constant."""
    v = np.uint32(value) ^ h
    h = np.uint32(h * np.uint32(MULT_A))
    v = np.uint32(v * h)
    return v ^ (v >> np.uint32(16)), h


@njit(inline="always")
def _mix(x, y):
    r = np.uint32(np.uint32(MIX_L) * x - np.uint32(MIX_R) * y)
    return r ^ (r >> np.uint32(16))


@njit
def _seed_state(run, key):
    """The 4 uint64 words SeedSequence(run, spawn_key=key).generate_state(4, uint64) gives:
    `run`, the run's entropy words padded with zeros to the pool size (as SeedSequence pads
    them when there is a spawn key); `key`, the spawn key's uint32 words."""
    pool, h = np.empty(4, np.uint32), np.uint32(INIT_A)
    for i in range(4):
        pool[i], h = _hashmix(run[i], h)
    for src in range(4):
        for dst in range(4):
            if src != dst:
                v, h = _hashmix(pool[src], h)
                pool[dst] = _mix(pool[dst], v)
    for words in (run[4:], key):
        for w in words:
            for dst in range(4):
                v, h = _hashmix(w, h)
                pool[dst] = _mix(pool[dst], v)
    out, hb = np.empty(8, np.uint32), np.uint32(INIT_B)
    for i in range(8):
        v = pool[i % 4] ^ hb
        hb = np.uint32(hb * np.uint32(MULT_B))
        v = np.uint32(v * hb)
        out[i] = v ^ (v >> np.uint32(16))
    return out.view(np.uint64)  # little-endian words, as generate_state's uint64 view


@njit
def _key_state(run, decision, step, a, b, n_sub):
    """`_seed_state(run, key)` for the key (decision, step, a, b)[: 2 + n_sub] of uint32
    values, made here: one compiled call with integer arguments, not an array made in
    Python first."""
    key = np.empty(2 + n_sub, np.uint32)
    key[0], key[1] = decision, step
    if n_sub > 0:
        key[2] = a
    if n_sub > 1:
        key[3] = b
    return _seed_state(run, key)


@njit
def _clip_compiled(u):
    """`_clip(u)` in compiled code: its max then min, a number at a time (the same numbers
    for any u but NaN, and a uniform is never NaN)."""
    for k in range(u.size):
        x = u[k] if u[k] >= 1e-12 else 1e-12
        u[k] = x if x <= 1.0 - 1e-12 else 1.0 - 1e-12
    return u


@njit
def _gather_clip(u, slots):
    """`_clip(u[slots])` in one pass (no gathered array clipped after)."""
    out = np.empty(slots.size)
    for k in range(slots.size):
        x = u[slots[k]]
        x = x if x >= 1e-12 else 1e-12
        out[k] = x if x <= 1.0 - 1e-12 else 1.0 - 1e-12
    return out


@njit
def _clip_read(words, slots):
    """`_clip(pcg.read_at(words, slots))`."""
    return _clip_compiled(pcg.read_at(words, slots))


@njit
def _read_block(run, decision, step, a, b, n_sub, size):
    """A block's clipped numbers (`uniform_block`), seeded and read in one compiled call."""
    return _clip_read(_key_state(run, decision, step, a, b, n_sub), np.arange(size))


@njit
def _poisson_each(run, decision, step, lams, last):
    """Each s's `pcg.poisson` of lams[s] from the stream of key (decision, step, s, last);
    -1 where the mean is not one it draws (below 0, pcg.MAX_LAM or more, NaN)."""
    out = np.empty(lams.size, np.int64)
    for s in range(lams.size):
        if 0.0 <= lams[s] < pcg.MAX_LAM:
            out[s] = pcg.poisson(_key_state(run, decision, step, s, last, 2), lams[s : s + 1])[0]
        else:
            out[s] = -1
    return out


@njit
def _blocks_each(run, decision, step, sizes, last):
    """Each s's first sizes[s] clipped numbers from the stream of key (decision, step, s,
    last), one after another; (False, nothing) if a size is below 0 or above BLOCK_READ."""
    for s in range(sizes.size):
        if not 0 <= sizes[s] <= BLOCK_READ:
            return False, np.empty(0)
    out = np.empty(sizes.sum())
    at = 0
    for s in range(sizes.size):
        if sizes[s] > 0:
            out[at : at + sizes[s]] = _clip_read(_key_state(run, decision, step, s, last, 2), np.arange(sizes[s]))
        at += sizes[s]
    return True, out


@njit
def _read_slots(run, decision, step, a, b, n_sub, slots):
    """The slots' clipped numbers (`uniform_at`'s few slots), seeded and read in one compiled call."""
    return _clip_read(_key_state(run, decision, step, a, b, n_sub), slots)


class _State(ISeedSequence):
    """Hands PCG64 the words `_seed_state` computed (the one request PCG64 makes); for
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


def _clip(u: np.ndarray) -> np.ndarray:
    """`np.clip(u, 1e-12, 1 - 1e-12, out=u)`: on a small array its ufuncs called directly
    (clip is max then min: the same numbers), 4.2 -> 1.9 µs; numpy's SIMD clip on a large one."""
    if u.size < 512:
        return np.minimum(np.maximum(u, 1e-12, out=u), 1.0 - 1e-12, out=u)
    return np.clip(u, 1e-12, 1.0 - 1e-12, out=u)


class Streams:
    def __init__(self, entropy: int | tuple[int, ...]):
        self.entropy = entropy
        self._words = entropy_words(entropy)
        self._run = np.concatenate([self._words, np.zeros(max(0, 4 - self._words.size), np.uint32)])
        self._fixed: dict[tuple, tuple[np.random.Generator, np.ndarray]] = {}  # `fixed_uniform_at`'s draws so far

    def _short(self, decision: str, step: int, sub: tuple) -> tuple[int, int, int, int, int] | None:
        """The key as `_key_state`'s integer arguments, (decision, step, a, b, number of
        sub-keys), if it has at most two sub-keys and every value is a uint32; else None."""
        step = int(step)
        if len(sub) > 2 or not 0 <= step <= MASK32:
            return None
        a = int(sub[0]) if sub else 0
        b = int(sub[1]) if len(sub) > 1 else 0
        if not (0 <= a <= MASK32 and 0 <= b <= MASK32):
            return None
        d = _INDEX.get(decision)
        return None if d is None else (d, step, a, b, len(sub))

    def _state(self, decision: str, step: int, *sub: int) -> _State:
        short = self._short(decision, step, sub)
        if short is not None:  # the usual key, its words made in compiled code: 2.7 -> 1.3 µs
            return _State(_key_state(self._run, *short), self._words, (short[0], short[1], *short[2 : 2 + short[4]]))
        key = (DECISIONS.index(decision), int(step), *map(int, sub))
        words = np.array(key, dtype=np.uint32) if 0 <= min(key) and max(key) <= MASK32 else entropy_words(key)
        return _State(_seed_state(self._run, words), self._words, key)

    def get(self, decision: str, step: int, *sub: int) -> np.random.Generator:
        """The generator for `decision` at `step` (and optional sub-keys, e.g. a sector):
        that of SeedSequence(entropy, spawn_key=(decision index, step, *sub))."""
        return np.random.Generator(np.random.PCG64(self._state(decision, step, *sub)))

    def uniform(self, decision: str, step: int, n: int, *sub: int) -> np.ndarray:
        """n uniforms in (0, 1), entry i for firm slot i."""
        u = self.get(decision, step, *sub).random(n)
        return np.clip(u, 1e-12, 1.0 - 1e-12, out=u)

    def uniform_at(self, decision: str, step: int, n: int, slots: np.ndarray, *sub: int) -> np.ndarray:
        """`uniform(decision, step, n, *sub)[slots]`, clipping only the draws of `slots`. For
        a few slots (one in READ_BELOW of n or fewer: the movers, the cleared firms) the
        numbers are read where they lie in the stream (sim.model.pcg), not drawn for every
        slot: at 10k firms 90 slots 60 -> 5 µs."""
        if slots.size * READ_BELOW <= n:
            short = self._short(decision, step, sub)
            if short is not None:  # seeded, read and clipped in one compiled call: 8 -> 3 µs
                return _read_slots(self._run, *short, slots)
            u = pcg.read_at(self._state(decision, step, *sub).words, slots)
        else:  # drawn for every slot, the slots' numbers gathered and clipped in one pass
            return _gather_clip(self.get(decision, step, *sub).random(n), slots)
        return _clip(u)

    def uniform_block(self, decision: str, step: int, shape: tuple[int, ...], *sub: int) -> np.ndarray:
        """`get(decision, step, *sub).random(shape)`, clipped to (0, 1) as `uniform`: a small
        block (entrants', projects' draws) read from the stream's words (sim.model.pcg)
        without making a Generator, 6 -> 2 µs."""
        size = math.prod(shape)
        if size <= BLOCK_READ:
            short = self._short(decision, step, sub)
            if short is not None:  # seeded, read and clipped in one compiled call: 8 -> 3 µs
                return _read_block(self._run, *short, size).reshape(shape)
            u = pcg.read_at(self._state(decision, step, *sub).words, np.arange(size)).reshape(shape)
        else:
            u = self.get(decision, step, *sub).random(shape)
        return _clip(u)

    def blocks_each(self, decision: str, step: int, sizes: np.ndarray, last: int) -> np.ndarray:
        """`np.concatenate([uniform_block(decision, step, (sizes[s],), s, last) for s in
        range(len(sizes))])` (the entrants' draws of each sector), in one compiled call."""
        short = self._short(decision, step, (0, last))
        if short is not None:
            ok, u = _blocks_each(self._run, short[0], short[1], sizes, short[3])
            if ok:
                return u
        return np.concatenate([np.zeros(0), *(self.uniform_block(decision, step, (int(k),), s, last) for s, k in enumerate(sizes))])

    def poisson(self, decision: str, step: int, lam, *sub: int):
        """`get(decision, step, *sub).poisson(lam)` (a number, or an array of lam's shape):
        for means below pcg.MAX_LAM drawn in compiled code (numpy's algorithms on the
        stream's numbers), 4.5 -> 1.5 µs."""
        lams = np.asarray(lam, dtype=np.float64)
        short = self._short(decision, step, sub)
        if short is None or not ((lams >= 0.0) & (lams < pcg.MAX_LAM)).all():
            return self.get(decision, step, *sub).poisson(lam)
        k = pcg.poisson(_key_state(self._run, *short), lams.ravel())
        return int(k[0]) if lams.ndim == 0 else k.reshape(lams.shape)

    def poisson_each(self, decision: str, step: int, lams: np.ndarray, last: int) -> np.ndarray:
        """`[get(decision, step, s, last).poisson(lams[s]) for s in range(len(lams))]` as an
        int64 array (the entrants and projects of each sector): the means below
        pcg.MAX_LAM in one compiled call, the others numpy's own."""
        short = self._short(decision, step, (0, last))
        if short is None:
            return np.array([self.get(decision, step, s, last).poisson(v) for s, v in enumerate(lams)], dtype=np.int64)
        out = _poisson_each(self._run, short[0], short[1], lams, short[3])
        if out.size and out.min() < 0:
            for s in np.flatnonzero(out < 0).tolist():
                out[s] = self.get(decision, step, s, last).poisson(lams[s])
        return out

    def fixed_uniform_at(self, decision: str, n: int, slots: np.ndarray, *sub: int) -> np.ndarray:
        """`uniform_at(decision, 0, n, slots, *sub)` for a firm's own draw that is the same every
        step (step key 0): each slot's number is drawn once in the run, the generator kept and
        continued for the slots added since (the same numbers: random(m) then random(k) from
        one generator is random(m + k)). At 10k firms 46 -> 3 µs a call."""
        key = (decision, *sub)
        generator, drawn = self._fixed.get(key) or (self.get(decision, 0, *sub), np.empty(0))
        if drawn.size < n:
            drawn = np.concatenate([drawn, generator.random(max(n - drawn.size, drawn.size // 2))])
            self._fixed[key] = (generator, drawn)
        return _clip(drawn[slots])

    def normal(self, decision: str, step: int, n: int, *sub: int) -> np.ndarray:
        """n standard normals, entry i for firm slot i."""
        return self.get(decision, step, *sub).standard_normal(n)

"""numpy's PCG64, read at chosen positions: `Generator(PCG64(seed)).random(n)[slots]` without
drawing the numbers before them (sim.model.streams' `uniform_at` for a few slots).

A random double of numpy's PCG64 is one step of its 128-bit LCG, state = state x MULT + inc
(mod 2^128), and the XSL-RR output of the new state, top 53 bits over 2^53 (numpy's
pcg64.h: pcg64_next64, next_double). k steps at once are an affine map too, so the state
at any position is reached by the maps of 2^j steps for the set bits of the distance
(pcg_advance_lcg_128's algorithm, applied directly): about 30 ns a slot, against 3.7 ns a
number drawn, so reading is cheaper below one slot in about ten of the numbers drawn. The
seeding is numpy's pcg64_set_seed on the four words SeedSequence gives (streams._seed_state).
tests/test_speed_pcg.py compares the numbers with numpy's, bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

from .compiled import njit

MULT_HIGH, MULT_LOW = 2549297995355413924, 4865540595714422341  # PCG_DEFAULT_MULTIPLIER_128
M32 = 0xFFFFFFFF


@njit(inline="always")
def _mulhi(a, b):
    """The high 64 bits of the 128-bit product of two uint64."""
    m32 = np.uint64(M32)
    s32 = np.uint64(32)
    a_lo, a_hi, b_lo, b_hi = a & m32, a >> s32, b & m32, b >> s32
    p0, p1, p2, p3 = a_lo * b_lo, a_lo * b_hi, a_hi * b_lo, a_hi * b_hi
    mid = (p0 >> s32) + (p1 & m32) + (p2 & m32)
    return p3 + (p1 >> s32) + (p2 >> s32) + (mid >> s32)


@njit(inline="always")
def _mul(ah, al, bh, bl):
    """(a x b) mod 2^128 of (high, low) pairs."""
    return _mulhi(al, bl) + al * bh + ah * bl, al * bl


@njit(inline="always")
def _add(ah, al, bh, bl):
    lo = al + bl
    return ah + bh + np.uint64(lo < al), lo


@njit
def read_at(words, slots):
    """The doubles `Generator(PCG64(s)).random(n)[slots]` for a SeedSequence s whose
    generate_state(4, uint64) is `words`, for any n above the slots."""
    one, zero = np.uint64(1), np.uint64(0)
    mult_h, mult_l = np.uint64(MULT_HIGH), np.uint64(MULT_LOW)
    # pcg64_set_seed: initstate = words[0]:words[1], initseq = words[2]:words[3]
    inc_h = (words[2] << one) | (words[3] >> np.uint64(63))
    inc_l = (words[3] << one) | one
    sh, sl = inc_h, inc_l  # state = 0 x MULT + inc
    sh, sl = _add(sh, sl, words[0], words[1])
    sh, sl = _mul(sh, sl, mult_h, mult_l)
    sh, sl = _add(sh, sl, inc_h, inc_l)
    # the maps of 2^j steps: state -> state x jm[j] + jp[j]
    far = slots.max() + 1 if slots.size else 0
    bits = 1
    while (1 << bits) <= far:
        bits += 1
    jm_h, jm_l, jp_h, jp_l = np.empty(bits, np.uint64), np.empty(bits, np.uint64), np.empty(bits, np.uint64), np.empty(bits, np.uint64)
    mh, ml, ph, pl = mult_h, mult_l, inc_h, inc_l
    for j in range(bits):
        jm_h[j], jm_l[j], jp_h[j], jp_l[j] = mh, ml, ph, pl
        qh, ql = _add(mh, ml, zero, one)
        ph, pl = _mul(qh, ql, ph, pl)  # plus' = (mult + 1) x plus
        mh, ml = _mul(mh, ml, mh, ml)  # mult' = mult^2
    order = np.argsort(slots, kind="mergesort")
    out = np.empty(slots.size)
    at = 0  # steps taken
    for k in range(order.size):
        slot = slots[order[k]]
        delta = slot + 1 - at  # the slot's number is the output after slot + 1 steps
        j = 0
        while delta > 0:
            if delta & 1:
                sh, sl = _mul(sh, sl, jm_h[j], jm_l[j])
                sh, sl = _add(sh, sl, jp_h[j], jp_l[j])
            delta >>= 1
            j += 1
        at = slot + 1 if slot + 1 > at else at
        x = sh ^ sl
        rot = sh >> np.uint64(58)
        word = (x >> rot) | (x << ((np.uint64(64) - rot) & np.uint64(63)))
        out[order[k]] = np.float64(word >> np.uint64(11)) * (1.0 / 9007199254740992.0)
    return out


# ------------------------------------------------------------------ drawing in order
@njit(inline="always")
def _seeded(words):
    """pcg64_set_seed's state and increment, (state_h, state_l, inc_h, inc_l)."""
    one = np.uint64(1)
    inc_h = (words[2] << one) | (words[3] >> np.uint64(63))
    inc_l = (words[3] << one) | one
    sh, sl = _add(inc_h, inc_l, words[0], words[1])
    sh, sl = _mul(sh, sl, np.uint64(MULT_HIGH), np.uint64(MULT_LOW))
    sh, sl = _add(sh, sl, inc_h, inc_l)
    return sh, sl, inc_h, inc_l


@njit(inline="always")
def _next_double(sh, sl, inc_h, inc_l):
    """One step of the LCG and its double (numpy's next_double): (state_h, state_l, the double)."""
    sh, sl = _mul(sh, sl, np.uint64(MULT_HIGH), np.uint64(MULT_LOW))
    sh, sl = _add(sh, sl, inc_h, inc_l)
    x = sh ^ sl
    rot = sh >> np.uint64(58)
    word = (x >> rot) | (x << ((np.uint64(64) - rot) & np.uint64(63)))
    return sh, sl, np.float64(word >> np.uint64(11)) * (1.0 / 9007199254740992.0)


LOGGAM_A = (8.333333333333333e-02, -2.777777777777778e-03, 7.936507936507937e-04, -5.952380952380952e-04, 8.417508417508418e-04,
            -1.917526917526918e-03, 6.410256410256410e-03, -2.955065359477124e-02, 1.796443723688307e-01, -1.39243221690590e00)


@njit(error_model="numpy")
def _loggam(x):
    """numpy's random_loggam: log Gamma(x), its series at x + n >= 7."""
    if x == 1.0 or x == 2.0:
        return 0.0
    n = np.int64(7.0 - x) if x < 7.0 else np.int64(0)
    x0 = x + n
    x2 = (1.0 / x0) * (1.0 / x0)
    gl0 = LOGGAM_A[9]
    for k in range(8, -1, -1):
        gl0 *= x2
        gl0 += LOGGAM_A[k]
    gl = gl0 / x0 + 0.5 * 1.8378770664093453 + (x0 - 0.5) * math.log(x0) - x0
    if x < 7.0:
        for k in range(n):
            gl -= math.log(x0 - 1.0)
            x0 -= 1.0
    return gl


@njit(error_model="numpy")
def _poisson_ptrs(sh, sl, inc_h, inc_l, lam):
    """numpy's random_poisson_ptrs (Hörmann's transformed rejection) for a mean of 10 or more:
    (state_h, state_l, the number)."""
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    while True:
        sh, sl, u = _next_double(sh, sl, inc_h, inc_l)
        sh, sl, v = _next_double(sh, sl, inc_h, inc_l)
        u = u - 0.5
        us = 0.5 - abs(u)
        k = np.int64(math.floor((2 * a / us + b) * u + lam + 0.43))
        if us >= 0.07 and v <= vr:
            return sh, sl, k
        if k < 0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)) <= (-lam + k * loglam - _loggam(np.float64(k + 1))):
            return sh, sl, k


SMALL_LAM = 10.0  # numpy draws a Poisson number of mean below this by multiplying uniforms, from it by PTRS
MAX_LAM = 1e12  # means drawn here: below this (numpy's own beyond, up to its limit)


@njit(error_model="numpy")
def poisson(words, lams):
    """`Generator(PCG64(s)).poisson(lams)` for means 0 <= lam < MAX_LAM, drawn in order from
    the one stream as numpy's random_poisson does: 0 for a mean of 0, drawing nothing;
    below SMALL_LAM, uniforms multiplied until their product is at most exp(-lam)
    (random_poisson_mult); from it, `_poisson_ptrs`."""
    sh, sl, inc_h, inc_l = _seeded(words)
    out = np.empty(lams.size, np.int64)
    for i in range(lams.size):
        lam = lams[i]
        count = 0
        if lam >= SMALL_LAM:
            sh, sl, count = _poisson_ptrs(sh, sl, inc_h, inc_l, lam)
        elif lam != 0.0:
            enlam = math.exp(-lam)
            prod = 1.0
            while True:
                sh, sl, u = _next_double(sh, sl, inc_h, inc_l)
                prod *= u
                if prod > enlam:
                    count += 1
                else:
                    break
        out[i] = count
    return out

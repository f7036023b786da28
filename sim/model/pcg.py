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

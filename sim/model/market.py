"""The city's labour market match (`markets.match`, sim/rules, the definition the per-agent
reference calls) in one compiled pass over its few locations: it runs three times a step on
arrays of 17 x 17, where its dozen numpy calls cost more than their arithmetic.

The same numbers: each product and quotient is the rule's; a sum along a row is numpy's
pairwise sum (`_pairwise`: numpy's own order, from +0.0, eight partial sums for up to 128
numbers, halves beyond), a sum down a column adds the rows in order from +0.0, and the
minimum is numpy's (the second number on a tie, NaN first). tests/test_speed_market.py
compares it with the rule, bit for bit, on random and edge-case inputs.
"""

from __future__ import annotations

import numpy as np

from ..rules import markets
from .compiled import njit


MAX_ROW = 128  # numpy adds up to this many numbers in one block; the match of more locations is the rule's


@njit
def _pairwise(a, lo, n):
    """numpy's pairwise sum of a[lo : lo + n], n <= MAX_ROW (numpy/_core/src/umath/loops_utils.h.src;
    beyond, numpy adds halves, and a compiled recursion does not cache)."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    else:
        r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
        r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
        i = 8
        while i < n - (n % 8):
            r0 += a[lo + i]
            r1 += a[lo + i + 1]
            r2 += a[lo + i + 2]
            r3 += a[lo + i + 3]
            r4 += a[lo + i + 4]
            r5 += a[lo + i + 5]
            r6 += a[lo + i + 6]
            r7 += a[lo + i + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[lo + i]
            i += 1
        return res


@njit
def row_sum(row):
    """`row.sum()` of a contiguous row of at most MAX_ROW numbers, as numpy adds it: +0.0
    plus the pairwise sum."""
    return 0.0 + _pairwise(row, 0, row.size)


def match(demand: np.ndarray, pool: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`markets.match(demand, pool, weights)`: (the share of its demand each job location is
    granted, job-seekers hired from each home location)."""
    if weights.shape[1] > MAX_ROW:
        return markets.match(demand, pool, weights)
    return _match(demand, pool, weights)


@njit
def _match(demand, pool, weights):
    homes, jobs = weights.shape
    pull, offers = np.empty((homes, jobs)), np.empty((homes, jobs))
    for h in range(homes):
        for j in range(jobs):
            pull[h, j] = weights[h, j] * demand[j]
        total = row_sum(pull[h])
        for j in range(jobs):
            offers[h, j] = pool[h] * pull[h, j] / total if total > 0 else 0.0
    ratio, taken = np.empty(jobs), np.empty(jobs)
    for j in range(jobs):
        offered = 0.0
        for h in range(homes):
            offered += offers[h, j]
        hired = offered if (offered < demand[j] or np.isnan(offered)) else demand[j]
        taken[j] = hired / offered if offered > 0 else 0.0
        ratio[j] = hired / demand[j] if demand[j] > 0 else 1.0
    hired_from = np.empty(homes)
    row = np.empty(jobs)
    for h in range(homes):
        for j in range(jobs):
            row[j] = offers[h, j] * taken[j]
        hired_from[h] = row_sum(row)
    return ratio, hired_from

"""Elementwise functions the firm-level rules are written with, so that one formula serves
both the vectorised model (arrays of firms) and the per-agent reference (one firm's
scalars, sim.checks.reference).

On arrays each is exactly numpy's ufunc, so the vectorised results are those of plain
numpy. On scalars each is the `math` module's or Python's own operation: as fast as
hand-written per-agent code, and equal to numpy's result to within an ulp or so (numpy's
SIMD exp/log/power and libm's may differ in the last bit; min, max, where and sqrt agree
exactly).
"""

from __future__ import annotations

import math

import numpy as np

_array = np.ndarray


def exp(x):
    return np.exp(x) if isinstance(x, _array) else math.exp(x)


def log(x):
    return np.log(x) if isinstance(x, _array) else math.log(x)


def log1p(x):
    return np.log1p(x) if isinstance(x, _array) else math.log1p(x)


def sqrt(x):
    return np.sqrt(x) if isinstance(x, _array) else math.sqrt(x)


def power(x, p):
    return np.power(x, p) if isinstance(x, _array) or isinstance(p, _array) else float(x) ** p


def minimum(a, b):
    if isinstance(a, _array) or isinstance(b, _array):
        return np.minimum(a, b)
    return a if a <= b else b


def maximum(a, b):
    if isinstance(a, _array) or isinstance(b, _array):
        return np.maximum(a, b)
    return a if a >= b else b


def clip(x, lo, hi):
    if isinstance(x, _array):
        return np.clip(x, lo, hi)
    return lo if x < lo else hi if x > hi else x


def where(condition, a, b):
    """`a` where `condition` holds, else `b` (both are evaluated, as with numpy)."""
    if isinstance(condition, _array) or isinstance(a, _array) or isinstance(b, _array):
        return np.where(condition, a, b)
    return a if condition else b

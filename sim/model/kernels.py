"""Compiled passes over the firms: bookkeeping, sums by location and cell, and the rules of
floor space and talent requests, each in one pass over the live firms' slots.

Why: a step at 100k firms was about a hundred numpy passes (gathers of the live rows,
temporaries, `np.bincount` over gathered values), and their memory traffic and calls, not
arithmetic, set its cost (docs/PERFORMANCE.md).

What is compiled and what is not:
- sums (`sum_by`, `total_by_location`, `total_by_cell`, the recorder's `record_cells`) add
  in the order of the slots, as `np.bincount` does, so they are the same sums to the bit;
- the floor-space and talent requests and grants apply sim.rules.space's and sim.rules.talent's rule
  functions to each firm's scalars (numba compiles the same functions the per-agent
  reference calls; sim.rules.ops's `minimum` and `maximum` get their scalar meaning), whose
  arithmetic is exact IEEE operations, so the results are those of the numpy rules;
- rules with exp, log or power stay numpy's on arrays: in a compiled loop they call the C
  library, measured 3-5 times slower here than numpy's SIMD loops (AVX-512), and rounding
  differently in the last bit, which would change every documented number.
So the model's results are the same bytes with or without this module.

Compiled code is cached on disk (sim.model.compiled: a new process loads it in a fraction of a
second; the first run after a change to any source it is compiled from compiles it, a few
seconds).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload, register_jitable

from ..rules import ops, space, talent
from .compiled import njit
from ..config.schema import SECTORS

S = len(SECTORS)


# ------------------------------------------------------------------ sim.rules.ops, compiled
def _compile_as(function, implementation):
    """Give `function` of sim.rules.ops its scalar meaning in compiled code."""

    @overload(function, strict=False, inline="always")
    def _ol(*args):
        if all(isinstance(a, (types.Float, types.Integer)) for a in args):
            return implementation


_compile_as(ops.minimum, lambda a, b: a if a <= b else b)
_compile_as(ops.maximum, lambda a, b: a if a >= b else b)

# The rules compiled code calls, compiled from their own source where called
# (register_jitable leaves the Python functions as they are)
for _rule in (space.request, space.feasible, talent.request):
    register_jitable(inline="always")(_rule)

# ------------------------------------------------------------------ phases
@njit
def request_space(live, location, floor, intensity, trend_factor, target, slack, n_loc):
    """3. Floor space: each firm keeps what it needs (releasing the excess, written to
    `floor`) and asks for what it lacks. Returns (m² per 亿 needed, demand, kept by
    location, demand by location)."""
    per_yi, kept, demand = np.empty(live.size), np.empty(live.size), np.empty(live.size)
    for k in range(live.size):
        i = live[k]
        per_yi[k] = intensity[i] * trend_factor
        kept[k], demand[k] = space.request(floor[i], target[k], per_yi[k], slack)
        floor[i] = kept[k]
    return per_yi, demand, total_by_location_aligned(live, location, kept, n_loc), total_by_location_aligned(live, location, demand, n_loc)


@njit
def grant_space(live, location, floor, demand, ratio, target, per_yi, n_loc):
    """3. Floor space granted: each firm's demand times its location's ration ratio.
    Returns (output the floor space allows, unmet demand by location)."""
    feasible = np.empty(live.size)
    unmet = np.empty(live.size)
    for k in range(live.size):
        i = live[k]
        granted = demand[k] * ratio[location[i]]
        f = floor[i] + granted
        floor[i] = f
        unmet[k] = demand[k] - granted
        feasible[k] = space.feasible(target[k], f, per_yi[k])
    return feasible, total_by_location_aligned(live, location, unmet, n_loc)


@njit
def request_talent(live, location, sector, skilled, skill_factor, feasible, share, workers_per_yi, n_loc):
    """4. Skilled workers for the feasible output: released and requested. share: the
    skilled share by sector; skill_factor: each firm's skilled workers per 亿 relative to
    its sector's. Returns (skilled per 亿, released, demanded, and the two by location)."""
    per_worker, release, demand = np.empty(live.size), np.empty(live.size), np.empty(live.size)
    for k in range(live.size):
        i = live[k]
        p = share[sector[i]] * workers_per_yi * skill_factor[i]
        r, d = talent.request(skilled[i], feasible[k], p)
        per_worker[k], release[k], demand[k] = p, r, d
    return per_worker, release, demand, total_by_location_aligned(live, location, release, n_loc), total_by_location_aligned(live, location, demand, n_loc)


# ------------------------------------------------------------------ bookkeeping
@njit
def index_of(slots, location, sector):
    """The location and flat location x sector cell of each of `slots` (as intp)."""
    where, cell = np.empty(slots.size, np.intp), np.empty(slots.size, np.intp)
    for k in range(slots.size):
        i = slots[k]
        where[k] = location[i]
        cell[k] = np.intp(location[i]) * S + sector[i]
    return where, cell


@njit
def update_status(live, output, above_scale, age, threshold):
    """10. Above-scale status (output at or above `threshold`) and ages: returns the number
    of firms that crossed up and down."""
    up, down = 0, 0
    for k in range(live.size):
        i = live[k]
        above = output[i] >= threshold
        up += above and not above_scale[i]
        down += above_scale[i] and not above
        above_scale[i] = above
        age[i] += 1
    return up, down


@njit
def pick_in_cells(live, location, sector, output, cells, picks):
    """For each (cell, pick): the firm of that cell, among `live` in slot order, at which
    the running sum of output first reaches `pick` x the cell's total (the last firm if
    none; -1 if the cell has none): what `np.searchsorted(np.cumsum(output[here]), pick *
    total)` picks, the sums added in the same order, for all picks in two passes."""
    n = cells.size
    firm = np.full(n, -1)
    if n == 0:
        return firm
    head, following = np.full(cells.max() + 1, -1), np.full(n, -1)  # the picks of each cell, linked
    for j in range(n - 1, -1, -1):
        following[j], head[cells[j]] = head[cells[j]], j
    total, seen = np.zeros(n), np.zeros(n, np.int64)
    for k in range(live.size):
        i = live[k]
        c = np.intp(location[i]) * S + sector[i]
        j = head[c] if c < head.size else -1
        while j >= 0:
            total[j] += output[i]
            seen[j] += 1
            j = following[j]
    running, count = np.zeros(n), np.zeros(n, np.int64)
    for k in range(live.size):
        i = live[k]
        c = np.intp(location[i]) * S + sector[i]
        j = head[c] if c < head.size else -1
        while j >= 0:
            if firm[j] < 0:
                running[j] += output[i]
                count[j] += 1
                if running[j] >= picks[j] * total[j] or count[j] == seen[j]:
                    firm[j] = i
            j = following[j]
    return firm


@njit
def record_cells(live, location, sector, above_scale, output, employees, skilled, n_loc):
    """11. The recorder's sums by flat cell over the live firms, in slot order: above-scale
    output, firms, above-scale firms, employment and skilled employment (counts as integers)."""
    n = n_loc * S
    out, emp, sk = np.zeros(n), np.zeros(n), np.zeros(n)
    firms, above = np.zeros(n, np.int64), np.zeros(n, np.int64)
    bin_, acc_out, acc_emp, acc_sk = -1, 0.0, 0.0, 0.0
    for k in range(live.size):
        i = live[k]
        c = np.intp(location[i]) * S + sector[i]
        if c != bin_:
            if bin_ >= 0:
                out[bin_], emp[bin_], sk[bin_] = acc_out, acc_emp, acc_sk
            bin_ = c
            acc_out, acc_emp, acc_sk = out[c], emp[c], sk[c]
        firms[c] += 1
        if above_scale[i]:
            acc_out += output[i]
            above[c] += 1
        acc_emp += employees[i]
        acc_sk += skilled[i]
    if bin_ >= 0:
        out[bin_], emp[bin_], sk[bin_] = acc_out, acc_emp, acc_sk
    return out, firms, above, emp, sk


# ------------------------------------------------------------------ sums
# np.bincount(index, weights) adds in the order of the index, as `_totals` does: the same
# sums, without gathering the firms' values and locations into new arrays first. Firms
# come in runs of one location (and cell), so a run's sum is kept in a register and
# stored when the run ends: the same additions in the same order, without a store and a
# load of the bin between them (which made a bin's sum a chain through memory).
@njit
def _totals(slots, location, sector, values, n, by_cell, aligned):
    """Sums over `slots` into n bins: bin location[i] (by_cell: location[i] x S + sector[i])
    of slot i = slots[k]; value values[k] (aligned) or values[i] (a firm field)."""
    out = np.zeros(n)
    bin_, acc = -1, 0.0
    for k in range(slots.size):
        i = slots[k]
        b = np.intp(location[i]) * S + sector[i] if by_cell else np.intp(location[i])
        if b != bin_:
            if bin_ >= 0:
                out[bin_] = acc
            bin_, acc = b, out[b]
        acc += values[k] if aligned else values[i]
    if bin_ >= 0:
        out[bin_] = acc
    return out


def sum_by(index, values, n):
    """`np.bincount(index, weights=values, minlength=n)` (values aligned with index)."""
    bins = np.arange(n)
    return _totals(index, bins, bins, values, n, False, True)


def total_by_location(slots, location, field, n_loc):
    """Sum of a firm field (an array by slot) over `slots`, by location."""
    return _totals(slots, location, location, field, n_loc, False, False)


def total_by_cell(slots, location, sector, field, n_loc):
    """Sum of a firm field over `slots`, by flat location x sector cell."""
    return _totals(slots, location, sector, field, n_loc * S, True, False)


@njit
def total_by_location_aligned(slots, location, values, n_loc):
    """Sum by location of values aligned with `slots` (values[k] is slot slots[k]'s)."""
    return _totals(slots, location, location, values, n_loc, False, True)

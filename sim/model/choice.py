"""The logit choice of a destination, the admission in order, the movers' options and the
renovation programme's choice, for the model's few choosers a step (movers, cleared firms,
entrants, projects, the firms the programme may take): `relocation.choose`,
`markets.fill_in_order`, `relocation.allowed_moves`, the utility less
`relocation.moving_cost`, and `renovation.select` (sim/rules, the definitions the per-agent
reference calls), each in one or two compiled passes instead of some ten numpy calls on
arrays of a few dozen rows.

The same numbers: every operation is the rules' own, in their order (the mask, the row's
maximum, the difference, the running sum along the row, the comparison; the sort by
destination then order, stable; the running sum of the weighted sizes and its difference
from its value before the destination's group; the products of the costs and their sum).
The exponential stays numpy's, on an array numpy made (its SIMD exp rounds differently from
the C library's that compiled code calls). tests/test_speed_choice.py compares them with
the rules, bit for bit.
"""

from __future__ import annotations

import numpy as np

from ..rules import relocation, renovation
from .compiled import njit


@njit
def _shifted(utility, allowed, u, v, none):
    """Row by row: the utilities of the allowed options (every option where none is),
    less the row's maximum (NaN if any is NaN, as numpy's max), written to `v`; `none`:
    the rows with no allowed option."""
    k, n = utility.shape
    for i in range(k):
        anything = False
        for j in range(n):
            anything = anything or allowed[i, j]
        none[i] = not anything
        top = -np.inf
        for j in range(n):
            x = utility[i, j] if (allowed[i, j] or not anything) else -np.inf
            v[i, j] = x
            if not np.isnan(top) and (np.isnan(x) or x > top):
                top = x
        for j in range(n):
            v[i, j] = v[i, j] - top


@njit
def _picks(prob, u, none):
    """Row by row: the count of options whose running sum of `prob` is below u times the
    row's total, at most the last option; -1 for the rows with no allowed option."""
    k, n = prob.shape
    out = np.empty(k, np.int64)
    cum = np.empty(n)
    for i in range(k):
        acc = prob[i, 0]
        cum[0] = acc
        for j in range(1, n):
            acc = acc + prob[i, j]
            cum[j] = acc
        bound = u[i] * cum[n - 1]
        pick = 0
        for j in range(n):
            pick += cum[j] < bound
        out[i] = -1 if none[i] else min(pick, n - 1)
    return out


def choose(utility: np.ndarray, allowed: np.ndarray, u: np.ndarray) -> np.ndarray:
    """`relocation.choose(utility, allowed, u)`: the same choices."""
    k, n = utility.shape
    if k == 0 or n == 0 or allowed.shape != utility.shape:
        return relocation.choose(utility, allowed, u)
    v, none = np.empty((k, n)), np.empty(k, dtype=bool)
    _shifted(utility, allowed, u, v, none)
    return _picks(np.exp(v), u, none)


@njit
def _admitted(size, destination, order, room, weight):
    first = np.argsort(order, kind="mergesort")  # np.lexsort((order, destination)): stable by order, then by destination
    idx = first[np.argsort(destination[first], kind="mergesort")]
    admitted = np.empty(size.size, np.bool_)
    cum, before, group = 0.0, 0.0, destination[idx[0]]
    for k in range(idx.size):
        i = idx[k]
        d = destination[i]
        s = weight * size[i]
        if k == 0:
            cum = s
        else:
            if d != group:  # a new destination: the running sum before its first request
                before, group = cum, d
            cum = cum + s
        admitted[i] = (cum - before) <= room[d]
    return admitted


def fill_in_order(size: np.ndarray, destination: np.ndarray, order: np.ndarray, room: np.ndarray, weight: float) -> np.ndarray:
    """`markets.fill_in_order(size, destination, order, room, weight)`: the same admissions."""
    if size.size == 0:
        return np.zeros(0, dtype=bool)
    return _admitted(size, destination, order, room, float(weight))


# ------------------------------------------------------------------ the movers' options
RULES = {"free": 0, "restricted": 1}  # relocation.allowed_moves: any other rule is the coordinated one


@njit
def _allowed(rule, current, sector, district, leading, is_park, making_room):
    k, n = current.size, district.size
    out = np.empty((k, n), np.bool_)
    for i in range(k):
        home = district[current[i]]
        for j in range(n):
            same = district[j] == home
            if rule == 0:
                out[i, j] = True
            elif rule == 1:
                out[i, j] = same
            else:
                out[i, j] = same or (leading[j, sector[i]] and is_park[j]) or (making_room[i] and not is_park[j])
    return out


def allowed_moves(rule: str, current, sector, district, leading, is_park, making_room) -> np.ndarray:
    """`relocation.allowed_moves(...)`: the same mask [firm, location]."""
    return _allowed(RULES.get(rule, 2), current, sector, district, leading, is_park, making_room)


@njit
def _move_utility(utility, sector, current, district, move_cost, cross_cost):
    k, n = current.size, district.size
    out = np.empty((k, n))
    for i in range(k):
        home = district[current[i]]
        for j in range(n):
            cost = move_cost * np.float64(j != current[i]) + cross_cost * np.float64(district[j] != home)
            out[i, j] = utility[j, sector[i]] - cost
    return out


def move_utility(params, rule: str, utility: np.ndarray, sector, current, district) -> np.ndarray:
    """`utility[:, sector].T - relocation.moving_cost(params, rule, current, district)`: each
    mover's utility [firm, location] of a location less the cost of moving there (its
    products and difference, in the rule's order)."""
    relief = params.coordination_cost_relief if rule == "coordinated" else 0.0
    return _move_utility(utility, sector, current, district, float(params.move_cost), params.move_cost_cross_district * (1.0 - relief))


# ------------------------------------------------------------------ the renovation programme's choice
@njit
def _select(ratio, land, location, due_mu, weight, u):
    first = np.argsort(ratio, kind="mergesort")  # np.lexsort((ratio, location))
    idx = first[np.argsort(location[first], kind="mergesort")]
    chosen = np.zeros(ratio.size, np.bool_)
    cum, group_before, group = 0.0, 0.0, location[idx[0]]
    for k in range(idx.size):
        i = idx[k]
        plot = weight * land[i]
        cum = plot if k == 0 else cum + plot  # np.cumsum
        cum_before = cum - plot
        if k == 0 or location[i] != group:  # the land of the location's firms before its first
            group_before, group = cum_before, location[i]
        left = due_mu[location[i]] - (cum_before - group_before)
        chosen[i] = (left >= plot) or ((left > 0) and (u[i] * plot < left))
    return chosen


def select(ratio: np.ndarray, land: np.ndarray, location: np.ndarray, due_mu: np.ndarray, weight: float, u: np.ndarray) -> np.ndarray:
    """`renovation.select(...)`: the same firms (the rule's itself if a ratio is NaN: its sort
    places them as numpy does)."""
    if ratio.size == 0 or np.isnan(ratio).any():
        return renovation.select(ratio, land, location, due_mu, weight, u)
    return _select(ratio, land, location, due_mu, float(weight), u)

"""Passes over the firms fused into one compiled pass each, where the model's phases made
several numpy passes (gathers of the live rows, temporaries, scatters, sums) over the same
firms at the same state: desired output's inputs (`drift_inputs`, `set_potential`),
production's bookkeeping (`grant_talent`, `invested`), the fund's subsidies (`subsidies`),
the renovation programme's candidates (`inefficient`), and the sums over the firms read at
the same moment (`occupied_and_cells`, `end_of_step`).

The same numbers: each is the rules' (sim/rules) and the model's own arithmetic, operation
for operation (the products, quotients and differences are exact IEEE operations; numpy's
maximum and masks as numpy takes them), and each sum adds in the order of the slots, as
`np.bincount` and sim.model.kernels' sums do (a run of one bin kept in a register, as
`kernels._totals`). Rules with exp, log or power stay numpy's, on arrays (sim.model.kernels
says why). tests/test_speed_sums.py and tests/test_speed_fund.py compare each with the numpy
code it replaces, bit for bit.
"""

from __future__ import annotations

import numpy as np

from ..config.schema import SECTORS
from .compiled import njit

S = len(SECTORS)


# ------------------------------------------------------------------ 2. desired output
@njit(error_model="numpy")
def drift_inputs(live, location, sector, output, age, subsidy, productivity, boost, place_ls, young_offset, subsidy_return, young_by_age, agglomeration_ls):
    """2. What desired output's rules read, gathered in one pass: each firm's output, drift
    (`growth.drift`: its cell's place drift less `young_offset`, plus `subsidy_return` x
    subsidy / output, plus the young firm's premium of its age, `young_by_age`), its cell's
    agglomeration, its productivity and boost (the same sums, products and quotient).
    (False, ...) if a firm is older than the table of the premium."""
    n = live.size
    y, mu, agglomeration, prod, pending = np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    for k in range(n):
        i = live[k]
        if age[i] >= young_by_age.size:
            return False, y, mu, agglomeration, prod, pending
        c = np.intp(location[i]) * S + sector[i]
        y[k] = output[i]
        mu[k] = (place_ls[c] - young_offset) + subsidy_return * (subsidy[i] / output[i]) + young_by_age[age[i]]
        agglomeration[k] = agglomeration_ls[c]
        prod[k] = productivity[i]
        pending[k] = boost[i]
    return True, y, mu, agglomeration, prod, pending


@njit
def set_potential(live, productivity, boost, potential):
    """2. productivity[live] = potential; boost[live] = 0 (applied)."""
    for k in range(live.size):
        i = live[k]
        boost[i] = 0.0
        productivity[i] = potential[k]


# ------------------------------------------------------------------ 4.-5. production
@njit
def grant_talent(live, location, demand, release, ratio, skilled, n_loc):
    """4. Skilled workers granted: each firm's demand times its location's share granted;
    its skilled workers less those released plus those granted (written to `skilled`).
    Returns (the skilled workers, aligned with `live`; the unmet demand by location, added
    in the order of the slots)."""
    now, unmet = np.empty(live.size), np.zeros(n_loc)
    run, acc = -1, 0.0  # a run's sum in a register (as _totals)
    for k in range(live.size):
        i = live[k]
        at = np.intp(location[i])
        if at != run:
            if run >= 0:
                unmet[run] = acc
            run, acc = at, unmet[at]
        granted = demand[k] * ratio[at]
        acc += demand[k] - granted
        now[k] = skilled[i] - release[k] + granted
        skilled[i] = now[k]
    if run >= 0:
        unmet[run] = acc
    return now, unmet


@njit
def invested(live, location, sector, large, capital, kept, output, workers_per_yi, capital_f, output_f, employees_f, n_loc):
    """5. Capital, output and employment written (`capital_f`, `output_f`, `employees_f`:
    the firm fields); returns the investment (capital - kept) by flat cell of the small
    investors (0.0 added for a large one, as `np.where(large, 0.0, investment)`) and of the
    large, each added in the order of the slots."""
    small_c, large_c = np.zeros(n_loc * S), np.zeros(n_loc * S)
    run, acc_small, acc_large = -1, 0.0, 0.0  # a run's sums in registers (as _totals)
    for k in range(live.size):
        i = live[k]
        c = np.intp(location[i]) * S + sector[i]
        if c != run:
            if run >= 0:
                small_c[run], large_c[run] = acc_small, acc_large
            run, acc_small, acc_large = c, small_c[c], large_c[c]
        investment = capital[k] - kept[k]
        acc_small += 0.0 if large[k] else investment
        if large[k]:
            acc_large += investment
        capital_f[i] = capital[k]
        output_f[i] = output[k]
        employees_f[i] = workers_per_yi * output[k]
    if run >= 0:
        small_c[run], large_c[run] = acc_small, acc_large
    return small_c, large_c


# ------------------------------------------------------------------ 1. the fund (sim/rules/fund.py) and the renovation programme
FUND_RULES = {"leading": 1, "performance": 2}  # fund.subsidy_weights: any other rule is the uniform one


@njit
def _subsidy_weights(live, location, sector, output, trend, is_park, leading, rule):
    """`fund.subsidy_weights` of the firms `live`, gathering their park and cell itself: the
    same products (a mask is 1.0 or 0.0; numpy's maximum(trend, 0.0) takes the 0.0 unless
    trend is above it or NaN)."""
    w = np.empty(live.size)
    for k in range(live.size):
        i = live[k]
        where = location[i]
        x = output[i] * np.float64(is_park[where])
        if rule == 1:
            x = x * np.float64(leading[where, sector[i]])
        elif rule == 2:
            t = trend[i]
            x = x * (t if (t > 0.0 or np.isnan(t)) else 0.0)
        w[k] = x
    return w


@njit
def _write_subsidies(live, subsidy, weights, yi_per_year, total):
    """subsidy[live] = `fund.subsidies`' yi_per_year x weight / total (0 unless total > 0)."""
    for k in range(live.size):
        subsidy[live[k]] = yi_per_year * weights[k] / total if total > 0 else 0.0


def subsidies(live, location, sector, output, trend, is_park, leading, rule, yi_per_year, firm_weight, subsidy) -> None:
    """`subsidy[live] = fund.subsidies(yi_per_year, fund.subsidy_weights(rule, output[live],
    is_park[location[live]], leading[location[live], sector[live]], trend[live]), firm_weight)`
    in two passes and numpy's sum of the weights (the same numbers)."""
    weights = _subsidy_weights(live, location, sector, output, trend, is_park, leading, FUND_RULES.get(rule, 0))
    _write_subsidies(live, subsidy, weights, yi_per_year, firm_weight * weights.sum())


@njit(error_model="numpy")
def inefficient(live, location, output, floor, cutoff, is_park):
    """The firms of `live` that `renovation.inefficient` marks (in a park, output per m²
    below its cutoff: the same quotient and comparison), and their locations (intp)."""
    firms, where = np.empty(live.size, live.dtype), np.empty(live.size, np.intp)
    count = 0
    for k in range(live.size):
        i = live[k]
        at = np.intp(location[i])
        if is_park[at] and output[i] / floor[i] < cutoff[at]:
            firms[count], where[count] = i, at
            count += 1
    return firms[:count].copy(), where[:count].copy()


# ------------------------------------------------------------------ sums read at the same moment
@njit
def end_of_step(live, location, sector, above_scale, output, employees, skilled, floor, n_loc):
    """10.-11. The step's last sums in one pass over the live firms: output by flat cell (all
    firms), `record_cells`' five sums, and the floor space occupied by location. Each sum
    adds in the order of the slots, as the separate passes (`total_by_cell`,
    `record_cells`, `total_by_location`) do: the same sums."""
    n = n_loc * S
    out_all, out, emp, sk = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    firms, above = np.zeros(n, np.int64), np.zeros(n, np.int64)
    occupied = np.zeros(n_loc)
    at, acc_floor, c_at, acc_all, acc_out, acc_emp, acc_sk = -1, 0.0, -1, 0.0, 0.0, 0.0, 0.0  # each run's sums in registers (as _totals)
    for k in range(live.size):
        i = live[k]
        where = np.intp(location[i])
        c = where * S + sector[i]
        if where != at:
            if at >= 0:
                occupied[at] = acc_floor
            at, acc_floor = where, occupied[where]
        if c != c_at:
            if c_at >= 0:
                out_all[c_at], out[c_at], emp[c_at], sk[c_at] = acc_all, acc_out, acc_emp, acc_sk
            c_at, acc_all, acc_out, acc_emp, acc_sk = c, out_all[c], out[c], emp[c], sk[c]
        acc_all += output[i]
        firms[c] += 1
        if above_scale[i]:
            acc_out += output[i]
            above[c] += 1
        acc_emp += employees[i]
        acc_sk += skilled[i]
        acc_floor += floor[i]
    if at >= 0:
        occupied[at] = acc_floor
        out_all[c_at], out[c_at], emp[c_at], sk[c_at] = acc_all, acc_out, acc_emp, acc_sk
    return out_all, (out, firms, above, emp, sk), occupied


@njit
def occupied_and_cells(live, location, sector, floor, values, n_loc):
    """The floor space occupied by location and a firm field's sum by flat cell, in one pass
    over the live firms, each added in the order of the slots (the sums of
    `total_by_location` and `total_by_cell`)."""
    occupied, cells = np.zeros(n_loc), np.zeros(n_loc * S)
    at, acc_floor, c_at, acc = -1, 0.0, -1, 0.0  # each run's sums in a register (as _totals)
    for k in range(live.size):
        i = live[k]
        where = np.intp(location[i])
        c = where * S + sector[i]
        if where != at:
            if at >= 0:
                occupied[at] = acc_floor
            at, acc_floor = where, occupied[where]
        if c != c_at:
            if c_at >= 0:
                cells[c_at] = acc
            c_at, acc = c, cells[c]
        acc_floor += floor[i]
        acc += values[i]
    if at >= 0:
        occupied[at], cells[c_at] = acc_floor, acc
    return occupied, cells

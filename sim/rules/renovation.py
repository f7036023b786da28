"""Making room (腾笼换鸟): the renovation programme clears the parks' firms with the lowest
output per 亩 and frees their land for projects or rebuilding (ODD: Renovation)."""

from __future__ import annotations

import numpy as np



def density_cutoffs(output: np.ndarray, floor: np.ndarray, location: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Per location, the output per m² below which lie `share` of its floor space: the
    inefficient land of the park table (`inefficient_land_share`) located in the firms
    that use their space least (a floor-weighted quantile). Firms come whole: the firm that
    straddles the quantile is counted in when that brings the share nearer to `share`."""
    density = output / floor
    cut = np.zeros(share.size)
    for j in range(share.size):
        here = location == j
        if not here.any() or share[j] <= 0:
            continue
        order = np.argsort(density[here])
        d, cum = density[here][order], np.cumsum(floor[here][order])
        target = share[j] * cum[-1]
        k = min(int(np.searchsorted(cum, target)), order.size - 1)  # the straddling firm
        before = cum[k - 1] if k > 0 else 0.0
        take = cum[k] - target < target - before  # counting it in is nearer the share
        cut[j] = np.nextafter(d[k], np.inf) if take else d[k]
    return cut


def inefficient(output: np.ndarray, floor: np.ndarray, location: np.ndarray, cutoff: np.ndarray, is_park: np.ndarray) -> np.ndarray:
    """Mask of firms in parks whose output per m² is below their park's cutoff."""
    return is_park[location] & (output / floor < cutoff[location])


def upgraded_floor(floor: np.ndarray, gain: float) -> np.ndarray:
    """The floor space (m²) a firm that upgrades in place keeps for the same output: its
    output per m² rises `gain` times (`upgrade_density_gain`). One still below its park's
    cutoff stays in the D class and can be taken again."""
    return floor / gain


def select(ratio: np.ndarray, land: np.ndarray, location: np.ndarray, due_mu: np.ndarray, weight: float, u: np.ndarray) -> np.ndarray:
    """Which of the inefficient firms the programme clears this step: in each location, the
    firms with the lowest density relative to the cutoff (`ratio`) first, whole plots (亩;
    `land` per simulated firm, `weight` real firms each) while they fit in what the
    programme owes the location (`due_mu`); the plot that straddles what is owed is cleared
    once what is owed beyond the plots before it passes `u` times its area, none after it.
    The caller carries the difference (of either sign) to the next step, and `u` is the
    firm's own uniform, the same every step: the firm at cumulative land S before it is
    cleared once the programme has owed S + u x its plot, so the land cleared is what has
    been owed in expectation, whatever the size of a plot. At a reduced firms_scale a
    simulated firm's plot stands for 1/firms_scale firms', and the programme clears no
    more, and no sooner, than at full size (issue 26: whole plots taken as soon as anything
    was owed cleared about a plot a park ahead). Returns a mask over the firms."""
    chosen = np.zeros(ratio.size, dtype=bool)
    if ratio.size == 0:
        return chosen
    idx = np.lexsort((ratio, location))
    loc, plots = location[idx], weight * land[idx]
    cum_before = np.cumsum(plots) - plots
    start = np.searchsorted(loc, loc, side="left")
    before = cum_before - cum_before[start]  # land of the location's firms before this one
    left = due_mu[loc] - before  # what is still owed when this firm's turn comes
    chosen[idx] = (left >= plots) | ((left > 0) & (u[idx] * plots < left))
    return chosen

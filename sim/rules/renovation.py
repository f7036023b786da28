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


def select(ratio: np.ndarray, land: np.ndarray, location: np.ndarray, due_mu: np.ndarray, weight: float) -> np.ndarray:
    """Which of the inefficient firms the programme clears this step: in each location, the
    firms with the lowest density relative to the cutoff (`ratio`) first, each while the
    land cleared before it (亩; `land` per simulated firm) is below what the programme owes
    the location (`due_mu`). Land comes in whole plots, so the last plot can overshoot;
    the caller carries the difference to the next step. Returns a mask over the firms."""
    chosen = np.zeros(ratio.size, dtype=bool)
    if ratio.size == 0:
        return chosen
    idx = np.lexsort((ratio, location))
    loc, plots = location[idx], weight * land[idx]
    cum_before = np.cumsum(plots) - plots
    start = np.searchsorted(loc, loc, side="left")
    chosen[idx] = cum_before - cum_before[start] < due_mu[loc]
    return chosen

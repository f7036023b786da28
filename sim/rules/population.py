"""The synthetic end-2022 state: park x sector output and a firm population that sums to it.

Pure functions of the calibration, the parameters and a random generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config.schema import SECTORS, Calibration
from ..config.params import Params
from ..config.fields import DT, STEPS_PER_YEAR
from .growth import planned, shock

M2_PER_MU = 666.7  # 1 亩 = 666.7 m²


def cell_output(cal: Calibration) -> np.ndarray:
    """Above-scale output (亿/yr) by location x sector; the last row is `outside`.

    A park's leading sectors share `leading_share_2022` of its output in proportion to the
    sector weights; its other sectors share the rest the same way.
    """
    w = np.array([cal.sector_weights[s] for s in SECTORS])
    rows = []
    for p in [*cal.parks, cal.outside]:
        lead = np.array([s in p.leading for s in SECTORS])
        if lead.any():
            share = np.where(
                lead,
                p.leading_share_2022 * w / w[lead].sum(),
                (1.0 - p.leading_share_2022) * w / w[~lead].sum(),
            )
        else:
            share = w / w.sum()
        rows.append(p.output_2022_yi * share)
    return np.array(rows)


def pareto_quantile(u: np.ndarray, alpha: float, lo: float, hi: float = np.inf) -> np.ndarray:
    """Quantile u of a Pareto(alpha) distribution truncated to [lo, hi)."""
    tail = 0.0 if np.isinf(hi) else (lo / hi) ** alpha
    return lo * (1.0 - u * (1.0 - tail)) ** (-1.0 / alpha)


def pareto(rng: np.random.Generator, n: int, alpha: float, lo: float, hi: float = np.inf) -> np.ndarray:
    """n draws from a Pareto(alpha) distribution truncated to [lo, hi)."""
    return pareto_quantile(rng.random(n), alpha, lo, hi)


def scale_to_total(raw: np.ndarray, total: float, lo: float, cap: float) -> np.ndarray:
    """Sizes in [lo, cap] that sum to `total`: the excess over `lo` is scaled by one factor;
    a firm the scaling would push above `cap` is held at it and the rest is scaled again
    (water-filling). If even n x cap falls short, every firm is at the cap."""
    fixed = np.zeros(raw.size, dtype=bool)
    while True:
        excess = (raw - lo)[~fixed].sum()
        need = total - cap * fixed.sum() - lo * (~fixed).sum()
        k = need / excess if excess > 0 else 0.0
        sizes = np.where(fixed, cap, lo + k * (raw - lo) if k > 0 else total / raw.size)
        over = ~fixed & (sizes > cap)
        if not over.any():
            return sizes
        fixed |= over


@dataclass
class Population:
    """Initial firm arrays (one entry per simulated firm) and the weight of each."""

    weight: float
    sector: np.ndarray
    location: np.ndarray
    output_yi: np.ndarray
    age_months: np.ndarray


def synthesize(cal: Calibration, params: Params, firms_scale: float, rng: np.random.Generator) -> Population:
    """Draw firms cell by cell so that weighted above-scale output matches `cell_output`.

    Above-scale firms: Pareto(zipf_exponent) sizes between the threshold and `max_firm_yi`,
    then the excess over the threshold is scaled so the cell's weighted sum is exact (the
    tail keeps its exponent), none above `max_firm_yi` (`scale_to_total`).
    Below-scale firms: Pareto sizes between the smallest entrant and the threshold.
    """
    Y = cell_output(cal)
    weight = 1.0 / firms_scale
    thr = cal.above_scale_threshold_yi
    n_real = cal.above_scale_firms * Y / Y.sum()
    sectors, locations, outputs = [], [], []
    for (j, s), y_cell in np.ndenumerate(Y):
        if y_cell <= 0:
            continue
        n = max(1, int(round(n_real[j, s] * firms_scale)))
        n = min(n, max(1, int(y_cell / (weight * thr * 1.5))))  # keep room above the threshold
        raw = pareto(rng, n, cal.zipf_exponent, thr, cal.max_firm_yi)
        above = scale_to_total(raw, y_cell / weight, thr, cal.max_firm_yi)
        n_small = int(round(n * cal.small_per_above))
        small = pareto(rng, n_small, cal.zipf_exponent, params.entrant_min_yi, thr)
        sizes = np.concatenate([above, small])
        outputs.append(sizes)
        sectors.append(np.full(sizes.size, s, dtype=np.int8))
        locations.append(np.full(sizes.size, j, dtype=np.int16))
    output = np.concatenate(outputs)
    age = rng.exponential(12.0 * cal.mean_firm_age_years, output.size).astype(np.int32)
    return Population(weight, np.concatenate(sectors), np.concatenate(locations), output, age)


def zipf_exponent(sizes: np.ndarray, tail_share: float = 0.2) -> float:
    """Hill estimate of the Pareto tail exponent on the largest `tail_share` of sizes."""
    x = np.sort(np.asarray(sizes))[::-1]
    k = max(int(len(x) * tail_share), 10)
    k = min(k, len(x) - 1)
    return float(k / np.sum(np.log(x[:k] / x[k])))


BURN_IN_MONTHS = 60


def capital_prehistory(params: Params, output: np.ndarray, growth_by_year: list[float], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Capital overhang and investment rates that the model's own rules give in the years
    before the base.

    Investment is irreversible: after a bad shock a firm keeps idle capital until it
    depreciates. Starting every firm at K = capital_output x output would make the first
    simulated year look like an investment boom, so each firm's recent past is simulated:
    12 months of the model's shocks at each of `growth_by_year` (the published growth of
    the years before the base), tracking r = K / (capital_output x y) and the growth trend,
    investing as the model does (`growth.invest`: capital follows the output the firm had
    `investment_lag_years` ago), after a burn-in of `BURN_IN_MONTHS` at their mean rate
    (idle capital takes years to settle). Returns r at the end and, per year, the mean
    yearly gross investment per unit of capital_output x y at the end size: shape [years,
    firms] (the last row is the base year's FAI); and each firm's smoothed growth trend at
    the end (the rule of `growth.trend`), so exit hazards start from the spread of trends
    the shocks make, not from one value.
    """
    dt, months = DT, STEPS_PER_YEAR * len(growth_by_year)
    mean_rate = float(np.mean(growth_by_year))
    r, trend = np.ones(output.size), np.full(output.size, mean_rate)

    def month(rate: float) -> tuple[np.ndarray, np.ndarray]:
        """One month at the year's `rate`: the log growth, and the capital kept before investing."""
        nonlocal r, trend
        u = rng.random((2, output.size)).clip(1e-12, 1 - 1e-12)
        g = rate * dt + shock(params, output, u[0], u[1], rng.standard_normal(output.size), dt)
        kept = r * (1.0 - params.depreciation * dt) * np.exp(-g)
        r = np.maximum(kept, planned(params, 1.0, trend))  # the trend before this month's, as in the model
        trend = trend + (g / dt - trend) * dt
        return g, kept

    # burn-in at the mean rate: starting every firm without idle capital overstates investment
    for _ in range(BURN_IN_MONTHS):
        month(mean_rate)
    monthly = np.zeros((months, output.size))  # yearly rate, per unit of capital at the month's start size
    g = np.zeros((months, output.size))
    for k in range(months):
        g[k], kept = month(growth_by_year[k // 12])
        monthly[k] = (r - kept) * np.exp(g[k]) / dt
    # per unit of the END size: a month's start size is the end size less the growth since
    since = np.cumsum(g[::-1], axis=0)[::-1]  # log growth from the start of month k to the end
    monthly *= np.exp(-since)
    return r, monthly.reshape(len(growth_by_year), 12, output.size).mean(axis=1), trend


def mean_by_size(values: np.ndarray, size: np.ndarray, bins: int = 20) -> np.ndarray:
    """Each firm's value replaced by the mean over firms of similar size (quantile bins of
    log size): an expectation that does not hang on the draws of a few large firms."""
    edges = np.quantile(np.log(size), np.linspace(0.0, 1.0, bins + 1)[1:-1])
    group = np.searchsorted(edges, np.log(size))
    means = np.bincount(group, weights=values, minlength=bins) / np.maximum(np.bincount(group, minlength=bins), 1)
    return means[group]

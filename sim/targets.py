"""The plan's targets, evaluated from recorded aggregates (ODD: Targets).

`evaluate` is a pure function of a Recorder-like object (arrays by date, location and
sector), so tests can hand-build states. Annual values are means of the 12 monthly
annualised values of the target year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .config import ECOSYSTEMS, SECTORS, Targets

NAMES = ("parks_output", "leading_share", "fai_growth", "clusters_1000yi", "clusters_10000yi", "leading_share_gain", "st_coverage")


@dataclass
class TargetValue:
    name: str
    description: str
    threshold: float
    unit: str
    value: float
    met: bool


def annual(series: np.ndarray, years: np.ndarray, year: int) -> np.ndarray:
    """Mean of the records dated in `year` (the first record, end of the base year, stands
    for the base year itself)."""
    rows = years == year
    if not rows.any():
        raise ValueError(f"no records for year {year}")
    return series[rows].mean(axis=0)


def evaluate(rec, t: Targets, base_year: int) -> list[TargetValue]:
    """Every target as (value, threshold, met) at `t.year`."""
    Y, parks = t.year, rec.is_park
    out = rec.cells["output_yi"]  # above-scale output, [date, location, sector]
    out_y = annual(out, rec.years, Y)
    lead_y = annual(rec.leading_output(), rec.years, Y)
    parks_out = out_y[parks].sum()

    fai = rec.fai_by_location()[:, parks].sum(axis=1)
    fai_base = fai[0]  # the record at the end of the base year is the base year's FAI
    fai_growth = (annual(fai, rec.years, Y) / fai_base) ** (1.0 / (Y - base_year)) - 1.0

    eco = [SECTORS.index(s) for s in ECOSYSTEMS]
    scope = parks if t.cluster_scope == "parks" else np.ones_like(parks)
    clusters = out_y[scope][:, eco].sum(axis=0)

    share_0 = rec.leading_output()[0][parks] / out[0][parks].sum(axis=1)
    total_y = out_y[parks].sum(axis=1)  # a park can empty out at extreme parameter values:
    share_y = np.divide(lead_y[parks], total_y, out=np.zeros_like(total_y), where=total_y > 0)  # share 0
    if t.leading_share_gain_mode == "relative":
        required = share_0 * (1.0 + t.leading_share_gain)
    else:
        required = share_0 + t.leading_share_gain
    gained = share_y >= np.minimum(required, t.leading_share_cap) - 1e-12

    platforms = rec.locations["st_platforms"][rec.years == Y][-1][parks]
    coverage = float(np.mean(platforms >= 1))
    gain_word = f"x{1 + t.leading_share_gain:g}" if t.leading_share_gain_mode == "relative" else f"+{t.leading_share_gain * 100:g} points"

    rows = [
        ("parks_output", f"parks' above-scale output in {Y}", t.parks_output_yi, "亿元", parks_out),
        ("leading_share", f"leading industries' share of parks' output in {Y}", t.leading_share, "share", lead_y[parks].sum() / parks_out),
        ("fai_growth", f"parks' FAI growth, yearly average {base_year}-{Y}", t.fai_growth, "1/yr", fai_growth),
        ("clusters_1000yi", f"ecosystems ({t.cluster_scope}) with output >= {t.cluster_1000yi:g}亿", t.clusters_1000yi_count, "count", np.sum(clusters >= t.cluster_1000yi)),
        ("clusters_10000yi", f"ecosystems ({t.cluster_scope}) with output >= {t.cluster_10000yi:g}亿", t.clusters_10000yi_count, "count", np.sum(clusters >= t.cluster_10000yi)),
        ("leading_share_gain", f"share of parks whose leading share rose {gain_word} on {base_year} (or reached {t.leading_share_cap:g})", 1.0, "share of parks", gained.mean()),
        ("st_coverage", f"share of parks with a provincial S&T platform at end-{Y}", t.st_coverage, "share of parks", coverage),
    ]
    return [TargetValue(n, d, float(th), u, float(v), bool(v >= th - 1e-12)) for n, d, th, u, v in rows]


def wilson(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default)."""
    if n <= 0:
        raise ValueError("n must be positive")
    if successes == 0:
        return 0.0, wilson_upper_at_zero(n, z)
    if successes == n:
        return 1.0 - wilson_upper_at_zero(n, z), 1.0
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def wilson_upper_at_zero(n: int, z: float = 1.959963984540054) -> float:
    """Upper end of the Wilson interval when no trial succeeded: z² / (n + z²)."""
    return z * z / (n + z * z)


def summarize(per_replication: list[list[TargetValue]]) -> list[dict]:
    """targets.json entries: values and met per replication, met fraction, Wilson 95%."""
    out = []
    for i, first in enumerate(per_replication[0]):
        values = [reps[i].value for reps in per_replication]
        met = [reps[i].met for reps in per_replication]
        lo, hi = wilson(sum(met), len(met))
        out.append(
            dict(
                name=first.name,
                description=first.description,
                threshold=first.threshold,
                unit=first.unit,
                values=values,
                met=met,
                met_fraction=sum(met) / len(met),
                ci95=[lo, hi],
            )
        )
    return out

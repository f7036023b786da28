"""The plan's targets, evaluated from recorded aggregates (ODD: Targets).

`evaluate` is a pure function of a Recorder-like object (arrays by date, location and
sector), so tests can hand-build states. Annual values are means of the 12 monthly
annualised values of the target year.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from ..config.schema import ECOSYSTEMS, SECTORS, Targets

NAMES = ("parks_output", "leading_share", "fai_growth", "clusters_1000yi", "clusters_10000yi", "leading_share_gain", "st_coverage")


@dataclass
class TargetValue:
    name: str
    description: str
    threshold: float
    unit: str
    value: float
    met: bool
    reading: str = ""  # the definition used: the reading keys that shape this target

    @property
    def margin(self) -> float | None:
        """value / threshold - 1 (for counts, (count - required) / required); None when the
        threshold is 0 or below, or so close to 0 that the ratio is not a finite number (a
        threshold of 1e-320: undefined, as at 0)."""
        if not self.threshold > 0:
            return None
        margin = self.value / self.threshold - 1.0
        return margin if math.isfinite(margin) or not math.isfinite(self.value) else None


# the targets.* keys (besides thresholds) that decide each target's definition
READING_KEYS = {
    "parks_output": ("output_scope", "prices"),
    "leading_share": ("leading_set",),
    "fai_growth": ("fai_base", "prices"),
    "clusters_1000yi": ("cluster_scope", "clusters_1000yi_ecosystems", "output_scope", "prices"),
    "clusters_10000yi": ("cluster_scope", "clusters_10000yi_ecosystems", "clusters_10000yi_count", "output_scope", "prices"),
    "leading_share_gain": ("leading_set", "leading_share_gain_mode"),
    "st_coverage": (),
}


def reading_of(name: str, t: Targets) -> str:
    """The reading of target `name` under `t`, e.g. "output_scope=industrial, prices=real"."""
    def show(v):
        return "[" + ",".join(v) + "]" if isinstance(v, list) else str(v)
    return ", ".join(f"{k}={show(getattr(t, k))}" for k in READING_KEYS[name])


def annual(series: np.ndarray, years: np.ndarray, year: int) -> np.ndarray:
    """Mean of the records dated in `year` (the first record, end of the base year, stands
    for the base year itself)."""
    rows = years == year
    if not rows.any():
        raise ValueError(f"no records for year {year}")
    return series[rows].mean(axis=0)


def main_leading(leading: np.ndarray, output_0: np.ndarray) -> np.ndarray:
    """一园一主业: each location's single largest declared leading sector in record 0."""
    main = np.zeros_like(leading)
    rows = np.flatnonzero(leading.any(axis=1))
    main[rows, np.where(leading[rows], output_0[rows], -np.inf).argmax(axis=1)] = True
    return main


def money(rec, t: Targets) -> np.ndarray:
    """Per record, the factor from 2022 prices to the reading's prices."""
    return rec.price_index if t.prices == "nominal" else np.ones(len(rec.years))


def parks_output_series(rec, t: Targets) -> np.ndarray:
    """Per record, the quantity the parks_output target reads (亿/yr): parks' above-scale
    industrial output, plus their services revenue under all_enterprises, at its prices."""
    total = rec.cells["output_yi"][:, rec.is_park].sum(axis=(1, 2))
    if t.output_scope == "all_enterprises":
        total = total + rec.services_yi[:, rec.is_park].sum(axis=1)
    return total * money(rec, t)


def services_by_sector(rec, t: Targets, year: int) -> np.ndarray:
    """The parks' services revenue in `year` by sector, counted in the clusters as in
    parks_output: under output_scope=all_enterprises each park's services go to its main
    leading industry (ASSUMPTION: a park's services serve its main industry, as 滨江's software
    and information services its smart IoT); none under industrial, and none for a park
    without a leading industry (`outside` has none, and no services revenue)."""
    out = np.zeros(len(SECTORS))
    if t.output_scope != "all_enterprises":
        return out
    services = annual(rec.services_yi * money(rec, t)[:, None], rec.years, year)
    main = main_leading(rec.leading, rec.cells["output_yi"][0])
    for j in np.flatnonzero(rec.is_park & main.any(axis=1)):
        out[main[j].argmax()] += services[j]
    return out


def evaluate(rec, t: Targets, base_year: int) -> list[TargetValue]:
    """Every target as (value, threshold, met) at `t.year`, under the reading `t`."""
    Y, parks, m = t.year, rec.is_park, money(rec, t)
    out = rec.cells["output_yi"] * m[:, None, None]  # above-scale industrial output [date, location, sector]
    out_y = annual(out, rec.years, Y)
    leading = main_leading(rec.leading, rec.cells["output_yi"][0]) if t.leading_set == "main" else rec.leading
    lead_out = (out * leading[None]).sum(axis=2)
    lead_y = annual(lead_out, rec.years, Y)
    parks_out = annual(parks_output_series(rec, t), rec.years, Y)

    fai = rec.fai_by_location()[:, parks].sum(axis=1) * m
    fai_base = fai[0] if t.fai_base == "simulated" else rec.fai_base_published
    fai_growth = (annual(fai, rec.years, Y) / fai_base) ** (1.0 / (Y - base_year)) - 1.0

    scope = parks if t.cluster_scope == "parks" else np.ones_like(parks)
    clusters = dict(zip(SECTORS, out_y[scope].sum(axis=0) + services_by_sector(rec, t, Y)))

    def count(threshold: float, eligible: list[str]) -> int:
        return sum(clusters[s] >= threshold for s in (eligible or ECOSYSTEMS))

    share_0 = lead_out[0][parks] / out[0][parks].sum(axis=1)
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
    prices = "current prices" if t.prices == "nominal" else f"{base_year} prices"
    scope_word = "above-scale enterprises'" if t.output_scope == "all_enterprises" else "above-scale industrial"
    with_services = ", services in the park's main industry" if t.output_scope == "all_enterprises" else ""
    lead_word = "main leading industry's (一园一主业)" if t.leading_set == "main" else "leading industries'"

    def eco_word(eligible: list[str]) -> str:
        return "+".join(eligible) if eligible else "ecosystems"

    rows = [
        ("parks_output", f"parks' {scope_word} output in {Y}, {prices}", t.parks_output_yi, "亿元", parks_out),
        ("leading_share", f"{lead_word} share of parks' output in {Y}", t.leading_share, "share", lead_y[parks].sum() / out_y[parks].sum()),
        ("fai_growth", f"parks' FAI growth a year {base_year}-{Y} on the {t.fai_base} {base_year} base, {prices}", t.fai_growth, "1/yr", fai_growth),
        ("clusters_1000yi", f"{eco_word(t.clusters_1000yi_ecosystems)} ({t.cluster_scope}) with output >= {t.cluster_1000yi:g}亿 in {Y}{with_services}", t.clusters_1000yi_count, "count", count(t.cluster_1000yi, t.clusters_1000yi_ecosystems)),
        ("clusters_10000yi", f"{eco_word(t.clusters_10000yi_ecosystems)} ({t.cluster_scope}) with output >= {t.cluster_10000yi:g}亿 in {Y}{with_services}", t.clusters_10000yi_count, "count", count(t.cluster_10000yi, t.clusters_10000yi_ecosystems)),
        ("leading_share_gain", f"share of parks whose {lead_word} share rose {gain_word} on {base_year} (or reached {t.leading_share_cap:g}) by {Y}", 1.0, "share of parks", gained.mean()),
        ("st_coverage", f"share of parks with a provincial S&T platform at end-{Y}", t.st_coverage, "share of parks", coverage),
    ]
    return [TargetValue(n, d, float(th), u, float(v), bool(v >= th - 1e-12), reading_of(n, t)) for n, d, th, u, v in rows]


def years_met(rec, t: Targets, base_year: int) -> dict[str, int | None]:
    """The first full year (after the base year) in which each target is met, or None: each
    target evaluated with its threshold in that year, up to the last full year recorded."""
    last = int(rec.years.max()) if np.sum(rec.years == rec.years.max()) == 12 else int(rec.years.max()) - 1
    first: dict[str, int | None] = {name: None for name in NAMES}
    for year in range(base_year + 1, last + 1):
        for v in evaluate(rec, dataclasses.replace(t, year=year), base_year):
            if v.met and first[v.name] is None:
                first[v.name] = year
    return first


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default), by scipy's binomtest."""
    from scipy.stats import binomtest  # here: scipy.stats costs about a second to import

    if n <= 0:
        raise ValueError("n must be positive")
    ci = binomtest(int(successes), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def summarize(per_replication: list[list[TargetValue]], first_years: list[dict] | None = None) -> list[dict]:
    """targets.json entries: per replication the value, met flag and margin (and the year
    first met, if given), then the met fraction, its Wilson 95% interval and the median
    margin."""
    out = []
    for i, first in enumerate(per_replication[0]):
        values = [reps[i].value for reps in per_replication]
        met = [reps[i].met for reps in per_replication]
        margins = [reps[i].margin for reps in per_replication]
        lo, hi = wilson(sum(met), len(met))
        entry = dict(
            name=first.name,
            description=first.description,
            reading=first.reading,
            threshold=first.threshold,
            unit=first.unit,
            values=values,
            met=met,
            margin=margins,
            met_fraction=sum(met) / len(met),
            ci95=[lo, hi],
            median_margin=None if None in margins else float(np.median(margins)),
        )
        if first_years is not None:
            entry["year_met"] = [years[first.name] for years in first_years]
        out.append(entry)
    return out

"""Two runs compared target by target: the change in P(met) and in the median, paired by
replication where the runs allow it (the dashboard's reference and next run).

Replication k of a run draws its model seeds from (seed, k) (sim.model.streams), and under
uncertainty=parameters or posterior its parameter values from the Latin hypercube of the
seed and the replication count and its particle from (seed, k) (sim/runs/uncertainty.py,
sim/runs/posterior.py). So two runs with the same seed, replications, uncertainty,
posterior sample, held parameters and firm scale run replication k on the same draws: the
difference of their replication k is the policy's effect on that draw, and the differences
are paired. `compare` says when they are not, and why, and then gives the differences of
the two summaries only.

Pure functions of the targets.json content (sim.runs.simulate.simulate's result, with
`firms_scale` added by the caller, which targets.json does not record), so tests hand-make it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .targets import wilson

# what decides replication k's seeds and parameter draws, as targets.json (and the caller) records it
PAIRING = ("seed", "replications", "uncertainty", "firms_scale", "posterior", "held")
COST_UNIT = "亿元 in total"  # the public cost over the plan period (a target's 亿元 is a year's)


@dataclass(frozen=True)
class Change:
    """One target (or the public cost, without P(met)) in the reference run and the current one."""

    name: str
    description: str
    unit: str
    median_reference: float
    median_current: float
    # paired: the median over k of (current_k - reference_k); unpaired: the difference of the medians
    median_change: float
    higher: int | None = None  # replications higher in the current run than in the reference (paired only)
    lower: int | None = None
    p_reference: float | None = None  # P(met)
    p_current: float | None = None
    p_change: float | None = None  # p_current - p_reference (paired or not: the mean of the paired differences)
    p_interval: tuple[float, float] | None = None  # 95% interval of p_change for paired proportions (paired only)
    gained: int | None = None  # replications that meet the target in the current run and not in the reference
    lost: int | None = None  # replications that meet it in the reference and not in the current run


@dataclass(frozen=True)
class Comparison:
    paired: bool
    unpaired_by: list[str]  # the PAIRING settings that differ, 'seed: 0 and 1'; empty when paired
    targets: list[Change]
    cost: Change | None  # the policy's public cost over the plan period (亿元), if both runs record it per replication


def pairing(raw: dict) -> dict:
    """The settings of `raw` (targets.json content, with `firms_scale`) that decide replication k's draws."""
    post = raw.get("posterior")
    return {"seed": raw.get("seed"), "replications": raw.get("replications"), "uncertainty": raw.get("uncertainty"),
            "firms_scale": raw.get("firms_scale"), "posterior": post.get("name") if post else None, "held": raw.get("held") or {}}


def unpaired_by(reference: dict, current: dict) -> list[str]:
    a, b = pairing(reference), pairing(current)
    return [f"{k.replace('_', ' ')}: {a[k]} and {b[k]}" for k in PAIRING if a[k] != b[k]]


def paired_interval(both: int, only_current: int, only_reference: int, neither: int) -> tuple[float, float]:
    """95% interval of the difference of two paired proportions, P(current) - P(reference), from
    the 2x2 table of the replications (Newcombe 1998, method 10: the two Wilson intervals
    combined with the correlation of the pairs). It lies in [-1, 1] and holds the difference."""
    n = both + only_current + only_reference + neither
    p1, p2 = (both + only_current) / n, (both + only_reference) / n
    (l1, u1), (l2, u2) = wilson(both + only_current, n), wilson(both + only_reference, n)
    denominator = (both + only_current) * (only_reference + neither) * (both + only_reference) * (only_current + neither)
    phi = (both * neither - only_current * only_reference) / math.sqrt(denominator) if denominator > 0 else 0.0
    d = p1 - p2
    below = math.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    above = math.sqrt(max((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    return max(-1.0, d - below), min(1.0, d + above)


def change(name: str, description: str, unit: str, reference: list[float], current: list[float], paired: bool) -> Change:
    """The medians of two runs' values and their change: paired, the median of the per-replication differences."""
    ref, cur = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    if paired:
        diff = cur - ref
        return Change(name, description, unit, float(np.median(ref)), float(np.median(cur)), float(np.median(diff)),
                      higher=int((diff > 0).sum()), lower=int((diff < 0).sum()))
    return Change(name, description, unit, float(np.median(ref)), float(np.median(cur)), float(np.median(cur) - np.median(ref)))


def compare(reference: dict, current: dict) -> Comparison:
    """Each target of both runs (by name, in the current run's order), and the public cost:
    the medians and P(met) of each run and their changes, paired by replication when
    `unpaired_by` finds no difference in the settings that decide the draws."""
    why = unpaired_by(reference, current)
    paired = not why
    before = {t["name"]: t for t in reference["targets"]}
    rows = []
    for t in current["targets"]:
        r = before.get(t["name"])
        if r is None:
            continue
        c = change(t["name"], t["description"], t["unit"], r["values"], t["values"], paired)
        met_r, met_c = np.asarray(r["met"], dtype=bool), np.asarray(t["met"], dtype=bool)
        p_r, p_c = float(met_r.mean()), float(met_c.mean())
        extra = dict(p_reference=p_r, p_current=p_c, p_change=p_c - p_r)
        if paired:
            both, gained, lost = int((met_r & met_c).sum()), int((met_c & ~met_r).sum()), int((met_r & ~met_c).sum())
            extra.update(gained=gained, lost=lost, p_interval=paired_interval(both, gained, lost, len(met_c) - both - gained - lost))
        rows.append(Change(**{**c.__dict__, **extra}))
    cost = None
    if "values_yi" in reference.get("cost", {}) and "values_yi" in current.get("cost", {}):
        first, last = current["cost"]["period"]
        cost = change("cost", f"public cost {first}-{last}", COST_UNIT, reference["cost"]["values_yi"], current["cost"]["values_yi"], paired)
    return Comparison(paired, why, rows, cost)

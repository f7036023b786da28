"""What the dashboard (app.py, `solara run app.py`) shows, as plain data and pictures, so it
can be tested without a browser: the levers' controls from the schema's field metadata, a
named scenario's lever values, and a run's scorecard, fan chart, cluster bars and park table
(the charts are the report's own, sim.sweep.figures)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from .config.schema import ECOSYSTEMS, Policy
from .config.loading import load_config
from .runs.table import cost_line, margin_words, median, p_cell, shown, uncertainty_words, unit_of


@dataclass(frozen=True)
class Control:
    """One lever as a control: a slider over its plausible range, or a choice."""

    name: str  # the field of sim.config.Policy, which sim.run takes as a keyword
    label: str
    unit: str
    source: str
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    choices: tuple[str, ...] | None = None


def nice_step(lo: float, hi: float) -> float:
    """About a hundredth of the range, rounded down to 1, 2 or 5 times a power of ten."""
    raw = (hi - lo) / 100.0
    power = 10.0 ** math.floor(math.log10(raw))
    return max(m * power for m in (1.0, 2.0, 5.0) if m * power <= raw)


def controls() -> list[Control]:
    """Every lever of sim.config.Policy, in the schema's order: its range and unit are the
    field's metadata (the same numbers validation, sweeps and the search use)."""
    out = []
    for f in dataclasses.fields(Policy):
        meta = f.metadata
        label = f.name.replace("_", " ")
        if "choices" in meta:
            out.append(Control(f.name, label, "", "", choices=tuple(meta["choices"])))
        elif "range" in meta:
            lo, hi = (float(v) for v in meta["range"])
            out.append(Control(f.name, label, meta.get("unit", ""), meta.get("source", ""), lo, hi, nice_step(lo, hi)))
        else:  # a lever without a plausible range cannot be a slider: the schema must give one
            raise TypeError(f"sim.config.Policy.{f.name} has no 'range' or 'choices' in its metadata")
    return out


def scenario_levers(name: str) -> dict[str, Any]:
    """The lever values of the named scenario (configs/scenario/NAME.yaml)."""
    return dataclasses.asdict(load_config(scenario=name).policy)


# ------------------------------------------------------------------ a run, as the page shows it
@dataclass(frozen=True)
class View:
    scorecard_html: str  # one row per target: description, threshold, median, margin, P(met) [interval]
    fan_png: bytes
    clusters_png: bytes
    parks_html: str  # one row per park: Chinese name, id, end-of-base-year and target-year output
    summary: str  # one line: scenario, replications, uncertainty (the posterior, held parameters); the policy's public cost


def scorecard_html(result) -> str:
    """The targets as the terminal table words them (sim.runs.table), in the report's HTML table."""
    from .sweep.figures import prob_colour
    from .sweep.report_html import E, table, td

    header = [f"target ({result.config.targets.year})", "threshold", "median", "median margin", "P(met) [95% interval]"]
    rows = [[td(t["description"]), td(f"{shown(t['threshold'], t['unit'])} {unit_of(t['unit'])}", "num"),
             td(shown(median(t["values"]), t["unit"]), "num"), td(margin_words(t["median_margin"])),
             td(p_cell(t), "num", f"background:{prob_colour(t['met_fraction'])}")] for t in result.raw["targets"]]
    return table([E(h) for h in header], rows, raw=True, cls="scorecard")


def view(result) -> View:
    """The dashboard's picture of a `sim.run` result."""
    from .sweep import figures
    from .sweep.report_html import E, table, td, yi
    from .sweep.report_jobs import cluster_labels, park_names, series, target_settings

    config = dataclasses.asdict(result.config)
    got = series(result.timeseries, config)
    s = target_settings(config)
    t = result.targets["parks_output"]
    title = f"{result.config.scenario}, {result.config.replications} replications"
    fan = figures.fan_chart([(title, got.fan)], t.threshold, t.unit, None)
    ecos = [e for e in ECOSYSTEMS if got.clusters is not None and e in got.clusters.index]
    c = got.clusters.reindex(ecos) if got.clusters is not None else None
    _, lines, ylabel = cluster_labels(s)
    bars = figures.cluster_bars(ecos, [(title, c["p50"], c["p10"], c["p90"])] if c is not None else [], lines, ylabel, None)
    names = park_names(config)
    ids = [i for i in names if got.parks is not None and i in got.parks.index]
    rows = [[td(names[i]), td(i), td(yi(got.parks_base.get(i, math.nan)), "num"), td(yi(got.parks[i]), "num")] for i in ids]
    base = result.config.calibration.base_year
    parks = table([E(h) for h in ("park", "id", f"end-{base} (亿元/yr)", f"{s['year']}, median (亿元/yr)")], rows, raw=True, cls="parks")
    summary = "; ".join([f"{title}, uncertainty={result.config.uncertainty}, firms_scale={result.config.firms_scale:g}, seed={result.config.seed}",
                         *uncertainty_words(result.raw), cost_line(result.raw["cost"])])  # the posterior drawn, the parameters held
    return View(scorecard_html(result), fan, bars, parks, summary)

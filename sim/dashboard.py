"""What the dashboard (app.py, `solara run app.py`) shows, as plain data and pictures, so it
can be tested without a browser: the levers' controls from the schema's field metadata, a
named scenario's lever values, the run settings' defaults (`python run.py`'s), a run's
scorecard, fan chart, cluster bars and park table (the charts are the report's own,
sim.sweep.figures), a pinned reference run compared with the next one (sim.runs.compare),
and each of them as files to download (CSV, PNG)."""

from __future__ import annotations

import dataclasses
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .config.loading import load_config
from .config.schema import ECOSYSTEMS, Config, Policy
from .runs.compare import Change, Comparison, compare
from .runs.table import UNITS, cost_line, margin_words, median, p_cell, shown, uncertainty_words, unit_of, verdict_lines

RUN_SETTINGS = ("replications", "uncertainty", "firms_scale", "seed")  # besides the scenario and its levers


@dataclass(frozen=True)
class Control:
    """One lever as a control: a slider over its plausible range, or a choice."""

    name: str  # the field of sim.config.Policy, which sim.run takes as a keyword
    label: str  # plain words and the unit (field metadata `label`)
    help: str  # what the lever does (field metadata `help`)
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
    """Every lever of sim.config.Policy, in the schema's order: its label, help, range and
    unit are the field's metadata (the range is what validation, sweeps and the search use)."""
    out = []
    for f in dataclasses.fields(Policy):
        meta = f.metadata
        if not meta.get("label") or not meta.get("help"):
            raise TypeError(f"sim.config.Policy.{f.name} has no 'label' or 'help' in its metadata (fields.lever, fields.choice)")
        words = dict(name=f.name, label=meta["label"], help=meta["help"], source=meta.get("source", ""))
        if "choices" in meta:
            out.append(Control(**words, unit="", choices=tuple(meta["choices"])))
        elif "range" in meta:
            lo, hi = (float(v) for v in meta["range"])
            out.append(Control(**words, unit=meta.get("unit", ""), lo=lo, hi=hi, step=nice_step(lo, hi)))
        else:  # a lever without a plausible range cannot be a slider: the schema must give one
            raise TypeError(f"sim.config.Policy.{f.name} has no 'range' or 'choices' in its metadata")
    return out


def scenario_levers(name: str) -> dict[str, Any]:
    """The lever values of the named scenario (configs/scenario/NAME.yaml)."""
    return dataclasses.asdict(load_config(scenario=name).policy)


def defaults() -> dict[str, Any]:
    """replications, uncertainty, firms_scale and seed as `python run.py` has them (the schema's defaults)."""
    fields = {f.name: f for f in dataclasses.fields(Config)}
    return {k: fields[k].default for k in RUN_SETTINGS}


def value_words(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):  # a schedule {year: value}
        return ", ".join(f"{y}: {value_words(v)}" for y, v in value.items())
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def changed(reference: dict, current: dict) -> list[str]:
    """The settings two runs differ in, in words: 'Land renovation, 亩 a year: 10,000 → 20,000'."""
    labels = {"scenario": "scenario", **{k: k.replace("_", " ") for k in RUN_SETTINGS}, **{c.name: c.label for c in controls()}}
    return [f"{labels.get(k, k)}: {value_words(reference.get(k))} → {value_words(current[k])}" for k in current if reference.get(k) != current[k]]


# ------------------------------------------------------------------ a run, as the page shows it
@dataclass(frozen=True)
class Figures:
    fan_png: bytes
    clusters_png: bytes
    parks_html: str


@dataclass(frozen=True, eq=False)  # compared by identity: the page asks whether a run is the pinned one
class Run:
    """A run the page shows: the settings it was run with and what it produced."""

    settings: dict  # scenario, the RUN_SETTINGS and every lever: sim.run's keywords
    raw: dict  # the targets.json content, with firms_scale (sim.runs.compare pairs on it)
    config: Config
    series: Any  # sim.sweep.report_jobs.Series: fan, parks, clusters
    scorecard_html: str
    summary: str  # one line: scenario, replications, uncertainty (the posterior, held parameters); the policy's public cost
    figures: Figures | None = None  # its fan chart, cluster bars and park table
    verdict: tuple[str, ...] = ()  # sim.runs.table.verdict_lines(raw["targets"]): one plain-words line per target


def run(settings: dict, on_progress: Callable[[int, int], None] | None = None) -> Run:
    """`sim.run(**settings)`, as the page keeps it."""
    from .runs.api import run as sim_run  # sim.run: the sibling module, not the package (tests/test_layout.py)

    return of_result(sim_run(on_progress=on_progress, **settings), settings)


def settings_of(config: Config) -> dict:
    """The page's settings of a run's config: its scenario, RUN_SETTINGS and levers."""
    return {"scenario": config.scenario, **{k: getattr(config, k) for k in RUN_SETTINGS}, **dataclasses.asdict(config.policy)}


def of_result(result, settings: dict | None = None) -> Run:
    """A `sim.run` result as the page shows it; `settings`: what it was run with (default: from its config)."""
    from .sweep.report_jobs import series

    cfg = result.config
    settings = dict(settings) if settings is not None else settings_of(cfg)
    raw = {**result.raw, "firms_scale": cfg.firms_scale}
    summary = "; ".join([f"{cfg.scenario}, {cfg.replications} replications, uncertainty={cfg.uncertainty}, firms_scale={cfg.firms_scale:g}, "
                         f"seed={cfg.seed}", *uncertainty_words(raw), cost_line(raw["cost"])])  # the posterior drawn, the parameters held
    r = Run(settings, raw, cfg, series(result.timeseries, dataclasses.asdict(cfg)), scorecard_html(raw), summary,
            verdict=tuple(verdict_lines(raw["targets"])))
    return dataclasses.replace(r, figures=figures([(cfg.scenario, r)]))


def scorecard_html(raw: dict) -> str:
    """The targets as the terminal table words them (sim.runs.table), in the report's HTML table."""
    from .sweep.figures import prob_colour
    from .sweep.report_html import E, table, td

    header = [f"target ({raw['target_year']})", "threshold", "median", "median margin", "P(met) [95% interval]"]
    rows = [[td(t["description"]), td(f"{shown(t['threshold'], t['unit'])} {unit_of(t['unit'])}", "num"),
             td(shown(median(t["values"]), t["unit"]), "num"), td(margin_words(t["median_margin"])),
             td(p_cell(t), "num", f"background:{prob_colour(t['met_fraction'])}")] for t in raw["targets"]]
    return table([E(h) for h in header], rows, raw=True, cls="scorecard")


def figures(runs: list[tuple[str, Run]]) -> Figures:
    """The fan chart (a panel per run), the cluster bars (a bar per run) and the park table (a
    column per run) of one run or of the reference and the current run."""
    from .sweep import figures as fig
    from .sweep.report_html import E, table, td, yi
    from .sweep.report_jobs import cluster_labels, park_names, target_settings

    config = runs[-1][1].config
    t = next(t for t in runs[-1][1].raw["targets"] if t["name"] == "parks_output")
    fan = fig.fan_chart([(title, r.series.fan) for title, r in runs], t["threshold"], t["unit"], None)
    s = target_settings(dataclasses.asdict(config))
    bars = []
    for title, r in runs:
        c = r.series.clusters
        if c is not None:
            c = c.reindex(list(ECOSYSTEMS))
            bars.append((title, c["p50"], c["p10"], c["p90"]))
    _, lines, ylabel = cluster_labels(s)
    clusters = fig.cluster_bars(list(ECOSYSTEMS), bars, lines, ylabel, None)
    names = park_names(dataclasses.asdict(config))
    last = runs[-1][1].series
    ids = [i for i in names if last.parks is not None and i in last.parks.index]
    base = config.calibration.base_year
    header = ["park", "id", f"end-{base} (亿元/yr)", *(f"{s['year']}, {title}, median (亿元/yr)" for title, _ in runs)]
    if len(runs) == 2:
        header.append("change of the medians")
    rows = []
    for i in ids:
        values = [r.series.parks.get(i, math.nan) if r.series.parks is not None else math.nan for _, r in runs]
        row = [td(names[i]), td(i), td(yi(last.parks_base.get(i, math.nan)), "num"), *(td(yi(v), "num") for v in values)]
        if len(runs) == 2:
            row.append(td(signed(values[1] - values[0], "亿元"), "num"))
        rows.append(row)
    return Figures(fan, clusters, table([E(h) for h in header], rows, raw=True, cls="parks"))


# ------------------------------------------------------------------ a reference and the next run
def amount(value: float, unit: str) -> str:
    """A value in its unit as the terminal table shows it ('21,162 亿元/yr', '52.4 %'); another unit's with a thousands separator."""
    return f"{shown(value, unit)} {unit_of(unit)}" if unit in UNITS else f"{value:,.0f} {unit}"


def signed(value: float, unit: str) -> str:
    """A change in the target's unit: '+2,240 亿元/yr', '−5.2 pts' (a share's change is in points)."""
    if value is None or not math.isfinite(value):
        return "–"
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return sign + amount(abs(value), unit).replace("%", "pts", 1)


def p_change_cell(c: Change) -> str:
    text = f"{'+' if c.p_change > 0 else '−' if c.p_change < 0 else '±'}{abs(c.p_change):.2f}"
    if c.p_interval is not None:
        lo, hi = c.p_interval
        text += f" [{lo:+.2f}, {hi:+.2f}]"
    return text


def pairing_words(comparison: Comparison, reference: Run) -> str:
    s = reference.settings
    if comparison.paired:
        return (f"Paired: both runs have seed {s['seed']}, {s['replications']} replications, uncertainty={s['uncertainty']} and "
                f"firms_scale={s['firms_scale']:g}, so replication k of each ran on the same seeds and parameter draws. A median "
                "change is the median of the per-replication changes; the P(met) interval is for paired proportions (Newcombe).")
    return (f"Not paired: the runs differ in {'; '.join(comparison.unpaired_by)}. The changes are those of the two summaries "
            "(the difference of the medians, of the P(met)), without an interval: run both with the same settings to pair them.")


def comparison_html(comparison: Comparison) -> str:
    from .sweep.figures import prob_colour
    from .sweep.report_html import E, table, td

    def p(x: float) -> str:
        return f"background:{prob_colour(x)}"

    header = ["target", "P(met), reference", "P(met), this run", "change in P(met) [95% interval]", "met now / no longer",
              "median: reference → this run", "median change" + (", paired" if comparison.paired else ""), "higher / lower"]
    rows = []
    for c in [*comparison.targets, *([comparison.cost] if comparison.cost else [])]:
        is_target = c.p_change is not None
        counts = lambda a, b: td(f"{a} / {b}" if a is not None else "–", "num")  # noqa: E731
        rows.append([td(c.description),
                     td(f"{c.p_reference:.2f}", "num", p(c.p_reference)) if is_target else td("–", "num"),
                     td(f"{c.p_current:.2f}", "num", p(c.p_current)) if is_target else td("–", "num"),
                     td(p_change_cell(c), "num") if is_target else td("–", "num"),
                     counts(c.gained, c.lost) if is_target else td("–", "num"),
                     td(f"{amount(c.median_reference, c.unit).split(' ')[0]} → {amount(c.median_current, c.unit)}", "num"),
                     td(signed(c.median_change, c.unit), "num"), counts(c.higher, c.lower)])
    return table([E(h) for h in header], rows, raw=True, cls="comparison")


@dataclass(frozen=True, eq=False)
class Compared:
    """The reference and the current run side by side."""

    reference: Run
    current: Run
    comparison: Comparison
    changed: list[str]  # the settings the current run differs in
    html: str
    pairing: str  # one line: paired, or why not
    figures: Figures


def compared(reference: Run, current: Run) -> Compared:
    c = compare(reference.raw, current.raw)
    return Compared(reference, current, c, changed(reference.settings, current.settings), comparison_html(c),
                    pairing_words(c, reference), figures([("reference", reference), ("this run", current)]))


# ------------------------------------------------------------------ downloads
def settings_words(settings: dict) -> str:
    """'scenario=baseline; replications=10; ...; factory_space_m2_per_year=4000000; ...' (a CSV column)."""
    return "; ".join(f"{k}={v:.15g}" if isinstance(v, float) else f"{k}={v}" for k, v in settings.items())


def csv_text(rows: list[dict], counts: tuple[str, ...] = ()) -> str:
    """CSV of `rows`; the `counts` columns as integers, empty where there is none."""
    import pandas as pd

    out = io.StringIO()
    frame = pd.DataFrame(rows)
    frame = frame.astype({c: "Int64" for c in counts})
    frame.to_csv(out, index=False, lineterminator="\n")
    return out.getvalue()


def scorecard_csv(r: Run) -> str:
    """The scorecard, a row per target (values in the target's unit as targets.json has them: a
    share as a fraction, 亿元 a year), with the settings of the run in every row."""
    rows = [dict(target=t["name"], description=t["description"], unit=t["unit"], threshold=t["threshold"],
                 median=median(t["values"]), median_margin=t["median_margin"], p_met=t["met_fraction"], p_met_lo=t["ci95"][0],
                 p_met_hi=t["ci95"][1], replications=len(t["values"]), settings=settings_words(r.settings)) for t in r.raw["targets"]]
    return csv_text(rows)


def comparison_csv(c: Compared) -> str:
    """The comparison, a row per target and one for the public cost: each run's median and
    P(met), the changes (paired or not, as the `paired` column says), and each run's settings."""
    rows = []
    for ch in [*c.comparison.targets, *([c.comparison.cost] if c.comparison.cost else [])]:
        lo, hi = ch.p_interval if ch.p_interval is not None else (None, None)
        rows.append(dict(target=ch.name, description=ch.description, unit=ch.unit, paired=c.comparison.paired,
                         median_reference=ch.median_reference, median_current=ch.median_current, median_change=ch.median_change,
                         higher=ch.higher, lower=ch.lower, p_met_reference=ch.p_reference, p_met_current=ch.p_current,
                         p_met_change=ch.p_change, p_met_change_lo=lo, p_met_change_hi=hi, met_now=ch.gained, met_no_longer=ch.lost,
                         reference=settings_words(c.reference.settings), current=settings_words(c.current.settings)))
    return csv_text(rows, counts=("higher", "lower", "met_now", "met_no_longer"))

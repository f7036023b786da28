"""The dashboard for policy teams: `solara run app.py` (README), then open the address it prints.

Pick a named scenario, move its levers, press Run: the scorecard (P(met) with its 95%
interval and the median margin of each of the plan's targets), the fan chart of parks'
output against the target, the cluster sizes and the park table follow. Pin a run as the
reference, change a lever and run again: the page shows both, with each target's change in
P(met) and in the median, paired by replication (sim.runs.compare). Results whose controls
have changed since are greyed and marked stale. Each table and figure downloads (CSV, PNG).
The run settings start at `python run.py`'s (sim.dashboard.defaults).

A Solara page rather than Mesa's SolaraViz: SolaraViz steps one model instance and draws its
agents, while a policy team's question is the distribution of the targets over many
replications, which `sim.run` answers in a background thread (Solara's task, with progress).
"""

from __future__ import annotations

from dataclasses import dataclass

import solara
from solara.lab import task

from sim import dashboard
from sim.config.loading import scenarios
from sim.config.schema import UNCERTAINTIES
from sim.sweep.report_html import FONTS, font_face

CONTROLS = dashboard.controls()
SCENARIOS = scenarios()
DEFAULTS = dashboard.defaults()
FIRMS_SCALES = sorted({0.1, 0.25, 0.5, 1.0, DEFAULTS["firms_scale"]})
CSS = font_face() + f"""
.v-application, .v-application h1, .v-application h2, .v-application h3, .v-application h4, .v-application .v-label,
.v-application [class*="text-"] {{ font-family: {FONTS} !important; }}
table.scorecard, table.parks, table.comparison {{ border-collapse: collapse; font-size: .88em; margin: .4em 0 .8em; }}
table.scorecard th, table.scorecard td, table.parks th, table.parks td, table.comparison th, table.comparison td
  {{ border: 1px solid #ccc; padding: .25em .5em; text-align: left; }}
table.scorecard th, table.parks th, table.comparison th {{ background: #f4f4f4; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
h1.title {{ font-size: 1.35em; margin: 0 0 .2em; }}
.controls .v-input {{ margin-top: 0; padding-top: 0; }}
.controls .v-input__slider .v-input__slot {{ min-height: 20px; margin-bottom: 0; }}
.controls .v-input__slider .v-messages {{ display: none; }}
.controls .v-text-field__details {{ display: none; }}
.lever-label {{ font-size: .84em; line-height: 1.2; margin-top: 2px; cursor: help; }}
.stale {{ opacity: .45; filter: grayscale(1); }}
.banner-stale {{ background: #fff3cd; border: 1px solid #e0b000; padding: .45em .8em; border-radius: 4px; font-weight: 600; }}
.note {{ font-size: .82em; color: #666; }}
table.comparison td:first-child {{ min-width: 12em; }}
.page {{ padding: 6px 16px; }}
.v-tooltip__content {{ max-width: 440px; font-size: .85em !important; line-height: 1.35; }}
"""

scenario = solara.reactive("baseline")
levers = solara.reactive(dashboard.scenario_levers("baseline"))
replications = solara.reactive(DEFAULTS["replications"])
firms_scale = solara.reactive(DEFAULTS["firms_scale"])
uncertainty = solara.reactive(DEFAULTS["uncertainty"])
seed = solara.reactive(DEFAULTS["seed"])
reference = solara.reactive(None)  # the pinned dashboard.Run, or None
before = solara.reactive(None)  # the Shown on the page when Run was pressed: shown while it runs, and if it fails


@dataclass(frozen=True, eq=False)
class Shown:
    """What a press of Run produced: the run, and its comparison with the reference pinned then."""

    run: dashboard.Run
    compared: dashboard.Compared | None = None


def settings() -> dict:
    """The controls as they stand: sim.run's keywords."""
    return dict(scenario=scenario.value, replications=replications.value, firms_scale=firms_scale.value,
                uncertainty=uncertainty.value, seed=seed.value, **levers.value)


def choose_scenario(name: str) -> None:
    scenario.value = name
    levers.value = dashboard.scenario_levers(name)


def set_lever(name: str, value) -> None:
    levers.value = {**levers.value, name: value}


@task(prefer_threaded=True)
def run_scenario(settings: dict, pinned: dashboard.Run | None) -> Shown:
    def progress(done: int, total: int) -> None:
        run_scenario.progress = 100.0 * done / total

    run = dashboard.run(settings, on_progress=progress)
    return Shown(run, dashboard.compared(pinned, run) if pinned is not None else None)


def start() -> None:
    before.value = shown()
    run_scenario(settings(), reference.value)


def shown() -> Shown | None:
    """The last finished run (kept while the next one runs, and when it fails)."""
    return run_scenario.value if run_scenario.finished else before.value


def pin() -> None:
    reference.value = shown().run


def unpin() -> None:
    reference.value = None


@solara.component
def LeverControl(c: dashboard.Control):
    value = levers.value[c.name]
    tip = c.help + (f" Range {dashboard.value_words(c.lo)}–{dashboard.value_words(c.hi)} {c.unit}." if c.lo is not None else "")
    if c.choices is not None:
        with solara.Tooltip(tip):
            solara.Select(label=c.label, values=list(c.choices), value=value, on_value=lambda v: set_lever(c.name, v), dense=True)
        return
    if isinstance(value, dict):  # a schedule by year from a scenario file: shown, not a slider
        solara.Text(f"{c.label}: {dashboard.value_words(value)} (a schedule; set it in the scenario file)", classes=["lever-label"])
        return
    lo, hi = min(c.lo, value), max(c.hi, value)  # a scenario may sit outside the plausible range
    with solara.Column(gap="0px"):
        with solara.Tooltip(tip):
            with solara.Row(gap="4px", style={"align-items": "center"}):
                solara.Text(f"{c.label}: {dashboard.value_words(value)}", classes=["lever-label"])
                solara.v.Icon(children=["mdi-information-outline"], x_small=True)
        solara.SliderFloat(label="", min=lo, max=hi, step=c.step, value=value, on_value=lambda v: set_lever(c.name, v),
                           thumb_label=False, tick_labels=False)


@solara.component
def Controls():
    with solara.Column(gap="6px", classes=["controls"]):
        solara.Select(label="Scenario (configs/scenario/)", values=SCENARIOS, value=scenario.value, on_value=choose_scenario, dense=True)
        for c in CONTROLS:
            LeverControl(c)
        with solara.Row(gap="8px"):
            solara.InputInt(label="Replications", value=replications, dense=True, style={"max-width": "48%"})
            solara.Select(label="Uncertainty", values=list(UNCERTAINTIES), value=uncertainty, dense=True, style={"max-width": "48%"})
        with solara.Row(gap="8px"):
            with solara.Tooltip("Simulated firms per real firm: 1 simulates every firm, as python run.py; 0.1 one in ten, each "
                                "weighing ten (faster, noisier)"):
                solara.Select(label="Firm scale", values=FIRMS_SCALES, value=firms_scale, dense=True, style={"max-width": "48%"})
            solara.InputInt(label="Seed", value=seed, dense=True, style={"max-width": "48%"})
        runs = replications.value * (2 if uncertainty.value in ("parameters", "posterior") else 1)
        solara.Text(f"{runs} model runs" + (f" (under {uncertainty.value} each replication runs at its draw, then at the configured "
                    "values)" if runs != replications.value else "") + ". The defaults are python run.py's.", classes=["note"])
        with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
            solara.Button("Run", on_click=start, color="primary", disabled=run_scenario.pending)
            s = shown()
            if s is not None and s.run is not reference.value:  # pin it, or pin it instead of the reference
                solara.Button("Pin as reference", on_click=pin, outlined=True, disabled=run_scenario.pending)
            if reference.value is not None:
                solara.Button("Unpin", on_click=unpin, outlined=True)


@solara.component
def Downloads(files: list[tuple[str, str | bytes, str, str]]):
    """(label, data, file name, MIME type) as download buttons."""
    with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
        for label, data, filename, mime in files:
            solara.FileDownload(data, filename=filename, label=label, mime_type=mime)


def figure_files(f: dashboard.Figures, stem: str) -> list[tuple[str, bytes, str, str]]:
    return [("fan chart (PNG)", f.fan_png, f"{stem}_fan_chart.png", "image/png"),
            ("cluster bars (PNG)", f.clusters_png, f"{stem}_clusters.png", "image/png")]


@solara.component
def FiguresView(f: dashboard.Figures, panels: int = 1):
    solara.Markdown("#### Parks' output against the target")
    solara.Image(f.fan_png, width=f"min(100%, {300 + 300 * panels}px)")  # a panel per run
    solara.Markdown("#### Cluster sizes (产业生态圈)")
    solara.Image(f.clusters_png, width="min(100%, 900px)")
    solara.Markdown("#### Parks")
    solara.HTML(tag="div", unsafe_innerHTML=f.parks_html)


@solara.component
def RunView(run: dashboard.Run, title: str):
    stem = run.settings["scenario"]
    solara.Markdown(f"### {title}")
    solara.Text(run.summary, classes=["note"])
    solara.HTML(tag="div", unsafe_innerHTML=run.scorecard_html)
    Downloads([("scorecard (CSV)", dashboard.scorecard_csv(run), f"{stem}_scorecard.csv", "text/csv"), *figure_files(run.figures, stem)])
    FiguresView(run.figures)


@solara.component
def ComparedView(c: dashboard.Compared):
    ref, cur = c.reference.settings["scenario"], c.current.settings["scenario"]
    solara.Markdown("### This run beside the reference")
    solara.Text("This run differs from the reference in: " + "; ".join(c.changed) if c.changed else
                "This run has the reference's settings.", style={"font-weight": "600"})
    solara.Text(c.pairing, classes=["note"])
    solara.HTML(tag="div", unsafe_innerHTML=c.html)
    stem = f"{ref}_vs_{cur}"
    Downloads([("comparison (CSV)", dashboard.comparison_csv(c), f"{stem}_comparison.csv", "text/csv"),
               ("this run's scorecard (CSV)", dashboard.scorecard_csv(c.current), f"{cur}_scorecard.csv", "text/csv"),
               ("the reference's scorecard (CSV)", dashboard.scorecard_csv(c.reference), f"{ref}_reference_scorecard.csv", "text/csv"),
               *figure_files(c.figures, stem)])
    FiguresView(c.figures, panels=2)
    for title, run in (("this run", c.current), ("the reference", c.reference)):
        with solara.Details(f"Scorecard of {title}"):
            solara.Text(run.summary, classes=["note"])
            solara.HTML(tag="div", unsafe_innerHTML=run.scorecard_html)


@solara.component
def Results():
    s = shown()
    # the plain-words verdict first, one line per target (sim.runs.table.verdict_lines, as the terminal and the report)
    if s is not None and s.run.verdict:
        with solara.Column(gap="2px", classes=["verdict"]):
            for line in s.run.verdict:
                solara.Text(line)
    if run_scenario.pending:
        solara.ProgressLinear(run_scenario.progress or True)
        solara.Text(f"running: {run_scenario.progress or 0:.0f}% of the model runs done")
    if run_scenario.error:
        solara.Error(f"The run failed: {run_scenario.exception}")
    if s is None:
        if not run_scenario.pending and not run_scenario.error:
            solara.Info("Choose a scenario and its levers, then press Run.")
        return
    now, pinned = settings(), reference.value
    if pinned is not None and s.run is pinned:  # pinned, nothing run since
        solara.Info("Pinned as the reference. Change a lever and press Run: the next run is shown beside it, with the change of "
                    "each target.")
        if now != pinned.settings:
            solara.Text("The controls now differ from the reference (" + "; ".join(dashboard.changed(pinned.settings, now))
                        + "): press Run to compare.", classes=["banner-stale"])
        RunView(pinned, "The reference (pinned)")
        return
    stale = now != s.run.settings
    if stale:
        solara.Text("Stale: press Run. The controls have changed since these results (" + "; ".join(dashboard.changed(s.run.settings, now))
                    + ").", classes=["banner-stale"])
    with solara.Column(classes=["stale"] if stale else []):
        if s.compared is not None and s.compared.reference is pinned:
            ComparedView(s.compared)
        else:
            RunView(s.run, "Results")


@solara.component
def Page():
    solara.Title("Hangzhou development zones: will the 2025 targets be met?")
    solara.Style(CSS)
    with solara.Column(classes=["page"], gap="0px"):
        solara.HTML(tag="h1", unsafe_innerHTML="Hangzhou's development zones: will the 2025 targets be met?", classes=["title"])
        with solara.Columns([1, 3]):  # not a Sidebar: the same layout in a browser and under solara.render (tests)
            with solara.Column():
                Controls()
            with solara.Column():
                Results()

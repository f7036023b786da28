"""The dashboard for policy teams: `solara run app.py` (README), then open the address it prints.

Pick a named scenario, move its levers, choose the replications and run: the scorecard (P(met)
with its 95% interval and the median margin of each of the plan's targets), the fan chart of
parks' output against the target, the cluster sizes and the park table follow.

A Solara page rather than Mesa's SolaraViz: SolaraViz steps one model instance and draws its
agents, while a policy team's question is the distribution of the targets over many
replications, which `sim.run` answers in a background thread (Solara's task, with progress).
"""

from __future__ import annotations

import solara
from solara.lab import task

import sim
from sim import dashboard
from sim.config.loading import scenarios
from sim.config.schema import UNCERTAINTIES
from sim.sweep.report_html import FONTS, font_face

CONTROLS = dashboard.controls()
SCENARIOS = scenarios()
CSS = font_face() + f"""
.v-application, .v-application h1, .v-application h2, .v-application h3, .v-application .v-label,
.v-application [class*="text-"] {{ font-family: {FONTS} !important; }}
table.scorecard, table.parks {{ border-collapse: collapse; font-size: .9em; margin: .4em 0 1em; }}
table.scorecard th, table.scorecard td, table.parks th, table.parks td {{ border: 1px solid #ccc; padding: .3em .55em; text-align: left; }}
table.scorecard th, table.parks th {{ background: #f4f4f4; }}
table.scorecard td.num, table.parks td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
"""

scenario = solara.reactive("baseline")
levers = solara.reactive(dashboard.scenario_levers("baseline"))
replications = solara.reactive(10)
firms_scale = solara.reactive(0.25)
uncertainty = solara.reactive("seeds")
seed = solara.reactive(0)


def choose_scenario(name: str) -> None:
    scenario.value = name
    levers.value = dashboard.scenario_levers(name)


def set_lever(name: str, value) -> None:
    levers.value = {**levers.value, name: value}


@task(prefer_threaded=True)
def run_scenario(settings: dict) -> dashboard.View:
    def progress(done: int, total: int) -> None:
        run_scenario.progress = 100.0 * done / total

    return dashboard.view(sim.run(on_progress=progress, **settings))


def start() -> None:
    run_scenario(dict(scenario=scenario.value, replications=replications.value, firms_scale=firms_scale.value,
                      uncertainty=uncertainty.value, seed=seed.value, **levers.value))


def shown(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


@solara.component
def LeverControl(c: dashboard.Control):
    value = levers.value[c.name]
    if c.choices is not None:
        solara.Select(label=c.label, values=list(c.choices), value=value, on_value=lambda v: set_lever(c.name, v))
        return
    lo, hi = min(c.lo, value), max(c.hi, value)  # a scenario may sit outside the plausible range
    with solara.Column(gap="0px", style={"margin-top": "8px"}):
        solara.Text(f"{c.label}: {shown(value)} {c.unit}", style={"font-size": "0.9em"})
        solara.SliderFloat(label="", min=lo, max=hi, step=c.step, value=value, on_value=lambda v: set_lever(c.name, v),
                           thumb_label=False, tick_labels=False)
        solara.Text(f"{shown(lo)} – {shown(hi)}", style={"font-size": "0.75em", "color": "#777", "margin-top": "-14px"})


@solara.component
def Controls():
    solara.Select(label="scenario (configs/scenario/)", values=SCENARIOS, value=scenario.value, on_value=choose_scenario)
    for c in CONTROLS:
        LeverControl(c)
    solara.SliderInt(label="replications", min=2, max=100, value=replications)
    solara.Select(label="uncertainty", values=list(UNCERTAINTIES), value=uncertainty)  # posterior: data/posterior/
    solara.Select(label="firms_scale (simulated firms per real firm)", values=[0.1, 0.25, 0.5, 1.0], value=firms_scale)
    solara.InputInt(label="seed", value=seed)
    solara.Button("Run", on_click=start, color="primary", disabled=run_scenario.pending)


@solara.component
def Results():
    if run_scenario.pending:
        solara.ProgressLinear(run_scenario.progress or True)
        solara.Text(f"running: {run_scenario.progress or 0:.0f}% of the model runs done")
    if run_scenario.error:
        solara.Error(f"The run failed: {run_scenario.exception}")
    v = run_scenario.latest if run_scenario.finished or run_scenario.pending else None
    if v is None:
        if not run_scenario.pending and not run_scenario.error:
            solara.Info("Choose a scenario and its levers, then press Run.")
        return
    solara.Text(v.summary, style={"color": "#555"})
    solara.Markdown("### Scorecard")
    solara.HTML(tag="div", unsafe_innerHTML=v.scorecard_html)
    solara.Markdown("### Parks' output against the target")
    solara.Image(v.fan_png, width="min(100%, 640px)")
    solara.Markdown("### Cluster sizes (产业生态圈)")
    solara.Image(v.clusters_png, width="min(100%, 900px)")
    solara.Markdown("### Parks")
    solara.HTML(tag="div", unsafe_innerHTML=v.parks_html)


@solara.component
def Page():
    solara.Title("Hangzhou development zones: will the 2025 targets be met?")
    solara.Style(CSS)
    solara.Markdown("## Hangzhou's development zones: will the 2025 targets be met?")
    with solara.Columns([1, 3]):  # not a Sidebar: the same layout in a browser and under solara.render (tests)
        with solara.Column():
            Controls()
        with solara.Column():
            Results()

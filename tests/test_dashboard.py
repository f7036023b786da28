"""The dashboard (app.py): its controls come from the schema, its components render and run
under Solara's testing API (solara.render, no browser), and one end-to-end test drives the
page in a real headless Chromium (Debian's package, through Playwright)."""

from __future__ import annotations

import dataclasses
import html
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FONT_LOADED_JS
from sim.sweep.figures import CJK_FAMILY

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def ui():
    """app.py's page rendered with Solara's testing API, its state reset to the baseline."""
    import ipyvuetify as v
    import solara

    import app

    app.choose_scenario("baseline")
    app.replications.value, app.firms_scale.value, app.uncertainty.value, app.seed.value = 2, 0.1, "seeds", 0
    box, rc = solara.render(app.Page(), handle_error=False)
    yield app, rc, v
    rc.close()


def wait_finished(app, timeout: float = 300.0) -> None:
    t = time.monotonic()
    while not (app.run_scenario.finished or app.run_scenario.error):
        assert time.monotonic() - t < timeout, "the run did not finish"
        time.sleep(0.2)
    assert not app.run_scenario.error, app.run_scenario.exception


def slider_of(rc, v, control):
    """The v.Slider of a lever (its range is the lever's)."""
    return next(w for w in rc.find(v.Slider).widgets if (w.min, w.max) == (control.lo, control.hi))


def test_controls_are_the_schema_levers():
    from sim import dashboard
    from sim.config.schema import Policy

    controls = {c.name: c for c in dashboard.controls()}
    assert list(controls) == [f.name for f in dataclasses.fields(Policy)]  # every lever, in order
    for f in dataclasses.fields(Policy):
        c = controls[f.name]
        if "choices" in f.metadata:
            assert c.choices == tuple(f.metadata["choices"])
        else:
            assert (c.lo, c.hi) == tuple(f.metadata["range"]) and c.unit == f.metadata["unit"]
            assert 0 < c.step <= (c.hi - c.lo) / 100  # at least a hundred positions
    assert dashboard.nice_step(0.0, 8e6) == 50_000.0 and dashboard.nice_step(1.0, 2.0) == 0.01


def test_scenario_choice_loads_its_levers(ui):
    app, rc, v = ui
    from sim.config.loading import load_config

    select = next(w for w in rc.find(v.Select).widgets if w.label.startswith("scenario"))
    select.v_model = "land_first"
    assert app.scenario.value == "land_first"
    assert app.levers.value == dataclasses.asdict(load_config(scenario="land_first").policy)
    from sim import dashboard

    space = next(c for c in dashboard.controls() if c.name == "factory_space_m2_per_year")
    assert slider_of(rc, v, space).v_model == 8e6  # the slider shows the scenario's value


def test_moving_a_lever_and_running_changes_the_scorecard(ui):
    app, rc, v = ui
    import solara

    import sim
    from sim import dashboard
    from sim.config.loading import load_config

    rc.find(v.Btn, children=["Run"]).widget.click()
    wait_finished(app)
    before = app.run_scenario.value
    shown = lambda: [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets if w.unsafe_innerHTML]  # noqa: E731
    t = time.monotonic()  # the task's thread finishes before Solara re-renders the page
    while before.scorecard_html not in shown() and time.monotonic() - t < 30:
        time.sleep(0.1)
    assert before.scorecard_html in shown() and before.parks_html in shown()  # on the page
    for t in sim.run(replications=2, firms_scale=0.1, uncertainty="seeds").targets.values():
        assert html.escape(t.description) in before.scorecard_html  # a row per target
    for park in load_config().calibration.parks:  # the park table has the Chinese names
        assert park.name_zh in before.parks_html
    assert before.fan_png.startswith(b"\x89PNG") and before.clusters_png.startswith(b"\x89PNG")

    controls = {c.name: c for c in dashboard.controls()}
    talent, space = controls["talent_inflow_per_year"], controls["factory_space_m2_per_year"]
    slider_of(rc, v, talent).v_model = talent.hi
    slider_of(rc, v, space).v_model = space.hi
    assert (app.levers.value["talent_inflow_per_year"], app.levers.value["factory_space_m2_per_year"]) == (talent.hi, space.hi)
    rc.find(v.Btn, children=["Run"]).widget.click()
    wait_finished(app)
    after = app.run_scenario.value
    assert after.scorecard_html != before.scorecard_html  # same seeds, larger levers: other medians
    again = sim.run(replications=2, firms_scale=0.1, uncertainty="seeds", seed=0, talent_inflow_per_year=talent.hi,
                    factory_space_m2_per_year=space.hi)
    assert dashboard.scorecard_html(again) == after.scorecard_html  # the page shows what sim.run returns


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """`solara run app.py` on a free port, as the README starts it."""
    port = free_port()
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_CHECK_VERSION": "False"}
    solara_bin = Path(sys.executable).with_name("solara")
    proc = subprocess.Popen([str(solara_bin), "run", "app.py", "--port", str(port), "--host", "127.0.0.1", "--no-open", "--production"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    t = time.monotonic()
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() - t > 120:
                proc.kill()
                pytest.fail(f"solara run app.py did not start: {proc.stdout.read()}")
            time.sleep(0.5)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_dashboard_in_a_browser(server, page, tmp_path):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(server)
    page.get_by_text("Choose a scenario").wait_for(timeout=120_000)
    page.get_by_role("button", name="Run").click()
    scorecard = page.locator("table.scorecard")
    scorecard.wait_for(timeout=300_000)
    before = scorecard.inner_text()
    assert "P(met)" in before and "30,000" in before

    label = page.get_by_text("factory space m2 per year:")
    assert "4,000,000" in label.inner_text()
    page.locator('[role=slider][aria-valuemax="8000000"]').focus()  # factory space: the only lever up to 8e6
    page.keyboard.press("End")
    page.get_by_text("factory space m2 per year: 8,000,000").wait_for(timeout=30_000)
    page.get_by_role("button", name="Run").click()
    page.wait_for_function("(b) => document.querySelector('table.scorecard').innerText !== b", arg=before, timeout=300_000)
    after = scorecard.inner_text()
    assert after != before and "P(met)" in after
    assert page.get_by_text("杭州高新区(滨江)").count() == 1  # the park table, with its Chinese names
    assert page.evaluate(FONT_LOADED_JS, CJK_FAMILY)  # drawn in the embedded face: no tofu without system CJK fonts
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)  # kept for a look: pytest --basetemp

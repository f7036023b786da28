"""The dashboard (app.py): its controls come from the schema, its components render and run
under Solara's testing API (solara.render, no browser), and one end-to-end test drives the
page in a real headless Chromium (Debian's package, through Playwright)."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FONT_LOADED_JS
from sim.config.loading import load_config
from sim.sweep.figures import CJK_FAMILY

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def ui():
    """app.py's page rendered with Solara's testing API, its state reset to the baseline and small runs."""
    import ipyvuetify as v
    import solara

    import app

    app.choose_scenario("baseline")
    app.replications.value, app.firms_scale.value, app.uncertainty.value, app.seed.value = 2, 0.1, "posterior", 0
    app.reference.value = app.before.value = None
    box, rc = solara.render(app.Page(), handle_error=False)
    yield app, rc, v
    rc.close()


def wait_finished(app, timeout: float = 300.0) -> None:
    t = time.monotonic()
    while not (app.run_scenario.finished or app.run_scenario.error):
        assert time.monotonic() - t < timeout, "the run did not finish"
        time.sleep(0.2)
    assert not app.run_scenario.error, app.run_scenario.exception


def wait_for(condition, timeout: float = 30.0) -> None:
    """The task's thread finishes before Solara re-renders the page."""
    t = time.monotonic()
    while not condition() and time.monotonic() - t < timeout:
        time.sleep(0.1)
    assert condition()


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
        assert (c.label, c.help) == (f.metadata["label"], f.metadata["help"])  # words from the metadata, not the code name
        assert c.label != f.name.replace("_", " ") and len(c.help) > len(c.label)
        if "choices" in f.metadata:
            assert c.choices == tuple(f.metadata["choices"])
            assert all(choice in c.help for choice in c.choices)  # the help says what each choice does
        else:
            assert (c.lo, c.hi) == tuple(f.metadata["range"]) and c.unit == f.metadata["unit"]
            assert 0 < c.step <= (c.hi - c.lo) / 100  # at least a hundred positions
    assert controls["land_renovation_mu_per_year"].label == "Land renovation, 亩 a year"
    assert dashboard.nice_step(0.0, 8e6) == 50_000.0 and dashboard.nice_step(1.0, 2.0) == 0.01


def test_a_lever_without_words_is_refused(monkeypatch):
    from sim import dashboard
    from sim.config import fields

    bare = dataclasses.make_dataclass("Bare", [("x", float, fields.number(1.0, "m", 0.0, 2.0))])
    monkeypatch.setattr(dashboard, "Policy", bare)
    with pytest.raises(TypeError, match="Policy.x has no 'label' or 'help'"):
        dashboard.controls()


def test_the_run_settings_start_at_run_pys():
    """replications, uncertainty, firms_scale and seed as `python run.py` composes them (load_config is the same composition)."""
    import app
    from sim import dashboard
    from sim.config.loading import load_config

    cfg = load_config()
    assert dashboard.defaults() == {k: getattr(cfg, k) for k in dashboard.RUN_SETTINGS}
    assert (cfg.uncertainty, cfg.firms_scale) == ("posterior", 1.0)
    assert app.DEFAULTS == dashboard.defaults() and app.firms_scale.value in app.FIRMS_SCALES


def test_scenario_choice_loads_its_levers(ui):
    app, rc, v = ui
    from sim.config.loading import load_config

    select = next(w for w in rc.find(v.Select).widgets if w.label.startswith("Scenario"))
    select.v_model = "land_first"
    assert app.scenario.value == "land_first"
    assert app.levers.value == dataclasses.asdict(load_config(scenario="land_first").policy)
    from sim import dashboard

    space = next(c for c in dashboard.controls() if c.name == "factory_space_m2_per_year")
    assert slider_of(rc, v, space).v_model == 8e6  # the slider shows the scenario's value
    assert rc.find(v.Html, children=["Standard factory space, m² a year: 8,000,000"]).widgets  # its label, in words


def test_pin_change_run_compares_paired(ui):
    """Run, pin it, move levers (the results go stale), run again: the page shows the comparison
    sim.runs.compare makes of the two sim.run results, paired, and marks nothing stale."""
    app, rc, v = ui
    import solara

    import sim
    from sim import dashboard
    from sim.runs.compare import compare

    shown = lambda: [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets if w.unsafe_innerHTML]  # noqa: E731
    texts = lambda: " ".join(str(w.children[0]) for w in rc.find(v.Html).widgets if w.children)  # noqa: E731
    rc.find(v.Btn, children=["Run"]).widget.click()
    wait_finished(app)
    first = app.run_scenario.value.run
    wait_for(lambda: first.scorecard_html in shown() and first.figures.parks_html in shown())
    assert "Stale" not in texts()
    from sim.runs.table import verdict_lines  # the verdict first, in the words of the terminal and the report

    assert first.verdict == tuple(verdict_lines(first.raw["targets"])) and len(first.verdict) == len(first.raw["targets"])
    wait_for(lambda: all(rc.find(v.Html, children=[line]).widgets for line in first.verdict[:2]))
    for park in load_config().calibration.parks:  # the park table has the Chinese names
        assert park.name_zh in first.figures.parks_html
    assert first.figures.fan_png.startswith(b"\x89PNG") and first.figures.clusters_png.startswith(b"\x89PNG")

    button = lambda label: rc.find(v.Btn, children=[label]).widgets  # noqa: E731
    wait_for(lambda: button("Pin as reference"))  # the page renders in the task's thread: wait for it
    button("Pin as reference")[0].click()
    assert app.reference.value is first
    controls = {c.name: c for c in dashboard.controls()}
    talent, space = controls["talent_inflow_per_year"], controls["factory_space_m2_per_year"]
    slider_of(rc, v, talent).v_model = talent.hi
    slider_of(rc, v, space).v_model = space.hi
    assert (app.levers.value["talent_inflow_per_year"], app.levers.value["factory_space_m2_per_year"]) == (talent.hi, space.hi)
    wait_for(lambda: "press Run to compare" in texts())
    rc.find(v.Btn, children=["Run"]).widget.click()
    wait_finished(app)
    second = app.run_scenario.value
    assert second.compared is not None and second.compared.reference is first and second.compared.comparison.paired
    wait_for(lambda: second.compared.html in shown())
    wait_for(lambda: "Talent programme, recruits a year: 10,000 → 50,000" in texts())
    assert "Stale" not in texts()
    wait_for(lambda: button("Pin as reference") and button("Unpin"))  # this run may replace the reference

    settings = dict(replications=2, firms_scale=0.1, uncertainty="posterior", seed=0)
    a, b = sim.run(**settings), sim.run(**settings, talent_inflow_per_year=talent.hi, factory_space_m2_per_year=space.hi)
    assert dashboard.scorecard_html(b.raw) == second.run.scorecard_html  # the page shows what sim.run returns
    assert dashboard.settings_of(b.config) == second.run.settings == app.settings()  # and ran the controls' settings
    expected = compare({**a.raw, "firms_scale": 0.1}, {**b.raw, "firms_scale": 0.1})
    assert second.compared.comparison == expected

    slider_of(rc, v, talent).v_model = talent.lo  # the shown results go stale, marked
    wait_for(lambda: "Stale: press Run" in texts() and any("stale" in (w.class_ or "") for w in rc.find(v.Html).widgets))
    slider_of(rc, v, talent).v_model = talent.hi  # back to the run's settings: not stale
    wait_for(lambda: "Stale" not in texts())

    app.replications.value = 0  # a run that fails says why, and the last results stay, stale
    rc.find(v.Btn, children=["Run"]).widget.click()
    wait_for(lambda: app.run_scenario.error)
    alerts = lambda: " ".join(str(c) for w in rc.find(v.Alert).widgets for c in w.children)  # noqa: E731
    wait_for(lambda: "The run failed: Invalid value for replications: 0" in alerts() and "Stale: press Run" in texts())
    assert second.compared.html in shown()


def test_downloads_are_the_shown_results():
    import io

    import pandas as pd

    from sim import dashboard

    base = dict(scenario="baseline", replications=2, firms_scale=0.1, uncertainty="seeds", seed=0, **dashboard.scenario_levers("baseline"))
    a = dashboard.run(base)
    b = dashboard.run({**base, "land_renovation_mu_per_year": 0.0})
    card = pd.read_csv(io.StringIO(dashboard.scorecard_csv(a)))
    assert list(card["target"]) == [t["name"] for t in a.raw["targets"]]
    assert list(card["p_met"]) == [t["met_fraction"] for t in a.raw["targets"]]
    assert card["settings"].str.contains("land_renovation_mu_per_year=10000").all()
    c = dashboard.compared(a, b)
    assert c.changed == ["Land renovation, 亩 a year: 10,000 → 0"]
    table = pd.read_csv(io.StringIO(dashboard.comparison_csv(c)))
    assert list(table["target"]) == [t.name for t in c.comparison.targets] + ["cost"]
    assert table["paired"].all()
    for row, t in zip(table.itertuples(), c.comparison.targets):
        assert row.p_met_change == pytest.approx(t.p_change) and row.median_change == pytest.approx(t.median_change)
    assert table["current"].str.contains("land_renovation_mu_per_year=0;").all()
    assert list(table["met_now"][:-1]) == [t.gained for t in c.comparison.targets] and pd.isna(table["met_now"].iloc[-1])  # none for the cost


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
    """Run, pin, change a lever (stale marking), run again (the comparison, paired), download,
    at a laptop's 1400x1000 with Run in view; small runs set through the page's own controls."""
    import pandas as pd

    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(server)
    page.get_by_text("Choose a scenario").wait_for(timeout=120_000)
    run = page.get_by_role("button", name="Run", exact=True)
    box = run.bounding_box()
    assert box["y"] + box["height"] <= 1000  # no scrolling to reach it
    assert page.get_by_text("Land renovation, 亩 a year: 10,000").count() == 1  # words and units, not code names
    page.get_by_text("Land renovation, 亩 a year").hover()
    page.get_by_text("Inefficiently used industrial land").wait_for(timeout=10_000)  # the help, on the control
    replications = page.get_by_label("Replications")
    assert replications.input_value() == "10"  # python run.py's default, shown as a number
    replications.fill("2")
    replications.press("Enter")
    page.get_by_text("4 model runs").wait_for(timeout=10_000)  # posterior: each replication twice
    page.get_by_label("Firm scale").click(force=True)
    page.get_by_role("option", name="0.1", exact=True).click()
    page.screenshot(path=str(tmp_path / "1_controls.png"))

    run.click()
    scorecard = page.locator("table.scorecard")
    scorecard.wait_for(timeout=300_000)
    assert "P(met)" in scorecard.inner_text() and "30,000" in scorecard.inner_text()
    assert page.get_by_text("2 replications, uncertainty=posterior, firms_scale=0.1").count() == 1
    page.screenshot(path=str(tmp_path / "2_run.png"))
    page.get_by_role("button", name="Pin as reference").click()
    page.get_by_text("Pinned as the reference").wait_for(timeout=10_000)

    page.locator('[role=slider][aria-valuemax="8000000"]').focus()  # factory space: the only lever up to 8e6
    page.keyboard.press("End")
    page.get_by_text("Standard factory space, m² a year: 8,000,000").wait_for(timeout=30_000)
    page.get_by_text("press Run to compare").wait_for(timeout=10_000)
    run.click()
    comparison = page.locator("table.comparison")
    comparison.wait_for(timeout=300_000)
    text = comparison.inner_text()
    assert "change in P(met)" in text and "median change, paired" in text
    page.get_by_text("This run differs from the reference in: Standard factory space, m² a year: 4,000,000 → 8,000,000").wait_for()
    assert page.get_by_text("Paired: both runs have seed 0, 2 replications").count() == 1
    assert page.locator(".stale").count() == 0
    page.screenshot(path=str(tmp_path / "3_compared.png"))

    with page.expect_download() as download:
        page.get_by_role("button", name="comparison (CSV)").click()
    table = pd.read_csv(download.value.path())
    assert table["paired"].all() and "parks_output" in set(table["target"])
    assert table["current"].str.contains("factory_space_m2_per_year=8000000;").all()
    assert table["reference"].str.contains("factory_space_m2_per_year=4000000;").all()
    with page.expect_download() as download:
        page.get_by_role("button", name="fan chart (PNG)").click()
    assert Path(download.value.path()).read_bytes().startswith(b"\x89PNG")

    page.locator('[role=slider][aria-valuemax="50000"]').focus()  # talent: the results go stale, greyed
    page.keyboard.press("End")
    page.get_by_text("Stale: press Run").wait_for(timeout=30_000)
    assert page.locator(".stale table.comparison").count() == 1
    assert page.get_by_text("杭州高新区(滨江)").count() == 1  # the park table, with its Chinese names
    assert page.evaluate(FONT_LOADED_JS, CJK_FAMILY)  # drawn in the embedded face: no tofu without system CJK fonts
    page.screenshot(path=str(tmp_path / "4_stale.png"))  # kept for a look: pytest --basetemp

"""The sweep report: sections, self-contained HTML, figures, Chinese names, font fallback."""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
import sys
import warnings
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from fontTools.ttLib import TTFont

from conftest import FONT_LOADED_JS, sweep
from sim.sweep import figures, report
from sim.sweep.report_html import CSS
from sim.sweep.summary import summarize

ROOT = Path(__file__).resolve().parent.parent
GRID = ["policy.factory_space_m2_per_year=0,4e6", "policy.talent_inflow_per_year=0,10000"]


def build_quietly(sweep_dir: Path, **kw) -> tuple[str, list[str]]:
    """Build in-process; return the HTML and the warnings raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = report.build(sweep_dir, **kw)
    return out.read_text(encoding="utf-8"), [str(w.message) for w in caught]


def section_html(page: str, key: str) -> str:
    start = page.index(f'<section id="{key}">')
    return page[start:page.index("</section>", start)]


def names_zh(path: Path = ROOT / "configs" / "calibration" / "hangzhou_2022.yaml") -> list[str]:
    cal = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [p["name_zh"] for p in cal["parks"]] + [cal["outside"]["name_zh"]]


class Resources(HTMLParser):
    """Every URL-valued attribute, and the tags that could load something."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action") and value is not None:
                self.urls.append((tag, name, value))


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """A 2 x 2 lever grid, reported through the command line."""
    out = sweep(tmp_path_factory.mktemp("sweeps") / "grid", *GRID)
    p = subprocess.run([sys.executable, "-m", "sim.sweep.report", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "missing from font" not in p.stderr and "fonts lack" not in p.stderr, p.stderr  # no tofu, no fallback
    return out, (out / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    return sweep(tmp_path_factory.mktemp("sweeps") / "scenarios", "scenario=baseline,no_policy")


def test_sections_and_figures(grid):
    out, page = grid
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    for title in report.SECTIONS.values():
        assert f"<h2>{html.escape(title)}</h2>" in page, title
    for name in report.FIGURES:
        png, svg = out / "figures" / f"{name}.png", out / "figures" / f"{name}.svg"
        assert png.read_bytes().startswith(b"\x89PNG"), name
        text = svg.read_text(encoding="utf-8")
        assert "<svg" in text and "<dc:date>" not in text, name
    grid_part = section_html(page, "grid")
    assert "data:image/png;base64," in grid_part and "Skipped" not in grid_part
    assert "factory_space_m2_per_year" in grid_part and "talent_inflow_per_year" in grid_part
    assert "30,000" in section_html(page, "fan")  # the threshold read from targets.json


def test_html_is_self_contained(grid):
    _, page = grid
    parser = Resources()
    parser.feed(page)
    assert not parser.tags & {"link", "script", "iframe", "object", "embed"}
    for tag, name, url in parser.urls:
        if tag == "img":
            assert url.startswith("data:image/"), url[:60]
        else:
            assert url.startswith("#"), (tag, name, url)  # in-page links only
    assert "@import" not in page
    assert page.count("url(") == page.count("url(data:font/ttf;base64,") == 1  # only the embedded font
    assert parser.urls and sum(tag == "img" for tag, _, _ in parser.urls) == len(report.FIGURES)


def test_chinese_park_names_in_html(grid):
    _, page = grid
    parks = section_html(page, "parks")
    assert "杭州经济技术开发区(钱塘新区) (qiantang)" in parks
    for name in names_zh():
        assert html.escape(name) in parks, name


def test_page_embeds_the_cjk_font(grid):
    _, page = grid
    style = page[page.index("<style>"):page.index("</style>")]
    m = re.search(r'@font-face\{font-family:"([^"]+)";src:url\(data:font/ttf;base64,([A-Za-z0-9+/=]+)\)', style)
    assert m and m.group(1) == figures.CJK_FAMILY
    assert base64.b64decode(m.group(2)) == figures.FONT_FILE.read_bytes()
    family = re.search(r"body\{font-family:([^;]+);", CSS).group(1)
    assert family.startswith(f'"{figures.CJK_FAMILY}",') and "system-ui" in family and family.endswith("sans-serif")
    assert "unicode-range:U+2E80-9FFF" in style  # the embedded face draws Chinese only: Latin text keeps the Latin fonts
    with TTFont(figures.FONT_FILE) as font:
        cmap = font.getBestCmap()
    parks = section_html(page, "parks")
    text = re.sub(r"<[^>]+>", "", parks)  # the HTML text, not the figures
    assert "园区外" in text and all(ord(c) in cmap for c in "".join(names_zh()))
    body = html.unescape(re.sub(r"<[^>]+>", "", page[page.index("</style>"):]))  # every character a reader sees
    missing = {c for c in body if 0x2E80 <= ord(c) <= 0x9FFF and ord(c) not in cmap}
    assert not missing, f"re-run sim/sweep/fonts/make_subset.py: the page shows {''.join(sorted(missing))}"


def test_scorecard_headers_are_plain_words(grid):
    _, page = grid
    card = section_html(page, "scorecard")
    head = card[card.index('<table class="scorecard">'):]
    head = head[:head.index("</tr>")]
    assert "Parks&#x27; output of 30,000亿元 a year" in head and "Investment (FAI) growing 10% a year" in head
    shown = re.sub(r"<[^>]+>", " ", head)  # the header text as seen (descriptions are tooltips)
    assert "(≥" not in shown and "1/yr" not in shown and "share of parks" not in shown
    for name in report.TARGETS:
        assert name not in shown, name  # code names only in the definitions
    assert 'title="parks&#x27; above-scale' in head
    assert "&lt;br&gt;" not in card and "<br><small>short by" in card  # the cells' lines are HTML, not escaped text
    assert "table.scorecard{table-layout:fixed;width:100%" in page


def test_heatmap_defaults_to_the_target_that_varies_most(grid, tmp_path):
    out, page = grid
    summary = pd.read_parquet(out / "summary.parquet")
    spread = {n: float(np.var(summary[f"{n}_met_fraction"].to_numpy(dtype=float))) for n in report.TARGETS}
    part = section_html(page, "grid")
    shown = [n for n in report.TARGETS if f"({n}: " in part]
    assert len(shown) == 1, shown
    assert spread[shown[0]] == max(spread.values()), spread
    if max(spread.values()) > 0:
        assert spread[shown[0]] > 0 and "varies most across the cells" in part
    varied = copy_sweep(out, tmp_path / "grid")  # the tiny grid's P(met) may not vary: make one target vary
    summary = pd.read_parquet(varied / "summary.parquet")
    summary["leading_share_gain_met_fraction"] = [0.0, 0.5, 0.5, 1.0]
    summary["fai_growth_met_fraction"] = [1.0, 1.0, 1.0, 0.5]
    summary.to_parquet(varied / "summary.parquet")
    chosen = section_html(build_quietly(varied)[0], "grid")
    assert "(leading_share_gain: " in chosen and "varies most across the cells" in chosen and "No replication" not in chosen
    forced = section_html(build_quietly(varied, target="st_coverage")[0], "grid")
    assert "(st_coverage: " in forced and "varies most" not in forced


def test_provenance(grid):
    out, page = grid
    prov = section_html(page, "provenance").replace("<wbr>", "")  # the break opportunities in names and commands
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*/job.json"))]
    assert len(records) == 4
    commits = {r.get("commit") for r in records}
    if len(commits) == 1 and None not in commits:  # as the jobs recorded it, not the builder's
        assert f"code: <code>{html.escape(commits.pop())}</code> (all 4 jobs)" in prov
    for r in records:  # each job's command as recorded, else its overrides
        shown = r["command"] if r.get("command") else " ".join(r["overrides"])
        assert f"<code>{html.escape(shown)}</code>" in prov, shown
    axes = prov[prov.index("Sweep axes of the last invocation"):]
    assert "policy.factory_space_m2_per_year" in axes and "0,4e6" in axes and "hydra.sweep.dir" not in prov
    assert "Package versions of the report builder" in prov and "hydra-core" in prov and "matplotlib" in prov
    assert "<th>seconds</th>" not in prov and "git commit" not in prov
    assert prov.count("<details>") == 4 and "relocation_rule" in prov  # each job's resolved config
    assert "None: all 4 jobs completed." in section_html(page, "failed")


def test_font_covers_every_park_name():
    with TTFont(figures.FONT_FILE) as font:
        cmap = font.getBestCmap()
        assert font["name"].getDebugName(1) == figures.CJK_FAMILY
    missing = {c for name in names_zh() for c in name if ord(c) not in cmap}
    assert not missing, f"re-run sim/sweep/fonts/make_subset.py: missing {''.join(sorted(missing))}"
    assert figures.FONT_FILE.stat().st_size < 400_000
    assert (figures.FONT_FILE.parent / "LICENSE-OFL.txt").exists()


def test_label_falls_back_to_id_with_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a drawable name does not warn
        assert figures.park_label("杭州经济技术开发区(钱塘新区)", "qiantang") == "杭州经济技术开发区(钱塘新区) (qiantang)"
        assert figures.park_label("园区外", "outside") == "园区外 (outside)"
    with pytest.warns(UserWarning, match="lack"):
        assert figures.park_label("新园区\U00020000", "newpark") == "newpark"  # U+20000: in neither font
    assert figures.park_label(None, "x") == "x"
    with pytest.warns(UserWarning, match="lack"):  # other chart text: the character escaped
        assert figures.drawable("scenario=\U00020000") == "scenario=\\U00020000"


def test_non_grid_sweep_skips_the_heatmap_and_is_reproducible(scenarios):
    page, caught = build_quietly(scenarios)
    assert not [w for w in caught if "missing from font" in w or "fonts lack" in w], caught
    part = section_html(page, "grid")
    assert "Skipped" in part and "not a two-lever grid" in part and "<img" not in part
    assert "<td>baseline</td>" in section_html(page, "scorecard") and "<td>no_<wbr>policy</td>" in page  # wraps at its '_' only
    svgs = {p.name: p.read_bytes() for p in (scenarios / "figures").glob("*.svg")}
    again, _ = build_quietly(scenarios)
    assert again == page  # no clock time anywhere
    assert {p.name: p.read_bytes() for p in (scenarios / "figures").glob("*.svg")} == svgs


def test_failed_job_is_listed_and_grey(grid, tmp_path):
    src, _ = grid
    out = tmp_path / "grid_failed"
    shutil.copytree(src, out, ignore=shutil.ignore_patterns("figures", "report.html"))
    bad = out / "firms_scale=0.05,policy.factory_space_m2_per_year=0,policy.talent_inflow_per_year=10000,replications=2"
    status = json.loads((bad / "job.json").read_text(encoding="utf-8"))
    status.update(status="failed", error="ValueError: boom in the talent module")
    (bad / "job.json").write_text(json.dumps(status), encoding="utf-8")
    (bad / "error.txt").write_text("Traceback ...\nValueError: boom in the talent module\n", encoding="utf-8")
    for name in ("targets.json", "timeseries.parquet"):
        (bad / name).unlink()
    summarize(out)
    page, _ = build_quietly(out, target="fai_growth")
    failed = section_html(page, "failed")
    assert "1 of 4 jobs did not complete" in failed and "ValueError: boom in the talent module" in failed
    assert "background:#dddddd" in section_html(page, "scorecard")
    assert "fai_growth" in section_html(page, "grid") and "data:image/png" in section_html(page, "grid")


def test_unknown_target_is_refused(grid):
    out, _ = grid
    with pytest.raises(SystemExit):
        report.main([str(out), "--target", "nonsense"])


# ------------------------------------------------------------------ trustworthy runs
def copy_sweep(src: Path, dst: Path) -> Path:
    """The sweep's jobs and summary, without its report and figures."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("figures", "report.html"))
    return dst


def edit_records(sweep_dir: Path, edit) -> list[Path]:
    """Apply edit(k, record) to each job.json (jobs in directory order); return the job dirs."""
    dirs = sorted(p.parent for p in sweep_dir.glob("*/job.json"))
    for k, d in enumerate(dirs):
        record = json.loads((d / "job.json").read_text(encoding="utf-8"))
        edit(k, record)
        (d / "job.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    return dirs


def figure_bytes(sweep_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((sweep_dir / "figures").iterdir())}


def temporaries(sweep_dir: Path) -> list[Path]:
    return sorted(p for p in sweep_dir.rglob(".*.tmp"))


def test_identical_sweeps_in_different_directories_give_identical_bytes(scenarios, tmp_path):
    a = copy_sweep(scenarios, tmp_path / "a" / "scenarios")
    b = copy_sweep(scenarios, tmp_path / "elsewhere" / "deeper" / "scenarios")
    edit_records(a, lambda k, r: r.update(seconds=987.654))  # wall-clock time differs between runs
    edit_records(b, lambda k, r: r.update(seconds=123.456))
    stale = [a / ".report.html.abc.tmp", a / "figures" / ".fan_chart.svg.x1y2z3.tmp", a / "figures" / ".parks.png.q_9.tmp"]
    kept = [a / ".summary.csv.abc.tmp", a / "notes.tmp", a / "figures" / "notes.txt"]  # not an earlier build's
    for p in stale + kept:
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(b"half a file")
    page_a, _ = build_quietly(a)
    page_b, _ = build_quietly(b)
    assert not [p for p in stale if p.exists()] and all(p.exists() for p in kept)
    for p in kept[1:]:
        p.unlink()
    assert (a / "report.html").read_bytes() == (b / "report.html").read_bytes()
    assert figure_bytes(a) == figure_bytes(b) and len(figure_bytes(a)) == 2 * (len(report.FIGURES) - 1)  # no grid heatmap
    for page in (page_a, page_b):
        assert str(tmp_path) not in page and "987.654" not in page and "123.456" not in page
        assert "<th>seconds</th>" not in page
    for svg in (a / "figures").glob("*.svg"):  # no date, no version
        text = svg.read_text(encoding="utf-8")
        assert "<dc:date>" not in text and "Matplotlib v" not in text, svg.name
    for png in (a / "figures").glob("*.png"):
        assert b"Software" not in png.read_bytes() and b"tIME" not in png.read_bytes(), png.name


def test_provenance_shows_the_commits_and_commands_the_jobs_recorded(grid, tmp_path):
    out = copy_sweep(grid[0], tmp_path / "grid")
    dirs = edit_records(out, lambda k, r: r.update(commit="abc123-test", command=f"python run.py test-command-{k} seed=0"))
    page, _ = build_quietly(out)
    prov = section_html(page, "provenance").replace("<wbr>", "")
    assert "code: <code>abc123-test</code> (all 4 jobs)" in prov and "<th>commit</th>" not in prov
    for k in range(4):
        assert f"<code>python run.py test-command-{k} seed=0</code>" in prov

    def differ(k, r):
        if k < 3:
            r["commit"] = ["abc123-test", "abc123-test", "def456-dirty"][k]
        else:  # an older job.json: neither commit nor command
            r.pop("commit"), r.pop("command")
    edit_records(out, differ)
    prov = section_html(build_quietly(out)[0], "provenance").replace("<wbr>", "")
    code = prov[:prov.index("<h3>")]
    assert "<td>abc123-test</td><td class=\"num\">2 jobs</td>" in code
    assert "<td>def456-dirty</td><td class=\"num\">1 job</td><td>-dirty: tracked files had uncommitted" in code
    assert "<td>not recorded</td><td class=\"num\">1 job</td>" in code
    assert code.index("abc123-test") < code.index("def456-dirty") < code.index("not recorded")
    assert "<th>commit</th>" in prov  # each job's commit in the job table
    overrides = yaml.safe_load((dirs[3] / ".hydra" / "overrides.yaml").read_text(encoding="utf-8"))
    assert f"<code>{html.escape(' '.join(overrides))}</code><br><small>overrides from .hydra/overrides.yaml" in prov
    assert "test-command-3" not in prov and "test-command-2" in prov


def test_a_failing_figure_write_leaves_no_partial_file(scenarios, tmp_path, monkeypatch):
    import errno

    from matplotlib.figure import Figure

    out = copy_sweep(scenarios, tmp_path / "full_disk")
    original, given = Figure.savefig, []

    def savefig(self, fname, *args, **kwargs):
        if not isinstance(fname, (str, Path)):  # the PNG into memory
            return original(self, fname, *args, **kwargs)
        given.append(Path(fname))
        Path(fname).write_bytes(b"<svg half written")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", savefig)
    with pytest.raises(OSError, match="No space left"):
        report.build(out)
    assert given and all(report.TEMPORARY.fullmatch(p.name) for p in given)  # never the final name
    assert not (out / "report.html").exists() and not (out / "figures" / "fan_chart.svg").exists()
    assert temporaries(out) == []


def test_a_failing_page_write_keeps_the_previous_report(scenarios, tmp_path, monkeypatch):
    import errno

    out = copy_sweep(scenarios, tmp_path / "full_disk")
    (out / "report.html").write_text("the previous, complete report", encoding="utf-8")
    original = Path.write_bytes

    def write_bytes(self, data):
        if self.name.startswith(".report.html."):
            original(self, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    with pytest.raises(OSError, match="No space left"):
        report.build(out)
    assert (out / "report.html").read_text(encoding="utf-8") == "the previous, complete report"
    assert temporaries(out) == []


def test_report_renders_chinese_in_a_browser(grid, page, tmp_path):
    """Opened in headless Chromium on a machine with no CJK system font (this one has none:
    fc-list lists no CJK face), the park names are drawn in the embedded font."""
    out, _ = grid
    page.goto((out / "report.html").as_uri())
    assert page.get_by_text("杭州经济技术开发区(钱塘新区) (qiantang)").count() >= 1
    assert page.evaluate(FONT_LOADED_JS, figures.CJK_FAMILY)
    parks = page.locator("#parks")
    parks.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "report_parks.png"))  # for a look: pytest --basetemp


def test_what_it_would_take_shows_costs_and_the_searches_found_there(scenarios, tmp_path):
    d = tmp_path / "scenarios"
    shutil.copytree(scenarios, d)
    page, _ = build_quietly(d)
    part = section_html(page, "whatittakes")
    assert "cost (median)" in part and "land renovation" in part and "python -m experiments.search" in part  # how to fill the rest
    summary = pd.read_parquet(d / "summary.parquet")
    base = summary.loc[summary["scenario"] == "baseline"].iloc[0]
    assert base["cost_yi"] > summary.loc[summary["scenario"] == "no_policy", "cost_yi"].iloc[0] == 0.0  # no levers, no cost
    assert f"{base['cost_yi']:,.0f}" in part
    box = dict(coverage=1.0, density=0.67, mass=0.28, n=55, restrictions=[], words="st_coverage is missed in 67% of the runs where params.platform_cost_yi > 0.753")
    found = dict(source="x", kind="sweep", jobs=2, runs=200, draws=200, outcome="missed", dimensions=["params.platform_cost_yi"],
                 targets=[dict(name="st_coverage", fraction=0.18, runs=200, note=None, boxes=[box])])
    (d / "discover.json").write_text(json.dumps(found), encoding="utf-8")
    page, _ = build_quietly(d)
    assert "st_coverage is missed in 67% of the runs where params.platform_cost_yi &gt; 0.753" in section_html(page, "whatittakes")

"""The sweep report: sections, self-contained HTML, figures, Chinese names, font fallback."""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from fontTools.ttLib import TTFont

from sim.sweep import figures, report
from sim.sweep.summary import summarize

ROOT = Path(__file__).resolve().parent.parent
TINY = ["replications=2", "firms_scale=0.05", "progress=false"]
GRID = ["policy.factory_space_m2_per_year=0,4e6", "policy.talent_inflow_per_year=0,10000"]


def sweep(out: Path, *overrides: str) -> Path:
    p = subprocess.run([sys.executable, "run.py", "-m", f"sweep_name={out.name}", f"hydra.sweep.dir={out}", *overrides, *TINY],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert (out / "summary.parquet").exists()
    return out


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
    assert "@import" not in page and "url(" not in page
    assert parser.urls and sum(tag == "img" for tag, _, _ in parser.urls) == len(report.FIGURES)


def test_chinese_park_names_in_html(grid):
    _, page = grid
    parks = section_html(page, "parks")
    assert "杭州经济技术开发区(钱塘新区) (qiantang)" in parks
    for name in names_zh():
        assert html.escape(name) in parks, name


def test_provenance(grid):
    out, page = grid
    prov = section_html(page, "provenance")
    assert "python run.py -m" in prov and "policy.factory_space_m2_per_year=0,4e6" in prov
    assert "git commit" in prov and "hydra-core" in prov and "matplotlib" in prov
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
    assert "<td>baseline</td>" in section_html(page, "scorecard") and "<td>no_policy</td>" in page
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

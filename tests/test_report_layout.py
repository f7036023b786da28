"""The sweep report leads with its answer: the verdict lines and the cost, then the scorecard,
then the cost table, then the charts; job labels wrap only at their separators, never inside
a number; the parks' table is paged, and no table is wider than a 1400-pixel window."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from conftest import sweep
from sim.runs.table import asked
from sim.sweep import report
from sim.sweep.report_html import breakable, label_part
from sim.sweep.report_sections import PARK_COLUMNS

CUBE = ["policy.factory_space_m2_per_year=2e6,4e6", "policy.fund_yi_per_year=0,5", "policy.talent_inflow_per_year=0,10000"]
P_CELL = r"\d\.\d\d \[\d\.\d\d, \d\.\d\d\]"


@pytest.fixture(scope="module")
def cube(tmp_path_factory) -> tuple[Path, str]:
    """Eight jobs over three levers (more than PARK_COLUMNS), one replication each; the report
    the sweep wrote as it ended."""
    out = sweep(tmp_path_factory.mktemp("sweeps") / "cube", *CUBE,
                tiny=("replications=1", "firms_scale=0.05", "uncertainty=seeds", "progress=false"))
    return out, (out / "report.html").read_text(encoding="utf-8")


def section_html(page: str, key: str) -> str:
    start = page.index(f'<section id="{key}">')
    return page[start:page.index("</section>", start)]


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_the_report_opens_with_the_verdicts_then_the_scorecard_then_the_cost(cube):
    out, page = cube
    order = [page.index(f'<section id="{key}">') for key in report.SECTIONS]
    assert order == sorted(order) and list(report.SECTIONS)[:4] == ["verdict", "scorecard", "whatittakes", "fan"]
    verdict = section_html(page, "verdict")
    lines = [text_of(li) for li in re.findall(r"<li>(.*?)</li>", verdict)]
    targets = json.loads(next(out.glob("*/targets.json")).read_text(encoding="utf-8"))["targets"]
    assert [line.split(": met with probability ")[0] for line in lines] == [asked(t) for t in targets]  # one per target, in order
    assert lines[0].startswith("Parks' output of 30,000亿元 a year: met with probability ")
    for line in lines:  # the lowest and highest across the 8 jobs, or one for all, and the medians
        assert re.search(rf"{P_CELL} (\(.+\) to {P_CELL} \(.+\)|in all 8 jobs); median ", line), line
    card = text_of(section_html(page, "scorecard"))
    for cell in re.findall(P_CELL, " ".join(lines)):
        assert cell in card  # the verdicts' numbers are the scorecard's
    cost = text_of(verdict[verdict.index("Public cost"):])
    assert re.match(r"Public cost 2023-2025 \(median over the replications\): [\d,]+亿元 \(.+\) to [\d,]+亿元 \(.+\)", cost)
    assert '<a href="#whatittakes">' in verdict


def test_job_labels_wrap_only_at_separators():
    assert label_part("factory_space_m2_per_year=2,000,000") == (
        'factory_<wbr>space_<wbr>m2_<wbr>per_<wbr>year=<wbr><span class="nobr">2,000,000</span>')
    assert label_part("fund_to_leading_industries") == "fund_<wbr>to_<wbr>leading_<wbr>industries"  # a scenario
    assert label_part("x={2023:2e6,2024:4e6}") == "x=<wbr>{2023:2e6,<wbr>2024:4e6}"  # a schedule: after its commas
    assert label_part("a=<b>") == "a=<wbr>&lt;b&gt;"
    assert breakable("seed=0,1,policy.x=0.05,y=2,000,000", "_.,=") == (
        "seed=<wbr>0,<wbr>1,<wbr>policy.<wbr>x=<wbr>0.05,<wbr>y=<wbr>2,000,000")  # a list's commas, not a number's


def test_no_number_of_the_page_has_a_break_opportunity_inside(cube):
    _, page = cube
    body = page[page.index("<body>"):]
    assert "<wbr>" in body and not re.search(r"\d<wbr>\d|\d\.<wbr>\d|\d,<wbr>\d{3}(?!\d)", body)
    assert '<span class="nobr">2,000,000</span>' in section_html(page, "scorecard")


def test_the_parks_table_is_paged(cube):
    _, page = cube
    parks = section_html(page, "parks")
    tables = re.findall(r"<table.*?</table>", parks, flags=re.S)
    assert len(tables) == 2 and PARK_COLUMNS == 6
    heads = [re.search(r"<tr>(.*?)</tr>", t, flags=re.S).group(1).count("<th>") for t in tables]
    assert heads == [2 + 6, 2 + 2]  # park, end-2022, then 6 jobs and 2 jobs
    for t in tables:
        assert "(qiantang)" in t and "园区外 (outside)" in t


def test_no_table_scrolls_and_no_number_wraps_in_a_1400_pixel_window(cube, page):
    out, _ = cube
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto((out / "report.html").as_uri())
    scrolling = page.evaluate("""() => [...document.querySelectorAll('div.wide')]
        .filter(d => d.scrollWidth > d.clientWidth + 1).map(d => d.closest('section').id + ': ' + d.scrollWidth + 'px')""")
    assert scrolling == []
    assert page.evaluate("() => document.querySelectorAll('span.nobr').length") >= 8 * 3
    broken = page.evaluate("() => [...document.querySelectorAll('span.nobr')].filter(s => s.getClientRects().length > 1).map(s => s.textContent)")
    assert broken == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1400

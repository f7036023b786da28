"""Write a sweep's report: one self-contained HTML page and its figures.

    python -m sim.sweep.report SWEEP_DIR [--target NAME]

Writes SWEEP_DIR/report.html (figures embedded as PNG data URIs, the bundled CJK font as a
@font-face data URL; no external resource, opens offline) and SWEEP_DIR/figures/NAME.png and
.svg. Sections, the answer first: the verdict (a line per target in plain words, what the plan
asks and the lowest and highest P(met) across the jobs, and the cost), the scorecard (job x
target, probability met with its 95% interval), what it would take (each job's public cost;
the policy search and the PRIM boxes when search.json or discover.json is in the directory),
then the charts: parks' output fan charts against the target, a heatmap for a two-lever grid
(`--target`; by default the target whose P(met) varies most across the cells), cluster sizes
per ecosystem, output by park (Chinese names; its table paged, PARK_COLUMNS jobs a table);
failed jobs, and provenance (the commit and command each job recorded in its job.json,
resolved configs, seeds, the builder's package versions). Job labels wrap only at their
separators, never inside a number, and no table is wider than the page. Reads
summary.parquet and, one job at a time, the few series it needs: those the job stored as it
ended (report_cache), else from its timeseries.parquet, so memory stays flat in the number of
jobs. With `--processes N` (the sweep's end uses every core) the first sections' figures are
drawn in forked processes beside the others: the same bytes as a serial build.

Reproducible: no clock time (job timings stay in job.json), no absolute path (paths are
relative to the sweep directory), figures without dates and with a fixed SVG hash salt, so
the same sweep (in any directory of the same name) and code give the same bytes. Atomic: the
page and every figure are written to a temporary file beside them and renamed into place, so
a failed build (a full disk) leaves the previous complete files or none, never a partial one;
the temporary files of an earlier killed build are deleted first.

The page is templates/report.html.j2 (Jinja2, autoescaped); the sections are HTML fragments
that report_sections builds and escapes. Modules: report_jobs (reading the sweep),
report_cache (the jobs' stored aggregates), report_html (HTML helpers, the template, the
font), report_sections (the sections and their figures), figures (the charts), provenance
(what the jobs recorded).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, wait
from pathlib import Path

from sim.config.schema import ConfigError
from sim.runs import sweepdir
from sim.runs.lifetime import end_with
from sim.runs.results import TEMPORARY, atomic_write, remove_stale_temporaries  # noqa: F401 (TEMPORARY: the temporaries' names)
from sim.sweep.report_html import CSS, font_face, render, safe
from sim.sweep.report_jobs import label_jobs, load_jobs, read_summary
from sim.sweep.report_sections import (
    FIGURES, SECTIONS, clusters_section, failed_section, fan_section, grid_section, parks_section, provenance_section,
    scorecard_section, section, target_info,
)
from sim.sweep import report_cache
from sim.sweep.report_verdict import verdict_section
from sim.sweep import report_whatittakes as whatittakes
from sim.runs.targets import NAMES as TARGETS

__all__ = ["FIGURES", "SECTIONS", "build", "main"]

REPORT = "report.html"
TEMPLATE = "report.html.j2"  # sim/sweep/templates/
def build(sweep_dir: Path, target: str | None = None, processes: int = 1) -> Path:
    """Write SWEEP_DIR/report.html and its figures; `target` is the grid heatmap's (default:
    the target whose P(met) varies most across the grid's cells). With `processes` > 1 the
    first sections are drawn in forked processes beside this one (the same bytes). ConfigError
    for a directory that is not one sweep (sim.runs.sweepdir.check_one)."""
    sweep_dir = sweepdir.check_one(sweep_dir)
    if target is not None and target not in TARGETS:
        raise SystemExit(f"--target {target!r}: allowed: {', '.join(TARGETS)}")
    remove_stale_temporaries(sweep_dir, names=(REPORT,))  # the sweep directory has other writers
    remove_stale_temporaries(sweep_dir / "figures")
    inputs = whatittakes.read_inputs(sweep_dir)  # a malformed search.json or discover.json: refused before any figure
    summary, summary_note = read_summary(sweep_dir)
    jobs = load_jobs(sweep_dir, summary)
    if not jobs:
        raise SystemExit(f"no jobs in {sweep_dir}")
    keys = label_jobs(jobs)
    for j in jobs:  # what each job stored as it ended (report_cache), else one job's rows at a time
        report_cache.load(j, sweep_dir)
    info = target_info(jobs)
    figures_dir = sweep_dir / "figures"
    name = sweep_dir.resolve().name  # the directory's name only: the page holds no absolute path

    notes = ([summary_note] if summary_note else []) + [f"{j.name}: {n}" for j in jobs for n in j.notes]
    drawn = {  # drawn in this order, the fan chart first: the largest figure (one panel a job); shown in SECTIONS' order
        "fan": lambda: fan_section(jobs, info, figures_dir),
        "scorecard": lambda: scorecard_section(jobs, info, figures_dir),
        "grid": lambda: grid_section(jobs, keys, target, info, figures_dir),
        "clusters": lambda: clusters_section(jobs, figures_dir),
        "parks": lambda: parks_section(jobs, figures_dir),
        "whatittakes": lambda: section("whatittakes", whatittakes.body(sweep_dir, figures_dir, jobs, inputs)),
        "verdict": lambda: verdict_section(jobs, section),
        "failed": lambda: failed_section(jobs, sweep_dir),
        "provenance": lambda: provenance_section(jobs, sweep_dir),
    }
    parts = dict(zip(drawn, in_parallel(list(drawn.values()), processes)))
    page = render(TEMPLATE, name=name, n_jobs=len(jobs), n_done=sum(j.complete for j in jobs), keys=keys, notes=notes,
                  sections=SECTIONS, parts=[safe(parts[key]) for key in SECTIONS], css=safe(CSS), font_face=safe(font_face()))
    out = sweep_dir / REPORT
    data = page.encode("utf-8")
    atomic_write(out, lambda p: p.write_bytes(data))
    return out


_SECTIONS: list = []  # what forked processes draw (inherited, never pickled)


def _draw(i: int, parent: int) -> tuple[str, list[tuple[str, type]]]:
    """Section i of _SECTIONS, in a forked process; its warnings go back to the parent. The
    process ends with `parent`, the process building the report (sim.runs.lifetime)."""
    end_with(parent)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        html = _SECTIONS[i]()
    return html, [(str(w.message), w.category) for w in caught]


def in_parallel(sections: list, processes: int) -> list[str]:
    """Each section's HTML, in order: the first `processes - 1` drawn by forked processes
    (where the platform forks) while this one draws the rest. Their warnings are re-raised
    here, so a caller sees the same warnings as from a serial build. A forked process that
    has not finished long after this one did (a fork that inherited a held lock) is
    terminated and its section drawn here."""
    remote = min(max(processes, 1) - 1, len(sections) - 1)
    if remote < 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [draw() for draw in sections]
    _SECTIONS[:] = sections
    pool = ProcessPoolExecutor(max_workers=remote, mp_context=multiprocessing.get_context("fork"))
    try:
        with warnings.catch_warnings():  # Hydra's launchers leave threads; the children only draw
            warnings.filterwarnings("ignore", r"This process .* is multi-threaded", DeprecationWarning)
            futures = [pool.submit(_draw, i, os.getpid()) for i in range(remote)]
        start = time.perf_counter()
        local = [draw() for draw in sections[remote:]]
        wait(futures, timeout=max(120.0, 10 * (time.perf_counter() - start)))
        drawn = [f.result() if f.done() and not f.exception() else (sections[i](), []) for i, f in enumerate(futures)]
    finally:
        _SECTIONS.clear()
        for proc in list(getattr(pool, "_processes", {}).values()):  # none is left running
            if proc.is_alive() and not all(f.done() for f in futures):
                proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
    for _, caught in drawn:
        for message, category in caught:
            warnings.warn(message, category, stacklevel=2)
    return [html for html, _ in drawn] + local


def cores() -> int:
    """The cores this process may use (the report draws its figures on them)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--target", default=None, choices=TARGETS,
                        help="target of the two-lever grid heatmap (default: the one whose P(met) varies most across the cells)")
    parser.add_argument("--processes", type=int, default=cores(),
                        help="processes that draw the figures (default: the cores this process may use)")
    args = parser.parse_args(argv)
    try:
        sweepdir.check_one(args.sweep_dir)
        sweepdir.hold(args.sweep_dir, str(args.sweep_dir))  # not while a sweep runs there
        out = build(args.sweep_dir, args.target, args.processes)
    except (ConfigError, OSError) as e:  # a file of the sweep that cannot be read or written: one line
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {out} and {args.sweep_dir / 'figures'}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

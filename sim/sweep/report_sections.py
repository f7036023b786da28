"""The sections of the sweep report, each a function of the jobs that returns its HTML (and
writes its figure into figures/)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from sim.config.schema import ECOSYSTEMS
from sim.runs.table import margin_words
from sim.runs.table import asked, uncertainty_words
from sim.sweep import figures
from sim.sweep.provenance import DIRTY, commit_counts, is_dirty, job_command, last_invocation_axes, package_versions, read_multirun, recorded_commit
from sim.sweep.report_html import E, breakable, figure_html, job_header, note, table, td, yi
from sim.sweep.report_jobs import Job, cluster_labels, park_names, pretty, relative_paths, sort_key, target_settings
from sim.runs.targets import NAMES as TARGETS
from sim.runs.targets import wilson

SECTIONS = {  # in the page's order: the answer first, then what it costs, then the charts behind it
    "verdict": "What was asked, and the answer",
    "scorecard": "Scorecard: probability of meeting each target",
    "whatittakes": "What it would take",
    "fan": "Parks' total output against the target",
    "grid": "Two-lever grid",
    "clusters": "Cluster sizes by ecosystem",
    "parks": "Output by park",
    "failed": "Failed jobs",
    "provenance": "Provenance",
}
PARK_COLUMNS = 6  # jobs in one table of the parks' output: more are paged into further tables, none scrolls
FIGURES = ("fan_chart", "scorecard", "grid_heatmap", "clusters", "parks")  # and frontier, with a search.json


def section(key: str, body: list[str]) -> str:
    return f'<section id="{key}">\n<h2>{E(SECTIONS[key])}</h2>\n' + "\n".join(body) + "\n</section>"


def target_info(jobs: list[Job]) -> dict[str, dict]:
    """name -> {description, threshold, unit} from the first complete job's targets.json."""
    for j in jobs:
        if j.targets:
            return {t["name"]: t for t in j.targets["targets"]}
    return {}


def short_labels(info: dict[str, dict]) -> dict[str, str]:
    """Each target in plain words with its threshold (sim.runs.table.asked, the words of the
    verdict lines): 'Parks' output of 30,000亿元 a year'. The full definition (and the reading)
    is in the scorecard's 'Target definitions'."""
    return {n: asked(info[n]) if n in info else n for n in TARGETS}


def fan_section(jobs, info, figures_dir) -> str:
    t = info.get("parks_output")
    if t is None:
        return section("fan", [note("No job completed: nothing to draw.")])
    threshold, unit = float(t["threshold"]), t.get("unit", "亿元")
    dates = [j.fan.index for j in jobs if j.fan is not None]
    span = f"{min(d.min() for d in dates).year}–{max(d.max() for d in dates).year}" if dates else ""
    png = figures.fan_chart([(j.title, j.fan) for j in jobs], threshold, unit, figures_dir)
    text = (f"Parks' output as the target reads it ({t['description']}), {span}, monthly and annualised: median and "
            f"10–90% band across replications, one panel per job, against the target of {threshold:,.0f} {unit} "
            f"(the target compares the mean of the target year's months).")
    rows = [[f"<td>{job_header(j)}</td>", td(yi(j.row.get("parks_output_median")), "num"),
             td(f"{yi(j.row.get('parks_output_p10'))} – {yi(j.row.get('parks_output_p90'))}", "num")] for j in jobs if j.complete]
    return section("fan", [f"<p>{E(text)}</p>", figure_html(png, "fan_chart", "fan chart of parks' output", "Parks' output by job."),
                           table(["job", f"target-year value, median ({unit})", "10–90% of replications"], rows, raw=True)])


def scorecard_section(jobs, info, figures_dir) -> str:
    names = [n for n in TARGETS if n in info] or list(TARGETS)
    p, lo, hi = (np.full((len(jobs), len(names)), np.nan) for _ in range(3))
    rows = []
    for i, j in enumerate(jobs):
        cells = [f"<td>{job_header(j)}</td>"]  # one override a line
        for k, n in enumerate(names):
            if j.complete and j.row.get(f"{n}_met_fraction") is not None:
                p[i, k], lo[i, k], hi[i, k] = (j.row[f"{n}_{c}"] for c in ("met_fraction", "ci_lo", "ci_hi"))
                text = E(f"{p[i, k]:.2f} [{lo[i, k]:.2f}, {hi[i, k]:.2f}]")
                m = j.row.get(f"{n}_median_margin")
                if m is not None and np.isfinite(m):
                    text += f"<br><small>{E(margin_words(m))}</small>"
                if j.row.get(f"{n}_met_fraction_seeds") is not None and np.isfinite(j.row[f"{n}_met_fraction_seeds"]):
                    text += f"<br><small>seeds only: {j.row[f'{n}_met_fraction_seeds']:.2f}</small>"
                cells.append(f'<td class="num" style="background:{figures.prob_colour(p[i, k])}">{text}</td>')  # text is HTML
            else:
                cells.append(td(str(j.row.get("status") or "no result"), "", "background:#dddddd"))
        rows.append(cells)
    labels = short_labels(info)
    png = figures.scorecard_heatmap([j.title for j in jobs], [labels[n] for n in names], p, lo, hi, figures_dir)
    header = ["job"] + [f'<span title="{E(info[n]["description"])}">{E(labels[n])}</span>' if n in info else E(n) for n in names]
    defs = table(["target", "name", "description", "reading", "threshold", "unit"],
                 [[labels[n], n, info[n]["description"], info[n].get("reading", ""), f"{info[n]['threshold']:g}", info[n]["unit"]]
                  for n in names if n in info])
    text = ("Fraction of replications in which each target is met, with its 95% Wilson interval, and the median "
            "margin (value / threshold − 1); under uncertainty=parameters or posterior the colour and first figure count "
            "parameter draws and seeds, and 'seeds only' is the same replications at the configured parameters; "
            "red 0, yellow 0.5, green 1; grey: the job has no result.")
    return section("scorecard", [f"<p>{E(text)}</p>", uncertainty_note(jobs), table(header, rows, raw=True, cls="scorecard"),
                                 "<details><summary>Target definitions</summary>" + defs + "</details>",
                                 "<details><summary>The scorecard as a figure</summary>"  # the table's numbers: kept out of the way
                                 + figure_html(png, "scorecard", "scorecard heatmap", "Scorecard.") + "</details>"])


MODES = {
    "seeds": "uncertainty=seeds: every parameter at its configured value",
    "parameters": "uncertainty=parameters: each replication draws the uncertain parameters from their priors",
    "posterior": "uncertainty=posterior: each replication draws a particle of the posterior sample",
}


def uncertainty_note(jobs: list[Job]) -> str:
    """What the jobs' parameter draws were, one line per distinct case with the jobs it holds
    for: the uncertainty, the posterior sample (name, particles) and the parameters held at
    their values (targets.json's `uncertainty`, `posterior` and `held`)."""
    cases: dict[str, list[str]] = {}
    done = [j for j in jobs if j.complete and j.targets]
    for j in done:
        mode = j.targets.get("uncertainty", "seeds")
        text = "; ".join([MODES.get(mode, f"uncertainty={mode}"), *uncertainty_words(j.targets)])
        cases.setdefault(text, []).append(j.label or j.name)
    if not cases:
        return ""
    items = [f"<li>{E(text)} ({E('all jobs' if len(names) == len(done) else ', '.join(names))})</li>" for text, names in cases.items()]
    return "<ul class=\"uncertainty\">" + "".join(items) + "</ul>"


def grid_axes(jobs, keys) -> tuple[str, list[str], str, list[str]] | None:
    """(xkey, xs, ykey, ys) of a two-lever grid (the lever with more values on x), or None."""
    levers = [k for k in keys if k != "seed"]
    if len(levers) != 2:
        return None
    ykey, xkey = sorted(levers, key=lambda k: len({j.overrides.get(k, '') for j in jobs}))
    xs = sorted({j.overrides.get(xkey, "") for j in jobs}, key=sort_key)
    ys = sorted({j.overrides.get(ykey, "") for j in jobs}, key=sort_key)
    return xkey, xs, ykey, ys


def grid_counts(jobs, axes, target: str) -> tuple[np.ndarray, np.ndarray]:
    """Replications meeting `target` and replications, per cell (jobs with different seeds pooled)."""
    xkey, xs, ykey, ys = axes
    met, n = np.zeros((len(ys), len(xs))), np.zeros((len(ys), len(xs)), dtype=int)
    for j in jobs:
        frac, reps = j.row.get(f"{target}_met_fraction"), j.row.get("replications")
        if j.complete and frac is not None and reps:
            i, k = ys.index(j.overrides.get(ykey, "")), xs.index(j.overrides.get(xkey, ""))
            met[i, k] += round(frac * reps)  # replications pooled over seeds
            n[i, k] += int(reps)
    return met, n


def grid_spread(jobs, axes, target: str) -> float:
    """Variance of P(met) across the grid's cells with results (0 if it does not vary)."""
    met, n = grid_counts(jobs, axes, target)
    p = met[n > 0] / n[n > 0]
    return float(np.var(p)) if p.size else 0.0


def default_grid_target(jobs, keys) -> str:
    """The target whose P(met) varies most across the grid (first in NAMES' order on a tie);
    parks_output if none varies or the sweep is no grid."""
    axes = grid_axes(jobs, keys)
    if axes is None:
        return "parks_output"
    spreads = [(grid_spread(jobs, axes, t), -k, t) for k, t in enumerate(TARGETS)]
    best = max(spreads)
    return best[2] if best[0] > 0 else "parks_output"


def grid_section(jobs, keys, target, info, figures_dir) -> str:
    axes = grid_axes(jobs, keys)
    if axes is None:
        levers = [k for k in keys if k != "seed"]
        found = ", ".join(levers) if levers else "none"
        return section("grid", [note(f"Skipped: this sweep is not a two-lever grid (overridden keys that vary, besides seed: {found}).")])
    chosen = target is None
    if chosen:
        target = default_grid_target(jobs, keys)
    xkey, xs, ykey, ys = axes
    met, n = grid_counts(jobs, axes, target)
    p, lo, hi = (np.full(met.shape, np.nan) for _ in range(3))
    for (i, k), m in np.ndenumerate(n):
        if m:
            p[i, k] = met[i, k] / m
            lo[i, k], hi[i, k] = wilson(int(met[i, k]), int(m))
    t = info.get(target, {})
    label = short_labels(info)[target]
    what = f"{label} ({target}: {t['description']})" if t else target
    png = figures.grid_heatmap(xkey, [pretty(v) for v in xs], ykey, [pretty(v) for v in ys], p, lo, hi, n,
                               f"P(met): {label}", figures_dir)
    why = (" It is the target whose probability varies most across the cells (the largest variance); "
           if chosen and np.nanmax(p) > np.nanmin(p) else " ")
    body = [f"<p>Probability of meeting <b>{E(what)}</b> in each cell of the grid {E(xkey)} × {E(ykey)} "
            "(replications of jobs with different seeds pooled), with its 95% Wilson interval." + E(why)
            + "Choose another target with <code>--target NAME</code>.</p>"]
    if np.isfinite(p).any() and (np.nanmax(p) == 0 or np.nanmin(p) == 1):
        body.append(note(("No replication meets the target in any cell." if np.nanmax(p) == 0
                          else "Every replication meets the target in every cell.")
                         + (" No target's probability varies across this grid." if chosen else "")))
    body.append(figure_html(png, "grid_heatmap", "two-lever heatmap", "Two-lever grid."))
    return section("grid", body)


def clusters_section(jobs, figures_dir) -> str:
    done = [j for j in jobs if j.clusters is not None and not j.clusters.empty]
    if not done:
        return section("clusters", [note("No job has results for the target year.")])
    s = target_settings(done[0].config)
    ecos = list(ECOSYSTEMS)
    series = [(j.label, *(j.clusters.reindex(ecos)[c].to_numpy() for c in ("p50", "p10", "p90"))) for j in done]
    where, lines, ylabel = cluster_labels(s)
    png = figures.cluster_bars(ecos, series, lines, ylabel, figures_dir)
    rows = []
    for j in done:
        c = j.clusters.reindex(ecos)
        cells = [f"<td>{job_header(j)}</td>"]
        for e in ecos:
            v = c.loc[e, "p50"]
            mark = " ★★" if v >= s["c10000"] else (" ★" if v >= s["c1000"] else "")
            cells.append(td(f"{yi(v)}{mark}", "num", title=f"10–90%: {yi(c.loc[e, 'p10'])} – {yi(c.loc[e, 'p90'])}"))
        rows.append(cells)
    text = (f"Size of each of the plan's five ecosystems (产业生态圈): the median across replications of its "
            f"{s['year']} above-scale output ({where}, mean of the year's monthly annualised values), with the 10–90% "
            f"range as error bars, against the {s['c1000']:,.0f}亿 and {s['c10000']:,.0f}亿 thresholds. "
            "In the table ★ marks a median at or above the first, ★★ at or above the second."
            + (" Values are at 2022 prices; the target's reading compares current prices (the price index is the "
               "city-level variable price_index of timeseries.parquet)." if s["prices"] == "nominal" else ""))
    return section("clusters", [f"<p>{E(text)}</p>", figure_html(png, "clusters", "cluster sizes", "Cluster sizes."),
                                table(["job"] + [E(e) for e in ecos], rows, raw=True)])


def parks_section(jobs, figures_dir) -> str:
    done = [j for j in jobs if j.parks is not None]
    if not done:
        return section("parks", [note("No job has results for the target year.")])
    names: dict[str, str] = {}
    for j in jobs:
        for k, v in park_names(j.config).items():
            names.setdefault(k, v)
    ids = [i for i in names if i in done[0].parks.index] + sorted(set(done[0].parks.index) - set(names))
    year = target_settings(done[0].config)["year"]
    base = done[0].parks_base.reindex(ids)
    base_year = int(done[0].fan.index.min().year) if done[0].fan is not None else year
    with warnings.catch_warnings():  # one warning per park name, not one per call
        warnings.simplefilter("once")
        labels = [figures.park_label(names.get(i), i) for i in ids]
    png = figures.park_dots(labels, base.to_numpy(), f"end-{base_year} (calibrated)",
                            [(j.label, j.parks.reindex(ids).to_numpy()) for j in done],
                            f"above-scale output in {year} (亿元/yr, median across replications; log scale)", figures_dir)
    pages = [done[k:k + PARK_COLUMNS] for k in range(0, len(done), PARK_COLUMNS)]
    tables = [table(["park", f"end-{base_year}"] + [job_header(j) for j in page],
                    [[td(f"{names.get(i) or ''} ({i})", "name"), td(yi(base[i]), "num")] + [td(yi(j.parks.get(i, np.nan)), "num") for j in page]
                     for i in ids], raw=True) for page in pages]
    text = (f"Each park's above-scale output in {year} (mean of the year's months, median across replications) by job; "
            f"the grey bar is the calibrated end-{base_year} value. 园区外 (outside) is the rest of the city."
            + (f" The table shows {PARK_COLUMNS} jobs at a time, in {len(pages)} tables." if len(pages) > 1 else ""))
    return section("parks", [f"<p>{E(text)}</p>", figure_html(png, "parks", "output by park", "Output by park."), *tables])


def error_line(job: Job, sweep_dir: Path) -> str:
    """The last line of a job's error, with the sweep directory's absolute path made relative."""
    if job.row.get("error"):
        return relative_paths(str(job.row["error"]).strip().splitlines()[-1], sweep_dir)
    try:
        lines = (sweep_dir / job.name / "error.txt").read_text(encoding="utf-8").strip().splitlines()
        return relative_paths(lines[-1], sweep_dir) if lines else "(error.txt is empty)"
    except OSError:
        return "(no error recorded)"


def failed_section(jobs, sweep_dir) -> str:
    bad = [j for j in jobs if not j.complete]
    if not bad:
        return section("failed", [f"<p>None: all {len(jobs)} jobs completed.</p>"])
    rows = [[f"<td>{breakable(j.name, '_.,=')}</td>", td(str(j.row.get("status"))), td(error_line(j, sweep_dir))] for j in bad]
    return section("failed", [f"<p>{len(bad)} of {len(jobs)} jobs did not complete; they are left out of the charts "
                              "and grey in the scorecard. Re-running the same sweep command runs them again and skips the complete ones.</p>",
                              table(["job directory", "status", "error"], rows, raw=True)])


def jobs_counted(n: int) -> str:
    return f"{n} job" if n == 1 else f"{n} jobs"


def code_html(jobs: list[Job]) -> str:
    """The commit(s) the jobs recorded in job.json: one line if they share one, else each with its count."""
    counts = commit_counts([j.record for j in jobs])
    dirty = (f"{DIRTY}: tracked files had uncommitted changes when the job ran, so the commit alone "
             "does not reproduce it.")
    if len(counts) == 1:
        commit, n = counts[0]
        every = f"all {n} jobs" if n > 1 else "the one job"
        if commit is None:
            return (f"<p>code: not recorded ({every}: job.json has no commit; the job ran before commits were "
                    "recorded, or outside a git checkout).</p>")
        return (f"<p>code: <code>{E(commit)}</code> ({every}), as recorded in each job's job.json.</p>"
                + (note(dirty) if is_dirty(commit) else ""))
    rows = [[td(commit if commit is not None else "not recorded"), td(jobs_counted(n), "num"),
             td(dirty if is_dirty(commit) else ("job.json has no commit" if commit is None else ""))]
            for commit, n in counts]
    recorded = sum(c is not None for c, _ in counts)
    what = f"{recorded} different commits" if recorded > 1 else "one commit, some jobs none"
    return (f"<p>code: the jobs recorded {what} in their job.json (the job table below gives each job's):</p>"
            + table(["commit", "jobs", "note"], rows, raw=True))


def command_cell(job: Job) -> str:
    text, recorded = job_command(job.record, job.hydra_overrides)
    if recorded:
        return f"<td><code>{breakable(text, '_.,=')}</code></td>"
    if not job.hydra_overrides:
        return "<td><small>none recorded (no job.json command, no .hydra/overrides.yaml)</small></td>"
    return (f"<td><code>{breakable(text, '_.,=')}</code><br><small>overrides from .hydra/overrides.yaml "
            "(job.json records no command)</small></td>")


def provenance_section(jobs: list[Job], sweep_dir: Path) -> str:
    body = [code_html(jobs)]
    varied = len(commit_counts([j.record for j in jobs])) > 1
    body.append("<h3>Jobs: seeds, replications, commands</h3><p>The command is the one each job recorded in its "
                "job.json to reproduce it; timings stay in job.json.</p>")
    rows = []
    for j in jobs:
        r = j.row
        cells = [f'<td class="job">{job_header(j)}</td>', f"<td>{breakable(j.name, '_.,=')}</td>", td(str(r.get("scenario") or "")),
                 td(str(r.get("seed") if r.get("seed") is not None else "")), td(str(r.get("replications") or "")),
                 td(str(r.get("status"))), td(str(r.get("config_hash") or "")[:12])]
        if varied:
            cells.append(td(recorded_commit(j.record) or "not recorded"))
        rows.append(cells + [command_cell(j)])
    header = ["job", "directory", "scenario", "seed", "replications", "status", "config hash"] + (["commit"] if varied else []) + ["command"]
    body.append(table(header, rows, raw=True))
    axes = last_invocation_axes(read_multirun(sweep_dir))
    if axes:
        body.append("<h3>Sweep axes of the last invocation</h3><p>From multirun.yaml, which Hydra rewrites at each "
                    "<code>run.py -m</code> into this directory: the last invocation's, which need not have run every "
                    "job (hydra.* overrides left out).</p>"
                    + table(["key", "values", "set on"], [list(a) for a in axes]))
    body.append("<h3>Package versions of the report builder</h3><p>The environment that wrote this report, "
                "not necessarily the jobs'.</p>")
    body.append(table(["package", "version"], [[k, v] for k, v in package_versions().items()]))
    body.append("<h3>Resolved configurations</h3><p>Each job's <code>.hydra/config.yaml</code>.</p>")
    for j in jobs:
        path = sweep_dir / j.name / ".hydra" / "config.yaml"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            text = "(missing)"
        overrides = " ".join(f"{k}={v}" for k, v in j.overrides.items())
        body.append(f"<details><summary>{E(j.label)} <code>{E(overrides)}</code></summary><pre>{E(text)}</pre></details>")
    return section("provenance", body)

"""Write a sweep's report: one self-contained HTML page and its figures.

    python -m sim.sweep.report SWEEP_DIR [--target NAME]

Writes SWEEP_DIR/report.html (figures embedded as PNG data URIs; no external resource, opens
offline) and SWEEP_DIR/figures/NAME.png and .svg. Sections: parks' output fan charts against
the target, the scorecard (job x target, probability met with its 95% interval), a heatmap
for a two-lever grid (`--target`, default parks_output), cluster sizes per ecosystem, output
by park (Chinese names), failed jobs, and provenance (commit, command, resolved configs,
seeds, package versions). Reads summary.parquet and, one job at a time, the few series it
needs from each timeseries.parquet, so memory stays flat in the number of jobs. Holds no
clock time: the same sweep and code give the same bytes.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.sweep import figures
from sim.sweep.provenance import command, git_commit, package_versions, read_multirun, sweeper_params
from sim.sweep.summary import ignored, job_dirs, job_row, parse_override
from sim.config import ECOSYSTEMS
from sim.simulate import margin_words
from sim.targets import NAMES as TARGETS
from sim.targets import wilson

SECTIONS = {
    "fan": "Parks' total output against the target",
    "scorecard": "Scorecard: probability of meeting each target",
    "grid": "Two-lever grid",
    "clusters": "Cluster sizes by ecosystem",
    "parks": "Output by park",
    "failed": "Failed jobs",
    "provenance": "Provenance",
}
FIGURES = ("fan_chart", "scorecard", "grid_heatmap", "clusters", "parks")


# ------------------------------------------------------------------ reading the sweep
@dataclass
class Job:
    name: str  # directory relative to the sweep
    row: dict  # its summary row
    overrides: dict[str, str]  # the overrides that change results, as written
    config: dict | None = None  # .hydra/config.yaml
    targets: dict | None = None  # targets.json
    parts: list[str] = field(default_factory=list)  # 'key=value' of the overrides that vary
    fan: pd.DataFrame | None = None  # p10, p50, p90 of parks' output by date
    parks: pd.Series | None = None  # id -> median output in the target year
    parks_base: pd.Series | None = None  # id -> median output at the first date
    clusters: pd.DataFrame | None = None  # ecosystem x (p10, p50, p90) in the target year
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return ", ".join(self.parts)

    @property
    def title(self) -> str:  # for chart titles: one override a line
        return "\n".join(self.parts)

    @property
    def complete(self) -> bool:
        return self.row.get("status") == "complete"


def read_yaml(path: Path):
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError):
        return None


def read_summary(sweep_dir: Path) -> tuple[pd.DataFrame, str | None]:
    path = sweep_dir / "summary.parquet"
    if path.exists():
        return pd.read_parquet(path), None
    dirs = job_dirs(sweep_dir)
    if not dirs:
        raise SystemExit(f"no jobs found in {sweep_dir} (no */.hydra/overrides.yaml)")
    note = "summary.parquet is missing: the job rows were rebuilt from the job directories (python -m sim.sweep.summary SWEEP_DIR writes it)."
    return pd.DataFrame([job_row(sweep_dir, d) for d in dirs]), note


def kept_overrides(job_dir: Path) -> dict[str, str]:
    overrides = read_yaml(job_dir / ".hydra" / "overrides.yaml") or []
    pairs = (parse_override(str(o)) for o in overrides)
    return {k: v for k, v in pairs if not ignored(k)}


def clean(value):
    """A summary cell as a plain Python value (None for missing)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") else value


def load_jobs(sweep_dir: Path, summary: pd.DataFrame) -> list[Job]:
    jobs = []
    for rec in summary.to_dict("records"):
        row = {k: clean(v) for k, v in rec.items()}
        d = sweep_dir / row["job"]
        job = Job(name=row["job"], row=row, overrides=kept_overrides(d), config=read_yaml(d / ".hydra" / "config.yaml"))
        if job.complete:
            try:
                job.targets = json.loads((d / "targets.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                job.notes.append("targets.json is missing or unreadable")
        jobs.append(job)
    return jobs


def number(value: str):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def sort_key(value: str):
    x = number(value)
    return (0, x, "") if x is not None else (1, 0.0, str(value))


def pretty(value: str) -> str:
    """'4000000.0' -> '4,000,000'; '0.05' stays; words stay."""
    x = number(value)
    if x is None or str(value).lower() in ("nan", "inf", "-inf", "true", "false"):
        return str(value)
    if x.is_integer() and abs(x) >= 10_000:
        return f"{int(x):,}"
    return f"{x:g}"


def varying_keys(jobs: list[Job]) -> list[str]:
    keys = sorted({k for j in jobs for k in j.overrides})
    return [k for k in keys if len({j.overrides.get(k, "") for j in jobs}) > 1]


def short_names(keys: list[str]) -> dict[str, str]:
    """'policy.factory_space_m2_per_year' -> 'factory_space_m2_per_year' unless ambiguous."""
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return {k: (s if last.count(s) == 1 else k) for k, s in zip(keys, last)}


def label_jobs(jobs: list[Job]) -> list[str]:
    """Label each job by the overrides that differ between jobs; sort them by those values."""
    keys = varying_keys(jobs)
    short = short_names(keys)
    for j in jobs:
        j.parts = [pretty(j.overrides.get(k, "-")) if k == "scenario" else f"{short[k]}={pretty(j.overrides.get(k, '-'))}"
                   for k in keys] or [str(j.row.get("scenario") or j.name)]
    jobs.sort(key=lambda j: ([sort_key(j.overrides.get(k, "")) for k in keys], j.name))
    return keys


# ------------------------------------------------------------------ one job's series
def target_settings(config: dict | None) -> dict:
    t = (config or {}).get("targets") or {}
    return dict(
        year=int(t.get("year", 2025)),
        scope=t.get("cluster_scope", "city"),
        c1000=float(t.get("cluster_1000yi", 1000.0)),
        c10000=float(t.get("cluster_10000yi", 10000.0)),
        prices=t.get("prices", "real"),
    )


def park_names(config: dict | None) -> dict[str, str]:
    cal = (config or {}).get("calibration") or {}
    rows = list(cal.get("parks") or []) + ([cal["outside"]] if cal.get("outside") else [])
    return {str(p["id"]): str(p.get("name_zh") or "") for p in rows if "id" in p}


def read_series(job: Job, sweep_dir: Path) -> None:
    """Fill job.fan, parks, parks_base, clusters from its timeseries.parquet (only the rows needed)."""
    path = sweep_dir / job.name / "timeseries.parquet"
    if not job.complete or not path.exists():
        return
    s = target_settings(job.config)
    filters = [
        [("level", "==", "city"), ("variable", "in", ["parks_output_target_yi", "parks_output_yi"])],
        [("level", "==", "park"), ("variable", "==", "output_yi")],
        [("level", "==", "sector"), ("variable", "==", "output_yi")],
    ]
    if s["scope"] == "parks":
        filters.append([("level", "==", "park_sector"), ("variable", "==", "output_yi")])
    ts = pd.read_parquet(path, columns=["replication", "date", "level", "id", "variable", "value"], filters=filters)
    ts["level"], ts["id"], ts["variable"] = ts["level"].astype(str), ts["id"].astype(str), ts["variable"].astype(str)
    if (ts["variable"] == "parks_output_target_yi").any():  # the quantity the target reads (older results: industrial output)
        ts = ts[ts["variable"] != "parks_output_yi"]
    ts["date"] = pd.to_datetime(ts["date"].astype(str))

    city = ts[ts["level"] == "city"].pivot_table(index="date", columns="replication", values="value")
    job.fan = pd.DataFrame({f"p{int(q * 100)}": city.quantile(q, axis=1) for q in (0.1, 0.5, 0.9)})

    in_year = ts["date"].dt.year == s["year"]
    if not in_year.any():
        job.notes.append(f"no records in the target year {s['year']}")
        return
    park = ts[ts["level"] == "park"]
    first = park["date"] == park["date"].min()
    job.parks_base = park[first].groupby("id")["value"].median()
    job.parks = park[in_year[park.index]].groupby(["id", "replication"])["value"].mean().groupby("id").median()

    if s["scope"] == "parks":
        ps = ts[(ts["level"] == "park_sector") & in_year]
        parts = ps["id"].str.split(":", n=1, expand=True)
        is_park = parts[0].isin(set(park_names(job.config)) - {"outside"})
        sec = ps[is_park].assign(id=parts[1][is_park]).groupby(["id", "replication", "date"])["value"].sum().reset_index()
    else:
        sec = ts[(ts["level"] == "sector") & in_year]
    yearly = sec.groupby(["id", "replication"])["value"].mean().unstack("replication")
    yearly = yearly.reindex([e for e in ECOSYSTEMS if e in yearly.index])
    job.clusters = pd.DataFrame({f"p{int(q * 100)}": yearly.quantile(q, axis=1) for q in (0.1, 0.5, 0.9)})


# ------------------------------------------------------------------ HTML helpers
E = html.escape
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;
margin:2em auto;max-width:1150px;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.name{white-space:nowrap}div.wide{overflow-x:auto}
img{max-width:100%;height:auto}figure{margin:1em 0}figcaption{font-size:.85em;color:#555}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.4em .8em}
pre{background:#f7f7f7;padding:.6em;overflow-x:auto;font-size:.8em}code{font-size:.92em}
details{margin:.3em 0}summary{cursor:pointer}
""".strip()


def table(header: list[str], rows: list[list[str]], raw: bool = False) -> str:
    """An HTML table; cells (and header) are escaped unless raw (then they are already HTML)."""
    cell = (lambda c: c) if raw else (lambda c: f"<td>{E(str(c))}</td>")
    head = "".join(f"<th>{h if raw else E(h)}</th>" for h in header)
    body = "\n".join("<tr>" + "".join(cell(c) for c in r) + "</tr>" for r in rows)
    return f'<div class="wide"><table>\n<tr>{head}</tr>\n{body}\n</table></div>'


def job_header(job: "Job") -> str:
    """A job as a table header: one override a line."""
    return "<br>".join(E(p) for p in job.parts)


def td(text: str, cls: str = "", style: str = "", title: str = "") -> str:
    attrs = (f' class="{cls}"' if cls else "") + (f' style="{style}"' if style else "") + (f' title="{E(title)}"' if title else "")
    return f"<td{attrs}>{E(text)}</td>"


def figure_html(png: bytes, name: str, alt: str, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{E(alt)}">'
            f'<figcaption>{E(caption)} Files: figures/{E(name)}.png, figures/{E(name)}.svg.</figcaption></figure>')


def note(text: str) -> str:
    return f'<p class="note">{E(text)}</p>'


def section(key: str, body: list[str]) -> str:
    return f'<section id="{key}">\n<h2>{E(SECTIONS[key])}</h2>\n' + "\n".join(body) + "\n</section>"


def yi(x) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:,.0f}"


# ------------------------------------------------------------------ the sections
def target_info(jobs: list[Job]) -> dict[str, dict]:
    """name -> {description, threshold, unit} from the first complete job's targets.json."""
    for j in jobs:
        if j.targets:
            return {t["name"]: t for t in j.targets["targets"]}
    return {}


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
    rows = [[j.label, yi(j.row.get("parks_output_median")), f"{yi(j.row.get('parks_output_p10'))} – {yi(j.row.get('parks_output_p90'))}"]
            for j in jobs if j.complete]
    return section("fan", [f"<p>{E(text)}</p>", figure_html(png, "fan_chart", "fan chart of parks' output", "Parks' output by job."),
                           table(["job", f"target-year value, median ({unit})", "10–90% of replications"], rows)])


def scorecard_section(jobs, info, figures_dir) -> str:
    names = [n for n in TARGETS if n in info] or list(TARGETS)
    p, lo, hi = (np.full((len(jobs), len(names)), np.nan) for _ in range(3))
    rows = []
    for i, j in enumerate(jobs):
        cells = [td(j.label)]
        for k, n in enumerate(names):
            if j.complete and j.row.get(f"{n}_met_fraction") is not None:
                p[i, k], lo[i, k], hi[i, k] = (j.row[f"{n}_{c}"] for c in ("met_fraction", "ci_lo", "ci_hi"))
                text = f"{p[i, k]:.2f} [{lo[i, k]:.2f}, {hi[i, k]:.2f}]"
                m = j.row.get(f"{n}_median_margin")
                if m is not None and np.isfinite(m):
                    text += f"<br><small>{E(margin_words(m))}</small>"
                if j.row.get(f"{n}_met_fraction_seeds") is not None and np.isfinite(j.row[f"{n}_met_fraction_seeds"]):
                    text += f"<br><small>seeds only: {j.row[f'{n}_met_fraction_seeds']:.2f}</small>"
                cells.append(td(text, "num", f"background:{figures.prob_colour(p[i, k])}"))
            else:
                cells.append(td(str(j.row.get("status") or "no result"), "", "background:#dddddd"))
        rows.append(cells)
    png = figures.scorecard_heatmap([j.title for j in jobs], names, p, lo, hi, figures_dir)
    header = ["job"] + [f"{E(n)}<br>(≥ {info[n]['threshold']:,g} {E(info[n]['unit'])})" if n in info else E(n) for n in names]
    defs = table(["target", "description", "reading", "threshold", "unit"],
                 [[n, info[n]["description"], info[n].get("reading", ""), f"{info[n]['threshold']:g}", info[n]["unit"]] for n in names if n in info])
    text = ("Fraction of replications in which each target is met, with its 95% Wilson interval, and the median "
            "margin (value / threshold − 1); under uncertainty=parameters the colour and first figure count parameter "
            "draws and seeds, and 'seeds only' is the same replications at the configured parameters; "
            "red 0, yellow 0.5, green 1; grey: the job has no result.")
    return section("scorecard", [f"<p>{E(text)}</p>", table(header, rows, raw=True),
                                 figure_html(png, "scorecard", "scorecard heatmap", "Scorecard."),
                                 "<details><summary>Target definitions</summary>" + defs + "</details>"])


def grid_section(jobs, keys, target, info, figures_dir) -> str:
    levers = [k for k in keys if k != "seed"]
    if len(levers) != 2:
        found = ", ".join(levers) if levers else "none"
        return section("grid", [note(f"Skipped: this sweep is not a two-lever grid (overridden keys that vary, besides seed: {found}).")])
    ykey, xkey = sorted(levers, key=lambda k: len({j.overrides.get(k, '') for j in jobs}))
    xs = sorted({j.overrides.get(xkey, "") for j in jobs}, key=sort_key)
    ys = sorted({j.overrides.get(ykey, "") for j in jobs}, key=sort_key)
    met, n = np.zeros((len(ys), len(xs))), np.zeros((len(ys), len(xs)), dtype=int)
    for j in jobs:
        frac, reps = j.row.get(f"{target}_met_fraction"), j.row.get("replications")
        if j.complete and frac is not None and reps:
            i, k = ys.index(j.overrides.get(ykey, "")), xs.index(j.overrides.get(xkey, ""))
            met[i, k] += round(frac * reps)  # replications pooled over seeds
            n[i, k] += int(reps)
    p, lo, hi = (np.full(met.shape, np.nan) for _ in range(3))
    for (i, k), m in np.ndenumerate(n):
        if m:
            p[i, k] = met[i, k] / m
            lo[i, k], hi[i, k] = wilson(int(met[i, k]), int(m))
    t = info.get(target, {})
    what = f"{target}: {t['description']} ≥ {t['threshold']:,g} {t['unit']}" if t else target
    png = figures.grid_heatmap(xkey, [pretty(v) for v in xs], ykey, [pretty(v) for v in ys], p, lo, hi, n,
                               f"P(met) — {what}", figures_dir)
    body = [f"<p>Probability of meeting <b>{E(what)}</b> in each cell of the grid {E(xkey)} × {E(ykey)} "
            "(replications of jobs with different seeds pooled), with its 95% Wilson interval. "
            "Choose another target with <code>--target NAME</code>.</p>"]
    if np.isfinite(p).any() and (np.nanmax(p) == 0 or np.nanmin(p) == 1):
        body.append(note("No replication meets the target in any cell." if np.nanmax(p) == 0
                         else "Every replication meets the target in every cell."))
    body.append(figure_html(png, "grid_heatmap", "two-lever heatmap", "Two-lever grid."))
    return section("grid", body)


def clusters_section(jobs, figures_dir) -> str:
    done = [j for j in jobs if j.clusters is not None and not j.clusters.empty]
    if not done:
        return section("clusters", [note("No job has results for the target year.")])
    s = target_settings(done[0].config)
    ecos = list(ECOSYSTEMS)
    series = [(j.label, *(j.clusters.reindex(ecos)[c].to_numpy() for c in ("p50", "p10", "p90"))) for j in done]
    where = "city-wide" if s["scope"] == "city" else "in the parks"
    lines = [(s["c1000"], f"{s['c1000']:,.0f}亿 (千亿级)"), (s["c10000"], f"{s['c10000']:,.0f}亿 (万亿级)")]
    png = figures.cluster_bars(ecos, series, lines, f"above-scale output in {s['year']} (亿元/yr, {where})", figures_dir)
    rows = []
    for j in done:
        c = j.clusters.reindex(ecos)
        cells = [td(j.label)]
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
    rows = [[td(f"{names.get(i) or ''} ({i})", "name"), td(yi(base[i]), "num")] + [td(yi(j.parks.get(i, np.nan)), "num") for j in done]
            for i in ids]
    text = (f"Each park's above-scale output in {year} (mean of the year's months, median across replications) by job; "
            f"the grey bar is the calibrated end-{base_year} value. 园区外 (outside) is the rest of the city.")
    return section("parks", [f"<p>{E(text)}</p>", figure_html(png, "parks", "output by park", "Output by park."),
                             table(["park", f"end-{base_year}"] + [job_header(j) for j in done], rows, raw=True)])


def error_line(job: Job, sweep_dir: Path) -> str:
    if job.row.get("error"):
        return str(job.row["error"]).strip().splitlines()[-1]
    try:
        lines = (sweep_dir / job.name / "error.txt").read_text(encoding="utf-8").strip().splitlines()
        return lines[-1] if lines else "(error.txt is empty)"
    except OSError:
        return "(no error recorded)"


def failed_section(jobs, sweep_dir) -> str:
    bad = [j for j in jobs if not j.complete]
    if not bad:
        return section("failed", [f"<p>None: all {len(jobs)} jobs completed.</p>"])
    rows = [[j.name, str(j.row.get("status")), error_line(j, sweep_dir)] for j in bad]
    return section("failed", [f"<p>{len(bad)} of {len(jobs)} jobs did not complete; they are left out of the charts "
                              "and grey in the scorecard. Re-running the same sweep command runs them again and skips the complete ones.</p>",
                              table(["job directory", "status", "error"], rows)])


def provenance_section(jobs, sweep_dir) -> str:
    multirun = read_multirun(sweep_dir)
    cmd = command(multirun) or "unknown: multirun.yaml is missing"
    body = [table(["what", "value"], [["git commit", git_commit()], ["command", cmd]]),
            "<p>The commit is that of the code writing this report; the sweep does not record the commit it ran at.</p>"]
    params = sweeper_params(multirun)
    if params:
        body.append("<p>Sweep axes set in the config (<code>hydra.sweeper.params</code>):</p>"
                    + table(["key", "values"], [[k, v] for k, v in params.items()]))
    body.append("<h3>Jobs: seeds and replications</h3>")
    rows = []
    for j in jobs:
        try:
            status = json.loads((sweep_dir / j.name / "job.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            status = {}
        r = j.row
        rows.append([j.label, j.name, str(r.get("scenario") or ""), str(r.get("seed") if r.get("seed") is not None else ""),
                     str(r.get("replications") or ""), str(r.get("status")), str(status.get("seconds", "")),
                     str(r.get("config_hash") or "")[:12]])
    body.append(table(["job", "directory", "scenario", "seed", "replications", "status", "seconds", "config hash"], rows))
    body.append("<h3>Package versions</h3>")
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


# ------------------------------------------------------------------ the page
def build(sweep_dir: Path, target: str = "parks_output") -> Path:
    sweep_dir = Path(sweep_dir)
    if target not in TARGETS:
        raise SystemExit(f"--target {target!r}: allowed: {', '.join(TARGETS)}")
    summary, summary_note = read_summary(sweep_dir)
    jobs = load_jobs(sweep_dir, summary)
    if not jobs:
        raise SystemExit(f"no jobs in {sweep_dir}")
    keys = label_jobs(jobs)
    for j in jobs:
        read_series(j, sweep_dir)  # one job's rows at a time; only the aggregates are kept
    info = target_info(jobs)
    figures_dir = sweep_dir / "figures"

    n_done = sum(j.complete for j in jobs)
    intro = [f"<p>Sweep <code>{E(sweep_dir.name)}</code>: {len(jobs)} jobs, {n_done} complete"
             + (f', {len(jobs) - n_done} not (see <a href="#failed">Failed jobs</a>)' if n_done < len(jobs) else "") + ". "
             + (f"Jobs differ in: {E(', '.join(keys))}." if keys else "") + "</p>"]
    if summary_note:
        intro.append(note(summary_note))
    for j in jobs:
        for n in j.notes:
            intro.append(note(f"{j.name}: {n}"))
    toc = "<nav><ol>" + "".join(f'<li><a href="#{k}">{E(v)}</a></li>' for k, v in SECTIONS.items()) + "</ol></nav>"
    parts = [
        fan_section(jobs, info, figures_dir),
        scorecard_section(jobs, info, figures_dir),
        grid_section(jobs, keys, target, info, figures_dir),
        clusters_section(jobs, figures_dir),
        parks_section(jobs, figures_dir),
        failed_section(jobs, sweep_dir),
        provenance_section(jobs, sweep_dir),
    ]
    page = "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Sweep report: {E(sweep_dir.name)}</title>",
        f"<style>{CSS}</style></head>",
        "<body>",
        f"<h1>Hangzhou development zones: sweep report <code>{E(sweep_dir.name)}</code></h1>",
        *intro,
        toc,
        *parts,
        "</body></html>",
        "",
    ])
    out = sweep_dir / "report.html"
    out.write_text(page, encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--target", default="parks_output", choices=TARGETS,
                        help="target of the two-lever grid heatmap (default: parks_output)")
    args = parser.parse_args(argv)
    out = build(args.sweep_dir, args.target)
    print(f"wrote {out} and {args.sweep_dir / 'figures'}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

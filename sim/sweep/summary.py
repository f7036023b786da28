"""Summarise a sweep directory: one row per job.

    python -m sim.sweep.summary SWEEP_DIR

Writes SWEEP_DIR/summary.parquet and summary.csv. Every job the sweep planned (sweep.json,
sim.sweep.plan) has a row, with its status: complete (its result files match the sizes
and sha256 in job.json), failed (it failed, or its files are unreadable or do not match),
incomplete (interrupted while running) or not started. Reads each job's small files one at
a time, never the time series, so memory stays flat in the number of jobs. Rows are sorted
by directory name, so the same sweep gives the same summary whichever launcher ran it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.config.schema import ConfigError
from sim.runs import sweepdir
from sim.runs.results import atomic_write

from . import plan
from .jobs import files_match, ignored

BANDS = ("parks_output", "leading_share", "fai_growth")


def job_dirs(sweep_dir: Path) -> list[Path]:
    """Every job directory below the sweep: those Hydra wrote a .hydra/ into."""
    return sorted(p.parent for p in Path(sweep_dir).glob("**/.hydra") if (p / "overrides.yaml").exists())


def parse_override(text: str) -> tuple[str, str]:
    key, _, value = text.partition("=")
    return key.lstrip("+~"), value


def typed(value: str) -> int | float | str:
    """An override's value as a number where it is one ("2e6" -> 2000000.0)."""
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def _overrides_row(row: dict, overrides: list[str]) -> None:
    kept = [o for o in overrides if not ignored(parse_override(o)[0])]
    row["overrides"] = " ".join(kept)
    for key, value in map(parse_override, kept):
        row[key] = typed(value)


def read_overrides(job: Path) -> list[str]:
    """A job's overrides, as Hydra recorded them in .hydra/overrides.yaml."""
    return yaml.load((job / ".hydra" / "overrides.yaml").read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or []


def job_row(sweep_dir: Path, job: Path, overrides: list[str] | None = None) -> dict:
    """The summary row of one job directory (`overrides`: read_overrides(job), if already
    read); an unreadable file makes the job failed."""
    row: dict = {"job": str(job.relative_to(sweep_dir)) or "."}
    try:
        _overrides_row(row, read_overrides(job) if overrides is None else overrides)
        _results_row(row, job)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, yaml.YAMLError) as e:
        row.update(status="failed", error=f"unreadable: {type(e).__name__}: {e}")
    return row


def _results_row(row: dict, job: Path) -> None:
    if not (job / "job.json").exists():
        row.update(status="incomplete", error="no job.json: the job was killed as it started")
        return
    status = json.loads((job / "job.json").read_text(encoding="utf-8"))
    row["status"] = status.get("status", "failed")
    row["error"] = status.get("error")
    row["config_hash"] = status.get("config_hash")
    for key in ("scenario", "seed", "replications"):
        if key in status:
            row[key] = status[key]
    if row["status"] == "running":
        row["status"], row["error"] = "incomplete", "job.json says running: the job was interrupted"
    if row["status"] != "complete":
        return
    if not files_match(job, status.get("files")):
        row["status"], row["error"] = "failed", "result files missing or not as job.json recorded them (re-run the sweep to redo the job)"
        return
    t = json.loads((job / "targets.json").read_text(encoding="utf-8"))
    row.update(scenario=t["scenario"], seed=t["seed"], replications=t["replications"], uncertainty=t.get("uncertainty", "seeds"))
    if "posterior" in t:  # uncertainty=posterior: the sample drawn from
        row["posterior"] = f"{t['posterior']['name']} ({t['posterior']['particles']} particles)"
    if t.get("held"):  # parameters held at their values in every replication (explicit settings, fixed_parameters)
        row["held"] = " ".join(f"{k}={v:g}" for k, v in t["held"].items())
    seeds = {x["name"]: x for x in t.get("targets_seeds", [])}
    for target in t["targets"]:
        name, values = target["name"], np.asarray(target["values"], dtype=float)
        row[f"{name}_met_fraction"] = target["met_fraction"]
        row[f"{name}_ci_lo"], row[f"{name}_ci_hi"] = target["ci95"]
        row[f"{name}_median"] = float(np.median(values))
        row[f"{name}_median_margin"] = target.get("median_margin")
        if name in seeds:  # uncertainty=parameters or posterior: the same replications at the configured values
            row[f"{name}_met_fraction_seeds"] = seeds[name]["met_fraction"]
            row[f"{name}_ci_lo_seeds"], row[f"{name}_ci_hi_seeds"] = seeds[name]["ci95"]
        if name in BANDS:
            row[f"{name}_p10"], row[f"{name}_p90"] = (float(v) for v in np.quantile(values, [0.1, 0.9]))
    if "cost" in t:  # the policy's public cost over the plan period (sim/rules/costs.py), 亿元
        row["cost_yi"] = t["cost"]["total_yi"]
        row["cost_lo_yi"], row["cost_hi_yi"] = t["cost"]["range_yi"]
        row.update({f"cost_{lever}_yi": v for lever, v in t["cost"]["by_lever_yi"].items()})


def rows(sweep_dir: Path) -> list[dict]:
    """One row per planned job (a job that never started has a row without results) and per
    job directory the plan does not name (sweeps from before plans were recorded)."""
    sweep_dir = Path(sweep_dir)
    found = {}
    for job in job_dirs(sweep_dir):
        try:
            overrides = read_overrides(job)
            key = plan.job_key(overrides)
        except (OSError, yaml.YAMLError, TypeError):
            overrides, key = None, ("unreadable", str(job))
        found[key] = job_row(sweep_dir, job, overrides)
    out = []
    for job in plan.planned(plan.read_plan(sweep_dir)):
        row = found.pop(plan.job_key(job["overrides"]), None)
        if row is None:
            row = {"job": job["dir"], "status": "not started", "error": "the sweep stopped before this job started"}
            _overrides_row(row, job["overrides"])
        out.append(row)
    return sorted(out + list(found.values()), key=lambda r: r["job"])


def summarize(sweep_dir: Path) -> pd.DataFrame:
    """Write and return the summary of one sweep (ConfigError for a directory of sweeps)."""
    sweep_dir = sweepdir.check_one(sweep_dir)
    rows_ = rows(sweep_dir)
    if not rows_:
        raise ConfigError(f"no jobs found in {sweep_dir} (no sweep.json and no */.hydra/overrides.yaml)")
    df = pd.DataFrame(rows_)
    for key in ("seed", "replications"):
        if key in df:
            df[key] = df[key].astype("Int64")  # integers, missing for jobs that failed early
    for key in df.columns[df.dtypes == object]:  # one type per column, or parquet refuses it
        if df[key].map(type).nunique() > 1:
            df[key] = df[key].map(lambda v: v if v is None or v != v else str(v))
    front = [c for c in ("job", "status", "error", "scenario", "seed", "replications", "uncertainty", "posterior", "held", "overrides") if c in df]
    df = df[front + [c for c in df.columns if c not in front]]
    atomic_write(sweep_dir / "summary.parquet", lambda p: df.to_parquet(p, index=False))
    atomic_write(sweep_dir / "summary.csv", lambda p: df.to_csv(p, index=False))
    return df


SHOWN_ROWS = 30  # the most jobs the terminal table lists; summary.csv has them all


def table(df: pd.DataFrame, rows: int = SHOWN_ROWS) -> str:
    """The summary as a terminal table, one row per job (the first `rows`): the values of the
    keys its overrides set that differ between jobs, its status, P(met) of each target over
    its replications, and the policy's cost."""
    from sim.runs.table import pad, width

    keys = []
    for overrides in df["overrides"].dropna() if "overrides" in df else []:
        keys += [k for k, _ in map(parse_override, str(overrides).split()) if k not in keys and k in df]
    keys = [k for k in keys if df[k].astype(str).nunique() > 1] or keys[:1]
    targets = [c.removesuffix("_met_fraction") for c in df.columns if c.endswith("_met_fraction")]
    header = [*keys, "status", *targets, *(["cost 亿元"] if "cost_yi" in df else [])]
    body = []
    for _, r in df.head(rows).iterrows():
        cells = [_cell(r.get(k)) for k in keys] + [str(r["status"])]
        cells += [_cell(r.get(f"{t}_met_fraction"), "{:.0%}") for t in targets]
        cells += [_cell(r.get("cost_yi"), "{:,.0f}")] if "cost_yi" in df else []
        body.append(cells)
    widths = [max(width(h), *(width(b[i]) for b in body)) for i, h in enumerate(header)]
    lines = ["P(met) of each target over a job's replications:" if targets else "Jobs:",
             "  ".join(pad(h, w) for h, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(pad(c, w, right=_numeric(c)) for c, w in zip(b, widths)).rstrip() for b in body]
    if len(df) > rows:
        lines.append(f"... and {len(df) - rows} more jobs in summary.csv")
    return "\n".join(lines)


def _cell(value, form: str = "{}") -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return "–"
    return form.format(value) if isinstance(value, (int, float, np.number)) else str(value)


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace("%", "").replace(".", "", 1).lstrip("-").isdigit()


def describe(df: pd.DataFrame) -> str:
    """A few lines for the terminal: job counts and failures."""
    counts = df["status"].value_counts().to_dict()
    lines = [f"{len(df)} jobs: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))]
    for _, r in df[df["status"] != "complete"].iterrows():
        lines.append(f"  {r['job']}: {r['status']}: {r['error']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    try:
        sweepdir.check_one(args.sweep_dir)
        sweepdir.hold(args.sweep_dir, str(args.sweep_dir))  # not while a sweep runs there
        df = summarize(args.sweep_dir)
    except (ConfigError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(table(df))
    print(describe(df))
    print(f"wrote {args.sweep_dir / 'summary.parquet'} and summary.csv")
    return 0 if (df["status"] == "complete").all() else 1


if __name__ == "__main__":
    sys.exit(main())

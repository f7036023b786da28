"""Reading a sweep for its report: the jobs (summary row, overrides, configs, job.json), their
labels, and the few series the charts need from each timeseries.parquet, one job at a time
so memory stays flat in the number of jobs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.config.schema import ECOSYSTEMS, ConfigError
from sim.sweep.summary import ignored, job_dirs, job_row, parse_override

# ------------------------------------------------------------------ reading the sweep
@dataclass
class Job:
    name: str  # directory relative to the sweep
    row: dict  # its summary row
    overrides: dict[str, str]  # the overrides that change results, as written
    config: dict | None = None  # .hydra/config.yaml
    record: dict = field(default_factory=dict)  # job.json as the job wrote it ({} if missing or unreadable)
    hydra_overrides: list[str] = field(default_factory=list)  # .hydra/overrides.yaml, every override as written
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
        try:
            return pd.read_parquet(path), None
        except (OSError, ValueError) as e:  # pyarrow's errors are both
            raise ConfigError(f"{path} cannot be read ({type(e).__name__}: {e}); allowed: the summary that python -m sim.sweep.summary "
                              "SWEEP_DIR writes: write it again") from None
    dirs = job_dirs(sweep_dir)
    if not dirs:
        raise SystemExit(f"no jobs found in {sweep_dir} (no */.hydra/overrides.yaml)")
    note = "summary.parquet is missing: the job rows were rebuilt from the job directories (python -m sim.sweep.summary SWEEP_DIR writes it)."
    return pd.DataFrame([job_row(sweep_dir, d) for d in dirs]), note


def all_overrides(job_dir: Path) -> list[str]:
    return [str(o) for o in read_yaml(job_dir / ".hydra" / "overrides.yaml") or []]


def kept_overrides(job_dir: Path) -> dict[str, str]:
    pairs = (parse_override(o) for o in all_overrides(job_dir))
    return {k: v for k, v in pairs if not ignored(k)}


def read_record(job_dir: Path) -> dict:
    try:
        record = json.loads((job_dir / "job.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


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
        job = Job(name=row["job"], row=row, overrides=kept_overrides(d), config=read_yaml(d / ".hydra" / "config.yaml"),
                  record=read_record(d), hydra_overrides=all_overrides(d))
        if not job.hydra_overrides and row.get("overrides"):  # a planned job that never started: no .hydra/
            job.overrides = dict(parse_override(o) for o in str(row["overrides"]).split())
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


def cluster_labels(s: dict) -> tuple[str, list[tuple[float, str]], str]:
    """For the cluster bars of `target_settings` s: where the clusters are counted, the two
    thresholds as (value, label) lines, and the y-axis label."""
    where = "city-wide" if s["scope"] == "city" else "in the parks"
    lines = [(s["c1000"], f"{s['c1000']:,.0f}亿 (千亿级)"), (s["c10000"], f"{s['c10000']:,.0f}亿 (万亿级)")]
    return where, lines, f"above-scale output in {s['year']} (亿元/yr, {where})"


def park_names(config: dict | None) -> dict[str, str]:
    cal = (config or {}).get("calibration") or {}
    rows = list(cal.get("parks") or []) + ([cal["outside"]] if cal.get("outside") else [])
    return {str(p["id"]): str(p.get("name_zh") or "") for p in rows if "id" in p}


SERIES_FILTERS = [
    [("level", "==", "city"), ("variable", "in", ["parks_output_target_yi", "parks_output_yi"])],
    [("level", "==", "park"), ("variable", "==", "output_yi")],
    [("level", "==", "sector"), ("variable", "in", ["output_yi", "parks_output_yi"])],  # parks_output_yi: in the parks
    [("level", "==", "park_sector"), ("variable", "==", "output_yi")],  # results older than sector parks_output_yi
]


def matching(ts: pd.DataFrame, filters: list[list[tuple]]) -> np.ndarray:
    """The rows of `ts` that pyarrow's `filters` (a disjunction of conjunctions of (column,
    "==" or "in", value)) would read from the parquet file."""
    keep = np.zeros(len(ts), dtype=bool)
    for conjunction in filters:
        rows = np.ones(len(ts), dtype=bool)
        for column, op, value in conjunction:
            col = ts[column]
            rows &= (col == value if op == "==" else col.isin(value)).to_numpy()
        keep |= rows
    return keep


@dataclass
class Series:
    """What the charts show of one scenario's replications (see Job for the fields)."""

    fan: pd.DataFrame | None = None
    parks: pd.Series | None = None
    parks_base: pd.Series | None = None
    clusters: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def series(ts: pd.DataFrame, config: dict | None) -> Series:
    """The fan, park and cluster series of a long timeseries table (timeseries.parquet's
    columns; any extra rows are ignored) for a config given as a plain dict."""
    out = Series()
    s = target_settings(config)
    ts = ts[matching(ts, SERIES_FILTERS)]
    ts = ts.assign(**{c: ts[c].astype(str) for c in ("level", "id", "variable")})
    city = ts["level"] == "city"
    if (city & (ts["variable"] == "parks_output_target_yi")).any():  # the quantity the target reads (older results: industrial output)
        ts = ts[~(city & (ts["variable"] == "parks_output_yi"))]
    ts = ts.assign(date=pd.to_datetime(ts["date"]))  # datetime64 (older results: date objects)

    city = ts[ts["level"] == "city"].pivot_table(index="date", columns="replication", values="value")
    out.fan = pd.DataFrame({f"p{int(q * 100)}": city.quantile(q, axis=1) for q in (0.1, 0.5, 0.9)})

    in_year = ts["date"].dt.year == s["year"]
    if not in_year.any():
        out.notes.append(f"no records in the target year {s['year']}")
        return out
    park = ts[ts["level"] == "park"]
    first = park["date"] == park["date"].min()
    out.parks_base = park[first].groupby("id")["value"].median()
    out.parks = park[in_year[park.index]].groupby(["id", "replication"])["value"].mean().groupby("id").median()

    sector = (ts["level"] == "sector") & in_year
    if s["scope"] == "city":
        sec = ts[sector & (ts["variable"] == "output_yi")]
    elif (sector & (ts["variable"] == "parks_output_yi")).any():
        sec = ts[sector & (ts["variable"] == "parks_output_yi")]
    else:  # results older than the sector-level parks_output_yi: the sum of the parks' cells
        ps = ts[(ts["level"] == "park_sector") & in_year]
        if ps.empty:
            out.notes.append("no sector output in the parks (parks_output_yi) to show the clusters")
            return out
        parts = ps["id"].str.split(":", n=1, expand=True)
        is_park = parts[0].isin(set(park_names(config)) - {"outside"})
        sec = ps[is_park].assign(id=parts[1][is_park]).groupby(["id", "replication", "date"])["value"].sum().reset_index()
    yearly = sec.groupby(["id", "replication"])["value"].mean().unstack("replication")
    yearly = yearly.reindex([e for e in ECOSYSTEMS if e in yearly.index])
    out.clusters = pd.DataFrame({f"p{int(q * 100)}": yearly.quantile(q, axis=1) for q in (0.1, 0.5, 0.9)})
    return out


def read_series(job: Job, sweep_dir: Path) -> None:
    """Fill job.fan, parks, parks_base, clusters from its timeseries.parquet (only the rows needed)."""
    path = sweep_dir / job.name / "timeseries.parquet"
    if not job.complete or not path.exists():
        return
    columns = ["replication", "date", "level", "id", "variable", "value"]
    ts = pd.read_parquet(path, columns=columns, filters=SERIES_FILTERS[:3])
    in_parks = (ts["level"] == "sector") & (ts["variable"] == "parks_output_yi")
    if target_settings(job.config)["scope"] == "parks" and not in_parks.any():  # older results: from the cells
        ts = pd.read_parquet(path, columns=columns, filters=SERIES_FILTERS)
    got = series(ts, job.config)
    job.fan, job.parks, job.parks_base, job.clusters = got.fan, got.parks, got.parks_base, got.clusters
    job.notes.extend(got.notes)


def relative_paths(text: str, sweep_dir: Path) -> str:
    """`text` with the sweep directory's absolute path written relative to it ('.' alone)."""
    for root in sorted({str(Path(sweep_dir).absolute()), str(Path(sweep_dir).resolve())}, key=len, reverse=True):
        text = re.sub(re.escape(root) + r"(/|(?![\w.\-]))", lambda m: "" if m.group(1) else ".", text)
    return text

"""The per-job part of a sweep's report, computed by the job itself as it ends.

The report's charts need, from each job's timeseries.parquet, a few aggregates (the fan,
the parks' outputs, the clusters: report_jobs.read_series). Reading and aggregating them is
about 0.15 s a job: done at the end of the sweep it runs on one core while the others idle,
so each job does it as its last step, in parallel with the other jobs, and writes it to
JOB_DIR/report_series/ (one parquet file per aggregate, and key.json). key.json holds the
sha256 of what they were computed from (the job's timeseries.parquet as its job.json
recorded it, its .hydra/config.yaml and this code) and of each aggregate's file. The report
reads the files only when all of these match, as a job's results are verified on resume;
otherwise (older sweeps, a changed aggregation, a failed write, a file deleted, edited or
truncated since) it aggregates the time series itself: the same numbers either way
(tests/test_report.py compares the pages byte for byte), and the next write (a resume calls
`prepare` for every job it finds complete) computes and stores them again.

Parquet rather than pickle: the report never unpickles what it finds in a results folder.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from sim.runs.results import file_digest, remove_stale_temporaries
from sim.sweep import report_jobs
from sim.sweep.report_jobs import Job, read_record, read_series, read_yaml

CACHE = "report_series"
PARTS = ("fan", "parks", "parks_base", "clusters")  # Job fields read_series fills (plus notes)
SERIES = ("parks", "parks_base")  # pandas Series, stored as one-column frames


@functools.cache
def _code() -> str:
    """What the aggregates depend on besides the data: the code that computes them."""
    h = hashlib.sha256()
    for path in (Path(report_jobs.__file__), Path(__file__)):
        h.update(path.read_bytes())
    return h.hexdigest()


def key(job_dir: Path) -> dict | None:
    """What the cached aggregates of `job_dir` were computed from; None unless the job is
    complete with a recorded timeseries.parquet."""
    record = read_record(job_dir)
    digest = ((record.get("files") or {}).get("timeseries.parquet") or {}).get("sha256")
    if record.get("status") != "complete" or not digest:
        return None
    try:
        config = hashlib.sha256((job_dir / ".hydra" / "config.yaml").read_bytes()).hexdigest()
    except OSError:
        return None
    return dict(timeseries_sha256=digest, config_sha256=config, code_sha256=_code())


def write(job_dir: Path) -> bool:
    """Compute and store the job's aggregates (if not already stored for the same inputs);
    True if they are stored. Never leaves a partial directory under CACHE."""
    job_dir = Path(job_dir)
    want = key(job_dir)
    if want is None:
        return False
    if _verified(job_dir, want) is not None:
        return True
    remove_stale_temporaries(job_dir, names=(CACHE,))  # what a killed write left
    job = Job(name=".", row=dict(status="complete"), overrides={}, config=read_yaml(job_dir / ".hydra" / "config.yaml"))
    _read(job, job_dir)
    tmp = Path(tempfile.mkdtemp(dir=job_dir, prefix=f".{CACHE}.", suffix=".tmp"))
    try:
        files = {}
        for part in PARTS:
            value = getattr(job, part)
            if value is not None:
                (value.to_frame() if part in SERIES else value).to_parquet(tmp / f"{part}.parquet")
                files[part] = file_digest(tmp / f"{part}.parquet")["sha256"]
        (tmp / "key.json").write_text(json.dumps(dict(want, files=files, notes=job.notes), ensure_ascii=False), encoding="utf-8")
        shutil.rmtree(job_dir / CACHE, ignore_errors=True)
        os.replace(tmp, job_dir / CACHE)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return True


def prepare(job_dir: Path) -> None:
    """The job's share of the sweep report, in parallel with the other jobs instead of at
    the end (run.py, after a job completes or is found complete); a failure here only means
    the report does it later."""
    try:
        write(job_dir)
    except Exception:  # noqa: BLE001 (an optimisation: the report falls back to the time series)
        pass


def _read(job: Job, job_dir: Path) -> None:
    """read_series for a job directory (it takes the sweep directory and the job's name)."""
    job.name = job_dir.name
    read_series(job, job_dir.parent)


def _verified(job_dir: Path, want: dict) -> dict | None:
    """key.json's content if it was computed from `want` (key(job_dir)) and every aggregate
    file it lists has the sha256 it records (and no listed part is missing); else None."""
    try:
        stored = json.loads((job_dir / CACHE / "key.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or {k: stored.get(k) for k in want} != want:
        return None
    files = stored.get("files")
    if not isinstance(files, dict) or not set(files) <= set(PARTS) or not isinstance(stored.get("notes", []), list):
        return None
    for part, digest in files.items():
        try:
            if file_digest(job_dir / CACHE / f"{part}.parquet")["sha256"] != digest:
                return None
        except OSError:
            return None
    return stored


def load(job: Job, sweep_dir: Path) -> None:
    """Fill job.fan, parks, parks_base, clusters and notes: from the job's stored aggregates
    if they and what they were computed from match their recorded sha256 (`_verified`),
    else from its timeseries.parquet."""
    job_dir = Path(sweep_dir) / job.name
    if job.complete and (want := key(job_dir)) is not None and (stored := _verified(job_dir, want)) is not None:
        try:
            values = {}
            for part in stored["files"]:
                frame = pd.read_parquet(job_dir / CACHE / f"{part}.parquet")
                values[part] = frame.iloc[:, 0] if part in SERIES else frame
            for part, value in values.items():
                setattr(job, part, value)
            job.notes.extend(stored.get("notes", []))
            return
        except (OSError, ValueError, KeyError, IndexError):
            pass  # unreadable: aggregate from the time series below
    read_series(job, Path(sweep_dir))

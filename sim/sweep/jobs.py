"""One job of a sweep: resumable, and recording its own failure instead of raising.

A job directory holds Hydra's `.hydra/` (the resolved config), `job.json` (status,
config hash, timings), and when complete `targets.json` and `timeseries.parquet`; when
failed, `error.txt` with the traceback. Re-running a sweep into the same directory skips
every job whose `job.json` says complete with the same config hash and whose files exist.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
import traceback
from pathlib import Path

from ..config import Config
from ..results import write_json
from ..simulate import simulate

# keys that do not change what a job computes
IGNORED_KEYS = ("progress", "sweep_name")
RESULT_FILES = ("targets.json", "timeseries.parquet", "parameters.parquet")


def config_hash(cfg: Config) -> str:
    """sha256 of the resolved config, less the keys that do not change results."""
    d = dataclasses.asdict(cfg)
    for k in IGNORED_KEYS:
        d.pop(k, None)
    return hashlib.sha256(json.dumps(d, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def git_commit() -> str | None:
    """The code's git commit, with "-dirty" if the work tree differs; None outside git."""
    import subprocess

    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("-dirty" if dirty else "")


def read_status(job_dir: Path) -> dict | None:
    path = Path(job_dir) / "job.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete(job_dir: Path, digest: str) -> bool:
    status = read_status(job_dir)
    return (
        status is not None
        and status.get("status") == "complete"
        and status.get("config_hash") == digest
        and all((Path(job_dir) / f).exists() for f in RESULT_FILES)
    )


def run_job(make_config, job_dir: Path, overrides: list[str]) -> str:
    """Run one sweep job into `job_dir` unless it is already complete. Never raises for a
    failure of the job itself: it is recorded in job.json and error.txt. Returns the status
    ('skipped', 'complete' or 'failed')."""
    job_dir = Path(job_dir)
    base = dict(overrides=list(overrides))
    try:
        cfg = make_config()
        digest = config_hash(cfg)
    except Exception as e:  # a bad value for this job: record it like any failure
        return _failed(job_dir, dict(base, config_hash=None), e)
    if is_complete(job_dir, digest):
        return "skipped"
    info = dict(base, config_hash=digest, scenario=cfg.scenario, seed=cfg.seed, replications=cfg.replications, commit=git_commit())
    (job_dir / "error.txt").unlink(missing_ok=True)
    write_json(job_dir / "job.json", dict(info, status="running"))
    start = time.perf_counter()
    try:
        simulate(cfg, job_dir)
    except Exception as e:
        return _failed(job_dir, info, e)
    write_json(job_dir / "job.json", dict(info, status="complete", seconds=round(time.perf_counter() - start, 3)))
    return "complete"


def _failed(job_dir: Path, info: dict, e: Exception) -> str:
    job_dir.mkdir(parents=True, exist_ok=True)
    (job_dir / "error.txt").write_text("".join(traceback.format_exception(e)), encoding="utf-8")
    write_json(job_dir / "job.json", dict(info, status="failed", error=f"{type(e).__name__}: {e}"))
    return "failed"

"""One job of a sweep: resumable, and recording its own failure instead of raising.

A job directory holds Hydra's `.hydra/` (the resolved config), `job.json` (status, config
hash, commit, command, timings (wall and CPU seconds of the simulation), and each result
file's size and sha256), and when complete the result set (sim.runs.results.RESULT_FILES); when
failed, `error.txt` with the traceback. Re-running a sweep into the same directory skips a job
only if its `job.json` says complete with the same config hash and every result file has the
recorded size and sha256; any other job is run again from scratch. A complete job then stores
its share of the sweep report's work (run.py calls sim.sweep.report_cache.prepare), so that
the end of the sweep only assembles.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import time
import traceback
from pathlib import Path

from ..config.schema import Config
from ..runs.results import RESULT_FILES, file_digest, remove_stale_temporaries, write_json

# keys that do not change what a job computes
IGNORED_KEYS = ("progress", "job_progress", "report", "sweep_name", "extend")
IGNORED_OVERRIDES = {*IGNORED_KEYS, "experiment"}  # and every hydra.* override: not part of a job's directory name


def override_key(text: str) -> str:
    """The key an override sets ("+experiment=x" -> "experiment")."""
    return text.partition("=")[0].lstrip("+~")


def ignored(key: str) -> bool:
    """An override key that does not change what a job computes (also every hydra.* key)."""
    return key in IGNORED_OVERRIDES or key.startswith(("hydra.", "hydra/"))


def comparable(cfg: Config) -> dict:
    """The resolved config as a dict, less the keys that do not change results."""
    d = dataclasses.asdict(cfg)
    for k in IGNORED_KEYS:
        d.pop(k, None)
    return d


def config_hash(cfg: Config) -> str:
    """sha256 of the resolved config, less the keys that do not change results."""
    return hashlib.sha256(json.dumps(comparable(cfg), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# git runs in each worker, whose environment a job's hydra.job.env_set may have changed: it
# gets a clean one (no GIT_* variable, no system or global config, so no configured command
# such as core.fsmonitor runs; only the repository's own .git/config is read, with
# core.fsmonitor off) and takes no optional lock (workers run it side by side)
GIT = ("git", "--no-optional-locks", "-c", "core.fsmonitor=false")


def git_env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", os.defpath), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


@functools.cache
def git_commit() -> str | None:
    """The code's git commit, with "-dirty" if the work tree differs; None outside git. Once
    a process: the code a process runs is what it imported (two git calls a job saved)."""
    import subprocess

    root = Path(__file__).resolve().parents[2]
    run = functools.partial(subprocess.run, cwd=root, capture_output=True, text=True, env=git_env(), stdin=subprocess.DEVNULL)
    try:
        head = run([*GIT, "rev-parse", "HEAD"], check=True).stdout.strip()
        dirty = run([*GIT, "status", "--porcelain", "--untracked-files=no"]).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("-dirty" if dirty else "")


def read_status(job_dir: Path) -> dict | None:
    path = Path(job_dir) / "job.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def files_match(job_dir: Path, files: dict | None) -> bool:
    """Every result file exists with the size and sha256 job.json recorded."""
    if not isinstance(files, dict) or set(files) != set(RESULT_FILES):
        return False
    for name, want in files.items():
        path = Path(job_dir) / name
        try:
            if path.stat().st_size != want.get("bytes") or file_digest(path) != want:
                return False
        except (OSError, AttributeError):
            return False
    return True


def is_finished(job_dir: Path) -> bool:
    """job.json says complete and every result file is as it recorded, whatever its config."""
    status = read_status(job_dir)
    return isinstance(status, dict) and status.get("status") == "complete" and files_match(job_dir, status.get("files"))


def is_complete(job_dir: Path, digest: str) -> bool:
    status = read_status(job_dir)
    return (
        isinstance(status, dict)
        and status.get("status") == "complete"
        and status.get("config_hash") == digest
        and files_match(job_dir, status.get("files"))
    )


def run_job(make_config, job_dir: Path, overrides: list[str], command: str) -> str:
    """Run one sweep job into `job_dir` unless it is already complete (and verified). Never
    raises for a failure of the job itself: it is recorded in job.json and error.txt. Returns
    the status ('skipped', 'complete' or 'failed'; 'kept' under extend=true for a finished
    job of another config, which extend never redoes). `command` reproduces the job."""
    from ..runs.simulate import simulate  # the model (Mesa, numba, scipy): in the job's process only, not the sweep's

    job_dir = Path(job_dir)
    base = dict(overrides=list(overrides), command=command, commit=git_commit())
    try:
        cfg = make_config()
        if not cfg.job_progress:  # the sweep's process shows one bar for the sweep (sim.sweep.progress)
            cfg.progress = False
        digest = config_hash(cfg)
    except Exception as e:  # a bad value for this job: record it like any failure
        return _failed(job_dir, dict(base, config_hash=None), e)
    if is_complete(job_dir, digest):
        return "skipped"
    if cfg.extend and is_finished(job_dir):  # another invocation's finished job (a config file it read changed since)
        return "kept"
    remove_stale_temporaries(job_dir)
    info = dict(base, config_hash=digest, scenario=cfg.scenario, seed=int(cfg.seed), replications=int(cfg.replications))
    start, cpu = time.perf_counter(), time.process_time()
    try:
        (job_dir / "error.txt").unlink(missing_ok=True)
        write_json(job_dir / "job.json", dict(info, status="running"))
        simulate(cfg, job_dir)
        files = {name: file_digest(job_dir / name) for name in RESULT_FILES}
    except Exception as e:
        return _failed(job_dir, info, e)
    write_json(job_dir / "job.json", dict(info, status="complete", files=files, seconds=round(time.perf_counter() - start, 3),
                                         cpu_seconds=round(time.process_time() - cpu, 3)))
    return "complete"


def _failed(job_dir: Path, info: dict, e: Exception) -> str:
    """Record a failure as well as the disk allows: if even that cannot be written (a full
    disk), job.json keeps saying running and the summary lists the job as incomplete; the
    job still returns, so the other jobs and the summary run."""
    try:
        job_dir.mkdir(parents=True, exist_ok=True)
        (job_dir / "error.txt").write_text("".join(traceback.format_exception(e)), encoding="utf-8")
        write_json(job_dir / "job.json", dict(info, status="failed", error=f"{type(e).__name__}: {e}"))
    except OSError:
        (job_dir / "error.txt").unlink(missing_ok=True)  # no half-written traceback either
    return "failed"

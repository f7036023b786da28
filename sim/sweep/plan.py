"""A sweep's plan, recorded in SWEEP_DIR/sweep.json before its first job starts: every job
it will run and the settings its jobs share, with the command and commit of each invocation.

The summary lists every planned job, including those that never started; a second
invocation into the same directory must plan the same jobs on the same settings (a resume),
or say `extend=true` to add its jobs to the sweep: anything else is refused with one line.
A job is its directory: the overrides that name it (not sweep_name, progress, extend,
experiment or hydra.*, which its name leaves out) and the settings of the invocation that
first planned it. No later invocation, extend or not, may plan that directory with other
settings or other overrides (it would overwrite a finished job, and its first plan would
stay in the summary as a job that never started); each invocation's jobs have directories
of their own. The process that runs the sweep holds its directory's lock
(sim.runs.sweepdir) before it plans.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from hydra._internal.config_loader_impl import get_overrides_dirname
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig

from ..config.schema import ConfigError
from ..runs import sweepdir
from ..runs.results import write_json
from .jobs import comparable, git_commit, ignored, override_key

PLAN = "sweep.json"


def planned_jobs(config: DictConfig) -> list[list[str]]:
    """Each job's overrides, as Hydra's basic sweeper will launch them: the sweep axes of the
    config (hydra.sweeper.params, e.g. from an experiment file) and of the command line."""
    params = [f"{k}={v}" for k, v in (config.hydra.sweeper.params or {}).items()]
    overrides = OverridesParser.create().parse_overrides(params + list(config.hydra.overrides.task))
    return [list(job) for batch in BasicSweeper.split_arguments(overrides, None) for job in batch]


def job_dir_name(config: DictConfig, overrides: list[str]) -> str:
    """The directory Hydra gives a job under the default subdir (its override_dirname)."""
    parsed = [o for o in OverridesParser.create().parse_overrides(overrides) if not o.is_hydra_override()]
    names = config.hydra.job.config.override_dirname
    return get_overrides_dirname(overrides=parsed, kv_sep=names.kv_sep, item_sep=names.item_sep, exclude_keys=list(names.exclude_keys))


def job_key(overrides) -> tuple[str, ...]:
    """What identifies a job within a sweep: the overrides that name its directory, in any
    order (not those that do not change what it computes: sim.sweep.jobs.ignored)."""
    return tuple(sorted(str(o) for o in overrides if not ignored(override_key(str(o)))))


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict) and v:
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def settings(cfg) -> dict:
    """The shared settings of a sweep: its base Config (before the sweep axes), flattened,
    less the keys that do not change results."""
    return json.loads(json.dumps(_flat(comparable(cfg)), ensure_ascii=False))


def read_plan(sweep_dir: Path) -> dict | None:
    """sweep.json's content; None if there is none; ConfigError if it cannot be read."""
    path = Path(sweep_dir) / PLAN
    if not path.exists():
        return None
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
        _check_plan(plan)
        return plan
    except (OSError, ValueError, AttributeError) as e:
        raise ConfigError(f"{path} cannot be read ({e}); allowed: the plan a sweep records ({{\"invocations\": [{{\"settings\": "
                          "{...}, \"jobs\": [{\"overrides\": [\"key=value\", ...], \"dir\": \"...\"}]}]}): remove it or choose another sweep_name=") from None


def _check_plan(plan) -> None:
    """ValueError unless `plan` has the shape `start` writes (what the summary reads)."""
    if not isinstance(plan, dict) or not isinstance(plan.get("invocations"), list):
        raise ValueError("no list of invocations")
    for i, inv in enumerate(plan["invocations"]):
        if not isinstance(inv, dict) or not isinstance(inv.get("jobs", []), list) or not isinstance(inv.get("settings", {}), dict):
            raise ValueError(f"invocation {i} is not an object with a list of jobs")
        for job in inv.get("jobs", []):
            ok = isinstance(job, dict) and isinstance(job.get("dir"), str) and isinstance(job.get("overrides"), list)
            if not ok or not all(isinstance(o, str) for o in job["overrides"]):
                raise ValueError(f"invocation {i} has a job that is not {{\"overrides\": [strings], \"dir\": string}}: {json.dumps(job)[:80]}")


def planned(plan: dict | None) -> list[dict]:
    """Every job of every invocation, once each, in planned order: {"overrides", "dir"}."""
    seen, jobs = set(), []
    for inv in (plan or {}).get("invocations", []):
        for job in inv.get("jobs", []):
            if job_key(job["overrides"]) not in seen:
                seen.add(job_key(job["overrides"]))
                jobs.append(job)
    return jobs


def _differences(old: dict, new: dict, limit: int = 3) -> str:
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    shown = [f"{k}: {json.dumps(old.get(k), ensure_ascii=False)[:40]} -> {json.dumps(new.get(k), ensure_ascii=False)[:40]}" for k in keys[:limit]]
    return "; ".join(shown) + (f"; and {len(keys) - limit} more" if len(keys) > limit else "")


def _conflict(old: dict, jobs: list[dict], settings: dict) -> str | None:
    """What would make this invocation's jobs overwrite or shadow another's: two of its jobs
    in one directory, or a directory an earlier invocation planned with other overrides or
    settings. None if there is nothing."""
    seen: dict[str, tuple] = {}
    for job in jobs:
        key = job_key(job["overrides"])
        if seen.setdefault(job["dir"] or ".", key) != key:
            return f"two of its jobs share the directory {job['dir'] or '.'}"
    first: dict[str, tuple] = {}  # directory -> (overrides, settings) of the invocation that first planned it
    for inv in (old or {}).get("invocations", []):
        for job in inv.get("jobs", []):
            first.setdefault(job.get("dir") or ".", (job_key(job["overrides"]), inv.get("settings")))
    for job in jobs:
        before = first.get(job["dir"] or ".")
        if before is None:
            continue
        if before[0] != job_key(job["overrides"]):
            return f"its job {job['dir'] or '.'} was planned before as {' '.join(before[0])}"
        if before[1] != settings:
            return f"its job {job['dir'] or '.'} was planned before with other settings ({_differences(before[1] or {}, settings)})"
    return None


def start(config: DictConfig, cfg) -> Path:
    """Record the plan of the sweep `config` (the base composed config, `cfg` its Config)
    before any job runs, holding the sweep directory's lock; refuse (ConfigError) a
    sweep_name already used differently, or jobs that would overwrite another invocation's."""
    sweep_dir = Path(config.hydra.sweep.dir)
    sweepdir.hold(sweep_dir, f"sweep_name={cfg.sweep_name}")  # run.py's entry holds it already
    jobs = planned_jobs(config)
    invocation = dict(
        command=shlex.join(["python", *sys.argv]), commit=git_commit(), settings=settings(cfg),
        jobs=[dict(overrides=job, dir=job_dir_name(config, job)) for job in jobs],
    )
    old = read_plan(sweep_dir)
    where = f"sweep_name={cfg.sweep_name} ({sweep_dir})"
    if old is None and any(sweep_dir.glob("**/.hydra/overrides.yaml")) and not cfg.extend:
        raise ConfigError(f"{where} holds jobs of a sweep whose settings were not recorded; choose another sweep_name=, or add extend=true to add these jobs to it")
    if old is not None:
        last = old["invocations"][-1]
        same_jobs = {job_key(j["overrides"]) for j in last.get("jobs", [])} == {job_key(j) for j in jobs}
        if same_jobs and last.get("settings") == invocation["settings"] and _conflict(old, invocation["jobs"], invocation["settings"]) is None:
            return sweep_dir  # the same sweep again: a resume
        if not cfg.extend:
            what = _differences(last.get("settings", {}), invocation["settings"]) or "other jobs"
            raise ConfigError(f"{where} was run with other settings ({what}); choose another sweep_name=, or add extend=true to add these jobs to it")
    if (problem := _conflict(old, invocation["jobs"], invocation["settings"])) is not None:
        raise ConfigError(f"{where}: {problem}; a job keeps the directory, overrides and settings it was first planned with: choose another sweep_name=")
    plan = dict(invocations=[*(old or {}).get("invocations", []), invocation])
    write_json(sweep_dir / PLAN, plan)
    return sweep_dir

"""Where a sweep came from: the code and command each job recorded in its job.json, the sweep
axes of the last invocation, and the report builder's package versions. No clock time, so the
same sweep gives the same report."""

from __future__ import annotations

import platform
import shlex
from importlib import metadata
from pathlib import Path

import yaml

from sim.sweep import jobs

PACKAGES = ("mesa", "numpy", "numba", "pandas", "hydra-core", "matplotlib", "pyarrow", "scipy")
DIRTY = "-dirty"


def git_commit() -> str:
    """The code's commit (`-dirty` when tracked files differ), as sweep jobs record it."""
    return jobs.git_commit() or "unknown (not a git checkout, or git is missing)"


def package_versions(names=PACKAGES) -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def recorded_commit(record: dict) -> str | None:
    """The commit a job's job.json records, or None (an older job.json, or git was missing)."""
    commit = record.get("commit")
    return str(commit) if commit else None


def commit_counts(records: list[dict]) -> list[tuple[str | None, int]]:
    """[(commit, number of jobs)] over the jobs' job.json, sorted by commit; None (not recorded) last."""
    counts: dict[str | None, int] = {}
    for r in records:
        c = recorded_commit(r)
        counts[c] = counts.get(c, 0) + 1
    return sorted(counts.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))


def is_dirty(commit: str | None) -> bool:
    return bool(commit) and commit.endswith(DIRTY)


def job_command(record: dict, overrides: list[str]) -> tuple[str, bool]:
    """(the command that reproduces a job, True) as job.json records it; else (its overrides
    from .hydra/overrides.yaml, False)."""
    cmd = record.get("command")
    if cmd:
        return str(cmd), True
    return " ".join(shlex.quote(o) for o in overrides), False


def read_multirun(sweep_dir: Path) -> dict | None:
    path = Path(sweep_dir) / "multirun.yaml"
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml's parser: the same values, 40 -> 6 ms for a 20-job multirun.yaml
    except (OSError, yaml.YAMLError):
        return None


def last_invocation_axes(multirun: dict | None) -> list[tuple[str, str, str]]:
    """[(key, values, where)] of the last `run.py -m` into the sweep directory (Hydra overwrites
    multirun.yaml at each invocation): its task overrides on the command line, then the sweep
    axes set in a config (hydra.sweeper.params, e.g. configs/experiment/*.yaml). hydra.* overrides
    are left out (they hold the sweep directory's absolute path)."""
    hydra = (multirun or {}).get("hydra") or {}
    out = []
    for o in (hydra.get("overrides") or {}).get("task") or []:
        key, _, value = str(o).partition("=")
        out.append((key, value, "command line"))
    params = (hydra.get("sweeper") or {}).get("params") or {}
    out += [(str(k), str(v), "hydra.sweeper.params") for k, v in params.items()]
    return out

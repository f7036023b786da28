"""Where a sweep came from: code version, command, package versions. No clock time, so the
same sweep and tree give the same report."""

from __future__ import annotations

import platform
import shlex
from importlib import metadata
from pathlib import Path

import yaml

from sim.sweep import jobs

PACKAGES = ("mesa", "numpy", "pandas", "hydra-core", "matplotlib", "pyarrow", "scipy")


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


def read_multirun(sweep_dir: Path) -> dict | None:
    path = Path(sweep_dir) / "multirun.yaml"
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None


def command(multirun: dict | None) -> str | None:
    """The command line that made the sweep, rebuilt from Hydra's multirun.yaml."""
    if not multirun:
        return None
    hydra = multirun.get("hydra") or {}
    overrides = hydra.get("overrides") or {}
    name = (hydra.get("job") or {}).get("name") or "run"
    extra = [o for o in overrides.get("hydra") or [] if o != "hydra.mode=MULTIRUN"]
    args = [*extra, *(overrides.get("task") or [])]
    return " ".join(["python", f"{name}.py", "-m", *(shlex.quote(str(a)) for a in args)])


def sweeper_params(multirun: dict | None) -> dict[str, str]:
    """Sweep axes set in a config (e.g. configs/experiment/*.yaml) rather than on the command line."""
    params = (((multirun or {}).get("hydra") or {}).get("sweeper") or {}).get("params") or {}
    return {str(k): str(v) for k, v in params.items()}

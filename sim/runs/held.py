"""An explicit setting wins, on the command line: the uncertain parameters a run's overrides
and data files set are held at their values (sim.config.held says why and how).

What counts as explicit in a Hydra composition: every override of the run or job (its
`hydra.overrides.task`: the command line's values, and a job's values of the sweep axes, of
the command line or of an experiment file's `hydra.sweeper.params`), and the content of every
data file chosen in a config group other than the base groups (calibration, fit): the
scenario, an experiment, a target reading, or a group of a `--config-dir`. `hold_explicit`
holds them in run.py's Config (and sim.runs.cli.compose's), and rewrites the run's
`.hydra/config.yaml` so that the resolved config on disk lists them in `fixed_parameters`
as well.
"""

from __future__ import annotations

import re
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from ..config.datafiles import safe_load
from ..config.held import BASE_GROUPS, explicit_keys, hold
from ..config.schema import Config
from .results import atomic_write

PACKAGE = re.compile(r"#\s*@package\s+(\S+)")


def _nest(path: str, value) -> dict:
    """{"a": {"b": value}} for the path "a.b" (the root for "")."""
    for part in reversed([p for p in path.split(".") if p]):
        value = {part: value}
    return value if isinstance(value, dict) else {}


def _override_keys(overrides: list[str], groups: set[str]) -> list[str]:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    keys = []
    for o in OverridesParser.create().parse_overrides(list(overrides)):
        key = o.key_or_group
        if o.is_hydra_override() or o.is_delete() or o.is_sweep_override() or key in groups:
            continue  # a group choice is a file (below); a sweep's values are its jobs'
        keys += explicit_keys(_nest(key, o.value()))
    return keys


def _file(sources, group: str, choice: str) -> Path | None:
    """The data file `group/choice.yaml` as Hydra finds it: the first file source holding it."""
    for source in sources:
        if source.get("schema") == "file":
            path = Path(source["path"]) / group / f"{choice}.yaml"
            if path.is_file():
                return path
    return None


def _file_keys(path: Path, group: str) -> list[str]:
    text = path.read_text(encoding="utf-8")
    package = group.replace("/", ".")
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if m := PACKAGE.match(line):
            package = m.group(1)
    package = {"_global_": "", "_group_": group.replace("/", ".")}.get(package, package.removeprefix("_global_."))
    return explicit_keys(_nest(package, safe_load(text, str(path)) or {}))


def explicit(hydra_cfg: DictConfig) -> list[str]:
    """The uncertain keys set explicitly in a composition, from its `hydra` node: its task
    overrides and its data files other than the base groups'."""
    runtime = hydra_cfg.runtime
    choices = OmegaConf.to_container(runtime.choices) if runtime.get("choices") is not None else {}
    sources = OmegaConf.to_container(runtime.config_sources) if runtime.get("config_sources") is not None else []
    keys = _override_keys(list(hydra_cfg.overrides.task), set(choices))
    for group, choice in choices.items():
        if choice is None or group in BASE_GROUPS or group.startswith("hydra/") or group == "hydra":
            continue
        path = _file(sources, group, str(choice))
        if path is not None:
            keys += _file_keys(path, group)
    return keys


def hold_explicit(config: Config, hydra_cfg: DictConfig, out_dir: Path | None = None) -> Config:
    """`config` (the composition's, sim.runs.cli.to_config) with the uncertain keys set
    explicitly in it held (added to fixed_parameters, in place); with `out_dir`, the run's
    `.hydra/config.yaml` (written by Hydra before the task) rewritten to list them, if any
    were added. Returns config."""
    before = list(config.fixed_parameters)
    hold(config, explicit(hydra_cfg))
    subdir = hydra_cfg.get("output_subdir")
    if out_dir is not None and subdir is not None and config.fixed_parameters != before:
        path = Path(out_dir) / str(subdir) / "config.yaml"
        if path.exists():
            saved = OmegaConf.load(path)
            saved.fixed_parameters = list(config.fixed_parameters)
            text = OmegaConf.to_yaml(saved)
            atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    return config

"""Config files are data: a calibration, scenario, experiment, targets or fit file (any
config outside configs/config.yaml and the hydra/ groups) may set values and sweep axes,
never code.

Hydra instantiates every `_target_` under `hydra.callbacks`, the launcher and the sweeper,
and Python's logging calls the `()` factories of `hydra.job_logging`, so a data file that
reached those keys could run any callable. The rule: a data file has no instantiation key
(`_target_`, `()` and their companions) at any depth, sets nothing under `hydra` except the
sweep axes `hydra.sweeper.params`, and selects no hydra/ group in its defaults list.
`check` applies it to every file a composition loads, before Hydra instantiates anything.
"""

from __future__ import annotations

from .schema import ConfigError

CODE_KEYS = ("_target_", "_partial_", "_args_", "_recursive_", "_convert_", "()")
PROJECT_CONFIGS = ("config", "config_schema")  # the primary config and the schema: code, not data


def is_data(config_path: str) -> bool:
    path = config_path.lstrip("/")
    return path not in PROJECT_CONFIGS and not path.startswith("hydra/")


def _code_keys(node, where: str):
    if isinstance(node, dict):
        for k, v in node.items():
            key = f"{where}.{k}" if where else str(k)
            if str(k) in CODE_KEYS:
                yield key
            yield from _code_keys(v, key)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _code_keys(v, f"{where}[{i}]")


def problems(config: dict, package: str | None, defaults: list) -> list[str]:
    """What a data file's content sets that a data file may not (empty: it is data)."""
    out = [f"{k} (instantiates code)" for k in _code_keys(config, "")]
    hydra_keys = {}
    if package == "_global_":
        hydra_keys = config.get("hydra") or {}
    elif (package or "").split(".")[0] == "hydra":
        hydra_keys = {"(package)": config}
    for k, v in (hydra_keys.items() if isinstance(hydra_keys, dict) else [("", hydra_keys)]):
        if k == "sweeper" and isinstance(v, dict) and set(v) <= {"params"}:
            continue
        out.append(f"hydra.{k} (only hydra.sweeper.params may be set in a data file)")
    for d in defaults:
        path = str(getattr(d, "group", None) or getattr(d, "path", None) or "")  # a group choice or a config
        if path.lstrip("/").startswith("hydra"):
            out.append(f"defaults: {path} (a data file cannot select Hydra's groups)")
    return out


def check_file(repository, config_path: str) -> None:
    """Refuse (ConfigError, one line) a data file that is not data."""
    from omegaconf import OmegaConf

    result = repository.load_config(config_path)
    if result is None:
        return
    content = OmegaConf.to_container(result.config, resolve=False) if result.config is not None else {}
    found = problems(content or {}, (result.header or {}).get("package"), list(result.defaults_list or []))
    if found:
        where = result.path.removeprefix("file://") + "/" + config_path + ".yaml" if result.path else config_path
        raise ConfigError(f"{where} sets {found[0]}: config files are data; allowed: values of the schema (sim/config/schema.py) and hydra.sweeper.params")


def check(loader, config_name: str, overrides: list[str], run_mode) -> None:
    """Apply the rule to every data file the composition of `overrides` loads."""
    defaults = loader.compute_defaults_list(config_name=config_name, overrides=overrides, run_mode=run_mode)
    for path in dict.fromkeys(d.config_path for d in defaults.defaults if d.config_path):
        if is_data(path):
            check_file(loader.repository, path)

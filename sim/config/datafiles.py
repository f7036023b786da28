"""Config files are data: what a data file may contain, decided by parsing it.

A data file is any config file but the project's code: configs/config.yaml (the primary
config, whose `${now:}` names an unnamed run and whose hydra settings select the project's
callbacks and launchers), the schema, and configs/hydra/. Calibration, scenario, experiment,
targets and fit files are data, and so is every file a `--config-dir` adds (its hydra/ files
too). The rule, applied to the text Hydra (sim.config.hydrasource) or `load_config`
(sim.config.loading) is about to load, before anything of it is used:

- YAML, at most MAX_BYTES, nested at most MAX_DEPTH deep, without anchors or aliases (`&`,
  `*`, `<<: *x`): an alias bomb (billion laughs) is refused as it is read, not expanded;
- a mapping whose keys and values hold no `${`: no interpolation or resolver
  (`${oc.env:...}`, `${now:...}`), so a data file neither reads the environment nor the
  clock: its values are what it says;
- no instantiation key (`_target_`, `()` and their companions) at any depth;
- its `# @package` (read by Hydra's own header parser) is its group's (no directive,
  `_group_` or the group's name), or `_global_` (scenario, experiment and fit files); no
  other directive;
- what it sets is a value of the schema: in a `_global_` file, the top-level keys are
  fields of sim.config.Config, `defaults`, and `hydra` holding only `sweeper.params`, whose
  keys are sweep axes over schema keys or config groups (`axis_problem`: never `hydra.*`,
  never a package `@`); in a group's file, that group is a field of Config;
- its `defaults` entries choose options of data groups (or data configs), without a
  package (`@`), never a hydra/ group nor the primary config;
- a scenario's label is its file name: only scenario/NAME.yaml sets `scenario`, to NAME
  (written or not: a copied file that keeps another label is refused);
- it is configs/GROUP/NAME.yaml or configs/NAME.yaml, every part a name (fields.NAME_RULE).

`check` also refuses a composition that places a data file at another package than its
own (a command line `+scenario@hydra.job=x`). Refusals are ConfigError, one line naming the
file and what is allowed; nothing of a refused file is used.
"""

from __future__ import annotations

import dataclasses
import io

import yaml

from .fields import NAME_RULE, close_matches, is_name
from .schema import Config, ConfigError, schema_keys

CODE_KEYS = ("_target_", "_partial_", "_args_", "_recursive_", "_convert_", "()")
PROJECT_CONFIGS = ("config", "config_schema")  # the primary config and the schema: code, not data
MAX_BYTES = 4 << 20  # the calibration, the largest data file, is about 20 kB
MAX_DEPTH = 32
ALLOWED = "values of the schema (sim/config/schema.py) and sweep axes over them (hydra.sweeper.params)"


def is_data(config_path: str, project: bool = True) -> bool:
    """Whether the config at `config_path` is data; every file of a --config-dir is (`project` False)."""
    path = config_path.lstrip("/").removesuffix(".yaml")
    return not project or (path not in PROJECT_CONFIGS and not path.startswith("hydra/"))


def _refuse(where: str, what: str, allowed: str = ALLOWED) -> ConfigError:
    return ConfigError(f"{where}: {what}: config files are data; allowed: {allowed}")


def _fields() -> set[str]:
    return {f.name for f in dataclasses.fields(Config)}


# ------------------------------------------------------------------ the YAML
def _loader():
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _stream(text: str, where: str) -> io.StringIO:
    stream = io.StringIO(text)
    stream.name = where  # YAML errors name the file (sim.runs.cli.user_error: file, line, column)
    return stream


def _scan(text: str, where: str) -> None:
    """Refuse anchors, aliases and deep nesting from the parser's events, in time linear in
    the text: nothing is composed or expanded yet."""
    depth = 0
    for event in yaml.parse(_stream(text, where), Loader=_loader()):
        line = f"{where}, line {event.start_mark.line + 1}"
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _refuse(line, "a YAML anchor or alias (&, *)", "plain YAML values; write each value where it is used")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise _refuse(line, f"nested more than {MAX_DEPTH} levels deep", "plain YAML values")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _walk(node, where: str, key: str = ""):
    """Refuse `${` and instantiation keys anywhere, keys and values."""
    if isinstance(node, dict):
        for k, v in node.items():
            path = f"{key}.{k}" if key else str(k)
            if isinstance(k, str) and "${" in k:
                raise _refuse(where, f"the key {k!r} interpolates (${{...}})", f"{ALLOWED}, without interpolations or resolvers")
            if str(k) in CODE_KEYS:
                raise _refuse(where, f"{path} (instantiates code)")
            _walk(v, where, path)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _walk(v, where, f"{key}[{i}]")
    elif isinstance(node, str) and "${" in node:
        raise _refuse(where, f"{key} interpolates (${{...}}: a resolver reads the environment or the clock)",
                      f"{ALLOWED}, as plain values without interpolations or resolvers")
    elif not isinstance(node, (str, int, float, bool, type(None))):
        raise _refuse(where, f"{key or 'the file'} is a YAML {type(node).__name__}", "mappings, lists, strings, numbers, booleans and null")


def safe_load(data: bytes | str, where: str):
    """The YAML value of a data file's text, refused (ConfigError, one line) if it is larger
    than MAX_BYTES, has anchors or aliases, nests deeper than MAX_DEPTH, or holds `${` or an
    instantiation key; values as OmegaConf (so Hydra) reads them (1e6 is a float)."""
    from omegaconf._utils import get_yaml_loader

    if len(data) > MAX_BYTES:
        raise _refuse(where, f"{len(data)} bytes", f"a data file of at most {MAX_BYTES} bytes")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as e:
        raise _refuse(where, f"not UTF-8 text (byte {e.start})", "a UTF-8 YAML file") from None
    _scan(text, where)
    value = yaml.load(_stream(text, where), Loader=get_yaml_loader())
    _walk(value, where)
    return value


# ------------------------------------------------------------------ what it sets
def axis_problem(key: str) -> str | None:
    """What is wrong with a sweep axis `key` (hydra.sweeper.params or the command line), or
    None: an axis is over a schema key or a config group, without a package, never hydra.*."""
    k = str(key).lstrip("+~")
    if "@" in k:
        return f"the axis {key} places a config at a package (@)"
    if k == "hydra" or k.startswith(("hydra.", "hydra/")):
        return f"the axis {key} sets Hydra's own config (hydra.*)"
    first = k.split(".")[0]
    if "." in k and first not in _fields():
        return f"the axis {key} is not a key of the schema{close_matches(k, schema_keys())}"
    return None


def _package(header: dict, group: str, where: str) -> str:
    """The package a file's header places it at: "" (global) or its group's."""
    others = sorted(set(header) - {"package"})
    if others:
        raise _refuse(where, f"the header directive @{others[0]}", "# @package _global_, or none")
    own = group.replace("/", ".")
    declared = header.get("package")
    if declared in (None, "_group_", own) and own:
        return own
    if declared in (None, "_global_"):
        return ""
    raise _refuse(where, f"# @package {declared}", f"# @package _global_, or the group's own ({own or '_global_'}, the default)")


def _check_defaults(entries, where: str) -> None:
    if not isinstance(entries, list):
        raise _refuse(where, "defaults is not a list", "a list of config group choices")
    for entry in entries:
        if entry == "_self_":
            continue
        if isinstance(entry, str):
            target, options = entry, []
        elif isinstance(entry, dict) and len(entry) == 1:
            (target, value), = entry.items()
            options = value if isinstance(value, list) else [] if value is None else [value]
        else:
            raise _refuse(where, f"the defaults entry {entry!r}", "group: option entries")
        target = str(target)
        for prefix in ("override ", "optional "):
            target = target.removeprefix(prefix).strip()
        if "@" in target:
            raise _refuse(where, f"the defaults entry {target} places a config at a package (@)", "group: option, at the group's own package")
        path = target.lstrip("/")
        if not is_data(path):
            raise _refuse(where, f"the defaults entry {target} selects {'a hydra/ group' if path.startswith('hydra') else 'the project config'}",
                          "choices of the data groups (scenario, calibration, targets, fit, experiment)")
        for part in [*path.split("/"), *map(str, options)]:
            if not is_name(part):
                raise _refuse(where, f"the defaults entry {entry!r}", f"group and option names: {NAME_RULE}")


def _check_hydra(node, where: str) -> None:
    """A data file's `hydra` holds only sweeper.params, whose keys are axes over the schema."""
    only = "(only hydra.sweeper.params may be set in a data file)"
    if not isinstance(node, dict):
        raise _refuse(where, f"hydra {only}")
    for key, value in node.items():
        if key != "sweeper" or not isinstance(value, dict):
            raise _refuse(where, f"hydra.{key} {only}")
        for sub in value:
            if sub != "params":
                raise _refuse(where, f"hydra.sweeper.{sub} {only}")
    params = node["sweeper"].get("params") or {}
    if not isinstance(params, dict):
        raise _refuse(where, "hydra.sweeper.params is not a mapping", "axis: values")
    for axis in params:
        if (problem := axis_problem(axis)) is not None:
            raise _refuse(where, problem, "sweep axes over schema keys or config groups")


def check_content(value, header: dict, config_path: str, where: str) -> tuple[dict, str]:
    """(the content, with a scenario's label set, and the package it lands at: "" for
    global) of the data file `config_path` (e.g. "scenario/baseline") given its parsed YAML
    value and Hydra's reading of its header; ConfigError if it sets what data may not."""
    parts = config_path.lstrip("/").removesuffix(".yaml").split("/")
    if len(parts) > 2 or not all(is_name(p) for p in parts):
        raise _refuse(where, f"the config path {config_path}", f"GROUP/NAME or NAME, each {NAME_RULE}")
    group, name = ("/".join(parts[:-1]), parts[-1])
    content = {} if value is None else value
    if not isinstance(content, dict):
        raise _refuse(where, f"a {type(content).__name__} at the top", "a mapping of keys to values")
    package = _package(header, group, where)
    if "defaults" in content:
        _check_defaults(content["defaults"], where)
    if package:
        if package.split(".")[0] not in _fields():
            raise _refuse(where, f"the package {package} is not a key of the schema")
    else:
        for key in content:
            if key == "hydra":
                _check_hydra(content[key], where)
            elif key != "defaults" and key not in _fields():
                raise _refuse(where, f"{key} is not a key of the schema")
    if group == "scenario":
        if package:
            raise _refuse(where, f"a scenario file at the package {package}", "# @package _global_ (a scenario sets top-level keys)")
        label = content.get("scenario", name)
        if label != name:
            raise _refuse(where, f"scenario: {label!r}, but the file is {name}.yaml", f"scenario: {name}, or no scenario key (a scenario's label is its file name)")
        content = {**content, "scenario": name}
    elif not package and "scenario" in content:
        raise _refuse(where, "scenario (a run's label is its scenario file's name)", f"{ALLOWED}; choose a scenario with `- override /scenario: NAME` in defaults")
    return content, package


def read(data: bytes | str, where: str, config_path: str, header: dict | None = None) -> tuple[dict, dict, str]:
    """(content, header, package) of a data file's text: `safe_load`, Hydra's header
    parser, `check_content`."""
    from hydra.plugins.config_source import ConfigSource

    value = safe_load(data, where)
    if header is None:
        text = data.decode("utf-8") if isinstance(data, bytes) else data  # UTF-8: safe_load checked
        try:
            header = ConfigSource._get_header_dict(text[:512])  # what Hydra reads: the first 512 characters
        except ValueError as e:
            raise _refuse(where, f"its header ({e})", "# @package _global_, or none") from None
    content, package = check_content(value, header, config_path, where)
    return content, header, package


# ------------------------------------------------------------------ a composition
def check(loader, config_name: str, overrides: list[str], run_mode) -> None:
    """Refuse a composition that places a data file elsewhere than its own package (each
    file's content is checked as it is loaded: sim.config.hydrasource)."""
    defaults = loader.compute_defaults_list(config_name=config_name, overrides=overrides, run_mode=run_mode)
    for d in defaults.defaults:
        path = d.config_path or ""
        if not path or not is_data(path) or d.primary:
            continue
        result = loader.repository.load_config(path)
        if result is None or result.is_schema_source:
            continue
        group = path.rpartition("/")[0]
        own = "" if (result.header or {}).get("package") == "_global_" else group.replace("/", ".")
        if (d.package or "") != own:
            where = result.path.removeprefix("file://") + f"/{path}.yaml"
            raise _refuse(where, f"placed at the package {d.package or '_global_'} (@)", f"its own package, {own or '_global_'}")

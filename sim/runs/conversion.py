"""The composed Hydra config as the schema's dataclass (`to_config`): read as it is when
Hydra composed it from configs/ with the schema, merged into the schema otherwise (which
refuses a key the schema lacks). Used by run.py's main, the sweep's callbacks, the precheck
and `sim.runs.cli.compose`."""

from __future__ import annotations

import dataclasses
import functools
import typing

from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict
from omegaconf.errors import ConfigKeyError

from ..config.loading import unknown_key_line
from ..config.schema import Config, ConfigError
from ..config.validation import validate


@functools.cache
def _schema() -> DictConfig:
    """The schema as a DictConfig, built once (about 0.2 s); merge returns new objects."""
    return OmegaConf.structured(Config)


@functools.cache
def _hints(cls: type) -> dict:
    return typing.get_type_hints(cls)


def _typed_fields(node: DictConfig, cls: type) -> dict | None:
    """The fields of dataclass `cls` from `node`, a config Hydra composed with the schema
    (config_schema in configs/config.yaml's defaults: every value already of its field's
    type), or None if the node has a key `cls` lacks or a nested dataclass field that is
    not of its type (`+key=value` adds keys to the composition; a plain dict replaced a
    group): then only merging into the schema gives the Config, or the error."""
    if OmegaConf.get_type(node) is not cls:
        return None
    hints, names = _hints(cls), {f.name for f in dataclasses.fields(cls)}
    if not set(node.keys()) <= names | {"hydra"}:
        return None
    out = {}
    for name in names:
        child = node._get_node(name)
        if dataclasses.is_dataclass(hints[name]):
            if not isinstance(child, DictConfig) or (fields := _typed_fields(child, hints[name])) is None:
                return None
            out[name] = hints[name](**fields)
        elif isinstance(child, (DictConfig, ListConfig)):
            out[name] = OmegaConf.to_object(child)
        else:
            out[name] = node[name]
    return out


def to_config(cfg: DictConfig, check=validate) -> Config:
    """The composed Hydra config as the schema's dataclass, validated (by `check`). A config
    Hydra composed from configs/ is already the schema's type: its values are read as they
    are (about 5 ms); anything else is merged into the schema (about 70 ms), which refuses
    a key the schema does not have."""
    fields = _typed_fields(cfg, Config)
    if fields is not None:
        return check(Config(**fields))
    if "hydra" in cfg:
        cfg = cfg.copy()
        with open_dict(cfg):
            cfg.pop("hydra")
    try:  # `+key=value` adds keys Hydra does not check against the schema: refuse them
        merged = OmegaConf.merge(_schema(), OmegaConf.to_container(cfg))
    except ConfigKeyError as e:
        raise ConfigError(unknown_key_line(e.full_key)) from None
    return check(OmegaConf.to_object(merged))

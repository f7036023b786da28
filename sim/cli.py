"""Glue between Hydra and the model: config conversion and the validation callback."""

from __future__ import annotations

import functools
import sys

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import ConfigKeyError

from .config import CONFIG_DIR, Config, ConfigError, register_configs
from .validation import validate


@functools.cache
def _schema() -> DictConfig:
    """The schema as a DictConfig, built once (about 0.2 s); merge returns new objects."""
    return OmegaConf.structured(Config)


def to_config(cfg: DictConfig) -> Config:
    """The composed Hydra config as the schema's dataclass, validated."""
    if "hydra" in cfg:
        cfg = cfg.copy()
        with open_dict(cfg):
            cfg.pop("hydra")
    try:  # `+key=value` adds keys Hydra does not check against the schema: refuse them
        merged = OmegaConf.merge(_schema(), OmegaConf.to_container(cfg))
    except ConfigKeyError as e:
        raise ConfigError(f"Unknown config key {e.full_key}; allowed: the keys of sim.config.Config (see configs/)") from None
    return validate(OmegaConf.to_object(merged))


def compose(*overrides: str) -> Config:
    """The Config `python run.py OVERRIDES` would run, without Hydra's run directory: for
    scripts (experiments/) and tests that must see exactly what the command line sees."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    register_configs()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = hydra_compose("config", overrides=list(overrides))
    return to_config(cfg)


class ValidateConfig(Callback):
    """Checks values before Hydra creates the run directory, so a bad value leaves no files.

    Hydra turns exceptions raised in callbacks into warnings, so this one prints the
    ConfigError's single line and exits non-zero itself.
    """

    def _check(self, config: DictConfig) -> None:
        try:
            to_config(config)
        except ConfigError as e:
            print(e, file=sys.stderr)
            raise SystemExit(1) from None

    def on_run_start(self, config: DictConfig, **kwargs) -> None:
        self._check(config)

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        self._check(config)

"""Hydra reads config files through sim.config.datafiles: the rule holds by construction.

Hydra loads every `file://` config through the class its SourcesRegistry holds for the
scheme. `install` puts `FileConfigSource` there, Hydra's own with one change: a data file
(sim.config.datafiles.is_data; every file of a --config-dir) is read once, as bytes, and
checked (`datafiles.read`) before Hydra parses it, so a file Hydra composes anywhere (run.py's
precheck and its run, `--cfg`, sim.runs.cli.compose, the joblib launcher's workers, which
receive the registry with Hydra's singletons) is refused before its content is used. The
class keeps Hydra's name: Hydra's plugin scan registers its own class by name and keeps the
one already registered under it.
"""

from __future__ import annotations

import functools
import os

from hydra._internal.core_plugins import file_config_source
from hydra.plugins.config_source import ConfigLoadError, ConfigResult
from omegaconf import OmegaConf

from . import datafiles
from .fields import NAME_RULE
from .schema import CONFIG_DIR, ConfigError


class FileConfigSource(file_config_source.FileConfigSource):
    """Hydra's file config source, reading data files by sim.config.datafiles' rule."""

    def load_config(self, config_path: str) -> ConfigResult:
        project = os.path.realpath(self.path) == os.path.realpath(CONFIG_DIR)
        if not datafiles.is_data(config_path, project):
            return super().load_config(config_path)
        root = os.path.realpath(self.path)
        full_path = os.path.realpath(os.path.join(self.path, self._normalize_file_name(config_path)))
        if os.path.commonpath([root, full_path]) != root:
            raise ConfigError(f"{config_path}: a config path stays inside its config directory {root}; allowed: {NAME_RULE}")
        try:
            st = os.stat(full_path)
        except FileNotFoundError:
            raise ConfigLoadError(f"Config not found : {full_path}") from None
        content, header = _read(full_path, config_path, st.st_mtime_ns, st.st_size)
        return ConfigResult(config=OmegaConf.create(content), path=f"{self.scheme()}://{self.path}", provider=self.provider,
                            header=dict(header))


@functools.lru_cache(maxsize=256)
def _read(full_path: str, config_path: str, mtime_ns: int, size: int) -> tuple[dict, dict]:
    """A data file's checked content and header, parsed once per version of the file (a
    composition loads each file several times); callers copy (OmegaConf.create)."""
    with open(full_path, "rb") as f:
        data = f.read(datafiles.MAX_BYTES + 1)
    content, header, _ = datafiles.read(data, full_path, config_path)
    return content, header


def install() -> None:
    """Make Hydra read file:// configs through FileConfigSource (in this process, and in the
    processes Hydra hands its singletons to)."""
    from hydra._internal.sources_registry import SourcesRegistry

    SourcesRegistry.instance().types["file"] = FileConfigSource

"""Each job's config of a sweep, as Hydra composes it, from one composition per choice of
config groups: shared by the sweeper (its check before the first job) and the launcher (what
it hands each worker), so that both agree with Hydra in one place.

Hydra composes a job (ConfigLoaderImpl._load_configuration_impl, from load_sweep_config) in
steps: the defaults list, from the overrides that choose config groups; the config files it
names, merged; then every other override (`key=value`, `+key=`, `++key=`, `~key`), in the
order given, by _apply_overrides_to_config; then its records of the job (hydra.overrides.task,
hydra.job.override_dirname). Jobs that choose the same config groups share the first two
steps, which are most of the cost (about 0.15 s a job), so `JobConfigs` does them once per
choice of groups, copies the result for each job and does the last two steps as Hydra does.
A job with an override of hydra's own config (`hydra.*`, `hydra/...`, which may change the
search path or the job's records) is left to Hydra: `config` returns None for it.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from omegaconf import DictConfig, OmegaConf


class JobConfigs:
    """The configs of the jobs of a sweep whose base config is `master` (the multirun's)."""

    def __init__(self, loader: ConfigLoaderImpl, master: DictConfig) -> None:
        self.loader, self.master = loader, master
        self.parser = OverridesParser.create(config_loader=loader)
        self._groups: dict[str, bool] = {}  # key -> names a config group (asking is slow: once a key)
        self._bases: dict[tuple[str, ...], DictConfig] = {}  # group choices -> their composition, never changed

    def parse(self, overrides: Sequence[str]) -> list[Override]:
        return self.parser.parse_overrides(list(overrides))

    def is_group(self, override: Override) -> bool:
        """Hydra's own test (defaults_list.Overrides): the override chooses a config group,
        unless its value is a dict, which is merged into the config like a value."""
        key = override.key_or_group
        if key not in self._groups:
            self._groups[key] = self.loader.repository.group_exists(key)
        return self._groups[key] and not isinstance(override.value(), dict)

    def derivable(self, parsed: list[Override]) -> bool:
        return not any(o.is_hydra_override() for o in parsed)

    def base(self, choices: tuple[str, ...]) -> DictConfig:
        """The composition of the sweep's config files for these group overrides (with the
        multirun's own hydra overrides, as load_sweep_config prepends them), before any value."""
        if choices not in self._bases:
            self._bases[choices] = self.loader.load_sweep_config(master_config=self.master, sweep_overrides=list(choices))
        return self._bases[choices]

    def config(self, overrides: Sequence[str], parsed: list[Override] | None = None) -> DictConfig | None:
        """The job's config, equal to load_sweep_config(master, overrides) (a new object, the
        caller's to change), or None if only Hydra's composition of the whole job gives it.
        Raises as Hydra's composition would for a value it cannot apply."""
        parsed = self.parse(overrides) if parsed is None else parsed
        if not self.derivable(parsed):
            return None
        cfg = copy.deepcopy(self.base(tuple(o.input_line for o in parsed if self.is_group(o))))
        # the other overrides in their order, after the config files, as Hydra applies them
        ConfigLoaderImpl._apply_overrides_to_config([o for o in parsed if not self.is_group(o)], cfg)
        # the job's records: every override of the job in its order (the base recorded only its groups)
        cfg.hydra.overrides.task = [o.input_line for o in parsed]
        names = cfg.hydra.job.config.override_dirname
        cfg.hydra.job.override_dirname = get_overrides_dirname(
            overrides=parsed, kv_sep=names.kv_sep, item_sep=names.item_sep, exclude_keys=names.exclude_keys
        )
        OmegaConf.copy_cache(from_config=self.master, to_config=cfg)  # the same ${now:} etc. as the multirun
        return cfg

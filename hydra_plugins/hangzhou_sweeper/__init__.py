"""The project's sweeper: Hydra's basic sweeper with a cheaper check of a batch of jobs.

Before launching, Hydra's BasicSweeper composes every job's config from the config files, one
after another with the cores idle (about 0.15 s a job), so that a job that cannot be composed
stops the sweep before any job runs. Jobs that differ only in plain values (`key=value`, the
usual sweep axes: seeds, levers, parameters) compose to the same config but for those values,
so this sweeper composes each distinct choice of config groups and of `+`/`~` overrides once
(the first job with it, exactly as Hydra does) and checks every other job by applying its
values to a copy of that composition, the way Hydra's composition applies them: an unknown
key or a value of the wrong type fails here as it would there, before any job runs. run.py's
precheck (sim.cli) has already checked each value against the schema's limits.

Hydra finds plugins in the `hydra_plugins` namespace package; configs/hydra/sweeper/checked.yaml
selects this one, configs/config.yaml makes it the default.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType


def is_value(override: Override, loader) -> bool:
    """`key=value` on an existing key that is not a config group: it cannot change which
    config files are composed, only a value in the composition."""
    if override.type != OverrideType.CHANGE or override.package is not None:
        return False
    group = override.key_or_group
    return not (loader.repository.group_exists(group) or group in loader.list_groups(""))


class CheckedSweeper(BasicSweeper):
    """BasicSweeper; validate_batch_is_legal composes once per distinct choice of groups."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        loader = self.hydra_context.config_loader
        parser = OverridesParser.create(config_loader=loader)
        composed = {}  # the job's structural overrides -> its full composition
        for overrides in batch:
            parsed = parser.parse_overrides(list(overrides))
            values = [o for o in parsed if is_value(o, loader)]
            structure = tuple(o.input_line for o in parsed if not is_value(o, loader))
            if structure not in composed:  # Hydra's own check, once per structure
                composed[structure] = loader.load_sweep_config(master_config=self.config, sweep_overrides=list(overrides))
                continue
            ConfigLoaderImpl._apply_overrides_to_config(values, copy.deepcopy(composed[structure]))

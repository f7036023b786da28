"""The project's sweeper: Hydra's basic sweeper with a cheaper check of a batch of jobs.

Before launching, Hydra's BasicSweeper composes every job's config from the config files, one
after another with the cores idle (about 0.15 s a job), so that a job that cannot be composed
stops the sweep before any job runs. Jobs that differ only in plain values (`key=value`, the
usual sweep axes: seeds, levers, parameters) compose to the same config but for those values,
so this sweeper composes each distinct choice of config groups and of `+`/`~` overrides once
(the first job with it, exactly as Hydra does) and checks every other job by applying its
values to that composition, the way Hydra's composition applies them: an unknown key or a
value of the wrong type fails here as it would there, before any job runs. Hydra checks a
value against its key's node alone, so each distinct `key=value` is applied once. run.py's
precheck (sim.cli) has already checked each value against the schema's limits.

Hydra finds plugins in the `hydra_plugins` namespace package; configs/hydra/sweeper/checked.yaml
selects this one, configs/config.yaml makes it the default.
"""

from __future__ import annotations

from collections.abc import Sequence

from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType


def is_value(override: Override, groups: set[str]) -> bool:
    """`key=value` on a key that is not a config group: it cannot change which config files
    are composed, only a value in the composition."""
    return override.type == OverrideType.CHANGE and override.package is None and override.key_or_group not in groups


def config_groups(loader, overrides: list[Override]) -> set[str]:
    """The keys among `overrides` that name a config group (asking the search path is slow:
    once a key)."""
    keys = {o.key_or_group for o in overrides}
    return {k for k in keys if loader.repository.group_exists(k)}


class CheckedSweeper(BasicSweeper):
    """BasicSweeper; validate_batch_is_legal composes once per distinct choice of groups."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        loader = self.hydra_context.config_loader
        parser = OverridesParser.create(config_loader=loader)
        jobs = [parser.parse_overrides(list(overrides)) for overrides in batch]
        groups = config_groups(loader, [o for job in jobs for o in job])
        composed = {}  # a job's structural overrides -> a composition of its own (ours to change)
        checked = set()  # (structure, value override) already applied to that composition
        for overrides, parsed in zip(batch, jobs):
            values = [o for o in parsed if is_value(o, groups)]
            structure = tuple(o.input_line for o in parsed if not is_value(o, groups))
            if structure not in composed:  # Hydra's own check of the whole job, once per structure
                composed[structure] = loader.load_sweep_config(master_config=self.config, sweep_overrides=list(overrides))
            else:  # each value is checked on its own against its key's node: once is enough
                todo = [o for o in values if (structure, o.input_line) not in checked]
                ConfigLoaderImpl._apply_overrides_to_config(todo, composed[structure])
            checked.update((structure, o.input_line) for o in values)

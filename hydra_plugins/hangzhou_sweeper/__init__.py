"""The project's sweeper: Hydra's basic sweeper with a cheaper check of a batch of jobs.

Before launching, Hydra's BasicSweeper composes every job's config from the config files, one
after another with the cores idle (about 0.15 s a job), so that a job that cannot be composed
stops the sweep before any job runs. Jobs that differ only in plain values (`key=value`, the
usual sweep axes: seeds, levers, parameters) compose to the same config but for those values,
so this sweeper composes each distinct choice of config groups and of `+`/`~` overrides once
(the first job with it, as Hydra does: jobs.JobConfigs) and checks every other job by
applying its values to that composition, the way Hydra's composition applies them: an unknown
key or a value of the wrong type fails here as it would there, before any job runs. Hydra
checks a value against its key's node alone, so each distinct `key=value` is applied once.
run.py's precheck (sim.runs.cli) has already checked each value against the schema's limits.

The compositions are kept (JobConfigs) and handed to a launcher that can use them
(hydra_plugins.hangzhou_launcher), which builds each job's config from them instead of
composing it again in the worker.

Hydra finds plugins in the `hydra_plugins` namespace package; configs/hydra/sweeper/checked.yaml
selects this one, configs/config.yaml makes it the default.
"""

from __future__ import annotations

from collections.abc import Sequence

from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.types import Override, OverrideType

from .jobs import JobConfigs


def is_value(override: Override, jobs: JobConfigs) -> bool:
    """`key=value` on a key that is not a config group: it cannot change which config files
    are composed, only a value in the composition."""
    return override.type == OverrideType.CHANGE and override.package is None and not jobs.is_group(override)


class CheckedSweeper(BasicSweeper):
    """BasicSweeper; validate_batch_is_legal composes once per distinct choice of groups."""

    def job_configs(self) -> JobConfigs:
        """The sweep's compositions, made once and shared with the launcher if it takes them."""
        if getattr(self, "_job_configs", None) is None:
            self._job_configs = JobConfigs(self.hydra_context.config_loader, self.config)
            if hasattr(self.launcher, "job_configs"):
                self.launcher.job_configs = self._job_configs
        return self._job_configs

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        jobs = self.job_configs()
        composed = {}  # a job's structural overrides -> a composition of its own (ours to change)
        checked = set()  # (structure, value override) already applied to that composition
        for overrides in batch:
            parsed = jobs.parse(overrides)
            values = [o for o in parsed if is_value(o, jobs)]
            structure = tuple(o.input_line for o in parsed if not is_value(o, jobs))
            if structure not in composed:  # Hydra's composition of the whole job, once per structure
                cfg = jobs.config(overrides, parsed)
                if cfg is None:  # hydra's own config overridden: Hydra composes it
                    cfg = jobs.loader.load_sweep_config(master_config=self.config, sweep_overrides=list(overrides))
                composed[structure] = cfg
            else:  # each value is checked on its own against its key's node: once is enough
                todo = [o for o in values if (structure, o.input_line) not in checked]
                ConfigLoaderImpl._apply_overrides_to_config(todo, composed[structure])
            checked.update((structure, o.input_line) for o in values)

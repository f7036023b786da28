"""The checks run.py makes before Hydra starts (`precheck`): the command line's config
composed as Hydra will compose it, every data file it loads (sim.config.datafiles), every
value (sim.config.validation), and in a multirun the launcher, the size of the sweep, every
axis (over schema keys or config groups, never hydra.*; each value) and the sweep's
directory (sim.runs.sweepdir: a name, not inside another sweep; an unnamed sweep gets a
unique one). Raises the first error as a ConfigError; sim.runs.cli.entry prints it as one line."""

from __future__ import annotations

import datetime
import math
import os

from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from ..config.schema import CONFIG_DIR, Config, ConfigError, register_configs
from ..config.validation import check_fields
from . import sweepdir
from .conversion import to_config

def precheck(argv: list[str]) -> tuple[list[str], str | None] | None:
    """Compose and check the command line's config as Hydra will, raising the first error.
    For a multirun, returns (argv, sweep_dir): the command line for Hydra (an unnamed
    sweep's unique sweep_name added) and the sweep's directory (its place checked; None if
    only Hydra can resolve it); None for anything else."""
    from hydra._internal.utils import get_args_parser
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.utils import setup_globals
    from hydra.types import RunMode

    from ..config import datafiles, hydrasource

    hydrasource.install()  # Hydra reads data files by their rule from here on, whatever it runs
    args, unknown = get_args_parser().parse_known_args(argv)
    if unknown:
        raise ConfigError(f"unknown option {unknown[0]}; allowed: the options of python run.py --help, then key=value overrides")
    if args.help or args.hydra_help or args.cfg or args.info or args.shell_completion:
        return None  # Hydra prints and exits; nothing runs
    if args.config_path or args.config_name:
        raise ConfigError("--config-path and --config-name are not supported: run.py's config is configs/config.yaml; add config files with --config-dir DIR")
    mode = RunMode.MULTIRUN if args.multirun else RunMode.RUN
    parser = OverridesParser.create()
    parsed = parser.parse_overrides(list(args.overrides))
    fixed = [o.input_line for o in parsed if not o.is_sweep_override()]
    sweeps = [o for o in parsed if o.is_sweep_override()]
    if sweeps and mode == RunMode.RUN:
        raise ConfigError(f"{sweeps[0].input_line} sweeps several values: add -m (multirun) to run one job per value")

    register_configs()
    setup_globals()  # Hydra's resolvers (${now:}), as its run registers them
    GlobalHydra.instance().clear()
    try:
        loader = _hydra(args.config_dir).config_loader
        datafiles.check(loader, "config", fixed, mode)
        base = loader.load_configuration("config", fixed, run_mode=mode)
        to_config(base)
        if mode != RunMode.MULTIRUN:
            return None
        check_launcher(base.hydra.launcher)
        # every axis: the command line's and the config's (an experiment's hydra.sweeper.params,
        # each applied to every job, one value or several)
        axes = sweeps + parser.parse_overrides([f"{k}={v}" for k, v in (base.hydra.sweeper.params or {}).items()])
        check_sweep_size([o for o in axes if o.is_sweep_override()])  # before walking any axis
        _check_job_dirs(base, [o for o in parsed if not o.is_sweep_override() and not o.is_hydra_override()], axes)
        for axis in axes:
            _check_axis(loader, base, axis, fixed, mode)
        return _named(argv, base)
    finally:
        GlobalHydra.instance().clear()


def _values(o) -> list[str]:
    """An override's values as text (none for a deletion, `~key`)."""
    if o.is_sweep_override():
        return list(o.sweep_string_iterator())
    return [] if o.is_delete() and o.value() is None else [o.get_value_element_as_str()]


def _check_job_dirs(base: DictConfig, fixed: list, axes: list) -> None:
    """A job's directory is one name under the sweep's, made from its overrides (Hydra's
    override_dirname), one per job: no axis over hydra.* or with a package, none over a key
    left out of the name (its jobs would share a directory), no value twice, no '/'."""
    from hydra.core.override_parser.types import RangeSweep

    from ..config import datafiles

    names = base.hydra.job.config.override_dirname
    subdir = OmegaConf.to_container(base.hydra.sweep, resolve=False).get("subdir")
    if subdir != "${hydra.job.override_dirname}" or "/" in f"{names.kv_sep}{names.item_sep}":
        raise ConfigError(f"hydra.sweep.subdir={subdir}: a job's directory is named from its overrides, one name under the sweep's; "
                          "allowed: ${hydra.job.override_dirname}, separators without '/'")
    excluded = set(names.exclude_keys)
    for o in axes:
        if (problem := datafiles.axis_problem(o.get_key_element())) is not None:
            raise ConfigError(f"{o.input_line}: {problem}; allowed: sweep axes over schema keys or config groups")
        if o.is_sweep_override() and o.key_or_group in excluded:
            raise ConfigError(f"{o.input_line}: {o.key_or_group} is not part of a job's directory name, so its jobs would share one; allowed: one value")
        if o.is_sweep_override() and not isinstance(o.value(), RangeSweep):
            values = _values(o)
            if len(set(values)) < len(values):
                twice = next(v for v in values if values.count(v) > 1)
                raise ConfigError(f"{o.input_line} lists {twice} twice: two jobs would share a directory; allowed: each value once")
    for o in [*fixed, *axes]:
        if o.key_or_group in excluded or isinstance(o.value(), RangeSweep):
            continue
        for text in (o.get_key_element(), *_values(o)):
            if "/" in text or "\x00" in text:
                raise ConfigError(f"{o.input_line}: a job's directory is named from its overrides and '/' would make it a path; allowed: keys and values without '/'")


def _named(argv: list[str], base: DictConfig) -> tuple[list[str], str | None]:
    """(argv, the sweep's directory): an unnamed sweep (sweep_name left at its ${now:} default)
    whose directory is named by sweep_name (hydra.sweep.dir not given) named uniquely,
    timestamp_pid, so that two started in the same second do not share a directory; the
    directory checked not to be inside another sweep nor to hold any."""
    raw = OmegaConf.to_container(OmegaConf.masked_copy(base, ["sweep_name"]), resolve=False)["sweep_name"]
    names_dir = "${sweep_name}" in str(OmegaConf.to_container(base.hydra.sweep, resolve=False).get("dir"))
    if raw == Config.__dataclass_fields__["sweep_name"].default and names_dir:
        name = f"{datetime.datetime.now():%Y-%m-%d_%H-%M-%S}_{os.getpid()}"
        argv = [*argv, f"sweep_name={name}"]
        with open_dict(base):
            base.sweep_name = name
    try:
        sweep_dir = str(base.hydra.sweep.dir)
    except OmegaConfBaseException:  # a directory Hydra alone can resolve: sim.sweep.callbacks.PlanSweep holds its lock
        return argv, None
    sweepdir.check_place(sweep_dir)
    return argv, sweep_dir


# The most jobs a sweep may plan: each job is a directory of result files that the summary
# and the report read, and the precheck checks every value of every axis (about 5 ms each)
# before the first job. More runs of one setting are replications=; more settings, several sweeps.
MAX_JOBS = 10_000


def axis_length(axis) -> int | None:
    """The number of values of a sweep axis, computed without walking it (range, list,
    choice); None for one whose values depend on the config files (glob)."""
    from hydra.core.override_parser.types import ChoiceSweep, RangeSweep

    value = axis.value()
    if isinstance(value, RangeSweep):
        first, end, step = value.start, value.stop, value.step
        return max(0, math.ceil((end - first) / step)) if step else 0
    if isinstance(value, ChoiceSweep):
        return len(value.list)
    return None


def check_sweep_size(axes: list) -> None:
    """Refuse (ConfigError) an axis, or a sweep, of more than MAX_JOBS jobs, with its length."""
    lengths = [(axis, axis_length(axis)) for axis in axes]
    allowed = f"at most {MAX_JOBS:,} jobs in a sweep (sim.runs.precheck.MAX_JOBS): more runs of one setting are replications=, more settings several sweeps"
    for axis, n in lengths:
        if n is not None and n > MAX_JOBS:
            raise ConfigError(f"Invalid value for {axis.get_key_element()}: {axis.input_line.partition('=')[2]} sweeps {n:,} values; allowed: {allowed}")
    known = [(axis, n) for axis, n in lengths if n is not None]
    total = math.prod(n for _, n in known)
    if total > MAX_JOBS:
        parts = " x ".join(f"{axis.get_key_element()}: {n:,}" for axis, n in known)
        raise ConfigError(f"the sweep has {total:,} jobs ({parts}); allowed: {allowed}")


JOBLIB_LAUNCHERS = ("hydra_plugins.hangzhou_launcher.ParallelLauncher", "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher")


def check_launcher(launcher: DictConfig) -> None:
    """The joblib settings of the parallel and joblib launchers, as joblib will read them:
    refused (ConfigError naming the key) here, before the sweep records its plan, instead
    of a traceback from the launcher after it."""
    if launcher is None or launcher.get("_target_") not in JOBLIB_LAUNCHERS:
        return
    import joblib

    settings = {k: v for k, v in OmegaConf.to_container(launcher, resolve=True).items() if k != "_target_"}
    n_jobs = settings.get("n_jobs")
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0):
        raise ConfigError(f"Invalid value for hydra.launcher.n_jobs: {n_jobs!r}; allowed: a non-zero integer (N workers; -1 every core, -2 all but one)")
    try:
        from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg

        process_joblib_cfg(settings)  # as the launchers convert them
        joblib.Parallel(**{**settings, "backend": "loky"})
    except (TypeError, ValueError) as e:
        raise ConfigError(f"Invalid value for hydra.launcher: {e}; allowed: joblib.Parallel's settings (configs/hydra/launcher/)") from None


def _hydra(config_dir: str | None):
    """Hydra's own loader on run.py's search path, as hydra.main builds it (with --config-dir)."""
    from hydra._internal.hydra import Hydra
    from hydra._internal.utils import create_automatic_config_search_path
    from hydra.core.config_search_path import SearchPathQuery

    search_path = create_automatic_config_search_path(None, None, str(CONFIG_DIR))
    if config_dir is not None:
        path = os.path.abspath(config_dir)
        if not os.path.isdir(path):
            raise ConfigError(f"--config-dir {path}: not a directory")
        search_path.prepend(provider="command-line", path=f"file://{path}", anchor=SearchPathQuery(provider="schema"))
    return Hydra.create_main_hydra2(task_name="run", config_search_path=search_path)


def _check_axis(loader, base: DictConfig, axis, fixed: list[str], mode) -> None:
    """Every value of a sweep axis: a group option must exist and be data (the files its
    composition loads: sim.config.datafiles); any other value must convert to its schema
    type and pass its field's own limits (a rule across fields depends on the other axes'
    values: each job checks those and records a failure)."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from ..config import datafiles

    key = axis.get_key_element()
    group = axis.key_or_group
    if group in loader.list_groups("") or loader.repository.group_exists(group):
        options = loader.get_group_options(group)
        for v in _values(axis):
            if v not in options:
                raise ConfigError(f"Could not find '{group}/{v}'; allowed: {' | '.join(options)}")
            datafiles.check(loader, "config", [*fixed, f"{key}={v}"], mode)
        return
    cfg = base.copy()  # one copy for the axis: each value is applied over the previous one
    with open_dict(cfg):
        cfg.pop("hydra")
    values = axis.sweep_string_iterator() if axis.is_sweep_override() else iter(_values(axis))
    for i, value in enumerate(f"{key}={v}" for v in values):
        with open_dict(cfg):
            ConfigLoaderImpl._apply_overrides_to_config(OverridesParser.create().parse_overrides([value]), cfg)
        if i == 0:  # the whole conversion once (it also refuses keys the schema lacks) ...
            to_config(cfg, check=check_fields)
        else:  # ... then the typed composition converts each value itself (0.005 s, not 0.1 s)
            check_fields(OmegaConf.to_object(cfg))

"""Glue between Hydra and the model: `entry` (run.py's start, signals and exit codes),
`compose` (a config as the command line would run it) and one line for every user error;
the config conversion is sim.runs.conversion, the checks before Hydra starts
sim.runs.precheck.

`entry` runs run.py's Hydra main. Before Hydra composes, instantiates or writes anything,
`precheck` composes the command line's config itself and checks it: every data file it
loads (sim.config.datafiles, through sim.config.hydrasource, which Hydra then uses too),
every value (sim.config.validation), and in a multirun every sweep axis and the sweep's
directory, whose lock `entry` then holds for the sweep's life. Errors a user can fix (a bad value, a YAML syntax error, an
unknown group option, a type error, an unwritable directory, a full disk, a sweep already
running there) print one line and exit 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import os
import signal
import sys

from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

from ..config.schema import CONFIG_DIR, Config, ConfigError, register_configs
from ..config.loading import omegaconf_line, unknown_key_line
from . import sweepdir
from .conversion import _schema, _typed_fields, to_config  # noqa: F401 (to_config's home is sim.runs.conversion; callers and tests find it here)
from .lifetime import Terminated, raise_if_terminated, terminated
from .precheck import precheck  # a name of this module, so a test can replace it


def compose(*overrides: str) -> Config:
    """The Config `python run.py OVERRIDES` would run, without Hydra's run directory: for
    scripts (experiments/) and tests that must see exactly what the command line sees."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    from .held import hold_explicit
    from ..config import hydrasource

    register_configs()
    hydrasource.install()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = hydra_compose("config", overrides=list(overrides), return_hydra_config=True)
    return hold_explicit(to_config(cfg), cfg.hydra)  # an explicit setting wins, as in run.py


# ------------------------------------------------------------------------ user errors
def user_error(e: BaseException) -> str | None:
    """One line for an error the user can fix; None for anything else (a bug)."""
    import yaml
    from hydra.errors import HydraException, MissingConfigException

    if isinstance(e, ConfigError):
        return str(e)
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        where = f"{mark.name}, line {mark.line + 1}, column {mark.column + 1}" if mark else "a config file"
        return f"{where}: YAML syntax error: {e.problem or e.context}"
    if isinstance(e, MissingConfigException):
        first = str(e).splitlines()[0]
        return f"{first}; allowed: {' | '.join(e.options)}" if e.options else first
    if isinstance(e, (ConfigKeyError, ConfigAttributeError)) and getattr(e, "full_key", None) and " not in " in str(e).partition("\n")[0]:
        return unknown_key_line(e.full_key)  # Hydra's `Key 'x' not in 'Policy'`, with the close keys
    if isinstance(e, OmegaConfBaseException):
        return omegaconf_line(e)
    if isinstance(e, HydraException):
        cause = e.__cause__ if isinstance(e.__cause__, (ConfigError, OmegaConfBaseException, yaml.MarkedYAMLError)) else None
        if cause is not None:
            return user_error(cause)
        return " ".join(line.strip() for line in str(e).splitlines() if line.strip() and not line.startswith("\t"))
    if isinstance(e, OSError):
        what = f"cannot write or read {e.filename}" if e.filename else "input/output error"
        return f"{what}: {e.strerror or e}"
    return None


def exit_on_user_error(e: Exception) -> None:
    """Print a user error's line and exit 1; re-raise anything else (a bug)."""
    line = user_error(e)
    if line is None:
        raise e
    print(f"error: {line}", file=sys.stderr)
    raise SystemExit(1) from None


VALUE_OPTIONS = {"-c", "--cfg", "-p", "--package", "-cp", "--config-path", "-cn", "--config-name", "-cd", "--config-dir", "--experimental-rerun"}
INFO_VALUES = {"all", "config", "defaults", "defaults-tree", "plugins", "searchpath"}


def options_first(argv: list[str]) -> list[str]:
    """The command line with its options (and their values) before the overrides, so that
    `run.py seed=0,1 -m` works: Hydra's parser takes overrides only after the options."""
    options, overrides, i = [], [], 0
    while i < len(argv):
        token = argv[i]
        takes = token in VALUE_OPTIONS or (token in ("-i", "--info") and i + 1 < len(argv) and argv[i + 1] in INFO_VALUES)
        if token.startswith("-"):
            options += argv[i:i + 2] if takes else [token]
            i += 2 if takes else 1
        else:
            overrides.append(token)
            i += 1
    return options + overrides


def entry(hydra_main, argv: list[str] | None = None) -> int:
    """Run `hydra_main` (run.py's @hydra.main function) for the command line `argv`; inside
    it, run.py calls `exit_on_user_error` itself (Hydra logs an exception of the task).

    SIGTERM, SIGHUP and SIGINT unwind the process as an exception (sim.runs.lifetime's
    Terminated; a KeyboardInterrupt before the handler is in place) instead of ending it on
    the spot: a run's temporaries are removed on the way
    (sim.runs.results), joblib stops a sweep's workers (its abort kills loky's worker
    processes, for any BaseException), and it exits 128 + the signal's number with one line."""
    argv = options_first(sys.argv[1:] if argv is None else argv)
    sys.argv[1:] = argv  # what Hydra's own parser reads
    os.environ["HYDRA_FULL_ERROR"] = "1"  # errors reach the handler below instead of Hydra's printer
    sweep_dir = None
    previous = {s: signal.signal(s, terminated) for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)}
    try:
        sweep = precheck(argv)
        if sweep is not None:
            argv, sweep_dir = sweep
            sys.argv[1:] = argv  # with an unnamed sweep's unique sweep_name
        if sweep_dir is not None:  # held until the sweep ends (and by the kernel until this process does)
            sweepdir.hold(sweep_dir, f"hydra.sweep.dir={sweep_dir}")
        hydra_main()
        raise_if_terminated()  # a signal whose exception Hydra caught (a callback's become warnings) still ends it so
    except (Terminated, KeyboardInterrupt) as e:
        name = str(e) if isinstance(e, Terminated) else "SIGINT"
        again = "; the same command resumes the sweep" if sweep_dir is not None else ""
        print(f"error: stopped by {name}{again}", file=sys.stderr)
        return 128 + signal.Signals[name].value
    except Exception as e:
        exit_on_user_error(e)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if sweep_dir is not None:
            sweepdir.release(sweep_dir)
    return 0

"""The Hydra main of `python run.py` and of `hangzhou-parks run|sweep`: one scenario x N
replications, or, in a multirun, one job of a sweep.

It lives in the package, not in run.py, so that an installed wheel (which has no run.py)
runs it too: run.py and sim.command both start it through sim.runs.cli.entry. The module is
named `run` because Hydra names the job after it (hydra.job.name: run, as when run.py was
the main). The config directory is sim.config.schema.CONFIG_DIR, an absolute path: the
checkout's configs/ or the copy an installed wheel ships (project_dir).
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from ..config import register_configs
from ..config.schema import CONFIG_DIR
from ..runs.cli import exit_on_user_error, to_config
from ..runs.held import hold_explicit
from ..sweep.task import sweep_job

PROGRAM = "HANGZHOU_PARKS_PROGRAM"  # how the command was started, for a job's recorded command (the sweep's workers inherit it)

register_configs()


def program() -> list[str]:
    """The command a sweep's job records to re-run it: `python run.py`, or `hangzhou-parks run`
    when the console command started the sweep."""
    return shlex.split(os.environ.get(PROGRAM, "python run.py"))


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)

    def config():  # the parameters set explicitly held at their values, in .hydra/config.yaml too
        return hold_explicit(to_config(cfg), hc, out)

    if hc.mode == RunMode.MULTIRUN:  # one job of a sweep: resumable, records its failure; returns its line
        return sweep_job(config, hc, report=bool(cfg.get("report", True)), program=program())
    from ..runs.simulate import format_table, simulate  # the model: not imported by a sweep's own process

    try:
        print(format_table(simulate(config(), out), out, list(hc.overrides.task)))
    except Exception as e:
        exit_on_user_error(e)

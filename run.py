"""Run a scenario of the Hangzhou development-zone model: `python run.py [overrides]`.

Examples: `python run.py scenario=no_policy replications=20`,
`python run.py policy.factory_space_m2_per_year=8e6 seed=3 horizon_year=2030`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.config import register_configs
from sim.runs.cli import entry, exit_on_user_error, to_config
from sim.runs.held import hold_explicit
from sim.sweep.jobs import sweep_job

register_configs()


@hydra.main(version_base="1.3", config_path="configs", config_name="config")
def main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)

    def config():  # the parameters set explicitly held at their values, in .hydra/config.yaml too
        return hold_explicit(to_config(cfg), hc, out)

    if hc.mode == RunMode.MULTIRUN:  # one job of a sweep: resumable, records its failure; returns its line
        return sweep_job(config, hc, report=bool(cfg.get("report", True)))
    from sim.runs.simulate import format_table, simulate  # the model: not imported by a sweep's own process

    try:
        print(format_table(simulate(config(), out), out))
    except Exception as e:
        exit_on_user_error(e)


if __name__ == "__main__":
    sys.exit(entry(main))

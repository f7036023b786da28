"""What a run is: the schema of a run's configuration, with every limit in its fields' metadata.

- `fields`: how a number or a choice declares its unit, source, plausible range and hard
  limits (`number`, `param`, `lever`, `choice`), and the model's time step (`DT`);
- `params`: the behavioural parameters (`Params`);
- `schema`: the levers (`Policy`), the end-2022 state (`Calibration`, `ParkSpec`), the
  targets and their reading (`Targets`), unit costs (`Costs`), a run (`Config`), and the
  names of sectors, parks and options;
- `schedules`: a lever as a number or a schedule by year;
- `priors`: `prior(key)`, the prior of an uncertain number (PERT on its range, mode at its
  default) as a frozen scipy distribution;
- `validation`: `validate`, the checks derived from the metadata;
- `loading`: `load_config`, a Config from configs/ without Hydra;
- `datafiles`: what a configuration file may contain (data, not code), decided by parsing
  it; `hydrasource` makes Hydra read config files by that rule (it imports Hydra);
- `fields.NAME_RULE`: names (sweep_name, the scenario label, config file names), not paths.

The bottom layer: it imports nothing else of sim. Importing it imports neither Hydra nor
OmegaConf.
"""

from __future__ import annotations

from .fields import DT, STEPS_PER_YEAR, Schedule, choice, lever, locked, number, param
from .loading import GROUPS, apply_settings, load_calibration, load_config, nest_settings, scenarios, setting_names, setting_path
from .params import Params
from .priors import prior
from .schema import (
    CONFIG_DIR, ECOSYSTEMS, MAX_YEAR, OUTSIDE, SECTORS, Calibration, Config, ConfigError, Costs, ParkSpec, Policy, Targets,
    categorical_levers, numeric_levers, register_configs, uncertain_keys,
)
from .validation import validate

__all__ = [
    "CONFIG_DIR", "DT", "ECOSYSTEMS", "GROUPS", "MAX_YEAR", "OUTSIDE", "SECTORS", "STEPS_PER_YEAR", "Calibration", "Config",
    "ConfigError", "Costs", "Params", "ParkSpec", "Policy", "Schedule", "Targets", "apply_settings", "categorical_levers",
    "choice", "lever", "load_calibration", "load_config", "locked", "nest_settings", "number", "numeric_levers", "param",
    "prior", "register_configs", "scenarios", "setting_names", "setting_path", "uncertain_keys", "validate",
]  # fmt: skip

"""Parameter uncertainty (`uncertainty=parameters`): what replication k draws.

Every uncertain number (a `param` field of Params or Calibration, with a plausible range in
its metadata) is drawn once per replication from its prior (sim.config.priors.prior: a PERT
distribution on its range with its mode at the schema default); keys in `fixed_parameters`
keep their configured value. The draws are a Latin hypercube over the replications mapped
through each prior's inverse CDF (space-filling: each prior is cut into R strata of equal
probability and each stratum is used once), from the `parameters` stream of the run's seed alone.
So replication k draws the same parameters in every scenario with the same seed and R, and
scenario differences stay paired. The design always spans every uncertain key, so fixing
one does not change the draws of the others.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..config.priors import prior
from ..config.schema import Config, uncertain_keys
from ..model.streams import Streams


def current(cfg: Config, key: str) -> float:
    group, name = key.split(".")
    return getattr(getattr(cfg, group), name)


def draws(cfg: Config) -> pd.DataFrame:
    """One row per replication (index 0..R-1), one column per uncertain key."""
    from scipy.stats import qmc  # here: scipy.stats costs about a second to import (every sweep worker)

    keys = uncertain_keys()
    rng = Streams((int(cfg.seed),)).get("parameters", 0)
    u = qmc.LatinHypercube(d=len(keys), rng=rng).random(cfg.replications)
    columns = {}
    for j, (key, f) in enumerate(keys):
        if key in cfg.fixed_parameters:
            columns[key] = np.full(cfg.replications, float(current(cfg, key)))
        else:  # within the range also after rounding
            columns[key] = np.clip(prior(key).ppf(u[:, j]), *f.metadata["range"])
    return pd.DataFrame(columns, index=pd.RangeIndex(cfg.replications, name="replication"))


def point(cfg: Config) -> pd.DataFrame:
    """The configured values, one identical row per replication (uncertainty=seeds)."""
    row = {key: float(current(cfg, key)) for key, _ in uncertain_keys()}
    return pd.DataFrame([row] * cfg.replications, index=pd.RangeIndex(cfg.replications, name="replication"))


def apply(cfg: Config, row: pd.Series) -> Config:
    """A copy of `cfg` with the values of one row of `draws` set."""
    values = {"params": {}, "calibration": {}}
    for key, value in row.items():
        group, name = key.split(".")
        values[group][name] = float(value)
    return dataclasses.replace(  # the Model validates it
        cfg,
        params=dataclasses.replace(cfg.params, **values["params"]),
        calibration=dataclasses.replace(cfg.calibration, **values["calibration"]),
    )

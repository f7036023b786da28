"""Parameter uncertainty (`uncertainty=parameters` and `posterior`): what replication k draws.

Every uncertain number (a `param` field of Params or Calibration, with a plausible range in
its metadata) is drawn once per replication from its prior (sim.config.priors.prior: a PERT
distribution on its range with its mode at the schema default); keys in `fixed_parameters`
keep their configured value. The draws are a Latin hypercube over the replications mapped
through each prior's inverse CDF (space-filling: each prior is cut into R strata of equal
probability and each stratum is used once), from the `parameters` stream of the run's seed alone.
So replication k draws the same parameters in every scenario with the same seed and R, and
scenario differences stay paired. The design always spans every uncertain key, so fixing
one does not change the draws of the others.

Under `uncertainty=posterior` the same draws are made, then the keys the posterior sample
holds are set from replication k's particle (sim/runs/posterior.py). Under both, the park
data with a plausible range (ParkSpec.ranges: the 2022 platform stock, the leading shares)
are drawn too (`data_draws`, a stream of their own). `values(cfg)` gives
each replication's values under the config's uncertainty (the configured values under seeds).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..config.priors import pert, prior
from ..config.schema import Config, ranged_data, uncertain_keys
from ..model.streams import Streams
from . import posterior

DRAWN = ("parameters", "posterior")  # the uncertainties under which replication k draws its parameters
DATA_STEP = 2  # the `parameters` stream's step of the park data draws (0: the parameters' Latin hypercube; 1: the posterior's particles)


def is_drawn(cfg: Config) -> bool:
    """Whether replication k runs at its own parameter values (and again at the configured ones)."""
    return cfg.uncertainty in DRAWN


def values(cfg: Config) -> pd.DataFrame:
    """One row per replication: its parameter values under `cfg.uncertainty` (the configured
    values under seeds; the priors' draws under parameters; under posterior, those with the
    posterior's keys from each replication's particle, and a `particle` column), then the
    park data with a range (`data_draws`, drawn under both; the posterior does not hold them)."""
    if cfg.uncertainty == "posterior":
        return posterior.overlay(cfg, draws(cfg)).join(data_draws(cfg))
    return draws(cfg).join(data_draws(cfg)) if cfg.uncertainty == "parameters" else point(cfg)


def current(cfg: Config, key: str) -> float:
    parts = key.split(".")
    if len(parts) == 4:  # calibration.parks.<id>.<field>
        return getattr(next(p for p in cfg.calibration.parks if p.id == parts[2]), parts[3])
    return getattr(getattr(cfg, parts[0]), parts[1])


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


def data_draws(cfg: Config) -> pd.DataFrame:
    """One row per replication, one column per park datum with a plausible range
    (`ranged_data`): a Latin hypercube through the PERT distribution on the range with its
    mode at the row's value, from a stream of its own (`parameters`, step DATA_STEP), so that adding or
    changing a range leaves the parameters' draws as they were. An integer datum (a count of
    platforms) is drawn on [lo - 0.5, hi + 0.5] and rounded: each count in the range keeps
    the probability of its unit interval. Data in `fixed_parameters` keep their values."""
    from scipy.stats import beta, qmc  # here: scipy.stats costs about a second to import

    ranged = ranged_data(cfg.calibration)
    index = pd.RangeIndex(cfg.replications, name="replication")
    if not ranged:
        return pd.DataFrame(index=index)
    u = qmc.LatinHypercube(d=len(ranged), rng=Streams((int(cfg.seed),)).get("parameters", DATA_STEP)).random(cfg.replications)
    columns = {}
    for j, (key, row, name, lo, hi) in enumerate(ranged):
        value = float(getattr(cfg.calibration.parks[row], name))
        if key in cfg.fixed_parameters:
            columns[key] = np.full(cfg.replications, value)
            continue
        integer = isinstance(getattr(cfg.calibration.parks[row], name), int)
        a_, b_ = (lo - 0.5, hi + 0.5) if integer else (lo, hi)
        a, b = pert(key, value, a_, b_)
        x = beta(a, b, loc=a_, scale=b_ - a_).ppf(u[:, j])
        columns[key] = np.clip(np.round(x) if integer else x, lo, hi)
    return pd.DataFrame(columns, index=index)


def point(cfg: Config) -> pd.DataFrame:
    """The configured values, one identical row per replication (uncertainty=seeds)."""
    row = {key: float(current(cfg, key)) for key, _ in uncertain_keys()}
    row |= {key: float(current(cfg, key)) for key, *_ in ranged_data(cfg.calibration)}
    return pd.DataFrame([row] * cfg.replications, index=pd.RangeIndex(cfg.replications, name="replication"))


def apply(cfg: Config, row: pd.Series) -> Config:
    """A copy of `cfg` with the values of one row of `values` set (its dotted keys; the
    `particle` column is a record, not a parameter)."""
    values = {"params": {}, "calibration": {}}
    rows: dict[str, dict] = {}
    for key, value in row.items():
        if "." not in key:
            continue
        parts = key.split(".")
        if len(parts) == 4:  # calibration.parks.<id>.<field>: a park's datum
            rows.setdefault(parts[2], {})[parts[3]] = value
        else:
            values[parts[0]][parts[1]] = float(value)
    parks = cfg.calibration.parks
    if rows:
        parks = [dataclasses.replace(p, **{k: type(getattr(p, k))(v) for k, v in rows[p.id].items()}) if p.id in rows else p for p in parks]
    return dataclasses.replace(  # the Model validates it
        cfg,
        params=dataclasses.replace(cfg.params, **values["params"]),
        calibration=dataclasses.replace(cfg.calibration, parks=parks, **values["calibration"]),
    )


def held(cfg: Config) -> dict[str, float]:
    """{key: value} of the uncertain keys held at their configured values (`fixed_parameters`:
    listed there, or set explicitly; sim.config.held), in schema order."""
    listed = set(cfg.fixed_parameters)
    keys = [key for key, _ in uncertain_keys()] + [key for key, *_ in ranged_data(cfg.calibration)]
    return {key: float(current(cfg, key)) for key in keys if key in listed}


def recorded(cfg: Config) -> dict:
    """What targets.json records of the draws beyond the uncertainty's name: under parameters
    and posterior, the held keys and values (`held`, if any) and the posterior sample used
    (`posterior`: name, particles, keys, the comment lines that say how it was made)."""
    out: dict = {}
    if is_drawn(cfg) and cfg.fixed_parameters:
        out["held"] = held(cfg)
    if cfg.uncertainty == "posterior":
        out["posterior"] = posterior.describe(cfg)
    return out

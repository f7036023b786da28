"""`uncertainty=posterior`: replication k's particle of the posterior sample.

Replication k draws one particle of data/posterior/NAME.csv (sim.config.posterior) by
weight, with a random stream keyed by k from the run's seed alone (the `parameters` stream's
step 1, sub-key k; step 0 is the Latin hypercube of sim/runs/uncertainty.py). So replication
k uses the same particle in every scenario with the same seed (paired), whatever the number
of replications, reproducibly. The particle sets the keys the file holds; the other uncertain
keys keep their draws from the priors (the same Latin hypercube as `uncertainty=parameters`);
held keys (`fixed_parameters`) keep their configured values in either case.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config.posterior import Posterior, read_posterior
from ..config.schema import Config
from ..model.streams import Streams

PARTICLE = "particle"  # parameters.parquet's column: the particle's row in the file (0 = first particle)
STEP = 1  # the `parameters` stream's step of the particle draws (0: the Latin hypercube)


def particles(post: Posterior, seed: int, replications: int) -> np.ndarray:
    """The particle index of replications 0..R-1: each by weight, from its own stream."""
    cdf = np.cumsum(post.weights)
    cdf[-1] = 1.0  # no rounding gap at the top
    streams = Streams((int(seed),))
    u = np.array([streams.get("parameters", STEP, k).random() for k in range(replications)])
    return np.searchsorted(cdf, u, side="right").clip(0, post.particles - 1).astype(np.int64)


def overlay(cfg: Config, prior_draws: pd.DataFrame) -> pd.DataFrame:
    """`prior_draws` (uncertainty.draws: one row per replication, one column per uncertain
    key) with the keys of the posterior sample set from each replication's particle (held
    keys excepted), and a `particle` column."""
    post = read_posterior(cfg.posterior)
    idx = particles(post, cfg.seed, len(prior_draws))
    out = prior_draws.copy()
    for j, key in enumerate(post.keys):
        if key not in cfg.fixed_parameters:
            out[key] = post.values[idx, j]
    out[PARTICLE] = idx
    return out


def describe(cfg: Config) -> dict:
    """What targets.json records of the posterior used: its name, file, particle count and keys."""
    post = read_posterior(cfg.posterior)
    return dict(name=post.name, particles=post.particles, keys=list(post.keys), made_by=list(post.comments))

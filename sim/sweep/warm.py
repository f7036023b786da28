"""numba's cache warm before a sweep's first job.

The model's compiled code (sim.model.compiled) is cached on disk in a directory named by the
digest of its sources. When that directory is empty (a new checkout, an edited kernel or
rule), every worker of a sweep compiles the same code side by side as its first job starts,
several seconds each. `warm` compiles it once in the sweep's process before the jobs start,
and the workers load it. Finding out whether the cache is warm must not cost what it saves:
sim.model.cachedir computes the digest without importing numba or the model.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..model import cachedir


def cache_dir() -> Path | None:
    """The directory sim.model.compiled.cache_dir() names (sim.model.cachedir, which imports
    neither numba nor the model), or None if its sources cannot be read."""
    try:
        return cachedir.path()
    except OSError:
        return None


def is_cold() -> bool:
    """The model's compiled code is not in the cache (False when that cannot be told)."""
    path = cache_dir()
    return path is not None and not any(path.rglob("*.nbi"))  # numba keeps them in a directory per module


def warm() -> bool:
    """Compile the model's code once here if the cache is cold (a tiny run); True if it did."""
    if not is_cold():
        return False
    print("compiling the model's code once before the jobs (its cache is empty: a new checkout or an edited kernel)",
          file=sys.stderr, flush=True)
    from ..config.loading import load_config
    from ..model.model import Model

    Model(load_config(firms_scale=0.005, replications=1, progress=False, uncertainty="seeds"), 0).run()
    return True

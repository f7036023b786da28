"""The prior of every uncertain number: a PERT distribution on its plausible range, with its
mode at the schema default.

An uncertain number is a field declared with `param` (fields.py): a default (the value a run
takes with `fit=none`) and a plausible range [lo, hi] in its metadata. Its prior is a
property of the field alone, one source of truth for `uncertainty=parameters` (each
replication draws every uncertain key from it, sim/runs/uncertainty.py) and for a
calibration that needs priors (ABC): the PERT distribution, a beta on [lo, hi] with

    a = 1 + 4 (d - lo) / (hi - lo),   b = 1 + 4 (hi - d) / (hi - lo)

where d is the default, so its mode is d and its mean (lo + 4d + hi) / 6. A fitted value
(configs/fit/) moves the configured value, not the prior. scipy is imported when a prior is
asked for (about a second), not with this module.
"""

from __future__ import annotations

import dataclasses
import functools

from .schema import ConfigError, uncertain_keys


@functools.cache
def _fields() -> dict[str, dataclasses.Field]:
    return dict(uncertain_keys())


def uncertain_field(key: str) -> dataclasses.Field:
    """The field of an uncertain key ("params.macro_sd"); ConfigError, one line, for any other key."""
    fields = _fields()
    if key not in fields:
        raise ConfigError(f"{key!r} is not an uncertain parameter; allowed: keys of uncertain fields, e.g. params.macro_sd or "
                          "calibration.zipf_exponent (sim/config/schema.py and params.py, `param` fields)")
    return fields[key]


def pert_shape(key: str) -> tuple[float, float, float, float]:
    """(a, b, lo, hi) of the PERT prior of `key`: beta(a, b) on [lo, hi], mode at the schema default."""
    f = uncertain_field(key)
    lo, hi = (float(v) for v in f.metadata["range"])
    return (*pert(key, float(f.default), lo, hi), lo, hi)


def pert(key: str, mode: float, lo: float, hi: float) -> tuple[float, float]:
    """(a, b) of the PERT distribution on [lo, hi] with its mode at `mode` (a beta(a, b) there)."""
    if not lo < hi or not lo <= mode <= hi:  # a schema error, caught by tests/test_priors.py
        raise ConfigError(f"{key}: default {mode} and range [{lo}, {hi}] make no PERT prior (needs lo < hi and lo <= default <= hi)")
    return 1.0 + 4.0 * (mode - lo) / (hi - lo), 1.0 + 4.0 * (hi - mode) / (hi - lo)


def prior(key: str):
    """The prior of an uncertain key as a frozen scipy distribution (scipy.stats.beta on the
    field's plausible range, mode at its schema default): `.ppf`, `.pdf`, `.rvs`, `.mean()`."""
    from scipy.stats import beta  # here: scipy.stats costs about a second to import

    a, b, lo, hi = pert_shape(key)
    return beta(a, b, loc=lo, scale=hi - lo)


def priors() -> dict:
    """{key: prior(key)} for every uncertain key, in schema order."""
    return {key: prior(key) for key in _fields()}

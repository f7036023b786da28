"""Productivity-driven growth of each firm's desired output (ODD: Details, Growth).

The per-firm rules take arrays (the vectorised model) or one firm's scalars (the
per-agent reference, sim.checks.reference): see sim.rules.ops.
"""

from __future__ import annotations

import numpy as np

from ..config.schema import SECTORS
from ..config.params import Params
from .ops import exp, log, log1p, maximum, minimum, power, sqrt, where


DRIFT_FIELDS = tuple(f"growth_{s}" for s in SECTORS)  # the Params fields of sector_drift


def sector_drift(params: Params) -> np.ndarray:
    """Yearly drift of log output by sector: each sector's own, shifted by `growth_shift`
    (the level of growth the calibration conditions on the history)."""
    return np.array([getattr(params, name) for name in DRIFT_FIELDS]) + params.growth_shift


def drift(params: Params, place_rate, subsidy_rate, age_months, young_rate=None):
    """Yearly expected log growth: that of the firm's sector and location (`place_drift`),
    subsidies (subsidy_rate: subsidy / output), and the young firm's premium (`young`;
    `young_rate`: its value if the caller has it, the model looks it up by age)."""
    return place_rate + params.subsidy_return * subsidy_rate + (young(params, age_months) if young_rate is None else young_rate)


def young_offset(params: Params, output: np.ndarray, age_months: np.ndarray) -> float:
    """The output-weighted mean of the young firm's premium over a population (the end-2022
    firms): subtracted from every firm's drift, so that the premium redistributes the
    sectors' growth towards the young rather than adding to it (the sector drifts are the
    sectors' own growth, young and old together)."""
    return float(np.sum(young(params, age_months) * output) / np.sum(output)) if output.size else 0.0


def young(params: Params, age_months):
    """The young firm's extra yearly log drift: `young_growth` at birth, falling with age as
    exp(-age / young_growth_years) (up or out: the young grow fast, and the small among them
    exit often, demography.exit_hazard)."""
    return params.young_growth * exp(-age_months / (12.0 * params.young_growth_years))


def place_drift(params: Params, sector_rate, in_park, platforms):
    """Yearly expected log growth of a sector in a location: sector drift, zone premium,
    S&T platforms. sector_rate: `sector_drift(params)` of the sector; platforms: S&T
    platforms at the location. The same for all firms of a cell: the model computes it per
    location x sector."""
    return sector_rate + params.zone_premium * in_park + params.platform_growth * log1p(platforms)


def agglomeration(params: Params, dln_cluster, dln_location):
    """Change of log productivity from the change of the firm's own-sector cluster output in
    its location (localization) and of its location's total output (urbanization): level
    elasticities applied to last step's log changes."""
    return params.elasticity_localization * dln_cluster + params.elasticity_urbanization * dln_location


def shock(params: Params, output, u_jump, u_sign, z, dt: float, scale=None):
    """Idiosyncratic log shock over one step.

    Jumps arrive at rate `jump_rate` a year (`jump`, for the firms a jump hits; the others'
    jump is 0). Small Gaussian noise is added.
    u_jump, u_sign: uniforms; z: standard normals (one per firm, from the step's stream).
    On arrays the jumps are computed for the firms hit only (the same values: each is
    elementwise). `scale`: `jump_scale(params, output)` if the caller has it (a firm whose
    output is held, as in the capital prehistory).
    """
    hit = u_jump < params.jump_rate * dt
    if isinstance(hit, np.ndarray):
        jumps, hit = np.zeros(hit.shape), np.flatnonzero(hit)  # indices: faster than a mask
        jumps[hit] = jump(params, output[hit], u_sign[hit], None if scale is None else (scale[0][hit], scale[1][hit]))
    else:
        jumps = jump(params, output, u_sign, scale) if hit else 0.0
    s = params.noise_sd
    return jumps + s * sqrt(dt) * z - 0.5 * s * s * dt


def jump_scale(params: Params, output):
    """The Laplace scale of a firm's jump, b = jump_scale * output^-beta (smaller firms are
    more volatile, at most 0.45), and the shift ln(1 - b²) that leaves expected output
    unchanged: (b, shift)."""
    b = minimum(params.jump_scale * power(output, -params.size_variance_beta), 0.45)
    return b, log1p(-b * b)


def jump(params: Params, output, u_sign, scale=None):
    """The log change of a firm a jump hits: Laplace with scale b, shifted by ln(1 - b²)
    (`jump_scale`; `scale`: its result if the caller has it). u_sign: a uniform in (0, 1)."""
    b, shift = jump_scale(params, output) if scale is None else scale
    # Laplace by inverse CDF on u_sign: sign from the half, magnitude exponential (one log)
    low = u_sign < 0.5
    magnitude = b * log(where(low, 2.0 * u_sign, 2.0 * (1.0 - u_sign)))
    return where(low, magnitude, -magnitude) + shift


def macro_shock(params: Params, z: float, dt: float) -> float:
    """The city-wide log shock over one step, common to every firm (business cycle, COVID
    closures): normal with s.d. `macro_sd` a year, shifted so E[e^shock] = 1. z: one
    standard normal for the step, from the `macro` stream (the same in every scenario)."""
    s = params.macro_sd
    return s * sqrt(dt) * z - 0.5 * s * s * dt


def potential(params: Params, productivity, output, mu, agglomeration, boost, shock, dt: float):
    """Potential output after one step: productivity grows by the drift `mu` (1/yr), the
    agglomeration change, a pending move's boost and the shock. A firm held back by scarce
    inputs carries at most `backlog_cap` of unmet plans above its output into the step; the
    cap applies to the backlog only, not to the growth of a firm that is not held back."""
    g = mu * dt + agglomeration + boost + shock
    return minimum(productivity, output * (1.0 + params.backlog_cap)) * exp(g)


def invest(params: Params, capital, output, trend, dt: float):
    """Capital after one step at `output`: it depreciates, and investment (irreversible)
    tops it up to `capital_output` x the output the firm's equipment follows (`planned`).
    Returns (capital, capital kept before investing); investment is their difference."""
    kept = capital * (1.0 - params.depreciation * dt)
    return maximum(kept, params.capital_output * planned(params, output, trend)), kept


def planned(params: Params, output, trend):
    """The output a firm's equipment follows: what it had `investment_lag_years` ago, its
    output extrapolated back by its growth trend, and never more than its output now (a
    shrinking firm does not invest for the output it lost). At a lag of 0, its output."""
    return output * minimum(exp(-params.investment_lag_years * trend), 1.0)


def trend(previous_trend, output, previous_output, dt: float):
    """The smoothed yearly log growth (exponential moving average over a year)."""
    return previous_trend + (log(output / previous_output) / dt - previous_trend) * dt

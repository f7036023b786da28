"""Productivity-driven growth of each firm's desired output (ODD: Details, Growth).

The per-firm rules take arrays (the vectorised model) or one firm's scalars (the
per-agent reference, sim.reference): see sim.ops.
"""

from __future__ import annotations

import numpy as np

from .config import SECTORS, Params
from .ops import exp, log, log1p, maximum, minimum, power, sqrt, where


def sector_drift(params: Params) -> np.ndarray:
    """Yearly drift of log output by sector."""
    return np.array([getattr(params, f"growth_{s}") for s in SECTORS])


def drift(
    params: Params,
    sector_rate,
    in_park,
    platforms,
    subsidy_rate,
):
    """Yearly expected log growth: sector drift, zone premium, S&T platforms, subsidies.

    sector_rate: `sector_drift(params)` of the firm's sector; platforms: S&T platforms at
    the firm's location; subsidy_rate: subsidy / output.
    """
    return (
        sector_rate
        + params.zone_premium * in_park
        + params.platform_growth * log1p(platforms)
        + params.subsidy_return * subsidy_rate
    )


def agglomeration(params: Params, dln_cluster, dln_location):
    """Change of log productivity from the change of the firm's own-sector cluster output in
    its location (localization) and of its location's total output (urbanization): level
    elasticities applied to last step's log changes."""
    return params.elasticity_localization * dln_cluster + params.elasticity_urbanization * dln_location


def shock(params: Params, output, u_jump, u_sign, z, dt: float):
    """Idiosyncratic log shock over one step.

    Jumps arrive at rate `jump_rate` a year; a jump is Laplace with scale
    b = jump_scale * output^-beta (smaller firms are more volatile), shifted by ln(1 - b²)
    so that it leaves expected output unchanged. Small Gaussian noise is added.
    u_jump, u_sign: uniforms; z: standard normals (one per firm, from the step's stream).
    """
    b = minimum(params.jump_scale * power(output, -params.size_variance_beta), 0.45)
    hit = u_jump < params.jump_rate * dt
    # Laplace by inverse CDF on u_sign in (0, 1): sign from the half, magnitude exponential
    lap = where(u_sign < 0.5, b * log(2.0 * u_sign), -b * log(2.0 * (1.0 - u_sign)))
    jump = where(hit, lap + log1p(-b * b), 0.0)
    s = params.noise_sd
    return jump + s * sqrt(dt) * z - 0.5 * s * s * dt


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


def invest(params: Params, capital, output, dt: float):
    """Capital after one step at `output`: it depreciates, and investment (irreversible)
    tops it up to `capital_output` x output. Returns (capital, capital kept before
    investing); investment is their difference."""
    kept = capital * (1.0 - params.depreciation * dt)
    return maximum(kept, params.capital_output * output), kept


def trend(previous_trend, output, previous_output, dt: float):
    """The smoothed yearly log growth (exponential moving average over a year)."""
    return previous_trend + (log(output / previous_output) / dt - previous_trend) * dt

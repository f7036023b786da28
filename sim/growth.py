"""Productivity-driven growth of each firm's desired output (ODD: Details, Growth)."""

from __future__ import annotations

import numpy as np

from .config import SECTORS, Params


def sector_drift(params: Params) -> np.ndarray:
    """Yearly drift of log output by sector."""
    return np.array([getattr(params, f"growth_{s}") for s in SECTORS])


def drift(
    params: Params,
    sector: np.ndarray,
    in_park: np.ndarray,
    platforms: np.ndarray,
    subsidy_rate: np.ndarray,
) -> np.ndarray:
    """Yearly expected log growth: sector drift, zone premium, S&T platforms, subsidies.

    platforms: S&T platforms at each firm's location; subsidy_rate: subsidy / output.
    """
    return (
        sector_drift(params)[sector]
        + params.zone_premium * in_park
        + params.platform_growth * np.log1p(platforms)
        + params.subsidy_return * subsidy_rate
    )


def agglomeration(params: Params, dln_cluster: np.ndarray, dln_location: np.ndarray) -> np.ndarray:
    """Change of log productivity from the change of the firm's own-sector cluster output in
    its location (localization) and of its location's total output (urbanization): level
    elasticities applied to last step's log changes."""
    return params.elasticity_localization * dln_cluster + params.elasticity_urbanization * dln_location


def shock(params: Params, output: np.ndarray, u_jump: np.ndarray, u_sign: np.ndarray, z: np.ndarray, dt: float) -> np.ndarray:
    """Idiosyncratic log shock over one step.

    Jumps arrive at rate `jump_rate` a year; a jump is Laplace with scale
    b = jump_scale * output^-beta (smaller firms are more volatile), shifted by ln(1 - b²)
    so that it leaves expected output unchanged. Small Gaussian noise is added.
    u_jump, u_sign: uniforms; z: standard normals (one per firm, from the step's stream).
    """
    b = np.minimum(params.jump_scale * np.power(output, -params.size_variance_beta), 0.45)
    hit = u_jump < params.jump_rate * dt
    # Laplace by inverse CDF on u_sign in (0, 1): sign from the half, magnitude exponential
    lap = np.where(u_sign < 0.5, b * np.log(2.0 * u_sign), -b * np.log(2.0 * (1.0 - u_sign)))
    jump = np.where(hit, lap + np.log1p(-b * b), 0.0)
    s = params.noise_sd
    return jump + s * np.sqrt(dt) * z - 0.5 * s * s * dt

"""Output from floor space and skilled labour, with substitution between them (ODD:
Production). One formula for arrays (the vectorised model) and scalars (sim.checks.reference)."""

from __future__ import annotations

from .ops import maximum, minimum, power

FLOOR_WEIGHT = 0.5  # weight of floor space in the CES aggregate; both inputs matter alike


def output(target, floor, floor_need, skilled, skilled_need, sigma: float):
    """Output a firm makes towards `target` (亿/yr) with `floor` m² and `skilled` workers,
    where `floor_need` and `skilled_need` are what `target` needs in fixed proportions.

    Each input is measured relative to its need, x = have / need, and combined by a CES
    aggregate q = (a x_f^rho + (1-a) x_s^rho)^(1/rho), rho = (sigma-1)/sigma, with
    elasticity of substitution `sigma` (< 1: the inputs are complements). Output is
    target x min(1, q): never above the target, equal to it when both inputs suffice,
    and, when both fall short by the same factor, short by that factor (as with fixed
    proportions). A shortage of one input is partly made up by more of the other.
    """
    rho = (sigma - 1.0) / sigma
    xf = maximum(floor / maximum(floor_need, 1e-300), 1e-9)
    xs = maximum(skilled / maximum(skilled_need, 1e-300), 1e-9)
    q = power(FLOOR_WEIGHT * power(xf, rho) + (1.0 - FLOOR_WEIGHT) * power(xs, rho), 1.0 / rho)
    return maximum(target * minimum(q, 1.0), 1e-9)

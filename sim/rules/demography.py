"""Entry and exit of firms (ODD: Entry, Exit)."""

from __future__ import annotations

import numpy as np

from ..config.params import Params
from .ops import clip, exp, maximum, minimum, power
from .population import pareto_quantile


def exit_hazard(params: Params, output, trend):
    """Relative yearly exit hazard: higher for small and for declining firms.
    Arrays or one firm's scalars (sim.rules.ops)."""
    size = power(maximum(output, 1e-3), -params.exit_size_elasticity)
    decline = exp(params.exit_decline_sensitivity * clip(-trend, 0.0, 1.0))
    return size * decline


def exit_probability(params: Params, hazard, base_hazard: float, dt: float):
    """Chance of exit this step. A firm's yearly hazard is `hazard` / `base_hazard` times
    that of the published yearly `exit_rate`, where `base_hazard` is the mean hazard of
    the end-2022 firms: in 2022 conditions the mean rate is the published one, and it rises
    when firms shrink or decline (capped at 0.5 a month)."""
    return minimum(1.0 - power(1.0 - params.exit_rate, dt * hazard / base_hazard), 0.5)


def entrant_sizes(params: Params, alpha: float, u: np.ndarray) -> np.ndarray:
    """Output of entrants (亿/yr): Pareto(alpha) from the smallest entrant up to the cap."""
    return pareto_quantile(u, alpha, params.entrant_min_yi, params.entrant_max_yi)


def mean_entrant_size(params: Params, alpha: float) -> float:
    """Expected entrant output (亿/yr), by quadrature of `entrant_sizes` over u."""
    u = (np.arange(100_000) + 0.5) / 100_000
    return float(entrant_sizes(params, alpha, u).mean())

"""The special fiscal fund: S&T platform grants and firm subsidies (ODD: Fiscal support)."""

from __future__ import annotations

import numpy as np


def platform_grants(yi: float, platforms: np.ndarray, is_park: np.ndarray) -> np.ndarray:
    """Share `yi` among parks: all of it to parks without a platform while any lack one,
    otherwise equally among all parks."""
    lacking = is_park & (platforms == 0)
    target = lacking if lacking.any() else is_park
    return yi * target / target.sum()


def subsidy_weights(rule: str, output: np.ndarray, in_park: np.ndarray, leading: np.ndarray, trend: np.ndarray) -> np.ndarray:
    """Each firm's claim on the firm part of the fund.

    uniform: pro rata to output for every park firm; leading: the same, only for firms in
    their park's leading industries; performance: pro rata to output x last year's growth,
    for growing park firms.
    """
    w = output * in_park
    if rule == "leading":
        return w * leading
    if rule == "performance":
        return w * np.maximum(trend, 0.0)
    return w


def subsidies(yi_per_year: float, weights: np.ndarray, firm_weight: float) -> np.ndarray:
    """Subsidy per real firm, 亿/yr, so that all firms together receive `yi_per_year`."""
    total = firm_weight * weights.sum()
    return yi_per_year * weights / total if total > 0 else np.zeros_like(weights)

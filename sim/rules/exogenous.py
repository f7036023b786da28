"""Exogenous paths that some readings of the targets need and no agent decides
(ODD section 8.3): the price index of nominal readings, and the parks' above-scale
services revenue of the `all_enterprises` reading of 规上企业总产值."""

from __future__ import annotations

import numpy as np

from ..config.schema import Calibration
from ..config.params import Params


def price_index(params: Params, years: np.ndarray) -> np.ndarray:
    """Price level relative to the base year (1 at the end of it), `years` after it:
    industrial PPI growing at `ppi_growth` a year."""
    return (1.0 + params.ppi_growth) ** np.asarray(years, dtype=float)


def services_revenue(params: Params, cal: Calibration, years: np.ndarray) -> np.ndarray:
    """Above-scale services revenue (亿/yr, base-year prices) by [record, location]: each
    location's 2022 value times `services_scale`, growing at `services_growth` a year."""
    base = params.services_scale * np.array([p.services_revenue_2022_yi for p in [*cal.parks, cal.outside]])
    return base[None, :] * (1.0 + params.services_growth) ** np.asarray(years, dtype=float)[:, None]

"""Where firms go: location utilities and the discrete choice of movers and entrants
(ODD: Relocation, Entry). Utilities are computed per location x sector, never per pair of
firms, so the cost is O(firms x locations)."""

from __future__ import annotations

import numpy as np

from ..config.params import Params
from .ops import exp, maximum, power


def place_utility(params: Params, output_ls: np.ndarray, rent_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The terms of `location_utility` that change only with output by cell and rents (once
    a step): urbanization less rent by location, and localization [location, sector]."""
    p = params
    per_location = p.util_urbanization * np.log1p(output_ls.sum(axis=1)) - p.util_rent * rent_index / rent_index.mean()
    return per_location, p.util_localization * np.log1p(output_ls)


def location_utility(
    params: Params,
    output_ls: np.ndarray,
    rent_index: np.ndarray,
    vacancy_share: np.ndarray,
    pool: np.ndarray,
    subsidy_rate_ls: np.ndarray,
    is_park: np.ndarray,
    place: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Systematic utility V[l, s] of location l for a firm of sector s. `place`:
    `place_utility(params, output_ls, rent_index)` if the caller has it (the same terms,
    added in the same order)."""
    p = params
    per_location, localization = place_utility(p, output_ls, rent_index) if place is None else place
    per_location = (
        per_location
        + p.util_vacancy * np.log(vacancy_share + 0.005)
        + p.util_talent * np.log1p(pool)
        + p.util_park * is_park
    )
    return localization + p.util_subsidy * subsidy_rate_ls + per_location[:, None]


REFERENCE_AGE_YEARS = 8.0  # the consider rate is `move_consider_rate` for a firm of 1亿 and this age


def consider_probability(params: Params, output, age_months, dt: float, age_factor=None):
    """Chance a firm looks for a new site this step; smaller and younger firms look more
    often. Arrays or one firm's scalars (sim.rules.ops). `age_factor`:
    `age_effect(params, age_months)` if the caller has it (the model looks it up by age)."""
    rate = (
        params.move_consider_rate
        * power(maximum(output, 1e-3), -params.move_size_elasticity)
        * (age_effect(params, age_months) if age_factor is None else age_factor)
    )
    return 1.0 - exp(-rate * dt)


def age_effect(params: Params, age_months):
    """The consider rate's factor of age: (age / reference age) ^ -move_age_elasticity, the
    ages counted from one year before birth."""
    age = (age_months / 12.0 + 1.0) / (REFERENCE_AGE_YEARS + 1.0)
    return power(age, -params.move_age_elasticity)


def allowed_moves(rule: str, current: np.ndarray, sector: np.ndarray, district: np.ndarray, leading: np.ndarray, is_park: np.ndarray, making_room: np.ndarray) -> np.ndarray:
    """Mask [firm, location] of destinations the relocation rule allows.

    free: anywhere; restricted: only within the firm's district; coordinated: within the
    district, across districts into a park whose leading industries include the firm's,
    and out of the parks for a park firm using its land inefficiently (`making_room`, a
    mask of the firms: 腾笼换鸟).
    """
    same = district[None, :] == district[current][:, None]
    if rule == "free":
        return np.ones_like(same)
    if rule == "restricted":
        return same
    return same | (leading[:, sector].T & is_park[None, :]) | (making_room[:, None] & ~is_park[None, :])


def moving_cost(params: Params, rule: str, current: np.ndarray, district: np.ndarray) -> np.ndarray:
    """Cost [firm, location] of moving from the current location (zero for staying)."""
    n_loc = district.size
    moved = np.arange(n_loc)[None, :] != current[:, None]
    cross = district[None, :] != district[current][:, None]
    relief = params.coordination_cost_relief if rule == "coordinated" else 0.0
    return params.move_cost * moved + params.move_cost_cross_district * (1.0 - relief) * cross


def choose(utility: np.ndarray, allowed: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Logit choice per row by inverse CDF on one uniform per chooser (common random
    numbers: the same uniform gives the same choice when utilities are the same).
    Rows with no allowed option get -1."""
    none = ~allowed.any(axis=1)
    v = np.where(allowed | none[:, None], utility, -np.inf)
    v = v - v.max(axis=1, keepdims=True)
    prob = np.exp(v)
    cum = np.cumsum(prob, axis=1)
    pick = (cum < (u * cum[:, -1])[:, None]).sum(axis=1)
    return np.where(none, -1, np.minimum(pick, utility.shape[1] - 1))

"""The city-level reporters of `Model.datacollector` (a mesa.DataCollector): each reads the
Recorder's row of the current step, so collecting costs a few sums, not a pass over firms.
"Parks" are the development zones, without the rest of the city."""

from __future__ import annotations

import functools

import numpy as np


def _row(model, group: str, name: str) -> np.ndarray:
    return getattr(model.recorder, group)[name][model.steps]


def _parks_output_yi(model) -> float:
    return float(_row(model, "cells", "output_yi")[model.locations.is_park].sum())


def _leading_share(model) -> float:
    out = _row(model, "cells", "output_yi")[model.locations.is_park]
    total = out.sum()
    return float((out * model.recorder.leading[model.locations.is_park]).sum() / total) if total > 0 else 0.0


def _parks_fai_yi(model) -> float:
    fai = _row(model, "cells", "fai_yi").sum(axis=1) + _row(model, "locations", "construction_fai_yi")
    return float(fai[model.locations.is_park].sum())


def _parks_sum(group: str, name: str, model) -> float:
    return float(_row(model, group, name)[model.locations.is_park].sum())


def _city_sum(group: str, name: str, model) -> float:
    return float(_row(model, group, name).sum())


def _st_coverage(model) -> float:
    return float(np.mean(_row(model, "locations", "st_platforms")[model.locations.is_park] >= 1))


REPORTERS = {
    "parks_output_yi": _parks_output_yi,  # parks' above-scale industrial output, 亿元/yr (2022 prices)
    "leading_share": _leading_share,  # its share in each park's leading industries
    "parks_fai_yi": _parks_fai_yi,  # parks' industrial FAI (firms' and construction), 亿元/yr
    "parks_construction_fai_yi": functools.partial(_parks_sum, "locations", "construction_fai_yi"),
    "parks_floor_space_m2": functools.partial(_parks_sum, "locations", "floor_space_m2"),
    "parks_vacant_space_m2": functools.partial(_parks_sum, "locations", "vacant_space_m2"),
    "st_coverage": _st_coverage,  # share of parks with >= 1 provincial S&T platform
    "firms": functools.partial(_city_sum, "cells", "firms"),  # the city's firms (weighted)
    "above_scale_firms": functools.partial(_city_sum, "cells", "above_scale_firms"),
    "skilled_employment": functools.partial(_city_sum, "cells", "skilled_employment"),
    "talent_pool": functools.partial(_city_sum, "locations", "talent_pool"),
    "entries": functools.partial(_city_sum, "flows", "entries"),  # this month's flows (0 at t=0)
    "exits": functools.partial(_city_sum, "flows", "exits"),
    "moves": functools.partial(_city_sum, "flows", "moves"),
}



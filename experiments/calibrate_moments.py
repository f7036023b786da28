"""The published moments the calibration fits (experiments/calibrate.py): real yearly log
growth of parks and of the city, concentration in 余杭经开区, and firm flows, each with a
measurement s.d. from its published band (configs/history_hangzhou.yaml)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Moment:
    id: str
    label: str
    kind: str  # growth | city_growth | concentration | flow
    value: float
    sd: float  # measurement s.d.
    unit: str
    years: int = 1  # growth window length
    park: str = ""
    stat: str = ""  # name of the simulated statistic
    fitted: bool = True  # False: compared with the model, not used in the likelihood


def interval(x) -> tuple[float, float]:
    """A published value, or its [low, high] band, as (low, high)."""
    return (float(x[0]), float(x[1])) if isinstance(x, list) else (float(x), float(x))


def uniform(lo: float, hi: float) -> tuple[float, float]:
    """Mean and s.d. of a uniform on [lo, hi]: a band read as equally likely throughout."""
    return 0.5 * (lo + hi), (hi - lo) / math.sqrt(12.0)


def _deflator(ppi: dict, start: int, end: int) -> float:
    """ln of the producer price level in `end` relative to `start`."""
    return sum(math.log1p(ppi[y] / 100.0) for y in range(start + 1, end + 1))


def _level(x) -> tuple[float, float]:
    """A published output level, or the merger-adjusted sum of its parts (see the yaml)."""
    if not isinstance(x, dict):
        return interval(x)
    k_lo, k_hi = interval(x["kaifaqu"])
    s_lo, s_hi = interval(x["industry_share_of_gdp"])
    v_lo, v_hi = interval(x["value_added_per_output"])
    gdp = float(x["dajiangdong_gdp"])
    return k_lo + gdp * s_lo / v_hi, k_hi + gdp * s_hi / v_lo


def observed(history: dict) -> list[Moment]:
    """The moments: real yearly log growth rates, concentration and flow shares."""
    ppi, out = history["ppi_pct"], []
    for g in history["park_growth"]:
        (a_lo, a_hi), (b_lo, b_hi) = _level(g["start_yi"]), interval(g["end_yi"])
        L = g["end_year"] - g["start_year"]
        defl = _deflator(ppi, g["start_year"], g["end_year"])
        value, sd = uniform((math.log(b_lo / a_hi) - defl) / L, (math.log(b_hi / a_lo) - defl) / L)
        # A single park-year is not fitted: a park's year is driven by a few big projects,
        # and the model has no park-level shock, so the fit would blame the common shock.
        out.append(Moment(g["id"], g["label"], "growth", value, sd, "log growth / yr (real)", L, g["park"], f"growth:{g['park']}:{L}", fitted=L > 1))
    for year, pct in history["city_value_added_growth_pct"].items():
        out.append(Moment(f"city_{year}", f"city above-scale value added {year}", "city_growth", math.log1p(pct / 100.0), 0.005, "log growth (real)", 1, "", "growth:city:1"))
    for key, x in history["yuhang_concentration"].items():
        value, sd = uniform(*interval(x))
        unit = "firms" if key == "firms_above_1yi" else "share"
        out.append(Moment(f"yuhang_{key}", f"余杭经开区 {key.replace('_', ' ')}", "concentration", value, sd, unit, stat=f"yuhang:{key}"))
    for key, x in history["flows"].items():
        if key == "net_entry_share":
            continue  # reported, not fitted: see UNIDENTIFIED
        value, sd = uniform(*interval(x))
        out.append(Moment(key, key.replace("_", " "), "flow", value, sd, "share / yr", stat=f"flow:{key}"))
    return out

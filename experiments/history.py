"""Hangzhou's published history before the plan as moments, and the same statistics of one
simulated run: what the Bayesian calibration (experiments/posterior.py) compares.

The history (configs/history_hangzhou.yaml: raw published figures with sources, all dated
2022 or earlier) gives:

- the city's yearly real growth of above-scale industrial value added, 2019-2022: its mean
  and its spread across the years (one history of four years);
- the city's industrial investment growth in 2021 and 2022 (the boom before the plan);
- the long growth of 杭州经济技术开发区 (钱塘) 2010-2018, real;
- the concentration of 余杭经开区's output in its largest firms;
- the yearly shares of firms that exit and that move.

A run is compared as a process, not year by year: the model starts from the observed
end-2022 state and runs the regime before the plan forward (scenario `pre_plan`); its
first five years (2023-2027) give four yearly growth rates between annual outputs, whose
mean and spread are compared with 2019-2022's (stationarity: the regime's growth process
is the one that made 2019-2022). The investment growth is the model's prehistory, which
simulates the firms' 2019-2022 past at the published growth and the levers before the plan
(ODD 5.5-5.6). A published band [lo, hi] is read as its midpoint, with the band as the
measurement's spread (the check of docs/VALIDATION.md shows both).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import CONFIG_DIR, Config, load_config
from sim.config.validation import validate
from sim.config.datafiles import safe_load
from sim.runs import uncertainty
from sim.runs.targets import annual

HISTORY = CONFIG_DIR / "history_hangzhou.yaml"
FIRST_YEAR, LAST_YEAR = 2023, 2027  # the simulated years whose annual outputs give four growth rates
SCENARIO = "pre_plan"


@dataclass(frozen=True)
class Moment:
    """A published fact: its value (a band's midpoint), band, unit and source words."""

    id: str
    label: str
    value: float
    lo: float
    hi: float
    unit: str


def interval(x) -> tuple[float, float]:
    """A published value, or its [low, high] band, as (low, high)."""
    return (float(x[0]), float(x[1])) if isinstance(x, list) else (float(x), float(x))


def _band(x) -> tuple[float, float, float]:
    lo, hi = interval(x)
    return 0.5 * (lo + hi), lo, hi


def _level(x) -> tuple[float, float]:
    """A published output level, or the merger-adjusted sum of its parts (see the yaml)."""
    if not isinstance(x, dict):
        return interval(x)
    k_lo, k_hi = interval(x["kaifaqu"])
    s_lo, s_hi = interval(x["industry_share_of_gdp"])
    v_lo, v_hi = interval(x["value_added_per_output"])
    gdp = float(x["dajiangdong_gdp"])
    return k_lo + gdp * s_lo / v_hi, k_hi + gdp * s_hi / v_lo


def park_growth(h: dict) -> list[tuple[dict, float, float]]:
    """Each park history of the yaml with its real yearly log growth band (lo, hi): nominal
    output deflated by China's industrial PPI (the model's output is at 2022 prices)."""
    out = []
    for g in h["park_growth"]:
        (a_lo, a_hi), (b_lo, b_hi) = _level(g["start_yi"]), interval(g["end_yi"])
        years = g["end_year"] - g["start_year"]
        deflator = sum(math.log1p(h["ppi_pct"][y] / 100.0) for y in range(g["start_year"] + 1, g["end_year"] + 1))
        out.append((g, (math.log(b_lo / a_hi) - deflator) / years, (math.log(b_hi / a_lo) - deflator) / years))
    return out


def moments(path: Path = HISTORY) -> list[Moment]:
    """The published moments, in the order the calibration lists them."""
    h = safe_load(path.read_bytes(), str(path))  # data: no anchors, no ${...}
    growth = [math.log1p(v / 100.0) for _, v in sorted(h["city_value_added_growth_pct"].items())]
    years = sorted(h["city_value_added_growth_pct"])
    out = [
        Moment("city_growth_mean", f"city above-scale industry, mean yearly growth {years[0]}-{years[-1]}", float(np.mean(growth)),
               float(np.mean(growth)) - 0.005, float(np.mean(growth)) + 0.005, "log growth / yr (real)"),
        Moment("city_growth_sd", f"city above-scale industry, spread of yearly growth {years[0]}-{years[-1]}", float(np.std(growth, ddof=1)),
               0.75 * float(np.std(growth, ddof=1)), 1.25 * float(np.std(growth, ddof=1)), "s.d. of log growth across the years"),
    ]  # fmt: skip
    inv = h["investment_growth_pct"]
    for year in (2021, 2022):
        value, lo, hi = _band(inv[f"industrial_{year}"])
        if lo == hi:  # one published value: its reading is uncertain by a few points (a plan-period total vs the year's)
            lo, hi = value - 5.0, value + 5.0
        out.append(Moment(f"fai_growth_{year}", f"city industrial investment growth {year}", value / 100.0, lo / 100.0, hi / 100.0, "growth on the year before"))
    for g, lo, hi in park_growth(h):
        if g["id"] == "kaifaqu_2010_2018":  # the one long park history (钱塘 before the merger); later ones mix in the merger or are single years
            out.append(Moment("qiantang_growth", g["label"] + ", yearly", 0.5 * (lo + hi), lo, hi, "log growth / yr (real)"))
    for key, x in h["yuhang_concentration"].items():
        value, lo, hi = _band(x)
        out.append(Moment(f"yuhang_{key}", f"余杭经开区 {key.replace('_', ' ').replace('1yi', '1亿')}, 2021", value, lo, hi, "firms" if key == "firms_above_1yi" else "share"))
    for key in ("exits", "moves"):
        value, lo, hi = _band(h["flows"][key])
        out.append(Moment(key, f"firms that {key[:-1]} a year, share", value, lo, hi, "share / yr"))
    return out


def observed() -> dict[str, float]:
    """The moments' values by id (what the calibration's distance compares with)."""
    return {m.id: m.value for m in moments()}


def config(theta: dict[str, float], firms_scale: float) -> Config:
    """The run the calibration makes at parameter values `theta` (dotted keys): the
    regime before the plan to LAST_YEAR, the other parameters at their priors. Parameters
    and calibration scalars are set on a config composed once per scale, as a run's draws
    are (sim.runs.uncertainty.apply): composing it with them (load_config, some 80 values
    through OmegaConf) took 88 ms of a simulation's 0.55 CPU s; the same config otherwise
    (only `fixed_parameters`, which no run under `seeds` reads, and the call's `sweep_name` differ)."""
    if not all(k.count(".") == 1 and k.split(".")[0] in ("params", "calibration") for k in theta):
        return load_config(scenario=SCENARIO, fit="none", firms_scale=firms_scale, horizon_year=LAST_YEAR, replications=1,
                           uncertainty="seeds", progress=False, **theta)
    return validate(uncertainty.apply(_base(firms_scale), pd.Series(theta, dtype=float)))


@functools.lru_cache(maxsize=4)
def _base(firms_scale: float) -> Config:
    return load_config(scenario=SCENARIO, fit="none", firms_scale=firms_scale, horizon_year=LAST_YEAR, replications=1, uncertainty="seeds", progress=False)


def statistics(cfg: Config, replication: int) -> dict[str, float]:
    """One run's statistics, by the ids of `moments`."""
    from sim import Model

    m = Model(cfg, replication)
    rec, f, w = m.recorder, m.firms, m.weight
    fai = rec.fai_prehistory_city
    stats = {f"fai_growth_{y}": fai[y] / fai[y - 1] - 1.0 for y in (2021, 2022)}
    stats |= concentration(cfg, replication)
    firms0 = w * f.live().size
    m.run()
    out = np.array([annual(rec.cells["output_yi"], rec.years, y).sum(axis=1) for y in range(FIRST_YEAR, LAST_YEAR + 1)])  # [year, location]
    city = np.diff(np.log(out.sum(axis=1)))
    stats["city_growth_mean"], stats["city_growth_sd"] = float(city.mean()), float(city.std(ddof=1))
    q = m.locations.ids.index("qiantang")
    stats["qiantang_growth"] = float(np.log(out[-1, q] / out[0, q]) / (LAST_YEAR - FIRST_YEAR))
    years = LAST_YEAR - cfg.calibration.base_year
    firms_mean = 0.5 * (firms0 + w * f.live().size)
    stats["exits"] = m.flows.total["exits"] / years / firms_mean
    stats["moves"] = m.flows.total["moves"] / years / firms_mean
    return stats


def concentration(cfg: Config, replication: int) -> dict[str, float]:
    """余杭's concentration in its largest firms at the start (end-2022), always at full
    scale (a reduced population truncates the top of the size distribution): the
    synthesis alone, with the model's population stream."""
    from sim.model.streams import Streams
    from sim.rules.population import synthesize

    pop = synthesize(cfg.calibration, cfg.params, 1.0, Streams((int(cfg.seed), int(replication))).get("population", 0))
    where = [p.id for p in cfg.calibration.parks].index("yuhang")
    y = pop.output_yi[(pop.location == where) & (pop.output_yi >= cfg.calibration.above_scale_threshold_yi)]
    top = np.sort(y)[::-1]
    return {
        "yuhang_top15_share": float(top[:15].sum() / top.sum()),
        "yuhang_firms_above_1yi": float(pop.weight * (y >= 1.0).sum()),
        "yuhang_share_above_1yi": float(y[y >= 1.0].sum() / y.sum()),
    }


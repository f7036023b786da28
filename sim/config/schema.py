"""The configuration schema: one set of dataclasses for Hydra and for Python.

Hydra registers these classes as structured configs (see `register_configs`), so a
type error on the command line is caught at composition; `validate` (validation.py) checks values and
raises `ConfigError`, which run.py (sim.runs.cli) prints as one line naming the key and its allowed
values. The Model takes a `Config` directly, so a notebook user can build one without Hydra:
`Model(load_config(scenario="no_policy", factory_space_m2_per_year=8e6))`.

The schema dataclasses are locked (`locked`): setting a name that is not a field, e.g. the
typo `cfg.params.macro_sdd = 0`, raises AttributeError naming the close field names, so a
typo cannot create a setting the model never reads. Importing this module imports neither
Hydra nor OmegaConf (they are imported where they are used).

Every number or choice a user can set says what is allowed in its field metadata (declared
with `param`, `number` or `choice`, fields.py): unit, source, plausible range (what a
sweep or a sensitivity analysis should vary) and hard limits (what `validate` accepts).
The behavioural parameters (`Params`) live in params.py.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .fields import Schedule, choice, lever, locked, name, number, param
from .params import Params
from .schedules import normalised

SECTORS: tuple[str, ...] = (
    "smart_iot",
    "biomedicine",
    "high_end_equipment",
    "new_materials",
    "new_energy",
    "other",
)
ECOSYSTEMS: tuple[str, ...] = SECTORS[:5]  # the plan's five 产业生态圈; `other` is not one
OUTSIDE = "outside"
FUND_ALLOCATIONS = ("uniform", "leading", "performance")
SPACE_ALLOCATIONS = ("demand", "stock")
RELOCATION_RULES = ("free", "coordinated", "restricted")
CLUSTER_SCOPES = ("city", "parks")
GAIN_MODES = ("relative", "points")
OUTPUT_SCOPES = ("industrial", "all_enterprises")
PRICES = ("real", "nominal")
LEADING_SETS = ("declared", "main")
FAI_BASES = ("simulated", "published")
UNCERTAINTIES = ("seeds", "parameters", "posterior")
OUTPUTS = ("parks", "cells")
PARK_STATUSES = ("confirmed", "assumed")
# the fields of a park row that may have a plausible range (ParkSpec.ranges): uncertain data,
# drawn for each replication under uncertainty=parameters and posterior (sim/runs/uncertainty.py)
PARK_RANGED = ("leading_share_2022", "st_platforms_2022")
MAX_YEAR = 2035  # the latest target or horizon year



def project_dir(name: str) -> Path:
    """The project's `configs` or `data` directory. An installed wheel ships the checkout's
    top-level configs/ and data/ inside the package, as sim/configs and sim/data (pyproject's
    package-dir maps them: a mapping, not a move, so the checkout's paths, which run.py, the
    experiments, the tests and the docs name, stay as they are); it is found through
    importlib.resources. Without that copy, sim is imported from a checkout (an editable
    install or the checkout on sys.path) and the checkout's own directory is used, so edits
    there are what runs. A user's own config files are added on the command line with
    `--config-dir DIR` (read as data, sim.config.datafiles), where they win over these."""
    from importlib.resources import files

    shipped = files("sim") / name
    if shipped.is_dir():  # a wheel installs unzipped: a directory on disk, which Hydra needs
        return Path(str(shipped)).resolve()
    return Path(__file__).resolve().parents[2] / name


CONFIG_DIR = project_dir("configs")
DATA_DIR = project_dir("data")


class ConfigError(Exception):
    """A configuration value outside its allowed range, or an unknown setting: one line for
    the user (run.py prints it as such, sim.runs.cli.user_error). Not a Hydra exception, so that
    importing the schema does not import Hydra (0.1-0.25 s)."""


def uncertain_fields(cls: type) -> list[dataclasses.Field]:
    """The fields of a schema dataclass declared with `param` (drawn under uncertainty=parameters)."""
    return [f for f in dataclasses.fields(cls) if f.metadata.get("drawn")]


def uncertain_keys() -> list[tuple[str, dataclasses.Field]]:
    """("params.macro_sd", field), ... for every uncertain number of Params and Calibration
    (what `uncertainty=parameters` draws), in schema order."""
    return [(f"{group}.{f.name}", f) for group, cls in (("params", Params), ("calibration", Calibration)) for f in uncertain_fields(cls)]


def ranged_data(cal: "Calibration") -> list[tuple[str, int, str, float, float]]:
    """(key, row, field, lo, hi) of every park row's datum with a plausible range
    (ParkSpec.ranges), keys such as "calibration.parks.tonglu.st_platforms_2022", in table
    order: uncertain data, drawn beside the uncertain parameters."""
    return [(f"calibration.parks.{p.id}.{name}", i, name, float(p.ranges[name][0]), float(p.ranges[name][1]))
            for i, p in enumerate(cal.parks) for name in PARK_RANGED if name in p.ranges]


@functools.cache
def schema_keys() -> tuple[str, ...]:
    """Every dotted key of the schema a command line can set ("seed", "policy.fund_yi_per_year",
    "calibration.outside.vacancy_2022", ...), the nested dataclasses walked (for the close
    names of a mistyped key)."""
    import typing

    def walk(cls: type, prefix: str):
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            yield prefix + f.name
            if dataclasses.is_dataclass(hints[f.name]):
                yield from walk(hints[f.name], f"{prefix}{f.name}.")

    return tuple(walk(Config, ""))


def hard_range(f: dataclasses.Field) -> tuple[float, float]:
    """The values `validate` accepts for a number field (see `number`)."""
    return f.metadata["hard"]


@locked
@dataclass
class Policy:
    """The levers the Government agent applies each step. Units are in the names; each
    number's metadata gives its plausible range (for sweeps and a policy search; levers are
    not drawn under uncertainty=parameters), hard limits and source. A numeric lever is a
    number or a schedule by year, {2023: 2e6, 2024: 4e6} (schedules.py); the Model
    applies the value of each month's year."""

    fund_yi_per_year: Schedule = lever(2.0, "亿/yr", 0.0, 10.0, "杭政函〔2023〕13号 names a 2亿 special fund without saying over what period; ASSUMPTION: 2亿 per year (the generous reading). Range for sweeps: 0-10", hard=(0.0, 1e5),
        label="Special fund, 亿元 a year", help="What the city's special fund spends each year, on S&T platforms and as R&D subsidies to park firms (split by the platform share). The plan names a 2亿 fund without a period; the baseline reads it as 2亿 a year.")
    fund_allocation: str = choice("uniform", FUND_ALLOCATIONS,
        label="Fund subsidies go to", help="Which park firms share the fund's R&D subsidies: uniform (every park firm, by output), leading (firms in their park's leading industries, by output), performance (growing firms, by output times growth).")
    # share of the fund spent on S&T platforms (the rest subsidises firms' R&D)
    fund_platform_share: Schedule = lever(0.5, "share", 0.0, 1.0, "ASSUMPTION 0.5, range 0-1: the plan names both uses, not the split", share=True,
        label="Fund share for S&T platforms, 0-1", help="The share of the fund spent on building S&T platforms, first in the parks without one; the rest subsidises park firms' R&D. The plan names both uses, not the split.")
    factory_space_m2_per_year: Schedule = lever(4.0e6, "m²/yr", 0.0, 8.0e6, "plan: >= 400万 m² standard factory space a year; ASSUMPTION: range 0-8e6 (up to twice the plan, as experiments/sensitivity.py and the space_talent_grid experiment)", hard=(0.0, 1e9),
        label="Standard factory space, m² a year", help="New standard factory floor space built for the parks each year. The plan: at least 400万 m² a year.")
    land_renovation_mu_per_year: Schedule = lever(1.0e4, "亩/yr", 0.0, 2.0e4, "plan: >= 10,000 亩 inefficient land a year; ASSUMPTION: range 0-2e4 (up to twice the plan, as experiments/sensitivity.py)", hard=(0.0, 1e7),
        label="Land renovation, 亩 a year", help="Inefficiently used industrial land (the parks' least productive firms' plots) cleared each year, then rebuilt as factory space or taken by new projects. The plan: at least 10,000 亩 a year.")
    space_allocation: str = choice("demand", SPACE_ALLOCATIONS,
        label="New factory space goes to", help="How the new factory space is shared among the parks: demand (in proportion to each park's unmet demand for floor space), stock (in proportion to its existing floor space).")
    # skilled workers recruited by the talent programme, on top of the natural inflow
    talent_inflow_per_year: Schedule = lever(10_000.0, "workers/yr", 0.0, 50_000.0, "ASSUMPTION: the plan names global recruitment without a number. Range 0-50,000", hard=(0.0, 1e8),
        label="Talent programme, recruits a year", help="Skilled workers the talent programme recruits each year, on top of those who come anyway. The plan names global recruitment without a number.")
    # entry rate relative to today's (1 = today's)
    attraction_intensity: Schedule = lever(1.2, "x today's entry rate", 1.0, 2.0, "ASSUMPTION: the city-wide attraction map and joint attraction raise it by 20% in the baseline. Range 1-2", hard=(0.0, 10.0),
        label="Investment attraction, × today's entry rate", help="How many new firms and projects arrive, relative to today's rate: 1 is today's, 1.2 is 20% more (the baseline's reading of the city-wide attraction map).")
    attraction_steering: Schedule = lever(1.0, "share", 0.0, 1.0, "weight of the plan's \"one park, one leading industry\" steering of entrants (0 = none, 1 = full)", share=True,
        label="Steering of entrants to leading industries, 0-1", help='How strongly new firms are steered to parks whose leading industry is theirs ("one park, one leading industry"): 0 not at all, 1 fully.')
    relocation_rule: str = choice("coordinated", RELOCATION_RULES,
        label="Moves between districts", help="Where a firm may move: free (anywhere), coordinated (within its district, to a park that leads in its industry, or out of a park whose land it uses inefficiently), restricted (within its district only).")

    def __post_init__(self) -> None:
        # a number as a float, a schedule as {int year: float} (OmegaConf and YAML give ints
        # for 10000 and may give string keys); anything else is left for `validate` to refuse
        for f in numeric_levers():
            object.__setattr__(self, f.name, normalised(getattr(self, f.name)))


def numeric_levers() -> list[dataclasses.Field]:
    """The Policy fields that are numbers or schedules (declared with `lever`)."""
    return [f for f in dataclasses.fields(Policy) if f.metadata.get("schedule")]


def categorical_levers() -> list[dataclasses.Field]:
    """The Policy fields that are a choice among named options."""
    return [f for f in dataclasses.fields(Policy) if "choices" in f.metadata]


@locked
@dataclass
class ParkSpec:
    """One row of the calibration's park table (one park, or the rest of the city)."""

    id: str = "?"
    name_zh: str = "?"
    district: str = "?"
    status: str = choice("assumed", PARK_STATUSES)
    output_2022_yi: float = number(0.0, "亿/yr", source="above-scale industrial output", hard=(1e-6, math.inf))
    leading: list[str] = choice([], ECOSYSTEMS)
    leading_share_2022: float = number(0.0, "share", share=True)
    vacancy_2022: float = number(0.05, "share", source="vacant share of industrial floor space", hard=(0.0, 0.9))
    land_price_yuan_m2: float = number(480.0, "元/m²", hard=(1e-6, math.inf))
    st_platforms_2022: int = number(0, "platforms", hard=(0, math.inf))
    inefficient_land_share: float = number(0.15, "share", share=True)
    # above-scale services enterprises' revenue in the park (2022): not simulated, an
    # exogenous input of the targets.output_scope=all_enterprises reading
    services_revenue_2022_yi: float = number(0.0, "亿/yr")
    # plausible ranges [lo, hi] of this row's uncertain data, {field: [lo, hi]} for fields of
    # PARK_RANGED: each replication draws them (PERT, mode at the row's value) under
    # uncertainty=parameters and posterior; a field without a range is held at its value
    ranges: dict[str, Any] = field(default_factory=dict, metadata={"ranged": PARK_RANGED})  # Any: OmegaConf types no list of int or float


@locked
@dataclass
class Calibration:
    """The end-2022 state. Values and sources live in configs/calibration/*.yaml; the
    ranges of the uncertain scalars (what `uncertainty=parameters` draws) are metadata here."""

    name: str = "hangzhou_2022"
    # ASSUMPTION: hard 2000-2034, so that a target year up to 2035 follows it
    base_year: int = number(2022, "year", hard=(2000, 2034))
    parks: list[ParkSpec] = field(default_factory=list)
    outside: ParkSpec = field(default_factory=lambda: ParkSpec(id=OUTSIDE))
    # every sector's weight in the city's output (> 0); `keys`: each of them is required
    sector_weights: dict[str, float] = field(default_factory=dict, metadata={"keys": SECTORS, "unit": "-", "hard": (1e-6, math.inf)})
    above_scale_firms: int = number(7000, "firms", hard=(1, math.inf))
    small_per_above: float = param(3.0, "firms", 2.0, 6.0, "ASSUMPTION (calibration file)", hard=(0.0, 100.0))
    zipf_exponent: float = param(1.05, "-", 0.8, 1.3, "Axtell 2001; Heinrich & Dai 2016 (calibration file); the range is the calibration's", hard=(0.5, 3.0))
    max_firm_yi: float = param(1000.0, "亿/yr", 600.0, 1500.0, "ASSUMPTION, 海康威视 831.66亿 in 2022 (calibration file)")
    above_scale_threshold_yi: float = number(0.2, "亿/yr", source="NBS 规模以上 threshold: 2000万元 of main-business revenue", hard=(1e-6, math.inf))
    # ASSUMPTION: hard 1 to 10,000 workers per 亿 (10,000 to 1亿 yuan a worker); at 1e30 the
    # skilled workers, and the platforms founded per 10,000 of them, outgrew numpy's Poisson draws
    workers_per_yi: float = param(69.0, "workers per 亿/yr", 50.0, 90.0, "NBS release Jan 2021 (calibration file)", hard=(1.0, 1e4))
    skilled_share: dict[str, float] = field(default_factory=dict, metadata={"keys": SECTORS, "unit": "share", "share": True, "hard": (0.0, 1.0)})
    # the city's above-scale industrial VA growth in the four years before the base (published,
    # calibration file): the firms' recent past, and so their 2020-2022 investment, is simulated
    # on it. ASSUMPTION: hard -0.5 to 1.0 a year (a year outside is not a calibration)
    growth_2019: float = number(0.051, "1/yr", source="杭州日报 2022-01-22 repost (derived; calibration file)", hard=(-0.5, 1.0))
    growth_2020: float = number(0.038, "1/yr", source="杭州市统计局 January 2021 release (calibration file)", hard=(-0.5, 1.0))
    growth_2021: float = number(0.106, "1/yr", source="杭州日报 2022-01-22 (calibration file)", hard=(-0.5, 1.0))
    growth_2022: float = number(0.003, "1/yr", source="杭州日报 2023-01-21 (calibration file)", hard=(-0.5, 1.0))
    # the levers as they operated in 2022, before the plan (calibration file: sources and
    # ranges): the 2020-2022 investment and the end-2022 project pipeline follow from them,
    # and the `pre_plan` scenario continues them (tests check it sets the same values)
    before_plan: Policy = field(default_factory=lambda: Policy(fund_yi_per_year=0.0, factory_space_m2_per_year=2.0e6, land_renovation_mu_per_year=5.0e3, talent_inflow_per_year=0.0,
                                                              attraction_intensity=1.0, attraction_steering=0.0, relocation_rule="free"))
    before_plan_growth: float = param(0.15, "1/yr", 0.0, 0.4, "ASSUMPTION (calibration file): yearly growth, before 2023, of the investment the levers of before_plan brought (outside projects' arrivals, programme construction): the city's industrial investment grew by double digits in 2021 and +21.1% in 2022 (杭州日报 2023-01-21)")
    pool_share_2022: float = param(0.03, "share", 0.01, 0.06, "ASSUMPTION (calibration file)", hard=(0.0, 1.0), share=True)
    plot_ratio_2022: float = param(1.2, "m² floor per m² land", 0.8, 1.7, "ASSUMPTION (calibration file)", hard=(0.1, 10.0))
    mean_firm_age_years: float = param(8.0, "years", 6.0, 12.0, "ASSUMPTION (calibration file)", hard=(0.1, 100.0))
    # parks' industrial FAI in 2022 (亿元), for targets.fai_base=published: an estimate from
    # published figures (derivation in the calibration file)
    parks_fai_2022_yi: float = param(620.0, "亿/yr", 520.0, 760.0, "estimate (calibration file): city industrial investment planned at 1100亿 for 2023 at +15-20%, 62-70% of it in the parks", hard=(1e-6, math.inf))


@locked
@dataclass
class Targets:
    """The plan's 2025 targets and how its words are read (configs/targets/: named reading
    sets; plan_2025, these defaults, is the baseline reading; docs/ODD.md section 8)."""

    year: int = number(2025, "year", hard=(2001, MAX_YEAR))
    parks_output_yi: float = number(30_000.0, "亿元", source="3万亿")
    # 规上企业总产值: above-scale industrial output only, or all above-scale enterprises
    # (adds services revenue, an exogenous input: ParkSpec.services_revenue_2022_yi)
    output_scope: str = choice("all_enterprises", OUTPUT_SCOPES)
    prices: str = choice("nominal", PRICES)  # real (2022 prices) | nominal (params.ppi_growth): every 亿元 target
    leading_share: float = number(0.60, "share", share=True)
    # declared: each park's list of leading industries; main: 一园一主业, the park's largest
    # declared leading industry in 2022
    leading_set: str = choice("main", LEADING_SETS)
    fai_growth: float = number(0.10, "1/yr", hard=(-1.0, 10.0))
    fai_base: str = choice("simulated", FAI_BASES)  # simulated (the model's 2022 FAI) | published (calibration.parks_fai_2022_yi)
    cluster_1000yi: float = number(1_000.0, "亿元")
    clusters_1000yi_count: int = number(3, "clusters", hard=(0, len(ECOSYSTEMS)))
    clusters_1000yi_ecosystems: list[str] = choice([], ECOSYSTEMS)  # [] = any of the five
    cluster_10000yi: float = number(10_000.0, "亿元")
    clusters_10000yi_count: int = number(2, "clusters", hard=(0, len(ECOSYSTEMS)))
    clusters_10000yi_ecosystems: list[str] = choice([], ECOSYSTEMS)  # [] = any of the five
    cluster_scope: str = choice("parks", CLUSTER_SCOPES)
    leading_share_gain: float = number(0.20, "-", source="relative (x1.2) or points (+20 points), by leading_share_gain_mode", hard=(0.0, 10.0))
    leading_share_gain_mode: str = choice("relative", GAIN_MODES)  # relative (x1.2) | points (+20 points)
    leading_share_cap: float = number(0.95, "share", source="a park at or above this share counts as meeting the gain", share=True)
    st_coverage: float = number(1.0, "share", source="share of parks with >= 1 provincial S&T platform", share=True)


@locked
@dataclass
class Costs:
    """What the levers cost the city, in unit costs (sim/rules/costs.py; docs/ODD.md 7.16). Most
    are not published for Hangzhou: each is a source or an ASSUMPTION with a plausible range,
    and a run reports its cost at the range's ends too. The fund costs what is appropriated;
    the steering of entrants, the space allocation and the relocation rule are
    administrative, costed at zero. Not drawn under uncertainty=parameters."""

    # programme floor space, and the standard factory space rebuilt on renovated land
    factory_space_yuan_m2: float = number(2000.0, "元/m²", 800.0, 2500.0, "the city's outlay per m² of standard factory space if its platforms build it: about 2,000 (新昌), 2,250 (乐清), 2,390 all-in (平阳) 元/m² in other Zhejiang cities (绍兴日报 2022-11-29; 浙江日报 2015-06-25; 2019-04-17); Hangzhou's not found. ASSUMPTION range: 800 (the city subsidises fit-out only, as 萧山's 800元/m² for 10亿+ projects, 萧委〔2023〕4号) to 2,500")
    renovation_yuan_mu: float = number(1.0e6, "元/亩", 3.0e5, 1.5e6, "ASSUMPTION: buying back and preparing 1 亩 of inefficient land, resale not counted; 新昌's buy-back fund spent about 141万元/亩 (6亿 for 425亩, partly recovered by leasing back; 绍兴日报 2022-11-29); Hangzhou's not found. Range 30万-150万")
    talent_yuan_per_recruit: float = number(5.0e4, "元 per recruit", 1.0e4, 2.0e5, "ASSUMPTION: graduates' living allowances 1万 (本科), 3万 (硕士), 5-10万 (博士) and a rent subsidy of 1万 a year (住浙网 2021-02-03), a few high-level recruits at 100-800万; range 1万-20万 per recruit")
    attraction_subsidy_share: float = number(0.1, "share of attracted investment", 0.0, 0.2, "ASSUMPTION: subsidies of 10-20% of equipment spending (新制造业计划, 2022-04-20; 萧委〔2023〕4号: up to 20% for 10亿+ projects) on the investment attraction adds above today's rate; range 0-0.2", share=True)


@locked
@dataclass
class Config:
    """Everything one run needs. `python run.py` composes it from configs/."""

    # the scenario file's name (configs/scenario/NAME.yaml): results are labelled with it
    scenario: str = name("baseline")
    seed: int = number(0, "-", hard=(0, 2**63 - 1))  # results store it as an int64
    replications: int = number(10, "runs", hard=(1, 1_000_000))
    horizon_year: int = number(2025, "year", hard=(2001, MAX_YEAR))
    firms_scale: float = number(1.0, "simulated firms per real firm", source="each agent weighs 1/firms_scale", hard=(1e-3, 10.0))
    progress: bool = True  # a run's bar of its replications; a sweep's (-m) one bar of its jobs
    job_progress: bool = False  # a sweep's jobs' own bars of their replications as well (-m; they interleave)
    report: bool = True  # a sweep's report.html at its end (-m); false: the summary alone (python -m sim.sweep.report DIR draws it later)
    # seeds: P(met) over seed noise, parameters at their values; parameters: replication k
    # also draws every uncertain parameter from its prior (sim/config/priors.py,
    # sim/runs/uncertainty.py), and targets.json holds both; posterior (the default): as
    # parameters, but the keys the posterior sample holds come from one of its particles,
    # drawn by weight: P(met) over what Hangzhou's history before the plan allows
    uncertainty: str = choice("posterior", UNCERTAINTIES)
    # the posterior sample of uncertainty=posterior: data/posterior/NAME.csv (a name, not
    # a path; sim/config/posterior.py), made by `python -m experiments.posterior`
    posterior: str = "hangzhou_2022"
    # what timeseries.parquet holds: parks (the city, park and sector levels) or cells (also
    # every park x sector cell, about 3 times the size); results/README.md
    outputs: str = choice("parks", OUTPUTS)
    fixed_parameters: list[str] = field(default_factory=list)  # keys never drawn, e.g. params.macro_sd
    # name of the sweep directory results/sweeps/NAME (multirun); re-using a name resumes it
    # (a name, fields.NAME_RULE; run.py makes an unnamed sweep's unique: timestamp_pid)
    sweep_name: str = name("${now:%Y-%m-%d_%H-%M-%S}")
    # a sweep_name already used with other settings is refused unless extend=true adds jobs to it
    extend: bool = False
    policy: Policy = field(default_factory=Policy)
    params: Params = field(default_factory=Params)
    calibration: Calibration = field(default_factory=Calibration)
    targets: Targets = field(default_factory=Targets)
    costs: Costs = field(default_factory=Costs)


def register_configs() -> None:
    """Register the schema with Hydra's ConfigStore (called by run.py)."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name="config_schema", node=Config)


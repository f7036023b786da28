"""What a user may set is field metadata (sim/config/params.py, sim/config/schema.py: `param`, `number`,
`choice`), and `validate` refuses what the metadata excludes, naming the key."""

import copy
import dataclasses
import math
import re

import numpy as np
import pytest

from sim.config.schema import Calibration, Config, ConfigError, Costs, PARK_RANGED, ParkSpec, Policy, Targets, uncertain_keys
from sim.config.params import Params
from sim.config.loading import load_config
from sim import Model
from sim.config.fields import DT, PER_STEP_MAX
from sim.config.validation import validate
from conftest import with_value

# schema class -> the dotted prefix of its fields in a Config (a park row: the fourth)
PREFIX = {Config: "", Policy: "policy.", Costs: "costs.", Params: "params.", Targets: "targets.", Calibration: "calibration.", ParkSpec: "calibration.parks[3]."}
# (Config.posterior: a file name of data/posterior/, checked by sim.config.posterior.check_name)
FREE_TEXT = {(Config, "scenario"), (Config, "sweep_name"), (Config, "posterior"), (Calibration, "name"), (ParkSpec, "id"), (ParkSpec, "name_zh"), (ParkSpec, "district")}
# per-year rates that enter a step as rate x dt, a probability or a share of a stock per month
PER_STEP = {"jump_rate", "depreciation", "entry_rate", "move_consider_rate", "talent_natural_inflow", "background_space_growth", "land_supply_rate"}
# drawn under uncertainty=parameters: every Params field and these calibration values, nothing else
DRAWN_CALIBRATION = {"small_per_above", "zipf_exponent", "max_firm_yi", "workers_per_yi", "before_plan_growth", "pool_share_2022", "plot_ratio_2022", "mean_firm_age_years", "parks_fai_2022_yi"}


@pytest.fixture(scope="module")
def base():
    return load_config(firms_scale=0.05)


def numbers(cls):
    return [f for f in dataclasses.fields(cls) if f.type in ("float", "int", "Schedule")]


def is_share(f):
    unit = f.metadata.get("unit", "")
    return f.metadata.get("share") or unit == "share" or (unit.startswith("share") and "per yr" not in unit)


def refused(cfg, key, *words):
    with pytest.raises(ConfigError) as e:
        validate(cfg)
    msg = str(e.value)
    assert "\n" not in msg and f"Invalid value for {key}:" in msg and "allowed:" in msg, msg
    for w in words:
        assert w in msg, msg
    return msg


def test_every_number_has_limits_every_choice_its_values():
    for cls in PREFIX:
        for f in dataclasses.fields(cls):
            m, where = f.metadata, f"{cls.__name__}.{f.name}"
            if f.type in ("float", "int", "Schedule"):
                lo, hi = m["hard"]
                assert lo < hi and "unit" in m, where
                assert isinstance(f.default, (int, float)), where
                if "range" in m:
                    assert lo <= m["range"][0] <= m["range"][1] <= hi, where
                if f.type == "int":
                    assert isinstance(lo, int) and (isinstance(hi, int) or hi == math.inf), where
                if is_share(f):
                    assert 0.0 <= lo and hi <= 1.0, where
            elif f.type == "str" and (cls, f.name) not in FREE_TEXT:
                assert m.get("choices") and f.default in m["choices"], where
            elif f.type == "list[str]" and (cls, f.name) != (Config, "fixed_parameters"):
                assert m.get("choices"), where  # lists of ecosystems
            if m.get("per_step"):
                assert m["hard"][1] <= PER_STEP_MAX == 1.0 / DT, where
    flagged = {f.name for cls in PREFIX for f in dataclasses.fields(cls) if f.metadata.get("per_step")}
    assert flagged == PER_STEP


def test_dt_is_the_models_time_step(base):
    assert Model(base).dt == DT


def test_levers_and_targets_are_not_drawn():
    keys = [k for k, _ in uncertain_keys()]
    assert keys == [f"params.{f.name}" for f in dataclasses.fields(Params)] + [
        f"calibration.{f.name}" for f in dataclasses.fields(Calibration) if f.name in DRAWN_CALIBRATION
    ]
    assert all("range" in f.metadata for f in numbers(Policy))  # levers have a plausible range, undrawn


def outside_cases():
    for cls, prefix in PREFIX.items():
        for f in numbers(cls):
            lo, hi = f.metadata["hard"]
            integer = f.type == "int"
            if lo > -math.inf:
                yield pytest.param(prefix + f.name, lo - 1 if integer else lo - 1e-9 * max(1.0, abs(lo)), id=f"{prefix}{f.name}<lo")
            if hi < math.inf:
                over = hi if f.metadata.get("open_hi") else hi + 1 if integer else hi + 1e-9 * max(1.0, abs(hi))
                yield pytest.param(prefix + f.name, over, id=f"{prefix}{f.name}>hi")


@pytest.mark.parametrize("key, value", list(outside_cases()))
def test_just_outside_the_hard_limits_is_refused(base, key, value):
    refused(with_value(base, key, value), key)


DEFAULTS = [pytest.param(prefix + f.name, f.default, id=prefix + f.name) for cls, prefix in PREFIX.items() for f in numbers(cls)]


@pytest.mark.parametrize("key, value", DEFAULTS)
def test_the_default_passes(base, key, value):
    if key == "calibration.parks[3].output_2022_yi":  # a park row must give its output: 0 is "not given"
        refused(with_value(base, key, value), key)
        return
    cfg = with_value(base, key, value)
    name = key.rsplit(".", 1)[-1]
    if key.startswith("calibration.parks[3].") and name in PARK_RANGED:  # the row's range must hold its value:
        refused(cfg, f"calibration.parks[3].ranges.{name}")  # a value outside it is refused, naming the range
        cfg.calibration.parks[3].ranges.pop(name)  # without the range the value is held, not drawn
    validate(cfg)


@pytest.mark.parametrize(
    "key, value, words",
    [
        ("params.exit_rate", 1.5, ["0.99"]),
        ("params.exit_rate", 50, ["0.99"]),
        ("params.jump_rate", 13.0, ["12.0"]),
        ("params.jump_scale", 0.5, ["0.5)"]),
        ("params.depreciation", 13.0, ["12.0"]),
        ("params.space_hold_slack", 1.2, []),
        ("params.coordination_cost_relief", -0.1, []),
        ("seed", 2**63, [str(2**63 - 1)]),
        ("seed", -1, []),
        ("seed", 1.0, ["an integer"]),
        ("replications", 0, ["an integer"]),
        ("replications", 2.0, ["an integer"]),
        ("policy.attraction_steering", 1.5, []),
        ("policy.fund_yi_per_year", math.nan, ["finite"]),
        ("policy.fund_yi_per_year", math.inf, []),
        ("policy.fund_yi_per_year", True, []),  # a bool is not a number
        ("policy.fund_yi_per_year", "2", []),
        ("policy.fund_allocation", "x", ["uniform | leading | performance"]),
        ("targets.output_scope", "everything", ["industrial | all_enterprises"]),
        ("targets.clusters_1000yi_ecosystems", ["tea"], ["smart_iot"]),
        ("calibration.parks[3].vacancy_2022", 0.95, ["0.9"]),
        ("calibration.parks[3].st_platforms_2022", 1.5, ["an integer"]),
        ("calibration.parks[3].status", "rumoured", ["confirmed | assumed"]),
        ("calibration.parks[3].leading", ["smart_iot", "tea"], []),
        ("progress", "yes", ["true | false"]),
    ],
)
def test_regressions_are_refused(base, key, value, words):
    refused(with_value(base, key, value), key, *words)


def test_per_sector_tables(base):
    cfg = copy.deepcopy(base)
    del cfg.calibration.sector_weights["other"]
    refused(cfg, "calibration.sector_weights.other")
    cfg = copy.deepcopy(base)
    cfg.calibration.sector_weights["tea"] = 0.1
    refused(cfg, "calibration.sector_weights key", "smart_iot | biomedicine")
    cfg = copy.deepcopy(base)
    cfg.calibration.skilled_share["biomedicine"] = 1.5
    refused(cfg, "calibration.skilled_share.biomedicine")


def test_rules_across_fields(base):
    refused(with_value(base, "horizon_year", 2024), "horizon_year", "[2025, 2035]")
    refused(with_value(base, "targets.year", 2022), "targets.year", "[2023, 2035]")
    cfg = with_value(base, "targets.clusters_1000yi_ecosystems", ["smart_iot", "biomedicine"])
    refused(cfg, "targets.clusters_1000yi_count", "[0, 2]")  # 3 clusters among 2 named ecosystems
    refused(with_value(base, "calibration.max_firm_yi", 1.0), "calibration.max_firm_yi")  # < 10 x 0.2亿
    validate(with_value(base, "horizon_year", 2030))


def test_numpy_numbers_are_numbers(base):
    cfg = copy.deepcopy(base)
    for cls in (Policy, Params, Targets):
        group = getattr(cfg, PREFIX[cls][:-1])
        for f in numbers(cls):
            if f.type in ("float", "Schedule"):
                setattr(group, f.name, np.float64(getattr(group, f.name)))
    cfg.firms_scale = np.float64(0.05)
    cfg.calibration.parks[3].vacancy_2022 = np.float32(0.1)
    cfg.policy.talent_inflow_per_year = np.int64(20_000)  # an integer is a number
    cfg.seed, cfg.replications, cfg.targets.clusters_1000yi_count = np.int64(7), np.int64(3), np.int32(2)
    assert validate(cfg) is cfg
    refused(with_value(base, "params.jump_rate", np.float64(13.0)), "params.jump_rate")
    refused(with_value(base, "params.exit_rate", np.float64(np.nan)), "params.exit_rate")
    refused(with_value(base, "replications", np.float64(3.0)), "replications", "an integer")  # an int field takes integers
    refused(with_value(base, "params.jump_rate", np.bool_(True)), "params.jump_rate")

"""Results are finite or refused (issue 26): every field at the ends of its plausible range
and of its hard limits, and random draws inside the hard limits, give finite results or one
line; a state that goes non-finite, or a run that outgrows the memory budget, stops with one
line naming the likely cause, and never writes NaN into targets.json.

At a small size (firms_scale 0.01, one replication, the target year 2023 as the horizon),
so that the few hundred runs take well under a minute."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import random
import re

import numpy as np
import pytest

from sim.config import budget
from sim.config.loading import load_config
from sim.config.params import Params
from sim.config.schema import SECTORS, Calibration, Config, ConfigError, Costs, ParkSpec, Policy, Targets
from sim.config.validation import validate
from sim.model.model import Model
from sim.runs import guard
from sim.runs.simulate import simulate
from conftest import with_value

PREFIX = {Config: "", Policy: "policy.", Costs: "costs.", Params: "params.", Targets: "targets.", Calibration: "calibration.", ParkSpec: "calibration.parks[3]."}
TABLES = ("sector_weights", "skilled_share")  # a number per sector: each end tried for two sectors
NOT_RUN = {"firms_scale": 0.05, "replications": 1}  # above these, validated only: their size is the memory budget's (tested below)


@pytest.fixture(scope="module")
def base():
    return load_config(firms_scale=0.01, replications=1, uncertainty="seeds", progress=False, horizon_year=2023, **{"targets.year": 2023})


def ends(meta: dict, integer: bool) -> dict[str, float]:
    """Both ends of the plausible range and of the hard limits: the largest value below an
    open top, 1e300 for an infinite one, and the smallest normal number above a bottom of 0."""
    lo, hi = meta["hard"]
    out = {"hard_lo": lo}
    if lo == 0 and not integer:
        out["hard_lo+"] = 1e-300
    out["hard_hi"] = math.nextafter(hi, -math.inf) if meta.get("open_hi") else hi if hi < math.inf else (10**300 if integer else 1e300)
    if "range" in meta:
        out["range_lo"], out["range_hi"] = meta["range"]
    return out


def fields():
    """(key, field metadata, integer) of every number a config holds."""
    for cls, prefix in PREFIX.items():
        for f in dataclasses.fields(cls):
            if f.type in ("float", "int", "Schedule"):
                yield prefix + f.name, f.metadata, f.type == "int"
    for name in TABLES:
        for sector in (SECTORS[0], SECTORS[-1]):
            yield f"calibration.{name}.{sector}", Calibration.__dataclass_fields__[name].metadata, False


CASES = [pytest.param(key, value, id=f"{key}={tag}") for key, meta, integer in fields() for tag, value in ends(meta, integer).items()]


def one_line(e: BaseException) -> str:
    text = str(e)
    assert text and "\n" not in text, text
    return text


def finite_result(cfg):
    """simulate(cfg)'s content, asserting it is finite (valid JSON)."""
    result = simulate(cfg)
    json.dumps(result, allow_nan=False)
    assert all(math.isfinite(v) for t in result["targets"] for v in t["values"])
    return result


@pytest.mark.parametrize("key, value", CASES)
def test_every_field_at_the_ends_of_its_ranges_gives_finite_results_or_a_rule_refuses_it(base, key, value):
    cfg = with_value(base, key, value)
    try:
        validate(cfg)  # a rule across fields may refuse an end (e.g. a target year before the base year)
    except ConfigError as e:
        one_line(e)
        assert not key.startswith("params.") or "Invalid value for params." in str(e) or "memory" in str(e)
        return
    if key in NOT_RUN and value > NOT_RUN[key]:
        return
    finite_result(cfg)  # inside the limits: finite, never refused by the run's guard


def guard_value(cfg, key: str) -> float:
    """The value of a dotted key (as with_value sets it)."""
    obj = cfg
    for part in key.split("."):
        m = re.fullmatch(r"(\w+)\[(\d+)\]", part)
        obj = getattr(obj, m[1])[int(m[2])] if m else obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return float(max(obj.values()) if isinstance(obj, dict) else obj)


def random_config(base, rng: random.Random, share: float = 0.3):
    """`base` with about `share` of its numbers drawn inside their hard limits (log-uniform
    where they span decades), the others at their values; the size kept small."""
    cfg = copy.deepcopy(base)
    for key, meta, integer in fields():
        if key.split(".")[0] in ("firms_scale", "replications", "seed", "horizon_year") or key.startswith("targets.year"):
            continue
        if key == "calibration.base_year" or rng.random() > share:
            continue
        lo, hi = meta["hard"]
        if hi == math.inf:  # up to a million times the field's scale (1e300 is tried alone, above)
            hi = 1e6 * max(1.0, abs(guard_value(cfg, key)), *(abs(x) for x in meta.get("range", ())))
        if lo > 0 and hi / lo > 100:
            value = math.exp(rng.uniform(math.log(lo), math.log(hi)))
        elif lo == 0 and hi > 100:
            value = 0.0 if rng.random() < 0.1 else math.exp(rng.uniform(math.log(hi) - 14, math.log(hi)))
        else:
            value = rng.uniform(lo, math.nextafter(hi, -math.inf) if meta.get("open_hi") else hi)
        cfg = with_value(cfg, key, int(min(value, 2**62)) if integer else value)
    return cfg


@pytest.mark.parametrize("seed", range(12))
def test_random_draws_inside_the_hard_limits_give_finite_results_or_one_line(base, seed):
    cfg = random_config(base, random.Random(seed))
    try:
        finite_result(validate(cfg))
    except ConfigError as e:
        one_line(e)


# ------------------------------------------------------------------ the run's guard
def poison(monkeypatch, where: str) -> None:
    """A NaN in month 3's recorded talent pool ("recorded"), or a NaN rate drawn from in
    month 4 ("state"): as a bug or values no limit excludes would make them."""
    step = Model.step

    def poisoned(model):
        if where == "state" and model.steps == 4:
            np.random.default_rng(0).poisson(np.nan)  # numpy: ValueError: lam < 0 or lam is NaN
        step(model)
        if where == "recorded" and model.steps == 3:
            model.recorder.locations["talent_pool"][3, 0] = np.nan

    monkeypatch.setattr(Model, "step", poisoned)


@pytest.mark.parametrize("where, says", [("recorded", "talent_pool is nan from 2023-03-31"), ("state", "at 2023-04-30: the model failed with ValueError: lam < 0 or lam is NaN")])
def test_a_state_that_goes_non_finite_stops_the_run_naming_the_values_furthest_outside_their_ranges(base, tmp_path, monkeypatch, where, says):
    poison(monkeypatch, where)
    cfg = with_value(with_value(base, "params.growth_smart_iot", 0.9), "params.macro_sd", 0.5)
    out = tmp_path / "run"
    with pytest.raises(ConfigError) as e:
        simulate(cfg, out)
    line = one_line(e.value)
    assert line.startswith("Invalid value for params.growth_smart_iot: 0.9 (plausible 0.03 to 0.15); also params.macro_sd=0.5"), line
    assert says in line and "allowed:" in line, line
    assert sorted(p.name for p in out.iterdir()) == []  # no targets.json, no temporary


def test_targets_json_is_strict_json(base, tmp_path):
    simulate(base, tmp_path)
    json.loads((tmp_path / "targets.json").read_text(encoding="utf-8"), parse_constant=lambda c: pytest.fail(f"{c} in targets.json"))


def test_a_margin_against_a_threshold_too_close_to_0_is_undefined_as_at_0(base):
    r = finite_result(with_value(base, "targets.st_coverage", 5e-324))
    entry = next(t for t in r["targets"] if t["name"] == "st_coverage")
    assert entry["margin"] == [None] and entry["median_margin"] is None


# ------------------------------------------------------------------ memory, before allocating
def test_a_population_beyond_the_memory_budget_is_refused_before_it_is_built(base):
    with pytest.raises(ConfigError) as e:
        validate(with_value(with_value(base, "firms_scale", 10.0), "calibration.small_per_above", 100.0))
    line = one_line(e.value)
    assert "calibration.small_per_above=100" in line and "firms_scale=10" in line and "at most 4.0 GiB" in line
    with pytest.raises(ConfigError, match="replications=1000000"):
        validate(with_value(base, "replications", 1_000_000))


def test_sim_run_counts_the_time_series_it_returns_in_memory():
    import sim

    with pytest.raises(ConfigError, match="sim.run returns the whole time series"):
        sim.run(replications=2_000, firms_scale=0.01, horizon_year=2035)  # 8 GB of rows; 64 MB in run.py


def test_a_population_that_outgrows_the_budget_while_running_is_stopped_before_the_next_month(base, monkeypatch):
    cfg = with_value(with_value(base, "params.entry_rate", 12.0), "policy.attraction_intensity", 10.0)
    monkeypatch.setattr(budget, "MEMORY_BUDGET", int(budget.BASE_BYTES + 1.2 * sum(budget.needed(cfg).values())))  # room to start, not to grow
    with pytest.raises(ConfigError) as e:
        simulate(cfg)
    line = one_line(e.value)
    assert "Invalid value for params.entry_rate: 12 (plausible 0.06 to 0.14)" in line and "the population grew to" in line


def test_above_scale_firms_the_calibration_cannot_hold_are_refused_and_those_it_can_are_simulated(base):
    with pytest.raises(ConfigError) as e:
        validate(with_value(base, "calibration.above_scale_firms", 100_000_000))
    from sim.rules.population import cell_output

    cal = base.calibration
    Y = cell_output(cal)
    lo, hi = math.ceil(2 * Y.sum() / cal.max_firm_yi), math.floor(Y.sum() / (3 * cal.above_scale_threshold_yi))  # the rule's ends
    assert one_line(e.value).startswith(f"Invalid value for calibration.above_scale_firms: 100000000; allowed: an integer in [{lo}, {hi}]")
    for n in (lo, hi):
        cfg = with_value(with_value(with_value(base, "calibration.above_scale_firms", n), "firms_scale", 0.02), "calibration.small_per_above", 0.0)
        model = Model(cfg)
        f, live = model.firms, model.firms.live()
        assert live.size == sum(max(1, round(n * y / Y.sum() * 0.02)) for y in Y.ravel() if y > 0)  # each cell's share: no cap
        assert model.weight * f.output_yi[live].sum() == pytest.approx(Y.sum(), rel=1e-9)  # and its output: none held at max_firm_yi
        with pytest.raises(ConfigError, match="calibration.above_scale_firms"):
            validate(with_value(cfg, "calibration.above_scale_firms", n + (1 if n > 1000 else -1)))


def test_guard_names_nothing_outside_when_everything_is_inside(base):
    assert guard.outside(base) == []
    msg = str(guard.refusal(base, "replication 0: x"))
    assert "every value inside its plausible range" in msg

"""The Python API (issue #12): `sim.Model` with Mesa's conventions (rng, datacollector,
batch_run), `sim.run`, `load_config(scenario=...)`, locked config dataclasses, a cheap
`import sim`. Tiny sizes: firms_scale=0.02 (a run takes about 0.5 s)."""

from __future__ import annotations

import copy
import dataclasses
import multiprocessing
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

import sim
from sim.model.agents import Firm, Government, Park
from sim.config.schema import CONFIG_DIR, Config, ConfigError
from sim.config.loading import load_config, scenarios, setting_names
from sim import Model
from sim.model.reporters import REPORTERS
from sim.runs.targets import NAMES

ROOT = Path(__file__).resolve().parent.parent
TINY = 0.02


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)


# ------------------------------------------------------------------ Mesa's conventions
def test_batch_run_over_a_lever_and_two_seeds():
    method = multiprocessing.get_start_method(allow_none=True)
    try:
        rows = mesa.batch_run(Model, parameters={"factory_space_m2_per_year": [2e6, 8e6], "firms_scale": TINY}, rng=[1, 2], max_steps=36, display_progress=False)
    finally:  # batch_run forces the "spawn" start method for the whole process
        multiprocessing.set_start_method(method, force=True)
    frame = pd.DataFrame(rows)
    assert len(frame) == 4 and set(REPORTERS) <= set(frame.columns)
    assert (frame["Step"] == 36).all()  # the horizon (2025): running turned False there
    assert frame[list(REPORTERS)].notna().all().all()
    by = frame.set_index(["rng", "factory_space_m2_per_year"])
    for rng in (1, 2):  # paired: the same streams, only the lever differs
        assert by.loc[(rng, 8e6), "parks_floor_space_m2"] > by.loc[(rng, 2e6), "parks_floor_space_m2"]
        assert by.loc[(rng, 8e6), "parks_construction_fai_yi"] > by.loc[(rng, 2e6), "parks_construction_fai_yi"]


def test_rng_seeds_the_run_and_the_datacollector_records_every_step():
    a = Model(rng=1, firms_scale=TINY)
    assert a.config.seed == 1 and a.running
    a.run()
    assert a.steps == 36 and not a.running
    frame = a.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(REPORTERS) and len(frame) == 37  # t=0 and every month
    assert frame["parks_output_yi"].iloc[-1] == pytest.approx(a.recorder.cells["output_yi"][-1][a.locations.is_park].sum())
    assert frame["entries"].iloc[0] == 0 and frame["entries"].iloc[1:].sum() == pytest.approx(a.flows.total["entries"])
    b = Model(rng=np.int64(1), firms_scale=np.float64(TINY)).run()
    pd.testing.assert_frame_equal(frame, b.datacollector.get_model_vars_dataframe(), check_exact=True)
    c = Model(rng=2, firms_scale=TINY).run()
    assert not c.datacollector.get_model_vars_dataframe().equals(frame)
    # rng=None keeps the config's seed; a config with rng= is not modified
    cfg = load_config(firms_scale=TINY, seed=1)
    d = Model(cfg).run()
    pd.testing.assert_frame_equal(frame, d.datacollector.get_model_vars_dataframe(), check_exact=True)
    assert Model(cfg, rng=5).config.seed == 5 and cfg.seed == 1


def test_constructor_forms():
    cfg = load_config(firms_scale=TINY)
    m = Model(cfg, 1)  # positional replication, as before
    assert m.config is cfg and m.streams.entropy == (0, 1)
    m = Model(cfg, factory_space_m2_per_year=8e6)  # settings on a copy of the config
    assert m.config.policy.factory_space_m2_per_year == 8e6 and cfg.policy.factory_space_m2_per_year == 4e6
    m = Model(scenario="no_policy", firms_scale=TINY, **{"params.macro_sd": 0.05})
    assert m.config.scenario == "no_policy" and m.config.params.macro_sd == 0.05 and m.config.policy.fund_yi_per_year == 0.0
    with pytest.raises(ConfigError, match="either rng or seed"):
        Model(rng=1, seed=2, firms_scale=TINY)
    with pytest.raises(ConfigError, match="either a config or a scenario"):
        Model(cfg, scenario="no_policy")
    with pytest.raises(ConfigError, match="rng"):
        Model(cfg, rng="one")
    with pytest.raises(ConfigError, match="firms_scale"):
        Model(firms_scal=TINY)


def test_agents_by_type():
    m = Model(rng=1, firms_scale=TINY)
    assert {Firm, Park, Government} <= set(m.agents_by_type)
    assert len(m.agents_by_type[Park]) == len(m.cal.parks) and len(m.agents_by_type[Government]) == 1
    assert len(m.agents_by_type[Firm]) == m.firms.live().size


def test_firm_agents_are_made_when_read_and_follow_entry_and_exit():
    """The Firm agents are made at the first read of the model's agents, not at
    construction; after steps with entries and exits a read has exactly the live firms."""
    m = Model(rng=1, firms_scale=TINY)
    assert m.firm_agents == {} and Firm not in m._agents_by_type  # none made yet
    before = {a.slot: a for a in m.agents_by_type[Firm]}
    assert sorted(before) == m.firms.live().tolist()
    for _ in range(6):
        m.step()
    live = m.firms.live()
    entered = live[live > max(before)]
    exited = [s for s in before if not m.firms.alive[s]]
    assert entered.size > 0 and exited, "the test needs entries and exits"
    assert len(m._agents_by_type[Firm]) == len(before) - len(exited)  # exits removed at once
    firms = {a.slot: a for a in m.agents if isinstance(a, Firm)}
    assert sorted(firms) == live.tolist()  # entrants' agents made at this read
    assert all(firms[s] is before[s] for s in live if s in before)  # the same agent objects
    assert all(before[s].model is m and before[s] not in m.agents for s in exited)
    assert firms[int(entered[0])].output_yi == m.firms.output_yi[entered[0]]
    assert len({a.unique_id for a in m.agents}) == len(m.agents)


# ------------------------------------------------------------------ sim.run
def test_run_takes_numpy_values_and_returns_targets_by_name():
    r = sim.run(scenario="no_policy", replications=2, firms_scale=TINY, uncertainty="seeds", seed=np.int64(3), factory_space_m2_per_year=np.float32(2e6))
    cfg = r.config
    assert cfg.scenario == "no_policy" and cfg.seed == 3 and type(cfg.seed) is int and cfg.replications == 2
    assert cfg.policy.factory_space_m2_per_year == 2e6 and type(cfg.policy.factory_space_m2_per_year) is float
    assert cfg.policy.talent_inflow_per_year == 0.0  # the rest of no_policy's levers
    assert list(r.targets) == list(NAMES)
    t = r.targets["parks_output"]
    assert len(t.values) == len(t.met) == 2 and 0 <= t.met_fraction <= 1 and t.ci95[0] <= t.met_fraction <= t.ci95[1]
    assert t.median == pytest.approx(float(np.median(t.values))) and t.unit == "亿元" and t.threshold == 30_000
    assert list(r.frame.columns) == ["name", "met_fraction", "ci_lo", "ci_hi", "median", "threshold", "median_margin", "unit", "description"]
    assert list(r.frame["name"]) == list(NAMES)
    assert set(r.timeseries["replication"]) == {0, 1}
    assert {"date", "level", "id", "variable", "value"} <= set(r.timeseries.columns)
    assert r.raw["targets"][0]["name"] == "parks_output" and r.targets_seeds is None


def test_an_unknown_name_is_one_line_naming_it_and_the_close_names():
    with pytest.raises(ConfigError) as e:
        sim.run(replications=1, firms_scale=TINY, factory_space=1)
    message = str(e.value)
    assert "factory_space" in message and "factory_space_m2_per_year" in message and "\n" not in message
    with pytest.raises(ConfigError, match="policy.fund_yi_per_year"):
        load_config(**{"policy.fund_yi_per_yr": 1.0})


def test_no_field_name_is_in_two_groups_and_dotted_keys_work():
    flat, ambiguous = setting_names()
    assert ambiguous == {}, f"fields named alike in two groups (give them dotted): {ambiguous}"
    assert flat["factory_space_m2_per_year"] == "policy.factory_space_m2_per_year" and flat["year"] == "targets.year"
    cfg = load_config(**{"policy.fund_yi_per_year": 3.0, "targets.year": 2025, "calibration.outside.vacancy_2022": 0.1})
    assert cfg.policy.fund_yi_per_year == 3.0 and cfg.calibration.outside.vacancy_2022 == 0.1
    assert load_config(policy={"fund_yi_per_year": 3.0}).policy == cfg.policy  # a group as a dict: some of its fields


# ------------------------------------------------------------------ load_config(scenario=)
@pytest.mark.parametrize("name", scenarios())
def test_load_config_loads_the_scenario_levers(name):
    from omegaconf import OmegaConf

    data = OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "scenario" / f"{name}.yaml"))
    cfg = load_config(scenario=name)
    assert cfg.scenario == name == data["scenario"]
    assert dataclasses.asdict(cfg.policy) == data["policy"]


def test_load_config_refuses_an_unknown_scenario():
    with pytest.raises(ConfigError, match="Unknown scenario 'nope'.*no_policy"):
        load_config(scenario="nope")


def test_load_config_is_cached_and_returns_a_fresh_config():
    load_config()
    start = time.perf_counter()
    for _ in range(5):
        a = load_config(firms_scale=0.1)
    assert (time.perf_counter() - start) / 5 < 0.1  # an uncached call took 0.25 s
    a.policy.fund_yi_per_year = 99.0
    a.calibration.parks[0].output_2022_yi = 1.0
    b = load_config()
    assert b.policy.fund_yi_per_year == 2.0 and b.calibration.parks[0].output_2022_yi != 1.0


# ------------------------------------------------------------------ locked dataclasses
def test_config_dataclasses_refuse_unknown_fields():
    cfg = load_config()
    with pytest.raises(AttributeError, match="macro_sdd.*did you mean: macro_sd"):
        cfg.params.macro_sdd = 0
    for obj, typo in ((cfg, "firms_scal"), (cfg.policy, "fund"), (cfg.targets, "yaer"), (cfg.calibration, "zipf"), (cfg.calibration.parks[0], "vacancy")):
        with pytest.raises(AttributeError):
            setattr(obj, typo, 1)
    cfg.params.macro_sd = 0.0  # fields can be set
    cfg.firms_scale = 0.5
    assert cfg.params.macro_sd == 0.0 and cfg.firms_scale == 0.5


def test_locked_configs_still_replace_pickle_copy_and_structure():
    from omegaconf import OmegaConf

    cfg = load_config(scenario="land_first")
    other = dataclasses.replace(cfg, seed=7)
    assert other.seed == 7 and other.policy == cfg.policy
    with pytest.raises(AttributeError):
        other.sed = 1
    assert pickle.loads(pickle.dumps(cfg)) == cfg and copy.deepcopy(cfg) == cfg
    assert OmegaConf.to_object(OmegaConf.structured(cfg)) == cfg
    assert OmegaConf.to_object(OmegaConf.structured(Config)).policy == Config().policy
    assert dataclasses.asdict(cfg)["policy"]["factory_space_m2_per_year"] == 8e6


# ------------------------------------------------------------------ quiet, cheap
def test_run_prints_nothing_even_with_info_logging():
    code = (
        "import logging; logging.basicConfig(level=logging.INFO)\n"
        "import sim\n"
        "r = sim.run(replications=1, firms_scale=0.02, uncertainty='seeds')\n"
        "assert logging.getLogger('MESA').level == logging.NOTSET, 'the MESA logger level was not restored'\n"
    )
    out = _python(code)
    assert out.returncode == 0 and out.stdout == "" and out.stderr == "", out.stderr
    # the control: a Model stepped directly logs Mesa's step lines, as Mesa does
    out = _python("import logging; logging.basicConfig(level=logging.INFO)\nimport sim\nsim.Model(rng=1, firms_scale=0.02).step()\n")
    assert out.returncode == 0 and "Step 1" in out.stderr


def test_import_sim_is_cheap():
    out = _python("import sim, sys; print([m for m in ('hydra', 'pandas', 'matplotlib', 'mesa', 'omegaconf') if m in sys.modules])")
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr
    out = _python("from sim.config import Config, load_config; import sys; print([m for m in ('hydra', 'pandas', 'mesa', 'omegaconf') if m in sys.modules])")
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr
    # a sweep's process draws the report at the end without the model (Mesa, numba: about 1.5 CPU s)
    out = _python("import sim.sweep.report, sys; print([m for m in ('mesa', 'numba', 'sim.model.model') if m in sys.modules])")
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr
    # every public name still imports
    out = _python("from sim import Model, run, load_config, Config, ConfigError, validate, Params, Policy, Targets, Calibration, load_calibration, Result")
    assert out.returncode == 0, out.stderr


def test_import_sim_works_from_another_directory(tmp_path):
    """make env installs the project (editable) into .venv: no PYTHONPATH, another cwd."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    p = subprocess.run([sys.executable, "-c", "import sim, sim.sweep.figures as f; print(f.FONT_FILE.exists())"],
                       cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == "True", p.stderr


def test_outcomes_is_a_flat_dict_of_numbers_for_exploratory_tools():
    out = sim.outcomes(replications=2, firms_scale=0.02, uncertainty="seeds", seed=np.int64(1), attraction_intensity=np.float64(1.5))
    assert set(out) >= {"fai_growth_met_fraction", "parks_output_median", "st_coverage_ci_hi"}
    assert all(isinstance(v, float) for v in out.values())
    assert 0.0 <= out["fai_growth_met_fraction"] <= 1.0


def test_ema_workbench_drives_outcomes_without_a_wrapper():
    """EMA Workbench's own Model around sim.outcomes: levers and uncertainties by field name
    (its integer parameters arrive as numpy integers), constants for the run settings."""
    from ema_workbench import Constant, IntegerParameter, Model as EMAModel, RealParameter, ScalarOutcome, perform_experiments
    from ema_workbench.em_framework.evaluators import SequentialEvaluator

    model = EMAModel("hangzhou", function=sim.outcomes)
    model.uncertainties = [RealParameter("macro_sd", 0.0, 0.05), IntegerParameter("seed", 0, 1000)]
    model.levers = [RealParameter("factory_space_m2_per_year", 0.0, 8e6)]
    model.constants = [Constant("replications", 2), Constant("firms_scale", 0.02), Constant("uncertainty", "seeds")]
    model.outcomes = [ScalarOutcome("parks_output_median"), ScalarOutcome("fai_growth_met_fraction")]
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=2, policies=2, evaluator=evaluator)
    assert len(experiments) == 4 and outcomes["parks_output_median"].shape == (4,)
    assert np.isfinite(outcomes["parks_output_median"]).all() and (outcomes["parks_output_median"] > 0).all()
    assert ((0 <= outcomes["fai_growth_met_fraction"]) & (outcomes["fai_growth_met_fraction"] <= 1)).all()
    # the same point through sim.outcomes directly gives the same number: nothing hidden in between
    row = experiments.iloc[0]
    direct = sim.outcomes(replications=2, firms_scale=0.02, uncertainty="seeds", seed=int(row["seed"]), macro_sd=float(row["macro_sd"]),
                          factory_space_m2_per_year=float(row["factory_space_m2_per_year"]))
    assert direct["parks_output_median"] == outcomes["parks_output_median"][0]

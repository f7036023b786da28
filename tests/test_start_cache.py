"""The end-2022 firms are drawn once a process for the models that share them
(sim.model.initial.cached_draw): a model built from kept draws runs to the same bytes as one
built afresh, scenarios sharing a replication share them, and anything the draws depend on
(a parameter, firms_scale, the seed, the replication, the calibration) draws them anew."""

from __future__ import annotations

import numpy as np
import pytest

from sim import Model, load_config
from sim.model import initial

SCALE = 0.01


def _cfg(scenario: str = "baseline", **kw):
    return load_config(scenario=scenario, replications=1, progress=False, uncertainty="seeds", **{"firms_scale": SCALE, **kw})


def _ran(cfg, replication: int = 0) -> dict[str, bytes]:
    m = Model(cfg, replication)
    m.run()
    out = {f"cells.{k}": np.ascontiguousarray(v).tobytes() for k, v in m.recorder.cells.items()}
    out |= {f"firms.{k}": getattr(m.firms, k)[: m.firms.n].tobytes() for k in ("output_yi", "capital_yi", "location", "alive", "floor_m2", "skilled")}
    out["datacollector"] = m.datacollector.get_model_vars_dataframe().to_numpy().tobytes()
    return out


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    monkeypatch.setattr(initial, "CACHE_BYTES", 256 * 2**20)
    initial.clear_cache()
    yield
    initial.clear_cache()


@pytest.mark.parametrize("scenario", ["baseline", "no_policy"])
def test_a_model_from_kept_draws_runs_to_the_same_bytes(scenario, monkeypatch):
    cfg = _cfg(scenario)
    first = _ran(cfg)
    again = _ran(cfg)
    assert initial.cache_info == {"hits": 1, "misses": 1}
    monkeypatch.setattr(initial, "CACHE_BYTES", 0)  # none kept: drawn afresh
    afresh = _ran(cfg)
    assert initial.cache_info == {"hits": 1, "misses": 1}
    assert first == again == afresh


def test_scenarios_that_share_a_replication_share_the_draws():
    for scenario in ("baseline", "no_policy", "pre_plan"):
        Model(_cfg(scenario), 0)
    assert initial.cache_info == {"hits": 2, "misses": 1}
    Model(_cfg("baseline"), 1)  # another replication
    Model(_cfg("baseline", seed=5), 0)  # another seed
    assert initial.cache_info == {"hits": 2, "misses": 3}


@pytest.mark.parametrize("setting", [{"params.depreciation": 0.2}, {"params.space_intensity_sd": 0.3}, {"firms_scale": 0.012},
                                     {"calibration.growth_2021": 0.2}])
def test_what_the_draws_depend_on_draws_them_anew(setting):
    base = Model(_cfg(), 0)
    other = Model(_cfg(**setting), 0)
    assert initial.cache_info == {"hits": 0, "misses": 2}
    assert base.firms.output_yi[: base.firms.n].tobytes() != other.firms.output_yi[: other.firms.n].tobytes() or \
        base.firms.capital_yi[: base.firms.n].tobytes() != other.firms.capital_yi[: other.firms.n].tobytes() or \
        base.firms.floor_m2[: base.firms.n].tobytes() != other.firms.floor_m2[: other.firms.n].tobytes()


def test_kept_draws_are_read_only_and_a_model_owns_its_firms():
    m = Model(_cfg(), 0)
    drawn = initial.cached_draw(m.config, m.streams)
    assert initial.cache_info["hits"] == 1
    for a in (drawn.pop.output_yi, drawn.pop.location, drawn.overhang, drawn.trend, drawn.intensity, drawn.invest_prior):
        with pytest.raises(ValueError):
            a[0] = 0
    m.firms.output_yi[0] *= 2  # the model's own arrays: the kept draws do not change
    assert drawn.pop.output_yi[0] != m.firms.output_yi[0]
    assert Model(_cfg(), 0).firms.output_yi[0] == drawn.pop.output_yi[0]


def test_the_cache_keeps_at_most_its_bytes(monkeypatch):
    one = initial.draw(_cfg(), Model(_cfg(), 0).streams).nbytes
    initial.clear_cache()
    monkeypatch.setattr(initial, "CACHE_BYTES", int(2.5 * one))
    for rep in range(5):
        Model(_cfg(), rep)
    assert len(initial._cache) == 2 and sum(d.nbytes for d in initial._cache.values()) <= initial.CACHE_BYTES
    Model(_cfg(), 4)  # the most recent is kept
    assert initial.cache_info["hits"] == 1

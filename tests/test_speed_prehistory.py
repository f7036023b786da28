"""The compiled capital prehistory (sim.model.prehistory) gives the rule's numbers
(sim.rules.population.capital_prehistory) to the bit, and leaves the generator where the
rule leaves it, at any size of chunk."""

from __future__ import annotations

import numpy as np
import pytest

from sim import load_config
from sim.model import prehistory
from sim.rules import population


def _inputs(firms_scale: float, **params):
    cfg = load_config(firms_scale=firms_scale, replications=1, progress=False, uncertainty="seeds", **params)
    cal, par = cfg.calibration, cfg.params
    output = population.synthesize(cal, par, firms_scale, np.random.default_rng(1)).output_yi
    return par, output, [cal.growth_2019, cal.growth_2020, cal.growth_2021, cal.growth_2022]


@pytest.mark.parametrize("firms_scale", [0.005, 0.05])
@pytest.mark.parametrize("chunk", [None, 1, 5, 4 * 12])  # the default, a month, a chunk dividing neither the burn-in nor a year, a year
def test_the_compiled_prehistory_is_the_rule_to_the_bit(firms_scale, chunk, monkeypatch):
    par, output, growth = _inputs(firms_scale)
    if chunk is not None:
        monkeypatch.setattr(prehistory, "chunk_months", lambda n: min(chunk, 12))
    rule_rng, fast_rng = np.random.default_rng(7), np.random.default_rng(7)
    want = population.capital_prehistory(par, output, growth, rule_rng)
    got = prehistory.capital_prehistory(par, output, growth, fast_rng)
    for w, g in zip(want, got, strict=True):
        assert w.dtype == g.dtype and w.shape == g.shape and w.tobytes() == g.tobytes()
    assert rule_rng.random() == fast_rng.random()  # the same draws consumed


def test_other_parameters_and_growth_too():
    par, output, growth = _inputs(0.02, **{"params.investment_lag_years": 0.0, "params.jump_rate": 6.0, "params.depreciation": 0.2})
    growth = [0.3, -0.2, 0.0, 0.05]
    want = population.capital_prehistory(par, output, growth, np.random.default_rng(3))
    got = prehistory.capital_prehistory(par, output, growth, np.random.default_rng(3))
    assert all(w.tobytes() == g.tobytes() for w, g in zip(want, got, strict=True))

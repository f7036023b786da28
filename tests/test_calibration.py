"""At t = 0 the synthetic population reproduces the calibration totals and is heavy-tailed."""

import dataclasses

import numpy as np
import pytest

from sim import Model
from sim.config.schema import SECTORS
from sim.rules.population import cell_output, zipf_exponent


@pytest.fixture(scope="module", params=[0.1, 1.0])
def start(request, _baseline_small):
    cfg = _baseline_small
    cfg = dataclasses.replace(cfg, firms_scale=request.param)
    return Model(cfg)


def test_totals_by_city_park_and_sector_within_one_percent(start):
    rec = start.recorder
    simulated = rec.cells["output_yi"][0]  # above-scale output, location x sector
    expected = cell_output(start.cal)
    assert simulated.sum() == pytest.approx(expected.sum(), rel=0.01)
    np.testing.assert_allclose(simulated.sum(axis=1), expected.sum(axis=1), rtol=0.01)
    np.testing.assert_allclose(simulated.sum(axis=0), expected.sum(axis=0), rtol=0.01)
    parks = [p.output_2022_yi for p in start.cal.parks]
    np.testing.assert_allclose(simulated.sum(axis=1)[:-1], parks, rtol=0.01)
    assert simulated.sum(axis=1)[:-1].sum() == pytest.approx(12_673.61, rel=0.01)


def test_leading_shares_match_the_park_table(start):
    rec = start.recorder
    share = rec.leading_output()[0] / rec.cells["output_yi"][0].sum(axis=1)
    for j, p in enumerate(start.cal.parks):
        assert share[j] == pytest.approx(p.leading_share_2022, abs=1e-9), p.id


def test_above_scale_firm_count_near_calibration(start):
    n_above = start.recorder.cells["above_scale_firms"][0].sum()
    assert n_above == pytest.approx(start.cal.above_scale_firms, rel=0.05)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_firm_sizes_have_a_zipf_tail_at_full_scale(_baseline_small, seed):
    # Axtell 2001: Zipf exponent about 1 (1.06 for US firms); Heinrich & Dai 2016 for China.
    # At full scale (about 7,000 above-scale firms); a 10% sample is too small for the tail.
    m = Model(dataclasses.replace(_baseline_small, firms_scale=1.0, seed=seed))
    f, live = m.firms, m.firms.live()
    above = f.output_yi[live][f.above_scale[live]]
    alpha = zipf_exponent(above, tail_share=0.1)
    assert 0.85 <= alpha <= 1.3, alpha


def test_every_sector_and_park_is_populated(start):
    f = start.firms
    live = f.live()
    assert set(np.unique(f.sector[live])) == set(range(len(SECTORS)))
    assert set(np.unique(f.location[live])) == set(range(start.locations.n))


def test_floor_space_starts_at_calibrated_vacancy(start):
    vac = start.totals.vacancy() / start.locations.stock_m2
    expected = [p.vacancy_2022 for p in [*start.cal.parks, start.cal.outside]]
    np.testing.assert_allclose(vac, expected, rtol=1e-9)

"""Park data with plausible ranges (the 2022 platform stock, the leading shares): drawn per
replication beside the parameters, within their ranges, on a stream of their own, held when
listed in fixed_parameters, set in the model, and checked with one clear error."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim import Model
from sim.config.schema import ConfigError, ranged_data
from sim.config.validation import validate
from sim.runs import uncertainty


@pytest.fixture
def cfg(small):
    return dataclasses.replace(small, firms_scale=0.02, replications=40, uncertainty="parameters")


def test_every_park_has_ranged_platforms_and_leading_share(cfg):
    keys = {key for key, *_ in ranged_data(cfg.calibration)}
    for p in cfg.calibration.parks:
        assert {f"calibration.parks.{p.id}.st_platforms_2022", f"calibration.parks.{p.id}.leading_share_2022"} <= keys


def test_draws_within_ranges_whole_counts_and_every_count_reached(cfg):
    d = uncertainty.data_draws(cfg)
    for key, row, name, lo, hi in ranged_data(cfg.calibration):
        assert ((d[key] >= lo) & (d[key] <= hi)).all(), key
        if name == "st_platforms_2022":
            assert (d[key] == np.round(d[key])).all(), key
            if hi - lo <= 3:  # 40 Latin hypercube draws reach every count of a short range
                assert set(d[key]) == set(np.arange(lo, hi + 1)), key
    # the mode is the row's value: a park assumed to have none has none most often
    tonglu = cfg.calibration.parks[[p.id for p in cfg.calibration.parks].index("tonglu")]
    counts = d["calibration.parks.tonglu.st_platforms_2022"].value_counts()
    assert counts.idxmax() == tonglu.st_platforms_2022 == 0


def test_data_draws_leave_the_parameter_draws_as_they_were(cfg):
    narrow = copy_with_ranges(cfg, "tonglu", {"st_platforms_2022": [0, 1]})
    pd.testing.assert_frame_equal(uncertainty.draws(cfg), uncertainty.draws(narrow))
    values = uncertainty.values(cfg)
    pd.testing.assert_frame_equal(values[uncertainty.draws(cfg).columns], uncertainty.draws(cfg))
    assert not values["calibration.parks.tonglu.st_platforms_2022"].equals(uncertainty.values(narrow)["calibration.parks.tonglu.st_platforms_2022"])


def test_seeds_hold_the_data_and_fixed_parameters_hold_a_datum(cfg):
    seeds = uncertainty.values(dataclasses.replace(cfg, uncertainty="seeds"))
    assert (seeds["calibration.parks.qiantang.st_platforms_2022"] == 6).all()
    held = dataclasses.replace(cfg, fixed_parameters=["calibration.parks.qiantang.st_platforms_2022"])
    validate(held)
    d = uncertainty.values(held)
    assert (d["calibration.parks.qiantang.st_platforms_2022"] == 6).all()
    assert uncertainty.held(held) == {"calibration.parks.qiantang.st_platforms_2022": 6.0}
    free = uncertainty.values(cfg)
    assert d.drop(columns="calibration.parks.qiantang.st_platforms_2022").equals(free.drop(columns="calibration.parks.qiantang.st_platforms_2022"))


def test_a_replication_runs_with_its_drawn_data(cfg):
    row = uncertainty.values(cfg).iloc[3].copy()
    row["calibration.parks.tonglu.st_platforms_2022"] = 2.0
    row["calibration.parks.tonglu.leading_share_2022"] = 0.58
    run_cfg = uncertainty.apply(cfg, row)
    tonglu = next(p for p in run_cfg.calibration.parks if p.id == "tonglu")
    assert tonglu.st_platforms_2022 == 2 and isinstance(tonglu.st_platforms_2022, int) and tonglu.leading_share_2022 == 0.58
    m = Model(run_cfg)
    j = m.locations.ids.index("tonglu")
    assert m.locations.platforms[j] == 2 and m.locations.leading_share_2022[j] == 0.58


def copy_with_ranges(cfg, park: str, ranges: dict):
    parks = [dataclasses.replace(p, ranges={**p.ranges, **ranges}) if p.id == park else p for p in cfg.calibration.parks]
    return dataclasses.replace(cfg, calibration=dataclasses.replace(cfg.calibration, parks=parks))


@pytest.mark.parametrize("ranges, outside, message", [
    ({"vacancy_2022": [0.0, 0.1]}, False, "calibration.parks[9].ranges key: 'vacancy_2022'; allowed: leading_share_2022 | st_platforms_2022"),
    ({"st_platforms_2022": [1, 3]}, False, "calibration.parks[9].ranges.st_platforms_2022: [1, 3]; allowed: [lo, hi] with lo < hi and the row's st_platforms_2022 (0) in it"),
    ({"st_platforms_2022": [0, 1.5]}, False, "calibration.parks[9].ranges.st_platforms_2022: 1.5; allowed: an integer"),
    ({"leading_share_2022": [0.2, 1.2]}, False, "calibration.parks[9].ranges.leading_share_2022: 1.2; allowed: a finite number in [0.0, 1.0]"),
    ({"leading_share_2022": [0.4]}, False, "calibration.parks[9].ranges.leading_share_2022: [0.4]; allowed: [lo, hi]: two numbers"),
    ({"st_platforms_2022": [0, 1]}, True, "calibration.outside.ranges key: 'st_platforms_2022'; allowed: none"),
])
def test_bad_ranges_get_one_clear_error(cfg, ranges, outside, message):
    assert cfg.calibration.parks[9].id == "tonglu"
    if outside:
        bad = dataclasses.replace(cfg, calibration=dataclasses.replace(cfg.calibration, outside=dataclasses.replace(cfg.calibration.outside, ranges=ranges)))
    else:
        bad = copy_with_ranges(cfg, "tonglu", ranges)
    with pytest.raises(ConfigError) as e:
        validate(bad)
    assert message in str(e.value)
    assert "\n" not in str(e.value)

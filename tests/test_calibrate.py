"""The calibration to history: moments derived from the published figures, the fitted
config it writes, and the committed fit (configs/fit/hangzhou_2022.yaml)."""

import dataclasses
import math

import numpy as np
import pytest
import yaml
from omegaconf import OmegaConf

from experiments import calibrate, calibrate_moments, calibrate_page
from sim import Params
from sim.config.schema import CONFIG_DIR


@pytest.fixture(scope="module")
def history():
    return yaml.safe_load(calibrate.HISTORY.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def moments(history):
    return {m.id: m for m in calibrate_moments.observed(history)}


def test_nominal_park_growth_is_deflated_by_the_ppi(moments, history):
    m = moments["kaifaqu_2010_2018"]
    ppi = sum(math.log1p(history["ppi_pct"][y] / 100) for y in range(2011, 2019))
    nominal_mid = 0.5 * (math.log(1600 / 1328.62) + math.log(1700 / 1328.62)) / 8
    assert m.value == pytest.approx(nominal_mid - ppi / 8, abs=1e-12)
    assert m.years == 8 and m.park == "qiantang"


def test_the_merger_is_removed_from_qiantangs_growth(moments):
    """3000亿 in 2021 is the merged 钱塘: the 2018 base adds 大江东, so growth is far below the
    raw 1650 -> 3050 (22% a year)."""
    m = moments["qiantang_2018_2021"]
    raw = math.log(3050 / 1650) / 3
    assert m.value < raw - 0.10
    assert 0.2 * m.sd < m.value < 0.10  # a wide band around a few percent a year


def test_city_growth_moments_are_the_published_rates(moments):
    assert moments["city_2021"].value == pytest.approx(math.log(1.106))
    assert moments["city_2022"].value == pytest.approx(math.log(1.003))


def test_single_park_years_are_compared_but_not_fitted(moments):
    assert not moments["yuhang_2020_2021"].fitted and not moments["qiantang_2021_2022"].fitted
    assert moments["kaifaqu_2010_2018"].fitted and moments["city_2021"].fitted
    ms = list(moments.values())
    sim = {m.id: (m.value, 0.01) for m in ms}
    nll, _ = calibrate.neg_loglik(ms, sim, 4)
    sim["yuhang_2020_2021"] = (0.5, 0.01)  # far off: its z changes, the likelihood does not
    nll2, z = calibrate.neg_loglik(ms, sim, 4)
    assert nll2 == nll and abs(z["yuhang_2020_2021"]) > 10


def test_net_entry_share_is_reported_not_fitted(moments):
    assert "net_entry_share" not in moments
    assert "moves" in moments and "exits" in moments


def test_growth_shift_moves_every_sector_drift(small):
    before = dataclasses.asdict(small)
    cfg = calibrate.apply(small, {"growth_shift": 0.01, "params.macro_sd": 0.02, "calibration.zipf_exponent": 0.9})
    for g in calibrate.GROWTH_KEYS:  # shifted from the prior, not from the base config
        assert getattr(cfg.params, g) == pytest.approx(getattr(Params, g) + 0.01)
    assert cfg.params.macro_sd == 0.02 and cfg.calibration.zipf_exponent == 0.9
    assert dataclasses.asdict(small) == before  # the base is not modified


def test_statistics_cover_every_moment(small, moments):
    cfg = dataclasses.replace(small, firms_scale=0.05, horizon_year=calibrate.LAST_YEAR)
    runs = [calibrate.statistics(cfg, k) for k in range(2)]
    sim = calibrate.simulated(list(moments.values()), runs)
    assert set(sim) == set(moments)
    for mean, sd in sim.values():
        assert math.isfinite(mean) and sd >= 0
    nll, z = calibrate.neg_loglik(list(moments.values()), sim, 2)
    assert math.isfinite(nll) and set(z) == set(moments)


def test_standard_errors_flag_flat_directions():
    se, conditional = calibrate._standard_errors(np.array([[4.0, 1.0], [1.0, 1.0]]))
    assert not conditional and se == pytest.approx(np.sqrt(np.diag(np.linalg.inv([[4.0, 1.0], [1.0, 1.0]]))))
    se, conditional = calibrate._standard_errors(np.diag([4.0, 0.0]))
    assert conditional and se[0] == pytest.approx(0.5) and math.isinf(se[1])


def test_local_quadratic_recovers_a_known_hessian_through_noise():
    H = np.array([[8.0, 2.0, 0.0], [2.0, 5.0, -1.0], [0.0, -1.0, 3.0]])
    x0 = np.array([0.5, 0.02, 0.7])  # the second coordinate near the lower bound
    noise = np.random.default_rng(1)
    fun = lambda x: 0.5 * (x - x0) @ H @ (x - x0) + 1e-5 * noise.standard_normal()  # noqa: E731
    np.testing.assert_allclose(calibrate.local_quadratic(fun, x0, 0.1, 40), H, atol=0.2)


def test_written_fit_composes_and_skips_unidentified(tmp_path):
    result = dict(
        method="m", settings=dict(scale=0.1),
        parameters=[
            dict(key="growth_shift", prior=0.0, range=[-0.03, 0.05], estimate=0.01, se=0.004, identified=True),
            dict(key="params.macro_sd", prior=0.04, range=[0.0, 0.1], estimate=0.05, se=0.01, identified=True),
            dict(key="params.move_consider_rate", prior=0.035, range=[0.015, 0.1], estimate=0.09, se=1.0, identified=False),
            dict(key="calibration.zipf_exponent", prior=1.05, range=[0.8, 1.3], estimate=0.9, se=0.05, identified=True),
        ],
        unidentified=[dict(key="params.entry_rate", value=0.1)],
    )  # fmt: skip
    path = tmp_path / "fit.yaml"
    calibrate_page.write_fit(result, path)
    fit = OmegaConf.to_container(OmegaConf.load(path))
    assert fit["params"]["growth_other"] == pytest.approx(Params.growth_other + 0.01, abs=1e-4)
    assert fit["params"]["macro_sd"] == pytest.approx(0.05)
    assert "move_consider_rate" not in fit["params"]  # not identified: keeps its prior
    assert fit["calibration"] == {"zipf_exponent": pytest.approx(0.9)}
    assert "NOT IDENTIFIED" in path.read_text()


def test_committed_fit_is_inside_the_prior_ranges_with_its_uncertainty():
    path = CONFIG_DIR / "fit" / "hangzhou_2022.yaml"
    text = path.read_text(encoding="utf-8")
    fit = OmegaConf.to_container(OmegaConf.load(path)) or {}
    assert "experiments.calibrate" in text
    fields = {f.name: f for f in dataclasses.fields(Params)}
    for key, value in fit.get("params", {}).items():
        lo, hi = fields[key].metadata["range"]
        assert lo <= value <= hi, key
    for line in text.splitlines():
        if line.startswith("  ") and ":" in line:
            assert "s.e." in line, line  # every fitted value states its uncertainty
    # every free parameter is either set or reported as not identified
    for p in calibrate.FREE:
        name = p.key.split(".")[-1]
        keys = calibrate.GROWTH_KEYS if p.key == "growth_shift" else [name]
        group = "calibration" if p.key.startswith("calibration.") else "params"
        assert all(k in fit.get(group, {}) for k in keys) or f"{p.key}: NOT IDENTIFIED" in text, p.key

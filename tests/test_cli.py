"""The command line: the results contract, reproducibility, overrides and bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import one_error_line

ROOT = Path(__file__).resolve().parent.parent
TINY = ["firms_scale=0.05", "progress=false"]
TARGET_NAMES = ["parks_output", "leading_share", "fai_growth", "clusters_1000yi", "clusters_10000yi", "leading_share_gain", "st_coverage"]


def run(*overrides, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *overrides], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def baseline_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "baseline"
    p = run(*TINY, "replications=2", "seed=3", f"hydra.run.dir={out}")
    assert p.returncode == 0, p.stderr
    return out, p.stdout


def test_results_contract(baseline_dir):
    out, stdout = baseline_dir
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts.columns) == ["replication", "date", "level", "id", "variable", "value"]
    assert ts["replication"].dtype.kind == "i" and sorted(ts["replication"].unique()) == [0, 1]
    assert ts["value"].dtype == "float32"  # the file's precision; targets.json is computed from the model's float64 state
    assert set(ts["level"].astype(str)) == {"city", "park", "sector"}  # outputs=parks, the default
    dates = pd.to_datetime(ts["date"].astype(str))
    assert (dates + pd.offsets.MonthEnd(0) == dates).all() and dates.min() == pd.Timestamp("2022-12-31")
    assert dates.max() == pd.Timestamp("2025-12-31")
    for level, variable in [("city", "output_yi"), ("park", "fai_yi"), ("sector", "firms"), ("sector", "parks_output_yi"),
                            ("city", "employment"), ("park", "vacant_space_m2"), ("park", "leading_share"), ("city", "leading_share")]:
        assert ((ts["level"] == level) & (ts["variable"] == variable)).any(), (level, variable)
    ids = set(ts.loc[ts["level"] == "park", "id"].astype(str))
    assert "qiantang" in ids and "outside" in ids and len(ids) == 17

    t = json.loads((out / "targets.json").read_text(encoding="utf-8"))
    assert (t["scenario"], t["seed"], t["replications"]) == ("baseline", 3, 2)
    assert [x["name"] for x in t["targets"]] == TARGET_NAMES
    for x in t["targets"]:
        assert {"name", "description", "threshold", "unit", "values", "met", "met_fraction", "ci95"} <= set(x)
        assert len(x["values"]) == 2 and len(x["met"]) == 2
        assert 0.0 <= x["ci95"][0] <= x["met_fraction"] <= x["ci95"][1] <= 1.0
    assert (out / ".hydra" / "config.yaml").exists()
    for name in TARGET_NAMES:
        assert name in stdout
    # both probabilities (uncertainty=posterior, the default), margins and where results went
    assert t["uncertainty"] == "posterior" and [x["name"] for x in t["targets_seeds"]] == TARGET_NAMES
    for x in t["targets"]:
        assert len(x["margin"]) == 2 and x["reading"] is not None and "year_met" not in x  # horizon = target year
    head = next(line for line in stdout.splitlines() if line.startswith("target "))
    assert head.split()[-3:] == ["P(met)", "seeds", "only"] and "posterior: a particle of the posterior" in " ".join(stdout.split())
    # the header names what the command line set beside the scenario, not Hydra's settings nor those it states
    assert stdout.splitlines()[0] == "scenario baseline, with firms_scale=0.05: 2 replications from seed 3, uncertainty=posterior"
    assert stdout.splitlines()[2].startswith("  Parks' output of 30,000亿元 a year: met with probability ")  # the verdicts first
    assert str(out) in stdout
    draws = pd.read_parquet(out / "parameters.parquet")
    assert list(draws["replication"]) == [0, 1] and "params.macro_sd" in draws and "calibration.zipf_exponent" in draws


def test_same_seed_same_bytes(baseline_dir, tmp_path):
    out, _ = baseline_dir
    p = run(*TINY, "replications=2", "seed=3", f"hydra.run.dir={tmp_path}")
    assert p.returncode == 0, p.stderr
    for name in ("timeseries.parquet", "targets.json"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_outputs_cells_adds_the_park_sector_level_and_the_default_stays_small(baseline_dir, tmp_path):
    out, _ = baseline_dir
    p = run(*TINY, "replications=2", "seed=3", "outputs=cells", f"hydra.run.dir={tmp_path}")
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "targets.json").read_bytes() == (out / "targets.json").read_bytes()  # detail is not results
    parks, cells = pd.read_parquet(out / "timeseries.parquet"), pd.read_parquet(tmp_path / "timeseries.parquet")
    assert set(cells["level"].astype(str)) == {"city", "park", "sector", "park_sector"}
    assert "qiantang:smart_iot" in set(cells.loc[cells["level"] == "park_sector", "id"].astype(str))
    rest = cells[cells["level"] != "park_sector"].reset_index(drop=True)
    pd.testing.assert_frame_equal(rest.astype({c: str for c in ("level", "id", "variable")}),
                                  parks.astype({c: str for c in ("level", "id", "variable")}))  # the same rows, less the cells
    # each sector's output in the parks is the sum of the parks' cells (float32 in the file)
    cell = cells[(cells["level"] == "park_sector") & (cells["variable"] == "output_yi")]
    loc, sector = cell["id"].astype(str).str.split(":", n=1, expand=True).T.to_numpy()
    in_parks = cell[loc != "outside"].assign(id=sector[loc != "outside"]).groupby(["replication", "date", "id"])["value"].sum(min_count=1)
    got = parks[(parks["level"] == "sector") & (parks["variable"] == "parks_output_yi")].assign(id=lambda d: d["id"].astype(str))
    got = got.set_index(["replication", "date", "id"])["value"].sort_index()
    assert got.to_numpy() == pytest.approx(in_parks.sort_index().to_numpy(dtype=float), rel=1e-5)
    # the size budget of issue 14: under 50 kB a replication with its share of parameters.parquet
    size = sum((out / name).stat().st_size for name in ("timeseries.parquet", "parameters.parquet"))
    assert size / 2 < 50_000 < (tmp_path / "timeseries.parquet").stat().st_size / 2
    meta = pq.ParquetFile(out / "timeseries.parquet").metadata
    value = meta.row_group(0).column(5)
    assert (value.path_in_schema, value.physical_type, value.compression) == ("value", "FLOAT", "ZSTD")
    assert "BYTE_STREAM_SPLIT" in value.encodings


def test_no_policy_gives_a_different_table(baseline_dir, tmp_path):
    out, _ = baseline_dir
    p = run(*TINY, "replications=2", "seed=3", "scenario=no_policy", f"hydra.run.dir={tmp_path}")
    assert p.returncode == 0, p.stderr
    base = json.loads((out / "targets.json").read_text())
    nopol = json.loads((tmp_path / "targets.json").read_text())
    assert nopol["scenario"] == "no_policy"
    assert [t["values"] for t in base["targets"]] != [t["values"] for t in nopol["targets"]]


def test_overrides_of_horizon_and_levers(tmp_path):
    p = run(*TINY, "replications=1", "horizon_year=2026", "policy.factory_space_m2_per_year=8e6", f"hydra.run.dir={tmp_path}")
    assert p.returncode == 0, p.stderr
    ts = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert pd.to_datetime(ts["date"].astype(str)).max() == pd.Timestamp("2026-12-31")
    resolved = (tmp_path / ".hydra" / "config.yaml").read_text()
    assert "factory_space_m2_per_year: 8000000.0" in resolved


@pytest.mark.parametrize(
    "override, key",
    [
        ("policy.land_renovation_mu_per_year=-1", "policy.land_renovation_mu_per_year"),
        ("policy.fund_platform_share=1.5", "policy.fund_platform_share"),
        ("targets.leading_share=2", "targets.leading_share"),
        ("replications=0", "replications"),
        ("policy.relocation_rule=anywhere", "policy.relocation_rule"),
        ("+policy.fund_yi=3", "policy.fund_yi"),
        ("targets.prices=current", "targets.prices"),
        ("targets.clusters_10000yi_ecosystems=[tea]", "targets.clusters_10000yi_ecosystems"),
        ("uncertainty=everything", "uncertainty"),
        ("outputs=firms", "outputs"),
        ("fixed_parameters=[params.nope]", "fixed_parameters"),
        ("posterior=../../x", "posterior"),  # a name, not a path
        ("params.ppi_growth=0.9", "params.ppi_growth"),
        ("params.exit_rate=1.5", "params.exit_rate"),
        ("calibration.outside.id=rest", "calibration.outside.id"),
        ("calibration.parks.0.id=?", "calibration.parks[0].id"),
        ("calibration.parks.2.leading=[]", "calibration.parks[2].leading"),
    ],
)
def test_bad_value_one_line_nonzero_exit_no_files(tmp_path, override, key):
    out = tmp_path / "run"
    p = run(*TINY, override, f"hydra.run.dir={out}")
    assert p.returncode != 0
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, p.stderr
    assert key in lines[0] and "allowed" in lines[0]
    assert not out.exists()


def test_posterior_without_its_file_stops_before_anything_is_written(tmp_path):
    out = tmp_path / "run"
    p = run(*TINY, "uncertainty=posterior", "posterior=test_fixture_absent", f"hydra.run.dir={out}")
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert p.returncode == 1 and len(lines) == 1, p.stderr
    assert "data/posterior/test_fixture_absent.csv: no such posterior sample" in lines[0] and "python -m experiments.posterior" in lines[0]
    assert not out.exists()


@pytest.mark.parametrize(
    "override, expect",
    [("scenario=nope", "baseline"), ("policy.fund_yi_per_year=abc", "policy.fund_yi_per_year")],
)
def test_hydra_errors_name_the_key_without_traceback(tmp_path, override, expect):
    out = tmp_path / "run"
    p = run(*TINY, override, f"hydra.run.dir={out}")
    assert p.returncode != 0
    assert "Traceback" not in p.stderr and expect in p.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "args, key, close",
    [
        (["policy.factory_space=1"], "policy.factory_space", "policy.factory_space_m2_per_year"),  # misspelt
        (["factory_space_m2_per_year=8e6"], "factory_space_m2_per_year", "policy.factory_space_m2_per_year"),  # without its group
        (["params.macro_sdd=0.1"], "params.macro_sdd", "params.macro_sd"),
        (["-m", "seed=0,1", "polcy.fund_yi_per_year=1,2"], "polcy.fund_yi_per_year", "policy.fund_yi_per_year"),  # a sweep's axis
    ],
)
def test_a_mistyped_key_is_one_line_naming_the_close_keys(tmp_path, args, key, close):
    """As sim.run names the close names of a mistyped setting, run.py does (not Hydra's
    `Key 'factory_space' not in 'Policy'`), before anything is written."""
    out = tmp_path / "run"
    line = one_error_line(run(*TINY, *args, f"hydra.run.dir={out}", f"hydra.sweep.dir={out}"))
    assert line.startswith("error: ") and key in line.partition("did you mean")[0] and "allowed" in line
    assert close in line.partition("did you mean: ")[2].partition("?")[0].split(", ")
    assert not out.exists()


def test_reading_sets_are_selectable_and_year_met_past_the_target_year(tmp_path):
    p = run(*TINY, "replications=1", "uncertainty=seeds", "targets=industrial_real", "horizon_year=2026", f"hydra.run.dir={tmp_path}")
    assert p.returncode == 0, p.stderr
    t = json.loads((tmp_path / "targets.json").read_text(encoding="utf-8"))
    assert "targets_seeds" not in t and "seeds only" not in p.stdout
    head = " ".join(p.stdout[:p.stdout.index("The plan's targets")].split())  # the header, wrapped at 100 columns
    assert head == "scenario baseline, with firms_scale=0.05, targets=industrial_real, horizon_year=2026: 1 replication from seed 0, uncertainty=seeds"
    by = {x["name"]: x for x in t["targets"]}
    assert by["parks_output"]["reading"] == "output_scope=industrial, prices=real"
    assert by["leading_share"]["reading"] == "leading_set=declared"
    assert len(by["st_coverage"]["year_met"]) == 1 and "year first met" in p.stdout

"""The sweep's work outside the model: the checks before the first job (once per choice of
config groups, one line and nothing written for a bad value), the report's per-job share done
by the jobs, and its figures drawn in parallel, with the same bytes as before."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from sim.sweep import report, report_cache

ROOT = Path(__file__).resolve().parent.parent
TINY = ["firms_scale=0.03", "replications=2", "progress=false"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pipeline") / "seeds"
    p = run("-m", f"hydra.sweep.dir={out}", "seed=0,1,2", *TINY)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "3 jobs: 3 complete" in p.stdout and f"report: {out}/report.html" in p.stdout  # the summary, then the report
    return out


def jobs_of(sweep_dir: Path) -> list[Path]:
    return sorted(d for d in sweep_dir.iterdir() if (d / ".hydra").is_dir())


def test_the_jobs_store_the_reports_share_and_the_page_is_the_same_without_it(swept, tmp_path):
    for job in jobs_of(swept):
        assert json.loads((job / "job.json").read_text())["cpu_seconds"] > 0
        assert (job / report_cache.CACHE / "key.json").exists() and (job / report_cache.CACHE / "fan.parquet").exists()
    page = (swept / "report.html").read_bytes()
    bare = tmp_path / swept.name  # the same name: the page names its directory
    shutil.copytree(swept, bare)
    for job in jobs_of(bare):
        shutil.rmtree(job / report_cache.CACHE)
    report.build(bare)
    assert (bare / "report.html").read_bytes() == page  # from the time series, serially: the same bytes
    for name in ("fan_chart.png", "scorecard.svg"):
        assert (bare / "figures" / name).read_bytes() == (swept / "figures" / name).read_bytes()


def test_stored_aggregates_that_do_not_match_are_not_used(swept, tmp_path):
    copy = tmp_path / swept.name
    shutil.copytree(swept, copy)
    job = jobs_of(copy)[0]
    key = json.loads((job / report_cache.CACHE / "key.json").read_text())
    key["timeseries_sha256"] = "0" * 64  # computed from other results
    (job / report_cache.CACHE / "key.json").write_text(json.dumps(key))
    fan = job / report_cache.CACHE / "fan.parquet"
    fan.write_bytes(b"not parquet")  # would fail if it were read
    report.build(copy, processes=2)
    assert (copy / "report.html").read_bytes() == (swept / "report.html").read_bytes()
    assert report_cache.write(job) and fan.read_bytes() != b"not parquet"  # rewritten on the next write


def test_sections_drawn_in_forked_processes_keep_order_and_warnings():
    def warns() -> str:
        warnings.warn("drawn elsewhere", UserWarning)
        return "a"

    with pytest.warns(UserWarning, match="drawn elsewhere"):
        assert report.in_parallel([warns, lambda: "b", lambda: "c"], processes=3) == ["a", "b", "c"]
    assert report.in_parallel([lambda: "x"], processes=4) == ["x"]


def test_a_resumed_sweep_skips_its_jobs_and_still_reports(swept):
    p = run("-m", f"hydra.sweep.dir={swept}", "seed=0,1,2", *TINY)
    assert p.returncode == 0, p.stderr
    assert p.stdout.count(": skipped") == 3 and "3 jobs: 3 complete" in p.stdout and "report:" in p.stdout


@pytest.mark.parametrize("axis, key", [("seed=0,1,-3", "seed"), ("policy.fund_yi_per_year=1,2,abc", "policy.fund_yi_per_year")])
def test_a_bad_later_value_of_an_axis_stops_the_sweep_before_anything_is_written(tmp_path, axis, key):
    out = tmp_path / "sweep"
    p = run("-m", f"hydra.sweep.dir={out}", axis, *TINY)
    assert p.returncode == 1
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and key in lines[0] and ("allowed" in lines[0] or "converted" in lines[0]), p.stderr
    assert not out.exists()


def test_the_sweeper_checks_every_job_before_the_first_runs(tmp_path):
    """Without run.py's precheck, the project's sweeper still refuses a bad value in any job
    before any job runs (Hydra's check, once per choice of config groups)."""
    out = tmp_path / "sweep"
    script = tmp_path / "no_precheck.py"
    script.write_text(
        "import runpy, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "import sim.runs.cli\n"
        "sim.runs.cli.precheck = lambda argv: None\n"
        f"sys.argv = ['run.py', '-m', 'hydra.sweep.dir={out}', 'scenario=baseline,no_policy', 'seed=0,1,abc', *{TINY!r}]\n"
        f"runpy.run_path({str(ROOT / 'run.py')!r}, run_name='__main__')\n"
    )
    p = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert p.returncode != 0
    assert "seed" in p.stderr and "abc" in p.stderr
    assert not [d for d in out.glob("*") if d.is_dir()]  # no job started
    assert "CheckedSweeper" in (out / "multirun.yaml").read_text()


# ------------------------------------------------------------------ the launcher
# hydra_plugins.hangzhou_launcher hands each worker its job's config, built from one
# composition per choice of config groups (hangzhou_sweeper.jobs.JobConfigs) instead of
# composing it again from the files: it must be the config Hydra's composition gives.


@pytest.fixture(scope="module")
def hydra_loader():
    """Hydra's config loader and a multirun's base config, as run.py -m has them."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.types import RunMode

    from sim.config.schema import register_configs

    register_configs()
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3", job_name="run"):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration("config", overrides=["hydra.sweep.dir=/tmp/x", "seed=0,1", *TINY], run_mode=RunMode.MULTIRUN)
        yield loader, master


@pytest.mark.parametrize(
    "overrides",
    [
        ["seed=3", *TINY],
        ["scenario=no_policy", "seed=1", "policy.fund_yi_per_year=2"],
        ["policy.fund_yi_per_year=2", "scenario=land_first", "seed=1"],  # a group after a value
        ["+experiment=policy_comparison", "scenario=talent_first", "seed=2"],  # a group added
        ["+extra_key=1", "seed=2"],  # a key added, in order with the values
        ["seed=2", "++seed=5", "~progress"],  # forced, deleted
        ["policy={fund_yi_per_year: 3}", "seed=1"],  # a dict, merged into its node
        ["fit=none", "seed=4"],
    ],
)
def test_a_jobs_config_is_hydras_composition_of_it(hydra_loader, overrides):
    from omegaconf import OmegaConf

    from hydra_plugins.hangzhou_sweeper.jobs import JobConfigs

    def outcome(compose) -> str:  # the whole config, hydra's part too (overrides, override_dirname, choices), or the error
        try:
            return OmegaConf.to_yaml(compose())
        except Exception as e:  # noqa: BLE001
            return f"{type(e).__name__}: {e}"

    loader, master = hydra_loader
    jobs = JobConfigs(loader, master)
    other = [o.replace("seed=2", "seed=9").replace("seed=1", "seed=9") for o in overrides]
    for job in (overrides, other, overrides):  # the second and third from the first's composition, unchanged by them
        assert outcome(lambda: jobs.config(job)) == outcome(lambda: loader.load_sweep_config(master, job))


def test_a_job_overriding_hydras_own_config_is_left_to_hydra(hydra_loader):
    from hydra_plugins.hangzhou_sweeper.jobs import JobConfigs

    jobs = JobConfigs(*hydra_loader)
    assert jobs.config(["seed=1", "hydra.job.env_set.SIM_X=1"]) is None
    assert jobs.config(["seed=1"]) is not None


def _normalized(path: Path) -> bytes:
    """A file of a sweep, less what differs from run to run or names the launcher."""
    data = path.read_bytes()
    if path.name == "job.json":
        status = json.loads(data)
        return json.dumps({k: v for k, v in status.items() if k not in ("seconds", "cpu_seconds")}).encode()
    if path.name == "sweep.json":
        plan = json.loads(data)
        return json.dumps([{k: v for k, v in inv.items() if k != "command"} for inv in plan["invocations"]]).encode()
    if path.name in ("hydra.yaml", "multirun.yaml"):
        lines = data.decode().splitlines()
        return "\n".join(line for line in lines if "hydra/launcher" not in line and "_target_: hydra_plugins.h" not in line).encode()
    return data


def test_the_default_launcher_writes_what_the_joblib_launcher_writes(tmp_path):
    """Every file of every job (results, report aggregates, .hydra/*.yaml, logs) and of the
    sweep (summary, report, figures) the same bytes, but for timings and the launcher's name;
    a resume skips every job; a job overriding hydra's config is composed in its worker."""
    grid = ["scenario=baseline,no_policy", "seed=0,1", *TINY]
    p = run("-m", f"hydra.sweep.dir={tmp_path / 's'}", *grid)
    assert p.returncode == 0, p.stdout + p.stderr
    (tmp_path / "s").rename(tmp_path / "new")
    p = run("-m", f"hydra.sweep.dir={tmp_path / 's'}", "hydra/launcher=joblib", *grid)
    assert p.returncode == 0, p.stdout + p.stderr
    new, old = tmp_path / "new", tmp_path / "s"
    files = sorted(f.relative_to(new) for f in new.rglob("*") if f.is_file())
    assert files == sorted(f.relative_to(old) for f in old.rglob("*") if f.is_file())
    assert len([f for f in files if f.name == "config.yaml"]) == 4
    assert "ParallelLauncher" in (new / "multirun.yaml").read_text()
    for f in files:
        assert _normalized(new / f) == _normalized(old / f), f

    # a job only Hydra's composition gives (an override of hydra's own config: this project's
    # run.py refuses one, so the no_policy jobs are sent that way here) is composed in its worker
    script = tmp_path / "fallback.py"
    script.write_text(
        "import runpy, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "import atexit\n"
        "from hydra_plugins.hangzhou_sweeper.jobs import JobConfigs\n"
        "config, sent = JobConfigs.config, []\n"
        "JobConfigs.config = lambda self, o, parsed=None: sent.append(o) if 'scenario=no_policy' in o else config(self, o, parsed)\n"
        "atexit.register(lambda: print('left to hydra:', len(sent)))\n"
        f"sys.argv = ['run.py', '-m', 'hydra.sweep.dir={tmp_path / 'fallback'}', *{grid!r}]\n"
        f"runpy.run_path({str(ROOT / 'run.py')!r}, run_name='__main__')\n"
    )
    p = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0 and "left to hydra: 3" in p.stdout, p.stdout + p.stderr  # the sweeper's check, then 2 jobs
    for f in files:
        if f.parent.name == ".hydra" or f.suffix in (".parquet", ".json"):
            assert _normalized(tmp_path / "fallback" / f) == _normalized(new / f).replace(str(tmp_path / "s").encode(), str(tmp_path / "fallback").encode()), f

    new.rename(tmp_path / "s2")  # resumed in place, on one worker (this process): every job skipped
    p = run("-m", f"hydra.sweep.dir={tmp_path / 's2'}", "hydra.launcher.n_jobs=1", *grid)
    assert p.returncode == 0 and p.stdout.count(": skipped") == 4, p.stdout + p.stderr
    assert "Joblib.Parallel(n_jobs=1," in p.stdout + p.stderr

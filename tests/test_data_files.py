"""Config files are data, by construction (sim/config/datafiles.py, sim/config/hydrasource.py).

Real faults: a secret in the environment that a data file asks for, a `# @package
_global_.hydra` header and a defaults entry `@hydra.job` that set a job's environment, an
experiment whose sweep axes set `GIT_CONFIG_*` so that git would run core.fsmonitor (a
command creating a marker file), a YAML alias bomb under a time limit, a copied scenario
file that keeps its original label. Each is refused with one line naming the file, before
anything is written, and the secret appears nowhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.config import datafiles
from sim.config.schema import ConfigError
from conftest import one_error_line

ROOT = Path(__file__).resolve().parent.parent
TINY = ["firms_scale=0.03", "replications=1", "uncertainty=seeds", "progress=false"]
SECRET = "s3cr3t-token-do-not-leak-4711"


def run(*args, cwd=ROOT, env=None, timeout=600):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def config_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    d = tmp_path / "cd"
    for name, text in files.items():
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_text(text, encoding="utf-8")
    return d


def nothing_under(root: Path, *names: str) -> None:
    for name in names:
        assert not (root / name).exists(), name


def bomb(levels: int = 9) -> str:
    """A billion laughs: 9 levels of 9 aliases each, 9**9 strings once expanded."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    prev = "a"
    for name in "bcdefghijklmnop"[: levels - 1]:
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
        prev = name
    return "# @package _global_\n" + "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the environment and the clock
LEAKS = {
    "scenario value": ("scenario/leak.yaml", '# @package _global_\nscenario: "leak-${oc.env:MY_SECRET_TOKEN}"\n', "scenario=leak"),
    "lever value": ("scenario/leak.yaml", "# @package _global_\npolicy:\n  relocation_rule: ${oc.env:MY_SECRET_TOKEN}\n", "scenario=leak"),
    "a key": ("scenario/leak.yaml", "# @package _global_\npolicy:\n  ${oc.env:MY_SECRET_TOKEN}: 1\n", "scenario=leak"),
    "park name": ("calibration/leak.yaml", "name: x\nparks:\n  - id: a\n    name_zh: ${oc.env:MY_SECRET_TOKEN}\n", "calibration=leak"),
    "the clock": ("targets/now.yaml", "year: ${now:%Y}\n", "targets=now"),
    "an experiment axis": ("experiment/leak.yaml", "# @package _global_\nhydra:\n  sweeper:\n    params:\n      seed: ${oc.env:MY_SECRET_TOKEN}\n", "+experiment=leak"),
}


@pytest.mark.parametrize("case", sorted(LEAKS))
def test_a_data_file_cannot_read_the_environment_or_the_clock(tmp_path, case):
    name, text, choice = LEAKS[case]
    d = config_dir(tmp_path, {name: text})
    env = {"MY_SECRET_TOKEN": SECRET}
    for mode in ([], ["-m"]) if case in ("scenario value", "an experiment axis") else ([],):
        p = run("--config-dir", str(d), *mode, *TINY, choice, f"hydra.run.dir={tmp_path / 'out'}", f"hydra.sweep.dir={tmp_path / 'sweep'}", env=env)
        line = one_error_line(p)
        assert Path(name).name in line and "interpolat" in line and "config files are data" in line, line
        assert SECRET not in p.stdout + p.stderr
        nothing_under(tmp_path, "out", "sweep")
    for f in tmp_path.rglob("*"):
        assert not f.is_file() or SECRET.encode() not in f.read_bytes(), f


def test_load_config_reads_its_files_by_the_same_rule(tmp_path, monkeypatch):
    """sim.load_config / sim.run read configs/ without Hydra: the same refusals."""
    from sim.config import loading

    configs = tmp_path / "configs"
    shutil.copytree(ROOT / "configs", configs)
    monkeypatch.setattr(loading, "CONFIG_DIR", configs)
    monkeypatch.setenv("MY_SECRET_TOKEN", SECRET)
    (configs / "scenario" / "leak.yaml").write_text('# @package _global_\nscenario: "leak-${oc.env:MY_SECRET_TOKEN}"\n', encoding="utf-8")
    (configs / "scenario" / "bomb.yaml").write_text(bomb(), encoding="utf-8")
    (configs / "scenario" / "copy.yaml").write_text((configs / "scenario" / "land_first.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (configs / "fit" / "hook.yaml").write_text("# @package _global_\nhydra:\n  job:\n    env_set: {A: b}\n", encoding="utf-8")
    (configs / "targets" / "global.yaml").write_text("# @package _global_\nseed: 3\n", encoding="utf-8")
    for kwargs, words in [
        (dict(scenario="leak"), ("leak.yaml", "interpolates")),
        (dict(scenario="bomb"), ("bomb.yaml", "anchor or alias")),
        (dict(scenario="copy"), ("copy.yaml", "land_first", "file name")),
        (dict(fit="hook"), ("hook.yaml", "hydra.job")),
        (dict(targets="global"), ("global.yaml", "package")),
    ]:
        start = time.perf_counter()
        with pytest.raises(ConfigError) as e:
            loading.load_config(**kwargs)
        assert time.perf_counter() - start < 2.0
        msg = str(e.value)
        assert "\n" not in msg and SECRET not in msg and all(w in msg for w in words), msg
    (configs / "scenario" / "nolabel.yaml").write_text("# @package _global_\npolicy:\n  fund_yi_per_year: 3.0\n", encoding="utf-8")
    assert loading.load_config(scenario="nolabel", firms_scale=0.05).scenario == "nolabel"  # the label is the file name


# ---------------------------------------------------------------- Hydra's own config
def test_a_package_header_cannot_reach_hydra(tmp_path):
    marker = tmp_path / "marker"
    for header in ("_global_.hydra", "hydra", "_global_.hydra.job", "_group_.x", "policy"):
        d = config_dir(tmp_path, {"scenario/evil.yaml": f"# @package {header}\njob:\n  env_set:\n    MARK: '{marker}'\nenv_set: {{}}\n"})
        for mode in ([], ["-m"]) if header == "_global_.hydra" else ([],):
            line = one_error_line(run("--config-dir", str(d), *mode, *TINY, "scenario=evil", f"hydra.run.dir={tmp_path / 'out'}",
                                      f"hydra.sweep.dir={tmp_path / 'sweep'}"))
            assert "evil.yaml" in line and f"@package {header}" in line and "config files are data" in line, line
        nothing_under(tmp_path, "out", "sweep")


@pytest.mark.parametrize("entry", ["/targets/x@hydra.job", "/targets/x@_global_.hydra.job", "override /hydra/launcher: basic",
                                   "/hydra/job_logging: disabled", "/config"])
def test_a_defaults_entry_cannot_place_a_file_under_hydra(tmp_path, entry):
    d = config_dir(tmp_path, {"experiment/evil.yaml": f"# @package _global_\ndefaults:\n  - {entry}\n",
                              "targets/x.yaml": "env_set:\n  GIT_CONFIG_COUNT: '1'\n"})
    line = one_error_line(run("--config-dir", str(d), "-m", *TINY, "+experiment=evil", f"hydra.sweep.dir={tmp_path / 'sweep'}"))
    assert "evil.yaml" in line and "defaults entry" in line, line
    nothing_under(tmp_path, "sweep")


def test_the_command_line_cannot_place_a_data_file_under_hydra(tmp_path):
    line = one_error_line(run("-m", *TINY, "+experiment@hydra.job=policy_comparison", f"hydra.sweep.dir={tmp_path / 'sweep'}"))
    assert "policy_comparison.yaml" in line and "hydra.job" in line
    nothing_under(tmp_path, "sweep")


GIT_AXES = {  # git would run core.fsmonitor's command, which creates the marker
    "+hydra.job.env_set.GIT_CONFIG_COUNT": "1",
    "+hydra.job.env_set.GIT_CONFIG_KEY_0": "core.fsmonitor",
    "+hydra.job.env_set.GIT_CONFIG_VALUE_0": "'touch {marker}; :'",
}


def test_an_experiment_cannot_sweep_hydra_keys_to_run_a_command(tmp_path):
    marker = tmp_path / "marker"
    axes = "".join(f"      {k}: \"{v.format(marker=marker)}\"\n" for k, v in GIT_AXES.items())
    d = config_dir(tmp_path, {"experiment/git.yaml": f"# @package _global_\nhydra:\n  sweeper:\n    params:\n      seed: 0,1\n{axes}"})
    line = one_error_line(run("--config-dir", str(d), "-m", *TINY, "+experiment=git", f"hydra.sweep.dir={tmp_path / 'sweep'}"))
    assert "git.yaml" in line and "+hydra.job.env_set.GIT_CONFIG_COUNT" in line and "hydra.*" in line, line
    assert not marker.exists()
    nothing_under(tmp_path, "sweep")


AXES = {  # an axis on the command line -> what its one line names
    "+hydra.job.env_set.GIT_CONFIG_COUNT=1,2": "hydra.job.env_set.GIT_CONFIG_COUNT",
    "hydra.sweeper.params={hydra.job.env_set.X:a}": "hydra.job.env_set.X",
    "scenario@hydra.job=baseline,no_policy": "scenario@hydra.job",
    "sweep_name=a,b": "sweep_name",
    "progress=true,false": "progress",
    "seed=0,0": "seed=0,0",
    "calibration.name=a/b,c": "calibration.name",
}


@pytest.mark.parametrize("axis", sorted(AXES))
def test_a_sweep_axis_on_the_command_line_is_checked_too(tmp_path, axis):
    line = one_error_line(run("-m", *TINY, axis, f"hydra.sweep.dir={tmp_path / 'sweep'}"))
    assert AXES[axis] in line, line
    nothing_under(tmp_path, "sweep")


def test_git_runs_with_a_clean_environment(tmp_path, monkeypatch):
    """The job's environment (hydra.job.env_set, or anything else) cannot make git run a command."""
    from sim.sweep import jobs

    marker = tmp_path / "marker"
    poison = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.fsmonitor", "GIT_CONFIG_VALUE_0": f"touch {marker}; :"}  # "; :": git appends arguments
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    for k, v in {**poison, "GIT_CONFIG_PARAMETERS": f"'core.fsmonitor'='touch {marker}; :'", "GIT_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(k, v)
    commit = jobs.git_commit.__wrapped__()
    assert commit is not None and len(commit.removesuffix("-dirty")) == 40
    assert not marker.exists()
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.delenv("GIT_CONFIG_PARAMETERS")
    subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True)  # git as the job's environment would run it
    assert marker.exists()  # the poison is real


# ---------------------------------------------------------------- inputs that hang
def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path):
    start = time.perf_counter()
    with pytest.raises(ConfigError, match="anchor or alias"):
        datafiles.safe_load(bomb(), "bomb.yaml")
    deep = "# @package _global_\npolicy: " + "[" * 100 + "]" * 100 + "\n"
    with pytest.raises(ConfigError, match="nested more than"):
        datafiles.safe_load(deep, "deep.yaml")
    assert time.perf_counter() - start < 0.5
    d = config_dir(tmp_path, {"scenario/bomb.yaml": bomb()})
    start = time.perf_counter()
    line = one_error_line(run("--config-dir", str(d), *TINY, "scenario=bomb", f"hydra.run.dir={tmp_path / 'out'}", timeout=60))
    assert "bomb.yaml, line 2" in line and "anchor or alias" in line
    assert time.perf_counter() - start < 30  # the process's start (imports) included; the bomb took 5 minutes
    nothing_under(tmp_path, "out")


# ---------------------------------------------------------------- labels and places
def test_a_copied_scenario_keeps_no_other_label(tmp_path):
    text = (ROOT / "configs" / "scenario" / "land_first.yaml").read_text(encoding="utf-8")
    d = config_dir(tmp_path, {"scenario/my_copy.yaml": text, "scenario/unlabelled.yaml": text.replace("scenario: land_first\n", "")})
    line = one_error_line(run("--config-dir", str(d), *TINY, "scenario=my_copy", f"hydra.run.dir={tmp_path / 'out'}"))
    assert "my_copy.yaml" in line and "'land_first'" in line and "scenario: my_copy" in line
    p = run("--config-dir", str(d), "--cfg", "job", "scenario=unlabelled")
    assert p.returncode == 0 and "scenario: unlabelled" in p.stdout, p.stderr
    d2 = config_dir(tmp_path / "2", {"experiment/relabel.yaml": "# @package _global_\nscenario: baseline\n"})
    assert "relabel.yaml" in one_error_line(run("--config-dir", str(d2), *TINY, "+experiment=relabel", f"hydra.run.dir={tmp_path / 'out'}"))
    nothing_under(tmp_path, "out")


def test_every_file_of_a_config_dir_is_data(tmp_path):
    d = config_dir(tmp_path, {"hydra/launcher/evil.yaml": "_target_: hydra._internal.core_plugins.basic_launcher.BasicLauncher\n",
                              "scenario/sub/x.yaml": "# @package _global_\n"})
    line = one_error_line(run("--config-dir", str(d), "-m", *TINY, "hydra/launcher=evil", f"hydra.sweep.dir={tmp_path / 'sweep'}"))
    assert "evil.yaml" in line and "config files are data" in line
    assert "sub/x" in one_error_line(run("--config-dir", str(d), *TINY, "scenario=sub/x", f"hydra.run.dir={tmp_path / 'out'}"))
    nothing_under(tmp_path, "sweep", "out")


def test_what_a_data_file_may_set():
    """The rule as a function of the parsed content: values of the schema and axes over them."""
    ok = [("scenario/x", {"scenario": "x", "policy": {"fund_yi_per_year": 1}}, "_global_"),
          ("experiment/e", {"sweep_name": "e", "hydra": {"sweeper": {"params": {"scenario": "a,b", "policy.fund_yi_per_year": "0,1"}}}}, "_global_"),
          ("experiment/e", {"defaults": [{"override /scenario": "land_first"}, "_self_"]}, "_global_"),
          ("calibration/c", {"name": "c"}, None), ("targets/t", {"year": 2025}, "targets")]
    for path, content, package in ok:
        datafiles.check_content(content, {"package": package}, path, path)
    bad = [("scenario/x", {"hydra": {"run": {"dir": "/tmp"}}}, "_global_", "hydra.run"),
           ("experiment/e", {"hydra": {"sweeper": {"params": {"+hydra.job.env_set.A": "1"}}}}, "_global_", "hydra.*"),
           ("experiment/e", {"hydra": {"sweeper": {"_target_": "x"}}}, "_global_", "hydra.sweeper._target_"),
           ("experiment/e", {"nonsense": 1}, "_global_", "not a key of the schema"),
           ("experiment/e", {"defaults": [{"/scenario@hydra": "x"}]}, "_global_", "package"),
           ("calibration/c", {"name": "c"}, "_global_.hydra", "@package"),
           ("calibration/c", {"name": "c"}, "hydra.job", "@package"),
           ("../x", {}, None, "config path")]
    for path, content, package, words in bad:
        with pytest.raises(ConfigError, match=None) as e:
            datafiles.check_content(content, {"package": package}, path, path)
        assert words in str(e.value), (path, str(e.value))


@pytest.mark.parametrize("text", [b"policy: !!set {a, b}\n", b"seed: !!binary aGk=\n", b"seed: \xff\xfe\n", b"seed: !!python/object:os.system {}\n",
                                  b"- a\n- b\n", b"seed: 1\nseed: 2\n", b"? [a, b]\n: 1\n"])
def test_odd_yaml_is_one_line(text):
    """Whatever the YAML, a data file is refused with one line naming it, never a traceback."""
    from sim.runs.cli import user_error

    with pytest.raises(Exception) as e:
        datafiles.read(b"# @package _global_\n" + text, "odd.yaml", "scenario/odd")
    line = user_error(e.value)
    assert line is not None and "\n" not in line and "odd.yaml" in line, (type(e.value), line)

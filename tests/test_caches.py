"""Caches verified like results (issue 26): the report's per-job aggregates
(JOB_DIR/report_series/) carry the sha256 of what they were computed from and of their own
files, so deleting, rescaling or truncating one changes nothing in the report, and a resume
repairs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep import report, report_cache
from conftest import copy_of

ROOT = Path(__file__).resolve().parent.parent
TINY = ["firms_scale=0.03", "replications=2", "uncertainty=seeds", "progress=false"]


def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def jobs_of(sweep_dir: Path) -> list[Path]:
    return sorted(d for d in sweep_dir.iterdir() if (d / ".hydra").is_dir())


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("caches") / "seeds"
    p = run("-m", f"hydra.sweep.dir={out}", f"sweep_name={out.name}", "seed=0,1", *TINY)
    assert p.returncode == 0, p.stdout + p.stderr
    return out


# ------------------------------------------------------------------ caches
@pytest.mark.parametrize("damage", ["delete", "rescale", "truncate"])
def test_a_damaged_report_series_file_changes_nothing_and_a_resume_repairs_it(swept, tmp_path, damage):
    d = copy_of(swept, tmp_path)
    job = jobs_of(d)[0]
    fan = job / report_cache.CACHE / "fan.parquet"
    want = report_cache.key(job)
    assert report_cache._verified(job, want) is not None
    if damage == "delete":
        fan.unlink()
    elif damage == "rescale":  # a valid file with other numbers: only its sha256 tells
        frame = pd.read_parquet(fan)
        (frame * 2).to_parquet(fan)
    else:
        fan.write_bytes(fan.read_bytes()[:100])
    assert report_cache._verified(job, want) is None
    report.build(d)
    assert (d / "report.html").read_bytes() == (swept / "report.html").read_bytes()
    p = run("-m", f"hydra.sweep.dir={d}", f"sweep_name={d.name}", "seed=0,1", *TINY)  # a resume: jobs skipped, caches checked
    assert p.returncode == 0, p.stdout + p.stderr
    assert report_cache._verified(job, want) is not None and fan.read_bytes() == (swept / job.name / report_cache.CACHE / "fan.parquet").read_bytes()


def test_a_cache_whose_key_lists_no_files_is_recomputed(swept, tmp_path):
    d = copy_of(swept, tmp_path)
    job = jobs_of(d)[0]
    key_file = job / report_cache.CACHE / "key.json"
    stored = json.loads(key_file.read_text(encoding="utf-8"))
    del stored["files"]  # written before the files' sha256 were recorded
    key_file.write_text(json.dumps(stored), encoding="utf-8")
    assert report_cache._verified(job, report_cache.key(job)) is None
    assert report_cache.write(job) and report_cache._verified(job, report_cache.key(job)) is not None

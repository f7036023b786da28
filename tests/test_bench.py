"""The benchmark (experiments/bench.py) runs and reports every key issues #4 and #14 ask for. Its
numbers are not checked here: CI machines differ; docs/PERFORMANCE.md records them."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "experiments" / "bench.py"
KEYS = (
    "per_firm_step_us",
    "ratio_reference_over_vectorised_10k",
    "scaling_exponent",
    "seconds_100k_run",
    "bytes_per_firm",
    "sweep_runs_per_minute_10k",
    "sweep_overhead_share",
    "bytes_per_run_output",
    "machine",
    "versions",
)


def bench(*args):
    p = subprocess.run([sys.executable, str(BENCH), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    return p


def test_smoke_benchmark_writes_every_key(tmp_path):
    bench("--smoke", "--out", str(tmp_path))
    result = json.loads((tmp_path / "performance.json").read_text())
    assert set(KEYS) <= set(result)
    assert set(result["per_firm_step_us"]) == {"1k", "10k", "100k"}
    assert result["sweep_jobs"] == 2 and result["smoke"] is True
    assert result["reference_same_firms_alive_and_located"] is True
    text = (tmp_path / "PERFORMANCE.md").read_text()
    assert "## Goals" in text and "sweep_overhead_share" in text and "bytes_per_run_output" in text
    assert 0 < result["bytes_per_run_output"] < 10e6


def test_quick_benchmark_prints_the_keys_it_measured():
    p = bench("--quick", "--smoke")
    result = json.loads(p.stdout)
    assert {"ratio_reference_over_vectorised_10k", "per_firm_step_us", "machine", "versions"} <= set(result)
    assert "sweep_runs_per_minute_10k" not in result  # not measured by --quick

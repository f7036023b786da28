"""Sweep throughput for experiments/bench.py (section 4 of docs/PERFORMANCE.md): a multirun of
run.py on all local cores, its CPU time, the share of it outside the model, and the bytes it
writes."""

from __future__ import annotations

import copy
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import sim.runs.guard
import sim.runs.simulate
from sim import Config, Model, load_config

ROOT = Path(__file__).resolve().parent.parent


def sweep(jobs: int, replications: int | None, firms_scale: float | None, sample: int, launcher: str | None = None,
          repeats: int = 1) -> dict:
    """4. A `jobs`-job multirun of run.py on all local cores, `repeats` times, each time also with
    report=false (the summary alone; `sweep_no_report_*`), interleaved: its CPU seconds
    (run.py's process and its workers, resource.getrusage(RUSAGE_CHILDREN)), the share of it
    outside the model, and the rate it gives on the launcher's cores if they are never idle;
    the wall time beside it (meaningful on a quiet machine only). `launcher`: another than
    the default (e.g. "joblib", to compare; hydra/launcher=...)."""
    overrides = [f"seed=range(0,{jobs})", "progress=false", "uncertainty=seeds"]  # one run per replication
    overrides += [f"hydra/launcher={launcher}"] if launcher else []
    overrides += [f"replications={replications}"] if replications else []
    overrides += [f"firms_scale={firms_scale}"] if firms_scale else []
    cfg = load_config(firms_scale=firms_scale or Config.firms_scale, replications=replications or Config.replications, progress=False, uncertainty="seeds")
    runs, lean = [], []  # the ordinary command, and with report=false (the summary alone), interleaved
    for _ in range(repeats):
        runs.append(_one_sweep(overrides, jobs))
        lean.append(_one_sweep([*overrides, "report=false"], jobs))
    cores = min(jobs, runs[0]["cores"])
    model_share = _model_share_of_job(cfg, sample)  # in-model / job CPU, measured in-process
    n_runs = jobs * cfg.replications
    for r in runs + lean:
        r["model_cpu"] = model_share * r["job_cpu"]
    lean_low = min(lean, key=lambda r: r["cpu"])
    cpu = sorted(r["cpu"] for r in runs)
    low = min(runs, key=lambda r: r["cpu"])  # the least disturbed sweep: its parts below
    med = float(np.median(cpu))
    wall = min(r["wall"] for r in runs)
    return dict(
        sweep_runs_per_minute_10k=n_runs / (low["cpu"] / cores) * 60,
        sweep_runs_per_minute_10k_median=n_runs / (med / cores) * 60,
        sweep_runs_per_minute_10k_wall=n_runs / wall * 60,
        sweep_minutes_for_10000_runs=10_000 / (n_runs / (low["cpu"] / cores) * 60),
        sweep_cpu_seconds=low["cpu"],
        sweep_cpu_seconds_median=med,
        sweep_cpu_seconds_per_run=low["cpu"] / n_runs,
        sweep_overhead_share=1.0 - low["model_cpu"] / low["cpu"],
        sweep_overhead_share_median=float(np.median([1.0 - r["model_cpu"] / r["cpu"] for r in runs])),
        sweep_overhead_share_wall=1.0 - low["model_cpu"] / (wall * cores),
        sweep_no_report_cpu_seconds=lean_low["cpu"],
        sweep_no_report_runs_per_minute=n_runs / (lean_low["cpu"] / cores) * 60,
        sweep_no_report_overhead_share=1.0 - lean_low["model_cpu"] / lean_low["cpu"],
        sweep_no_report_wall_seconds=min(r["wall"] for r in lean),
        sweep_overhead_outside_jobs_share=1.0 - low["job_cpu"] / low["cpu"],
        sweep_overhead_in_job_share=(low["job_cpu"] - low["model_cpu"]) / low["cpu"],
        sweep_overhead_cpu_seconds_per_job=(low["cpu"] - low["model_cpu"]) / jobs,
        sweep_model_cpu_seconds_per_run=low["model_cpu"] / n_runs,
        bytes_per_run_output=low["written"]["outputs"] / n_runs,
        bytes_per_job_hydra=low["written"]["hydra"] / jobs,
        bytes_per_sweep_end=low["written"]["sweep"],
        sweep_seconds_before_first_job_wall=low["before"],
        sweep_seconds_after_last_job_wall=low["after"],
        sweep_wrote_report=low["report"],
        sweep_wall_seconds=wall,
        sweep_repeats=repeats,
        sweep_jobs=jobs,
        sweep_replications=cfg.replications,
        sweep_firms_scale=cfg.firms_scale,
        sweep_cores=cores,
        sweep_launcher=low["launcher"],
        sweep_model_share_of_job=model_share,
        sweep_command="python run.py -m " + " ".join(overrides) + " hydra.sweep.dir=...",
    )


def _one_sweep(overrides: list[str], jobs: int) -> dict:
    """Run the sweep once into a temporary directory: its CPU and wall seconds, the CPU its
    jobs recorded (job.json's cpu_seconds: the simulation and its result files), when the
    first job started and the last ended (wall), what it wrote."""
    sweep_dir = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        cmd = [sys.executable, str(ROOT / "run.py"), "-m", *overrides, f"hydra.sweep.dir={sweep_dir}"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start, t = time.time(), time.perf_counter()
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode != 0:
            raise RuntimeError(f"sweep failed ({p.returncode}):\n{p.stderr[-3000:]}")
        files = sorted(sweep_dir.glob("*/job.json"))
        status = [json.loads(f.read_text()) for f in files]
        if len(status) != jobs or any(s["status"] != "complete" for s in status):
            raise RuntimeError(f"sweep: {len(status)} job.json files, not {jobs} complete jobs")
        # file times: a job's .hydra/ is written as the job starts; job.json last as it ends
        first = min((f.parent / ".hydra").stat().st_mtime for f in files)
        last = max(f.stat().st_mtime for f in files)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        job_cpu = sum(s["cpu_seconds"] for s in status)
        if cpu < job_cpu:  # a worker not waited for: its CPU would be missing
            raise RuntimeError(f"sweep: its processes' CPU {cpu:.1f} s is less than its jobs' {job_cpu:.1f} s")
        return dict(cpu=cpu, wall=wall, job_cpu=job_cpu, before=max(first - start, 0.0), after=max(start + wall - last, 0.0),
                    report=(sweep_dir / "report.html").exists(), written=_output_bytes(sweep_dir), **_launcher(sweep_dir))
    finally:
        shutil.rmtree(sweep_dir, ignore_errors=True)


def _output_bytes(sweep_dir: Path) -> dict:
    """Bytes a sweep wrote: the jobs' results (timeseries, parameters, targets, job record,
    the report's aggregates), Hydra's own files in the jobs (.hydra/ configs, logs), and the
    sweep's (plan, summary, report)."""
    out = dict(outputs=0, hydra=0, sweep=0)
    for f in sweep_dir.rglob("*"):
        if f.is_file():
            rel = f.relative_to(sweep_dir).parts
            kind = "sweep" if len(rel) == 1 or rel[0] == "figures" else "hydra" if ".hydra" in rel or f.suffix == ".log" else "outputs"
            out[kind] += f.stat().st_size
    return out


def _launcher(sweep_dir: Path) -> dict:
    import yaml

    hydra = yaml.safe_load((sweep_dir / "multirun.yaml").read_text())["hydra"]
    launcher = hydra.get("launcher") or {}
    target = launcher.get("_target_", "unknown")
    name = target.rsplit(".", 1)[-1]
    n_jobs = launcher.get("n_jobs")
    cpus = os.cpu_count() or 1
    if "Basic" in name:
        cores = 1
    elif isinstance(n_jobs, int) and n_jobs != 0:
        cores = n_jobs if n_jobs > 0 else max(cpus + 1 + n_jobs, 1)
    else:
        cores = cpus
    return dict(launcher=name, cores=min(cores, cpus))


def _model_share_of_job(cfg: Config, jobs: int) -> float:
    """Run `jobs` sweep jobs in-process as run.py does (sim.runs.simulate.simulate, writing the
    results) and return the share of their CPU time spent constructing and running Models."""
    spent = [0.0]

    class Timed(Model):
        def __init__(self, *a, **k):
            t = time.process_time()
            super().__init__(*a, **k)
            spent[0] += time.process_time() - t

        def step(self):  # sim.runs.guard.run steps the Model a month at a time
            t = time.process_time()
            super().step()
            spent[0] += time.process_time() - t

    total = 0.0
    original = sim.runs.guard.Model
    sim.runs.guard.Model = Timed
    try:
        with tempfile.TemporaryDirectory() as out:
            for seed in range(jobs):
                c = copy.deepcopy(cfg)
                c.seed = seed
                t = time.process_time()
                sim.runs.simulate.simulate(c, Path(out) / str(seed))
                total += time.process_time() - t
    finally:
        sim.runs.guard.Model = original
    return spent[0] / total

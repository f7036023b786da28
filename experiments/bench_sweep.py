"""Sweep throughput for experiments/bench.py (section 4 of docs/PERFORMANCE.md): a multirun of
run.py on all local cores, the share of its time outside the model, and the bytes it writes."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sim.runs.guard
import sim.runs.simulate
from sim import Config, Model, load_config

ROOT = Path(__file__).resolve().parent.parent


def sweep(jobs: int, replications: int | None, firms_scale: float | None, sample: int, launcher: str | None = None) -> dict:
    """4. A `jobs`-job multirun of run.py on all local cores, and the share of its time
    outside the model: 1 - in-model time / (wall time x cores used). `launcher`: another
    than the default (e.g. "joblib", to compare; hydra/launcher=...)."""
    overrides = [f"seed=range(0,{jobs})", "progress=false", "uncertainty=seeds"]  # one run per replication
    overrides += [f"hydra/launcher={launcher}"] if launcher else []
    overrides += [f"replications={replications}"] if replications else []
    overrides += [f"firms_scale={firms_scale}"] if firms_scale else []
    cfg = load_config(firms_scale=firms_scale or Config.firms_scale, replications=replications or Config.replications, progress=False, uncertainty="seeds")
    sweep_dir = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        cmd = [sys.executable, str(ROOT / "run.py"), "-m", *overrides, f"hydra.sweep.dir={sweep_dir}"]
        start, t = time.time(), time.perf_counter()
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t
        if p.returncode != 0:
            raise RuntimeError(f"sweep failed ({p.returncode}):\n{p.stderr[-3000:]}")
        files = sorted(sweep_dir.glob("*/job.json"))
        status = [json.loads(f.read_text()) for f in files]
        if len(status) != jobs or any(s["status"] != "complete" for s in status):
            raise RuntimeError(f"sweep: {len(status)} job.json files, not {jobs} complete jobs")
        job_seconds = sum(s["seconds"] for s in status)
        launcher = _launcher(sweep_dir)
        # file times: Hydra saves a job's .hydra/config.yaml as the job starts; job.json last
        # as it ends. Before the first job: Hydra's start, composing every job's config to
        # validate the batch, starting the workers; after the last: summary and report.
        first = min((f.parent / ".hydra" / "config.yaml").stat().st_mtime for f in files)
        last = max(f.stat().st_mtime for f in files)
        before, after = max(first - start, 0.0), max(start + wall - last, 0.0)
        report = (sweep_dir / "report.html").exists()
        written = _output_bytes(sweep_dir)
    finally:
        shutil.rmtree(sweep_dir, ignore_errors=True)
    cores = min(jobs, launcher["cores"])
    model_share = _model_share_of_job(cfg, sample)  # in-model / job time, measured in-process
    model_seconds = model_share * job_seconds
    budget = wall * cores
    runs = jobs * cfg.replications
    return dict(
        sweep_runs_per_minute_10k=runs / wall * 60,
        sweep_minutes_for_10000_runs=10_000 / (runs / wall * 60),
        bytes_per_run_output=written["outputs"] / runs,
        bytes_per_job_hydra=written["hydra"] / jobs,
        bytes_per_sweep_end=written["sweep"],
        sweep_jobs_per_minute=jobs / wall * 60,
        sweep_overhead_share=1.0 - model_seconds / budget,
        sweep_overhead_launcher_share=1.0 - job_seconds / budget,
        sweep_overhead_in_job_share=(job_seconds - model_seconds) / budget,
        sweep_overhead_seconds_per_job=(budget - model_seconds) / jobs,
        sweep_overhead_before_first_job_share=before * cores / budget,
        sweep_overhead_after_last_job_share=after * cores / budget,
        sweep_overhead_between_jobs_share=1.0 - job_seconds / budget - (before + after) * cores / budget,
        sweep_seconds_before_first_job=before,
        sweep_seconds_after_last_job=after,
        sweep_wrote_report=report,
        sweep_wall_seconds=wall,
        sweep_jobs=jobs,
        sweep_replications=cfg.replications,
        sweep_firms_scale=cfg.firms_scale,
        sweep_cores=cores,
        sweep_launcher=launcher["name"],
        sweep_model_share_of_job=model_share,
        sweep_command="python run.py -m " + " ".join(overrides) + " hydra.sweep.dir=...",
    )


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
    return dict(name=name, cores=min(cores, cpus))


def _model_share_of_job(cfg: Config, jobs: int) -> float:
    """Run `jobs` sweep jobs in-process as run.py does (sim.runs.simulate.simulate, writing the
    results) and return the share of their time spent constructing and running Models."""
    spent = [0.0]

    class Timed(Model):
        def __init__(self, *a, **k):
            t = time.perf_counter()
            super().__init__(*a, **k)
            spent[0] += time.perf_counter() - t

        def step(self):  # sim.runs.guard.run steps the Model a month at a time
            t = time.perf_counter()
            super().step()
            spent[0] += time.perf_counter() - t

    total = 0.0
    original = sim.runs.guard.Model
    sim.runs.guard.Model = Timed
    try:
        with tempfile.TemporaryDirectory() as out:
            for seed in range(jobs):
                c = copy.deepcopy(cfg)
                c.seed = seed
                t = time.perf_counter()
                sim.runs.simulate.simulate(c, Path(out) / str(seed))
                total += time.perf_counter() - t
    finally:
        sim.runs.guard.Model = original
    return spent[0] / total

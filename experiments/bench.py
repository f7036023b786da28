"""Performance of the model at full scale: writes docs/PERFORMANCE.md and docs/performance.json.

    python experiments/bench.py           # everything (about 7 minutes on 2 quiet cores)
    python experiments/bench.py --quick   # the 10k-firm ratio alone, about a minute; prints
                                          # the JSON keys it measured, writes nothing
    python experiments/bench.py --smoke   # every measurement at tiny sizes, in seconds (CI:
                                          # checks that the benchmark runs, not its numbers)
    python experiments/bench.py --render  # rebuild PERFORMANCE.md from performance.json alone,
                                          # measuring nothing (the profile listing, which the
                                          # JSON does not hold, is kept from the page)

Measures (issues #4, #14 and #30), in CPU time (time.process_time; for the sweep, its
processes' CPU from resource.getrusage(RUSAGE_CHILDREN)), with repeats interleaved and the
min and median of them; wall time beside it, which only a quiet machine makes meaningful:
1. the per firm-step cost of `Model.step` at about 1k, 10k and 100k firms, and the exponent b
   of time ~ N^b fitted over them;
2. the same rules run by the per-agent reference (sim.checks.reference: idiomatic Mesa, each Firm's
   rules in Python over `shuffle_do`), side by side with the vectorised model in this
   process, at 10k firms: the ratio of their step times;
3. construction time, a full run (end-2022 to end-2025, monthly, with data collection) and
   peak memory per firm at 100k firms, and what the Mesa Firm agents cost when read;
4. sweep throughput (experiments/bench_sweep.py): `run.py -m seed=range(0,20)` (200 runs of
   10k firms) on all local cores with the configured launcher, the share of its time spent
   outside the model, and the bytes it writes per run;
5. the calibration (experiments/bench_calibration.py): a full ABC-SMC fit projected from one
   simulation's CPU now and the simulations the last fit made.

The goals are judged on the min of the CPU times (the least disturbed repeat).
`--out DIR` writes the two files to DIR instead of docs/ (with --quick or --smoke, files are
written only if --out is given).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python experiments/bench.py` puts experiments/ first, not the root
    sys.path.insert(0, str(ROOT))

import mesa  # noqa: E402

from sim import Config, Model, load_config  # noqa: E402
from sim.model.agents import Firm  # noqa: E402
from sim.checks.reference import ReferenceModel  # noqa: E402
from sim.model import initial  # noqa: E402
from sim.runs.results import tidy  # noqa: E402
from sim.sweep.provenance import git_commit, package_versions  # noqa: E402

from experiments.bench_calibration import calibration  # noqa: E402
from experiments.bench_page import goals, markdown  # noqa: E402
from experiments.bench_sweep import sweep  # noqa: E402

# nominal size -> firms_scale (about 28,000 firms at scale 1)
SIZES = {"1k": 0.036, "10k": 0.36, "100k": 3.6}
SMOKE_SIZES = {"1k": 0.005, "10k": 0.01, "100k": 0.02}
PHASES = ("government", "desired_output", "occupy_space", "hire_talent", "produce_and_invest", "relocate", "exit", "enter", "update_status", "record")
PACKAGES = ("mesa", "numpy", "numba", "pandas", "pyarrow", "hydra-core", "hydra-joblib-launcher", "scipy")
def config(firms_scale: float, **kw) -> Config:
    return load_config(firms_scale=firms_scale, replications=1, progress=False, **{"uncertainty": "seeds", **kw})  # one run per replication


# ---------------------------------------------------------------------------- measurements
# Every time is CPU time (time.process_time: this process's, all its threads): on a machine
# shared with other work, wall time measures the others as well (issue 30: the same ratio
# printed 79.6x and 111.4x by wall time, 61.9x both times by CPU time). Wall time is kept
# beside it, labelled "wall (quiet machine only)".
PARTS = ("construct", "run", "tidy")


def firm_steps(model: Model) -> int:
    """Firm-steps a run made: the firms alive at the start of each step, summed."""
    per_date = model.recorder.cells["firms"].sum(axis=(1, 2)) / model.weight
    return int(round(per_date[:-1].sum()))


def timed_run(cfg: Config, cls=Model) -> dict:
    """Construct and run one model: CPU seconds of each part (and wall seconds, `*_wall`),
    and its firm-steps. Its firms are drawn afresh (none kept from the repeat before)."""
    initial.clear_cache()
    gc.collect()
    c, w = [time.process_time()], [time.perf_counter()]
    m = cls(cfg, 0)
    c.append(time.process_time()), w.append(time.perf_counter())
    m.run()
    c.append(time.process_time()), w.append(time.perf_counter())
    tidy(m.recorder, 0, m.config.outputs)  # what a run writes
    c.append(time.process_time()), w.append(time.perf_counter())
    out = {k: c[i + 1] - c[i] for i, k in enumerate(PARTS)} | {f"{k}_wall": w[i + 1] - w[i] for i, k in enumerate(PARTS)}
    return out | dict(firm_steps=firm_steps(m), steps=m.n_steps, firms_start=int(m.flows.total["start"] / m.weight), model=m)


def best(runs: list[dict]) -> dict:
    """Min and median over repeats of each part's CPU seconds (`run`, `run_median`; `total`
    is construct + run + tidy of one repeat) and the min of its wall seconds (`run_wall`)."""
    runs = [r | dict(total=sum(r[k] for k in PARTS), total_wall=sum(r[f"{k}_wall"] for k in PARTS)) for r in runs]
    out = {}
    for k in (*PARTS, "total"):
        out[k] = min(r[k] for r in runs)
        out[f"{k}_median"] = float(np.median([r[k] for r in runs]))
        out[f"{k}_wall"] = min(r[f"{k}_wall"] for r in runs)
    out.update({k: runs[0][k] for k in ("firm_steps", "steps", "firms_start")})
    out["repeats"] = len(runs)
    return out


def scaling(sizes: dict[str, float], repeats: dict[str, int]) -> dict:
    """1. Per firm-step CPU cost of the model's step by size (the sizes' repeats interleaved);
    the fitted exponent."""
    cfgs = {label: config(scale) for label, scale in sizes.items()}
    runs: dict[str, list] = {label: [] for label in sizes}
    for k in range(max(repeats.values())):
        for label, cfg in cfgs.items():
            if k < repeats[label]:
                r = timed_run(cfg)
                r.pop("model")
                runs[label].append(r)
    rows = {label: best(rs) for label, rs in runs.items()}
    n = np.array([r["firm_steps"] / r["steps"] for r in rows.values()])
    t = np.array([r["run"] / r["steps"] for r in rows.values()])
    b = float(np.polyfit(np.log(n), np.log(t), 1)[0])
    return dict(
        per_firm_step_us={k: r["run"] / r["firm_steps"] * 1e6 for k, r in rows.items()},
        per_firm_step_us_median={k: r["run_median"] / r["firm_steps"] * 1e6 for k, r in rows.items()},
        per_firm_step_us_wall={k: r["run_wall"] / r["firm_steps"] * 1e6 for k, r in rows.items()},
        firms={k: r["firms_start"] for k, r in rows.items()},
        seconds_per_step={k: r["run"] / r["steps"] for k, r in rows.items()},
        repeats={k: r["repeats"] for k, r in rows.items()},
        scaling_exponent=b,
    )


def ratio(scale: float, repeats_reference: int, repeats_vectorised: int = 3) -> dict:
    """2. Reference / vectorised CPU time of the steps at one size, interleaved in this process."""
    cfg = config(scale)
    vec, ref = [], []
    for k in range(max(repeats_reference, repeats_vectorised)):  # interleaved
        if k < repeats_vectorised:
            vec.append(timed_run(cfg))
        if k < repeats_reference:
            ref.append(timed_run(cfg, ReferenceModel))
    a, b = vec[0]["model"], ref[0]["model"]
    n = a.firms.n
    same = bool(np.array_equal(a.firms.alive[:n], b.firms.alive[:n]) and np.array_equal(a.firms.location[:n], b.firms.location[:n]))
    rel = np.abs(a.firms.output_yi[:n] - b.firms.output_yi[:n]) / a.firms.output_yi[:n]
    v, r = best(vec), best(ref)
    return dict(
        ratio_reference_over_vectorised_10k=r["run"] / v["run"],
        ratio_reference_over_vectorised_10k_median=r["run_median"] / v["run_median"],
        ratio_reference_over_vectorised_10k_wall=r["run_wall"] / v["run_wall"],
        reference_per_firm_step_us_10k=r["run"] / r["firm_steps"] * 1e6,
        vectorised_per_firm_step_us_10k=v["run"] / v["firm_steps"] * 1e6,
        reference_run_seconds_10k=r["run"],
        reference_run_seconds_10k_median=r["run_median"],
        reference_run_seconds_10k_wall=r["run_wall"],
        vectorised_run_seconds_10k=v["run"],
        vectorised_run_seconds_10k_median=v["run_median"],
        vectorised_run_seconds_10k_wall=v["run_wall"],
        ratio_repeats=[v["repeats"], r["repeats"]],
        firms_10k=v["firms_start"],
        reference_same_firms_alive_and_located=same,
        reference_max_relative_difference_output=float(rel.max()),
    )


def phase_profile(cfg: Config) -> dict:
    """Milliseconds per step in each phase of one run (the methods wrapped with a timer)."""
    m = Model(cfg, 0)
    spent = dict.fromkeys(PHASES, 0.0)
    for name in PHASES:
        owner = m.government if name == "government" else m.recorder if name == "record" else m
        method = getattr(owner, "step" if name == "government" else name)

        def timed(*a, _f=method, _n=name, **k):
            t = time.process_time()
            out = _f(*a, **k)
            spent[_n] += time.process_time() - t
            return out

        setattr(owner, "step" if name == "government" else name, timed)
    t = time.process_time()
    m.run()
    total = time.process_time() - t
    out = {k: v / m.n_steps * 1e3 for k, v in spent.items()}
    out["other"] = (total - sum(spent.values())) / m.n_steps * 1e3
    return out


def cprofile_top(cfg: Config, n: int = 12) -> str:
    m = Model(cfg, 0)
    prof = cProfile.Profile()
    prof.runcall(m.run)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("tottime").print_stats(n)
    lines = buf.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("ncalls"))
    return "\n".join(line.rstrip() for line in lines[start : start + n + 1])


def mesa_agents(n: int) -> dict:
    """What one Firm agent costs in Mesa's bookkeeping: create, remove, memory."""
    model = mesa.Model(rng=0)
    gc.collect()
    t = time.process_time()
    agents = [Firm(model, i) for i in range(n)]
    create = (time.process_time() - t) / n
    t = time.process_time()
    for a in agents:
        a.remove()
    remove = (time.process_time() - t) / n
    del agents
    model = mesa.Model(rng=0)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    agents = [Firm(model, i) for i in range(n)]
    size = (tracemalloc.get_traced_memory()[0] - before) / n
    tracemalloc.stop()
    return dict(create_us=create * 1e6, remove_us=remove * 1e6, bytes=size)


def full_size(scale: float, repeats: int) -> dict:
    """3. Construction, run and data collection at ~100k firms (CPU seconds, min and median of
    `repeats`); peak memory per firm."""
    cfg = config(scale)
    runs = []
    for _ in range(repeats):  # one model kept: three of 100k firms would skew the memory measured after
        runs.append(timed_run(cfg))
        if len(runs) > 1:
            runs[-1].pop("model")
    m = runs[0]["model"]
    runs[0].pop("model")
    r = best(runs)
    kept = []  # construction from the draws the repeat before kept (another scenario of the replication)
    for _ in range(repeats):
        t = time.process_time()
        Model(cfg, 0)
        kept.append(time.process_time() - t)
    entries, exits = m.flows.total["entries"] / m.weight, m.flows.total["exits"] / m.weight
    del m
    initial.clear_cache()  # the peak of drawing the firms afresh, and the draws then kept, are counted
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    m = Model(cfg, 0)
    built = tracemalloc.get_traced_memory()[0] - base
    m.run()
    tidy(m.recorder, 0, m.config.outputs)  # what a run writes
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    t = time.process_time()
    made = len(m.agents_by_type[Firm])  # the Firm agents are made at this first read
    first_read = time.process_time() - t
    del m
    agents = mesa_agents(min(r["firms_start"], 100_000))
    return dict(
        firms_100k=r["firms_start"],
        seconds_100k_construct=r["construct"],
        seconds_100k_construct_kept=min(kept),
        seconds_100k_steps=r["run"],
        seconds_100k_tidy=r["tidy"],
        seconds_100k_run=r["total"],
        seconds_100k_run_median=r["total_median"],
        seconds_100k_run_wall=r["total_wall"],
        repeats_100k=r["repeats"],
        bytes_per_firm=peak / r["firms_start"],
        bytes_per_firm_after_construction=built / r["firms_start"],
        mesa_agent_create_us=agents["create_us"],
        mesa_agent_remove_us=agents["remove_us"],
        mesa_agent_bytes=agents["bytes"],
        firm_agents_made_at_first_read_100k=made,
        seconds_100k_first_agents_read=first_read,
        entries_100k=int(round(entries)),
        exits_100k=int(round(exits)),
    )


# ---------------------------------------------------------------------------- reporting
def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem = round(int(Path("/proc/meminfo").read_text().split()[1]) / 2**20, 1)
    versions = package_versions(PACKAGES)
    commit = git_commit()
    return dict(
        machine=dict(cpu=cpu, cores=os.cpu_count(), memory_gb=mem, os=platform.platform(), load_average=_load()),
        versions=versions,
        commit=commit,
    )


def _load() -> list[float] | None:
    with contextlib.suppress(OSError, AttributeError):
        return [round(x, 2) for x in os.getloadavg()]
    return None


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the 10k-firm ratio alone; print JSON")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes: check that the benchmark runs")
    ap.add_argument("--out", type=Path, default=None, help="directory for PERFORMANCE.md and performance.json (default docs/)")
    ap.add_argument("--sweep-jobs", type=int, default=None, help="jobs in the sweep (default 20: 200 runs at the default 10 replications)")
    ap.add_argument("--sweep-replications", type=int, default=None, help="replications per job (default: the config's)")
    ap.add_argument("--sweep-firms-scale", type=float, default=None, help=f"firms_scale of the sweep (default {SIZES['10k']}: 10k firms)")
    ap.add_argument("--render", action="store_true", help="only rebuild PERFORMANCE.md from performance.json (in --out, default docs/)")
    args = ap.parse_args(argv)
    if args.render:
        out = args.out or ROOT / "docs"
        result = json.loads((out / "performance.json").read_text(encoding="utf-8"))
        page = out / "PERFORMANCE.md"
        top = page.read_text(encoding="utf-8").split("```\n")[1].removesuffix("\n")  # the profile listing
        page.write_text(markdown(result, result["phase_ms_per_step_100k"], top), encoding="utf-8")
        return result
    sizes = SMOKE_SIZES if args.smoke else SIZES
    out = args.out if args.out is not None else (None if args.quick or args.smoke else ROOT / "docs")

    result = machine()
    result["smoke"] = args.smoke
    Model(config(0.005), 0).run()  # imports and first-call costs out of the way
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    log("ratio reference / vectorised ...")
    result.update(ratio(sizes["10k"], repeats_reference=1 if args.smoke else 3, repeats_vectorised=1 if args.smoke else 5))
    log(f"ratio reference / vectorised at 10k firms: {result['ratio_reference_over_vectorised_10k']:.1f}x by min CPU, "
        f"{result['ratio_reference_over_vectorised_10k_median']:.1f}x by median CPU; wall (quiet machine only) "
        f"{result['ratio_reference_over_vectorised_10k_wall']:.1f}x")
    if args.quick:
        result["per_firm_step_us"] = {"10k": result["vectorised_per_firm_step_us_10k"]}
    else:
        log("scaling ...")
        result.update(scaling(sizes, repeats=dict(zip(sizes, (1, 1, 1) if args.smoke else (7, 5, 3)))))
        log("100k firms ...")
        result.update(full_size(sizes["100k"], repeats=1 if args.smoke else 5))
        phases = phase_profile(config(sizes["100k"]))
        top = cprofile_top(config(sizes["100k"]))
        result["phase_ms_per_step_100k"] = phases
        log("calibration ...")
        result.update(calibration(draws=2 if args.smoke else 6, repeats=1 if args.smoke else 2))
        log("sweep ...")
        jobs = args.sweep_jobs or (2 if args.smoke else 20)
        result.update(
            sweep(
                jobs,
                args.sweep_replications or (1 if args.smoke else None),
                args.sweep_firms_scale or sizes["10k"],
                sample=1 if args.smoke else 4,
                repeats=1 if args.smoke else 2,
            )
        )
    result["goals"] = {key: dict(goal=text, value=value, met=met) for text, key, value, met in goals(result)}
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "performance.json").write_text(text + "\n", encoding="utf-8")
        if not args.quick:
            (out / "PERFORMANCE.md").write_text(markdown(result, phases, top), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()

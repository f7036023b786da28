"""Global sensitivity analysis of the 2025 target verdicts: Morris screening, then Sobol.

    python -m experiments.sensitivity            # full size (about 20-25 min on 2 cores)
    python -m experiments.sensitivity --quick    # reduced size for CI / a fresh clone (< 3 min)

Factors: every field of `sim.config.Params`, uniform over its metadata `range`, plus the
numeric policy levers over the ranges in `LEVER_RANGES`; named `params.X` / `policy.X`.
Everything else is the composed baseline scenario (`sim.runs.cli.compose("scenario=baseline")`),
including the categorical levers (fund_allocation, space_allocation, relocation_rule), which
are held at the baseline's values and listed as such in the output.

Outputs per sample point, from R replications (replication k = `Model(cfg, replication=k)`,
the same k at every point: common random numbers): for each target in `sim.runs.targets.NAMES`
the fraction of replications meeting it, and the mean over replications of parks' output in
the target year (亿元) and of parks' FAI growth (1/yr).

Seed noise: at the base point M independent seed sets (cfg.seed = 1000 + m, R replications
each) give sigma_eps, the SD of an output's R-replication estimate. A Morris elementary
effect at step Delta (normalised units) carries noise of about sqrt(2) sigma_eps / Delta;
factors whose mu* is below that floor are flagged "indistinguishable from seed noise".
An output that is 0 or 1 at every sample point (always or never met) is reported as
constant, not ranked.

Sobol (Saltelli sampling, first and total order) is run on the top-k factors from Morris,
the other factors at the baseline. Seed noise inflates the (Jansen) total-order estimate of
every factor by up to sigma_eps^2 / Var(Y); the JSON and the markdown report that ratio.

Full defaults (`FULL`), at firms_scale 0.5 (a run there takes about 0.55 s):
  Morris r = 10 trajectories x (D + 1) points (D = 58 factors today: 590 points),
  R = 4 replications per point, M = 10 noise seed sets, Sobol N = 64 on k = 6 factors
  (N (k + 2) = 512 points): about 4,500 model runs, 20-25 min on 2 cores.
`--quick` (`QUICK`): firms_scale 0.05, r = 4, R = 2, M = 3, N = 8, k = 4: 576 runs of about
0.17 s: about 1 min on 2 idle cores, 2 min on a busy machine.

The JSON depends only on the arguments (and the code and configs): keys sorted, floats
rounded to 6 significant digits, no clock times (runtimes are printed, not stored).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

from experiments import MODEL

from experiments.sensitivity_page import MORRIS_FIGURE, SOBOL_FIGURE, fmt, write_atomic, write_figures
from experiments.sensitivity_stats import DELTA, NUM_LEVELS, SAMPLE_SEED, clean, elementary_effect_noise, morris_analysis, noise_summary, ranked_outputs, select_top, sobol_analysis

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "validation" / "sensitivity.json"
DEFAULT_FIGURES = ROOT / "docs" / "figures"

# Numeric policy levers and the ranges a sensitivity analysis varies them over (sim/config/schema.py
# Policy's comments). Any other Policy field (the categorical ones) is held at the baseline.
LEVER_RANGES: dict[str, tuple[float, float]] = {
    "fund_yi_per_year": (0.0, 10.0),
    "fund_platform_share": (0.0, 1.0),
    "factory_space_m2_per_year": (0.0, 8.0e6),
    "land_renovation_mu_per_year": (0.0, 2.0e4),
    "talent_inflow_per_year": (0.0, 50_000.0),
    "attraction_intensity": (1.0, 2.0),
    "attraction_steering": (0.0, 1.0),
}
LEVER_UNITS = {
    "fund_yi_per_year": "亿/yr",
    "fund_platform_share": "share",
    "factory_space_m2_per_year": "m²/yr",
    "land_renovation_mu_per_year": "亩/yr",
    "talent_inflow_per_year": "workers/yr",
    "attraction_intensity": "x today's entry rate",
    "attraction_steering": "weight",
}

NOISE_SEED0 = 1000  # noise seed set m uses cfg.seed = NOISE_SEED0 + m

FULL = dict(scale=0.5, trajectories=10, replications=4, noise_sets=10, sobol_n=64, top_k=6)
QUICK = dict(scale=0.05, trajectories=4, replications=2, noise_sets=3, sobol_n=8, top_k=4)


# ---------------------------------------------------------------------------- factors
def base_config(scale: float):
    """The composed baseline scenario at `scale`, one replication, no progress output."""
    from sim.runs.cli import compose

    return compose("scenario=baseline", f"firms_scale={scale}", "replications=1", "progress=false")


def factor_table(cfg) -> list[dict]:
    """Every Params field (metadata range) and numeric lever (LEVER_RANGES), with the
    baseline value and unit; both ends of every range are checked with `validate`."""
    from sim.config.schema import ConfigError
    from sim.config.params import Params
    from sim.config.validation import validate

    out = []
    for f in dataclasses.fields(Params):
        if "range" not in f.metadata:
            raise ConfigError(f"params.{f.name} has no metadata range: give it one in sim/config/schema.py")
        lo, hi = (float(v) for v in f.metadata["range"])
        out.append(dict(name=f"params.{f.name}", lo=lo, hi=hi, default=float(getattr(cfg.params, f.name)),
                        unit=f.metadata.get("unit", ""), source=f.metadata.get("source", "")))
    for name, (lo, hi) in LEVER_RANGES.items():
        out.append(dict(name=f"policy.{name}", lo=lo, hi=hi, default=float(getattr(cfg.policy, name)),
                        unit=LEVER_UNITS.get(name, ""), source="lever range (sim/config/schema.py Policy comments)"))
    for fac in out:
        if not fac["lo"] < fac["hi"]:
            raise ConfigError(f"{fac['name']}: empty range [{fac['lo']}, {fac['hi']}]")
        for end in (fac["lo"], fac["hi"]):
            try:
                validate(apply(cfg, [fac["name"]], [end]))
            except ConfigError as e:
                raise ConfigError(f"{fac['name']}: range end {end} fails validation ({e})") from None
    return out


def held_fixed(cfg) -> dict:
    """Policy fields that are not varied (the categorical levers), at the baseline's values."""
    from sim.config.schema import Policy

    return {f"policy.{f.name}": getattr(cfg.policy, f.name) for f in dataclasses.fields(Policy) if f.name not in LEVER_RANGES}


def _cast(field, value: float):
    return int(round(value)) if field.type in ("int", int) else float(value)


def apply(cfg, names, values, seed: int | None = None):
    """A copy of cfg with factor names[i] = values[i] (and cfg.seed = seed if given), validated."""
    from sim.config.params import Params
    from sim.config.schema import Policy
    from sim.config.validation import validate

    kinds = {"params": {f.name: f for f in dataclasses.fields(Params)}, "policy": {f.name: f for f in dataclasses.fields(Policy)}}
    changes: dict[str, dict] = {"params": {}, "policy": {}}
    for name, value in zip(names, values):
        group, _, field = name.partition(".")
        changes[group][field] = _cast(kinds[group][field], value)
    new = dataclasses.replace(
        cfg,
        params=dataclasses.replace(cfg.params, **changes["params"]),
        policy=dataclasses.replace(cfg.policy, **changes["policy"]),
        seed=cfg.seed if seed is None else int(seed),
    )
    return validate(new)


# ---------------------------------------------------------------------------- outputs
def output_table(cfg) -> list[dict]:
    from sim.runs.targets import NAMES

    t = cfg.targets
    thresholds = dict(parks_output=t.parks_output_yi, leading_share=t.leading_share, fai_growth=t.fai_growth,
                      clusters_1000yi=t.clusters_1000yi_count, clusters_10000yi=t.clusters_10000yi_count,
                      leading_share_gain=1.0, st_coverage=t.st_coverage)
    out = [dict(name=f"p_met.{n}", kind="met_fraction", target=n, unit="probability", threshold=thresholds.get(n),
                label=f"P({n} met)") for n in NAMES]
    out.append(dict(name="mean.parks_output", kind="mean_value", target="parks_output", unit="亿元", threshold=t.parks_output_yi,
                    label=f"parks' output {t.year} (亿元)"))
    out.append(dict(name="mean.fai_growth", kind="mean_value", target="fai_growth", unit="1/yr", threshold=t.fai_growth,
                    label=f"parks' FAI growth {cfg.calibration.base_year}-{t.year} (1/yr)"))
    return out


def evaluate_point(cfg, names, values, replications: int, seed: int | None = None) -> np.ndarray:
    """Run replications 0..R-1 at one sample point: [R, outputs] of met (0/1) per target,
    then parks' output and FAI growth values (the columns of `output_table`)."""
    from sim import Model
    from sim.runs.targets import NAMES, evaluate

    point = apply(cfg, names, values, seed)
    rows = []
    for k in range(replications):
        model = Model(point, replication=k).run()
        ev = {e.name: e for e in evaluate(model.recorder, point.targets, point.calibration.base_year)}
        rows.append([float(ev[n].met) for n in NAMES] + [ev["parks_output"].value, ev["fai_growth"].value])
    return np.asarray(rows, dtype=float)


def _evaluate_batch(cfg, names, rows, replications, seed):
    return [evaluate_point(cfg, names, v, replications, seed) for v in rows]


def run_points(cfg, names, X, replications: int, jobs: int, label: str, seeds=None) -> np.ndarray:
    """[points, R, outputs] for the rows of X, in parallel over points (joblib processes).
    The result does not depend on `jobs`."""
    from joblib import Parallel, cpu_count, delayed

    X = np.asarray(X, dtype=float)
    n = len(X)
    workers = cpu_count() if jobs in (None, 0, -1) else int(jobs)
    if seeds is None:  # chunks of points: several per worker, small enough to show progress
        size = max(1, min(16, n // (4 * workers)))
        chunks = [(X[i:i + size], None) for i in range(0, n, size)]
    else:  # one point per task, each with its own seed
        chunks = [(X[i:i + 1], int(seeds[i])) for i in range(n)]
    start, done, results = time.perf_counter(), 0, []
    gen = Parallel(n_jobs=workers, return_as="generator")(
        delayed(_evaluate_batch)(cfg, names, rows, replications, seed) for rows, seed in chunks
    )
    last = 0.0
    for batch in gen:
        results.extend(batch)
        done += len(batch)
        elapsed = time.perf_counter() - start
        if elapsed - last > 5.0 or done == n:
            last = elapsed
            eta = elapsed / done * (n - done)
            print(f"\r{label}: {done}/{n} points x {replications} replications, {elapsed:.0f} s, about {eta:.0f} s left   ",
                  end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return np.stack(results)


# ---------------------------------------------------------------------------- run
def run(
    scale: float = FULL["scale"],
    trajectories: int = FULL["trajectories"],
    replications: int = FULL["replications"],
    noise_sets: int = FULL["noise_sets"],
    sobol_n: int = FULL["sobol_n"],
    top_k: int = FULL["top_k"],
    jobs: int = -1,
    factors: list[str] | None = None,
    quick: bool = False,
    out: Path | str | None = None,
    figures_dir: Path | str | None = None,
) -> dict:
    """The analysis as a JSON-ready dict (deterministic in the arguments). `quick=True`
    uses the QUICK sizes for every size argument; `factors` restricts the varied factors
    to those names (the rest at the baseline; for tests). Writes the JSON to `out` and the
    figures to `figures_dir` if given."""
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    if quick:
        scale, trajectories, replications, noise_sets, sobol_n, top_k = (QUICK[k] for k in ("scale", "trajectories", "replications", "noise_sets", "sobol_n", "top_k"))
    if sobol_n < 2 or sobol_n & (sobol_n - 1):
        raise ValueError(f"sobol_n must be a power of 2, got {sobol_n}")
    if trajectories < 2 or replications < 1 or noise_sets < 2 or top_k < 1:
        raise ValueError("need trajectories >= 2, replications >= 1, noise_sets >= 2, top_k >= 1")
    timings = {}
    t0 = time.perf_counter()
    cfg = base_config(scale)
    table = factor_table(cfg)
    if factors is not None:
        unknown = set(factors) - {f["name"] for f in table}
        if unknown:
            raise ValueError(f"unknown factors: {sorted(unknown)}")
        table = [f for f in table if f["name"] in factors]
    names = [f["name"] for f in table]
    problem = dict(num_vars=len(names), names=names, bounds=[[f["lo"], f["hi"]] for f in table])
    outputs = output_table(cfg)

    # noise: the base point with the Morris seed, and M independent seed sets
    both = run_points(cfg, [], [[]] * (1 + noise_sets), replications, jobs, "base point and noise seed sets",
                      seeds=[cfg.seed] + [NOISE_SEED0 + m for m in range(noise_sets)])
    base, sets = both[0], both[1:]
    timings["noise"] = time.perf_counter() - t0

    # Morris
    t1 = time.perf_counter()
    X = morris_sample.sample(problem, N=trajectories, num_levels=NUM_LEVELS, seed=SAMPLE_SEED)
    X = np.clip(X, [b[0] for b in problem["bounds"]], [b[1] for b in problem["bounds"]])
    reps = run_points(cfg, names, X, replications, jobs, "morris")
    Y = reps.mean(axis=1)
    ee_noise = elementary_effect_noise(X, reps)
    noise = noise_summary(outputs, base, sets, reps, ee_noise)
    morris_res = morris_analysis(problem, X, Y, outputs, noise, ee_noise)
    timings["morris"] = time.perf_counter() - t1

    # Sobol on the top factors
    t2 = time.perf_counter()
    ranked = ranked_outputs(outputs, morris_res)
    top = select_top(names, morris_res, ranked, top_k)
    sub = dict(num_vars=len(top), names=top, bounds=[problem["bounds"][names.index(f)] for f in top])
    XS = sobol_sample.sample(sub, sobol_n, calc_second_order=False, scramble=True, seed=SAMPLE_SEED)
    XS = np.clip(XS, [b[0] for b in sub["bounds"]], [b[1] for b in sub["bounds"]])
    sobol_reps = run_points(cfg, top, XS, replications, jobs, "sobol")
    sobol_res = sobol_analysis(sub, sobol_reps, outputs, noise)
    timings["sobol"] = time.perf_counter() - t2

    runs = dict(base=replications, noise=noise_sets * replications, morris=len(X) * replications, sobol=len(XS) * replications)
    result = clean(dict(
        settings=dict(
            firms_scale=scale, trajectories=trajectories, replications=replications, noise_sets=noise_sets,
            sobol_n=sobol_n, top_k=top_k, num_levels=NUM_LEVELS, delta=DELTA, sample_seed=SAMPLE_SEED,
            noise_seeds=[NOISE_SEED0 + m for m in range(noise_sets)], morris_seed=cfg.seed,
            morris_points=len(X), sobol_points=len(XS), model_runs=runs, total_model_runs=sum(runs.values()),
        ),
        base=dict(scenario=cfg.scenario, seed=cfg.seed, horizon_year=cfg.horizon_year, target_year=cfg.targets.year,
                  base_year=cfg.calibration.base_year, calibration=cfg.calibration.name),
        held_fixed=dict(
            levers=held_fixed(cfg),
            note=("categorical levers at the baseline scenario's values; calibration, targets and every factor "
                  "not in `factors` at the composed baseline (`scenario=baseline`)"),
            not_varied=[f"params.{f.name}" for f in dataclasses.fields(type(cfg.params)) if f"params.{f.name}" not in names]
            + [f"policy.{k}" for k in LEVER_RANGES if f"policy.{k}" not in names],
        ),
        factors=table,
        outputs=outputs,
        noise=noise,
        morris=dict(ranked_outputs=ranked, normalisation="mu* / SD of the output over the Morris points", outputs=morris_res),
        sobol=dict(factors=top, n=sobol_n, selection=("round-robin over the Morris rankings of " + ", ".join(ranked)
                                                        + " (factors above the noise floor), then by normalised mu*"),
                   outputs=sobol_res),
    ))
    result["_runtime_s"] = dict(total=time.perf_counter() - t0, **timings)  # popped before writing
    if out is not None:
        write_result(out, result)
    if figures_dir is not None:
        write_figures(result, Path(figures_dir))
    return result


def to_json(result: dict) -> str:
    """The JSON text (without the runtime, which is not deterministic)."""
    clean = {**{k: v for k, v in result.items() if not k.startswith("_")}, "model": MODEL}
    return json.dumps(clean, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_result(path, result: dict) -> None:
    write_atomic(Path(path), to_json(result).encode("utf-8"))


# ---------------------------------------------------------------------------- CLI
def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m experiments.sensitivity", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help=f"reduced size for CI: {QUICK} (explicit options override it)")
    ap.add_argument("--scale", type=float, help=f"firms_scale (default {FULL['scale']})")
    ap.add_argument("--trajectories", type=int, help=f"Morris trajectories r (default {FULL['trajectories']})")
    ap.add_argument("--replications", type=int, help=f"replications R per point (default {FULL['replications']})")
    ap.add_argument("--noise-sets", type=int, help=f"seed sets M for the noise floor (default {FULL['noise_sets']})")
    ap.add_argument("--sobol-n", type=int, help=f"Sobol base sample N, a power of 2 (default {FULL['sobol_n']})")
    ap.add_argument("--top-k", type=int, help=f"factors in the Sobol analysis (default {FULL['top_k']})")
    ap.add_argument("--jobs", type=int, default=-1, help="worker processes (default -1: all cores)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON output (default {DEFAULT_OUT.relative_to(ROOT)})")
    ap.add_argument("--figures", type=Path, default=DEFAULT_FIGURES, help=f"figure directory (default {DEFAULT_FIGURES.relative_to(ROOT)})")
    args = ap.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    for key in sizes:
        if getattr(args, key) is None:
            setattr(args, key, sizes[key])
    return args


def _summary(result: dict) -> str:
    mo, sob = result["morris"], result["sobol"]
    lines = []
    for o in result["outputs"]:
        m = mo["outputs"][o["name"]]
        if m["constant"]:
            lines.append(f"{o['label']:<36} constant: {m['note']}")
            continue
        top = [f for f in m["ranking"] if not m["factors"][f]["below_noise"]][:5]
        lines.append(f"{o['label']:<36} floor {fmt(m['noise_floor'], o['unit'])} ({m['noise_floor_kind']}); top: "
                     + (", ".join(f"{f} ({fmt(m['factors'][f]['mu_star'], o['unit'])})" for f in top) or "none above noise"))
    lines.append(f"Sobol factors: {', '.join(sob['factors'])}")
    for o in mo["ranked_outputs"]:
        s = sob["outputs"][o]
        if s["constant"]:
            continue
        lines.append(f"  {o:<24} " + ", ".join(f"{f.split('.', 1)[1]} S1 {e['S1']:.2f} ST {e['ST']:.2f} (noise {fmt(e['ST_noise'])})"
                                                for f, e in s["factors"].items())
                     + f"; σ²/Var {fmt(s['noise_ratio'])}")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    held = held_fixed(base_config(args.scale))
    print(f"sensitivity: firms_scale {args.scale:g}, r={args.trajectories}, R={args.replications}, M={args.noise_sets}, "
          f"Sobol N={args.sobol_n}, k={args.top_k}; held at the baseline: " + ", ".join(f"{k}={v}" for k, v in held.items()))
    result = run(scale=args.scale, trajectories=args.trajectories, replications=args.replications, noise_sets=args.noise_sets,
                 sobol_n=args.sobol_n, top_k=args.top_k, jobs=args.jobs, out=args.out, figures_dir=args.figures)
    rt = result["_runtime_s"]
    print(_summary(result))
    print(f"{result['settings']['total_model_runs']:,} model runs in {rt['total']:.0f} s "
          f"(noise {rt['noise']:.0f} s, Morris {rt['morris']:.0f} s, Sobol {rt['sobol']:.0f} s)")
    print(f"wrote {args.out} and {args.figures / MORRIS_FIGURE}, {args.figures / SOBOL_FIGURE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

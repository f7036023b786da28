"""Global sensitivity analysis of the 2025 target verdicts: Morris screening, then Sobol.

    python -m experiments.sensitivity            # full size (about 20-25 min on 2 cores)
    python -m experiments.sensitivity --quick    # reduced size for CI / a fresh clone (< 3 min)

Factors: every field of `sim.config.Params`, uniform over its metadata `range`, plus the
numeric policy levers over the ranges in `LEVER_RANGES`; named `params.X` / `policy.X`.
Everything else is the composed baseline scenario (`sim.cli.compose("scenario=baseline")`),
including the categorical levers (fund_allocation, space_allocation, relocation_rule), which
are held at the baseline's values and listed as such in the output.

Outputs per sample point, from R replications (replication k = `Model(cfg, replication=k)`,
the same k at every point: common random numbers): for each target in `sim.targets.NAMES`
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
import math
import sys
import time
from pathlib import Path

import numpy as np

from experiments import markdown_table

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "validation" / "sensitivity.json"
DEFAULT_FIGURES = ROOT / "docs" / "figures"
MORRIS_FIGURE = "sensitivity_morris.png"
SOBOL_FIGURE = "sensitivity_sobol.png"

# Numeric policy levers and the ranges a sensitivity analysis varies them over (sim/config.py
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

NUM_LEVELS = 4
DELTA = NUM_LEVELS / (2.0 * (NUM_LEVELS - 1))  # SALib's Morris step in normalised units (2/3)
SAMPLE_SEED = 20230213  # seeds of the Morris/Sobol designs and bootstraps (杭政函〔2023〕13号's date)
NOISE_SEED0 = 1000  # noise seed set m uses cfg.seed = NOISE_SEED0 + m
MAIN_OUTPUT = "mean.parks_output"

FULL = dict(scale=0.5, trajectories=10, replications=4, noise_sets=10, sobol_n=64, top_k=6)
QUICK = dict(scale=0.05, trajectories=4, replications=2, noise_sets=3, sobol_n=8, top_k=4)


# ---------------------------------------------------------------------------- factors
def base_config(scale: float):
    """The composed baseline scenario at `scale`, one replication, no progress output."""
    from sim.cli import compose

    return compose("scenario=baseline", f"firms_scale={scale}", "replications=1", "progress=false")


def factor_table(cfg) -> list[dict]:
    """Every Params field (metadata range) and numeric lever (LEVER_RANGES), with the
    baseline value and unit; both ends of every range are checked with `validate`."""
    from sim.config import ConfigError, Params
    from sim.validation import validate

    out = []
    for f in dataclasses.fields(Params):
        if "range" not in f.metadata:
            raise ConfigError(f"params.{f.name} has no metadata range: give it one in sim/config.py")
        lo, hi = (float(v) for v in f.metadata["range"])
        out.append(dict(name=f"params.{f.name}", lo=lo, hi=hi, default=float(getattr(cfg.params, f.name)),
                        unit=f.metadata.get("unit", ""), source=f.metadata.get("source", "")))
    for name, (lo, hi) in LEVER_RANGES.items():
        out.append(dict(name=f"policy.{name}", lo=lo, hi=hi, default=float(getattr(cfg.policy, name)),
                        unit=LEVER_UNITS.get(name, ""), source="lever range (sim/config.py Policy comments)"))
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
    from sim.config import Policy

    return {f"policy.{f.name}": getattr(cfg.policy, f.name) for f in dataclasses.fields(Policy) if f.name not in LEVER_RANGES}


def _cast(field, value: float):
    return int(round(value)) if field.type in ("int", int) else float(value)


def apply(cfg, names, values, seed: int | None = None):
    """A copy of cfg with factor names[i] = values[i] (and cfg.seed = seed if given), validated."""
    from sim.config import Params, Policy
    from sim.validation import validate

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
    from sim.targets import NAMES

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
    from sim.model import Model
    from sim.targets import NAMES, evaluate

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


# ---------------------------------------------------------------------------- analysis
def _r(x, digits: int = 6):
    """A JSON-stable float: 6 significant digits, None for NaN/inf."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return None
    return float(f"{x:.{digits}g}") + 0.0  # + 0.0 turns -0.0 into 0.0


def _clean(obj):
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _r(obj)
    return obj


def noise_summary(outputs, base, sets, morris_reps, ee_noise) -> dict:
    """Seed noise per output.

    sigma_eps: SD across the M seed sets of the R-replication estimate at the base point
    (also, as a check, the RMS within-point standard error over the Morris points, R > 1).
    mu_star_floor_independent = sqrt(2) sigma_eps / Delta: the SD of an elementary effect if
    the two points of a step had independent seeds. The design uses common random numbers,
    so the noise of a step is measured instead: the SD of the step's effect across the R
    replications (each a world of its own) over sqrt(R), pooled over the trajectories: per
    factor in the Morris results, RMS over the factors here (mu_star_floor_crn)."""
    est = sets.mean(axis=1)  # [M, outputs]
    R = morris_reps.shape[1]
    out = {}
    for j, o in enumerate(outputs):
        sd_sets = float(np.std(est[:, j], ddof=1))
        within = float(np.sqrt(np.mean(np.var(morris_reps[:, :, j], axis=1, ddof=1)) / R)) if R > 1 else float("nan")
        crn = float(np.sqrt(np.mean(ee_noise[:, j] ** 2))) if R > 1 else float("nan")
        out[o["name"]] = dict(
            base_estimate=float(base.mean(axis=0)[j]),
            seed_set_estimates=[float(v) for v in est[:, j]],
            sigma_eps=sd_sets,
            sigma_within_points=within,
            mu_star_floor_independent=float(math.sqrt(2.0) * sd_sets / DELTA),
            mu_star_floor_crn=crn,
        )
    return out


def elementary_effect_noise(X, reps) -> np.ndarray:
    """[factors, outputs]: the seed noise of each factor's elementary effect under common
    random numbers. For every Morris step, the effect is computed in each replication k
    separately; its variance across k over R is the variance of the R-mean effect; the
    root of the mean over the factor's steps is returned (NaN if R < 2)."""
    n_points, R, n_out = reps.shape
    D = X.shape[1]
    if R < 2:
        return np.full((D, n_out), np.nan)
    acc, count = np.zeros((D, n_out)), np.zeros(D)
    for t in range(n_points // (D + 1)):
        rows = slice(t * (D + 1), (t + 1) * (D + 1))
        x, y = X[rows], reps[rows]
        step = np.diff(x, axis=0)  # [D, factors], one non-zero entry per row
        i = np.argmax(np.abs(step), axis=1)
        sign = np.sign(step[np.arange(D), i])
        ee = (y[1:] - y[:-1]) * sign[:, None, None] / DELTA  # [D steps, R, outputs]
        np.add.at(acc, i, np.var(ee, axis=1, ddof=1) / R)
        np.add.at(count, i, 1)
    return np.sqrt(acc / np.maximum(count, 1)[:, None])


def morris_analysis(problem, X, Y, outputs, noise, ee_noise) -> dict:
    from SALib.analyze import morris

    res = {}
    for j, o in enumerate(outputs):
        y = Y[:, j]
        entry = dict(min=float(y.min()), max=float(y.max()), sd=float(y.std()), constant=bool(y.max() == y.min()))
        if entry["constant"]:
            v = float(y[0])
            entry["constant_value"] = v
            if o["kind"] == "met_fraction":
                entry["note"] = "always met" if v == 1.0 else "never met" if v == 0.0 else f"met fraction {v:g} everywhere"
            else:
                entry["note"] = f"{v:g} everywhere"
            res[o["name"]] = entry
            continue
        si = morris.analyze(problem, X, y, num_levels=NUM_LEVELS, num_resamples=200, conf_level=0.95, seed=SAMPLE_SEED)
        n = noise[o["name"]]
        crn = math.isfinite(n["mu_star_floor_crn"])
        mu_star = np.asarray(si["mu_star"], dtype=float)
        order = np.argsort(-mu_star, kind="stable")
        rank = np.empty(len(order), dtype=int)
        rank[order] = np.arange(1, len(order) + 1)
        factors = {}
        for i, name in enumerate(problem["names"]):
            floor = float(ee_noise[i, j]) if crn else n["mu_star_floor_independent"]
            factors[name] = dict(
                mu=float(si["mu"][i]),
                mu_star=float(mu_star[i]),
                mu_star_conf=float(si["mu_star_conf"][i]),
                sigma=float(si["sigma"][i]),
                mu_star_norm=float(mu_star[i] / entry["sd"]),
                rank=int(rank[i]),
                noise_floor=floor,
                below_noise=bool(mu_star[i] <= floor),
                below_independent_floor=bool(mu_star[i] <= n["mu_star_floor_independent"]),
            )
        entry["factors"] = factors
        entry["ranking"] = [problem["names"][i] for i in order]
        entry["noise_floor"] = n["mu_star_floor_crn"] if crn else n["mu_star_floor_independent"]
        entry["noise_floor_kind"] = "crn" if crn else "independent"
        res[o["name"]] = entry
    return res


def ranked_outputs(outputs, morris_res) -> list[str]:
    """Parks' output (mean) and the met probabilities that vary."""
    varying = [o["name"] for o in outputs if o["kind"] == "met_fraction" and not morris_res[o["name"]]["constant"]]
    return [MAIN_OUTPUT, *varying] if not morris_res[MAIN_OUTPUT]["constant"] else varying


def select_top(names, morris_res, ranked, k: int) -> list[str]:
    """Round-robin over the ranked outputs' Morris rankings (factors above the output's
    noise floor only), then by the largest normalised mu* over those outputs, up to k."""
    chosen: list[str] = []
    k = min(k, len(names))
    lists = [[f for f in morris_res[o]["ranking"] if not morris_res[o]["factors"][f]["below_noise"]] for o in ranked]
    for level in range(len(names)):
        for lst in lists:
            if len(chosen) < k and level < len(lst) and lst[level] not in chosen:
                chosen.append(lst[level])
    if len(chosen) < k:
        score = {f: max([morris_res[o]["factors"][f]["mu_star_norm"] for o in ranked] or [0.0]) for f in names}
        for f in sorted(names, key=lambda f: (-score[f], names.index(f))):
            if len(chosen) < k and f not in chosen:
                chosen.append(f)
    return chosen


def sobol_analysis(problem, reps, outputs, noise) -> dict:
    """S1 and ST with bootstrap CIs per output. Seed noise: sigma_eps^2 / Var(Y) is what
    independent noise would add to every ST (Jansen estimator); under common random numbers
    the addition is measured per factor from the spread across replications of
    Y_k(A) - Y_k(AB_i) (`ST_noise`, NaN if R < 2)."""
    from SALib.analyze import sobol

    Y = reps.mean(axis=1)
    n_points, R, _ = reps.shape
    D = problem["num_vars"]
    block = D + 2  # Saltelli rows without second order: A, AB_1..AB_D, B
    res = {}
    for j, o in enumerate(outputs):
        y = Y[:, j]
        A, B = y[0::block], y[block - 1::block]
        var = float(np.var(np.r_[A, B]))
        entry = dict(var=var, constant=bool(y.max() == y.min()))
        if entry["constant"] or var == 0.0:
            entry["constant"] = True
            entry["constant_value"] = float(y[0])
            res[o["name"]] = entry
            continue
        si = sobol.analyze(problem, y, calc_second_order=False, num_resamples=200, conf_level=0.95, seed=SAMPLE_SEED)
        sig = noise[o["name"]]["sigma_eps"]
        entry["noise_ratio"] = sig * sig / var
        factors = {}
        for i, name in enumerate(problem["names"]):
            if R > 1:
                d = reps[0::block, :, j] - reps[1 + i::block, :, j]  # [N, R]
                st_noise = float(np.mean(np.var(d, axis=1, ddof=1)) / R / 2.0 / var)
            else:
                st_noise = float("nan")
            factors[name] = dict(S1=float(si["S1"][i]), S1_conf=float(si["S1_conf"][i]), ST=float(si["ST"][i]),
                                 ST_conf=float(si["ST_conf"][i]), ST_noise=st_noise)
        entry["factors"] = factors
        entry["sum_S1"] = float(np.sum(si["S1"]))
        res[o["name"]] = entry
    return res


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
    result = _clean(dict(
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
    clean = {k: v for k, v in result.items() if not k.startswith("_")}
    return json.dumps(clean, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _write_atomic(path: Path, data: bytes) -> None:
    """Temporary file, then rename (sim.results.atomic_write keeps the usual permissions)."""
    from sim.results import atomic_write

    atomic_write(Path(path), lambda tmp: tmp.write_bytes(data))


def write_result(path, result: dict) -> None:
    _write_atomic(Path(path), to_json(result).encode("utf-8"))


# ---------------------------------------------------------------------------- figures
def _label(result, name: str) -> str:
    return next((o["label"] for o in result["outputs"] if o["name"] == name), name)


def _short(factor: str) -> str:
    """Axis label: params.X as X, policy.X in full."""
    return factor.removeprefix("params.")


def _save_png(fig, path: Path) -> None:
    import io

    import matplotlib

    from sim.sweep.figures import DPI, RC

    with matplotlib.rc_context(RC):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    _write_atomic(path, buf.getvalue())


def write_figures(result: dict, figures_dir: Path, top: int = 15) -> list[Path]:
    """sensitivity_morris.png (tornado of mu* per ranked output, noise floor as a line) and
    sensitivity_sobol.png (S1 and ST with 95% CIs); written atomically."""
    from matplotlib.patches import Patch

    from sim.sweep.figures import draw, drawable, new_figure

    figures_dir = Path(figures_dir)
    ranked = result["morris"]["ranked_outputs"]
    paths = []

    @draw
    def morris_fig():
        n = max(1, len(ranked))
        ncols = min(3, n)
        nrows = -(-n // ncols)
        rows = max([1] + [min(top, sum(e["mu_star"] > 0 for e in result["morris"]["outputs"][o]["factors"].values())) for o in ranked])
        fig = new_figure(4.3 * ncols, (0.2 * rows + 1.0) * nrows + 0.7)
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax in axes[n:]:
            ax.set_visible(False)
        if not ranked:
            axes[0].text(0.5, 0.5, "no output varies", ha="center", va="center", transform=axes[0].transAxes)
        handles = None
        for ax, o in zip(axes, ranked):
            m = result["morris"]["outputs"][o]
            names = [f for f in m["ranking"] if m["factors"][f]["mu_star"] > 0][:rows] or m["ranking"][:1]
            mu = np.array([m["factors"][f]["mu_star"] for f in names])
            conf = np.array([m["factors"][f]["mu_star_conf"] or 0.0 for f in names])
            colours = ["0.7" if m["factors"][f]["below_noise"] else "C0" for f in names]
            y = np.arange(len(names))
            ax.barh(y, mu, xerr=conf, color=colours, error_kw=dict(ecolor="0.3", lw=0.8, capsize=1.5))
            n = result["noise"][o]
            per_factor = np.array([np.nan if m["factors"][f]["noise_floor"] is None else m["factors"][f]["noise_floor"] for f in names])
            if m.get("noise_floor_kind") == "crn":
                ax.scatter(per_factor, y, marker="|", s=90, color="k", lw=1.4, zorder=4, label="factor's seed-noise floor")
                ax.axvline(n["mu_star_floor_crn"], color="#c0392b", ls="--", lw=1.1, label="seed-noise floor (CRN, RMS)")
            if n["mu_star_floor_independent"] is not None:
                ax.axvline(n["mu_star_floor_independent"], color="0.45", ls=":", lw=1.1, label="floor if seeds were independent")
            if handles is None:
                h, lab = ax.get_legend_handles_labels()
                handles = (h + [Patch(facecolor="0.7")], lab + ["μ* indistinguishable from seed noise"])
            ax.set_yticks(y, [_short(f) for f in names])
            ax.set_ylim(rows - 0.5, -0.5)  # same bar height in every panel, largest on top
            ax.set_title(drawable(_label(result, o)))
            ax.set_xlabel("Morris μ* (per full range)")
            ax.grid(axis="x", color="0.92", lw=0.6)
            ax.set_axisbelow(True)
        if handles:
            fig.legend(*handles, loc="outside lower center", ncols=min(4, len(handles[0])), frameon=False)
        return fig

    @draw
    def sobol_fig():
        sob = result["sobol"]
        shown = [o for o in ranked if not sob["outputs"][o]["constant"]]
        n = max(1, len(shown))
        ncols = min(3, n)
        nrows = -(-n // ncols)
        k = len(sob["factors"])
        fig = new_figure(max(3.6, 0.55 * k + 1.4) * ncols, 3.2 * nrows + 0.4)
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax in axes[n:]:
            ax.set_visible(False)
        if not shown:
            axes[0].text(0.5, 0.5, "no output varies", ha="center", va="center", transform=axes[0].transAxes)
        x = np.arange(k)
        handles = None
        for ax, o in zip(axes, shown):
            s = sob["outputs"][o]
            for off, key, c in ((-0.2, "S1", "C0"), (0.2, "ST", "C1")):
                v = np.array([s["factors"][f][key] or 0.0 for f in sob["factors"]])
                e = np.array([s["factors"][f][key + "_conf"] or 0.0 for f in sob["factors"]])
                ax.bar(x + off, v, width=0.4, yerr=e, color=c, label=key, error_kw=dict(ecolor="0.3", lw=0.8, capsize=1.5))
            st_noise = np.array([np.nan if s["factors"][f]["ST_noise"] is None else s["factors"][f]["ST_noise"] for f in sob["factors"]])
            if np.isfinite(st_noise).any():
                ax.scatter(x + 0.2, st_noise, marker="_", s=160, color="k", lw=1.6, zorder=4, label="ST noise (measured, CRN)")
            if s.get("noise_ratio") is not None:
                ax.axhline(s["noise_ratio"], color="#c0392b", ls="--", lw=1.0, label="σ²ε / Var(Y) (independent seeds)")
            ax.axhline(0, color="0.5", lw=0.6)
            ax.set_xticks(x, [_short(f) for f in sob["factors"]], rotation=35, ha="right")
            ax.set_ylim(-0.25, 1.25)  # indices live in [0, 1]; small-N intervals can run far outside
            ax.set_title(drawable(_label(result, o)))
            ax.grid(axis="y", color="0.92", lw=0.6)
            ax.set_axisbelow(True)
            handles = handles or ax.get_legend_handles_labels()
        if handles:
            fig.legend(*handles, loc="outside lower center", ncols=min(4, len(handles[0])), frameon=False)
        return fig

    for fn, name in ((morris_fig, MORRIS_FIGURE), (sobol_fig, SOBOL_FIGURE)):
        path = figures_dir / name
        _save_png(fn(), path)
        paths.append(path)
    return paths


# ---------------------------------------------------------------------------- markdown
def _fmt(v, unit: str = "") -> str:
    if v is None:
        return "–"
    if unit == "亿元":
        return f"{v:,.0f}"
    return f"{v:.3g}"


def render_markdown(result: dict, figure_dir_relative: str = "figures") -> str:
    """A section for docs/VALIDATION.md: settings, noise floors, the Morris ranking, the
    Sobol indices, the figures and what was held fixed."""
    s, mo, sob, noise = result["settings"], result["morris"], result["sobol"], result["noise"]
    outs = {o["name"]: o for o in result["outputs"]}
    ranked = mo["ranked_outputs"]
    met_varying = [o for o in ranked if o != MAIN_OUTPUT]
    lines = [
        "## Global sensitivity analysis",
        "",
        f"`python -m experiments.sensitivity` (this run: firms_scale {s['firms_scale']:g}, Morris r = {s['trajectories']} "
        f"trajectories x {len(result['factors']) + 1} points = {s['morris_points']} points, {s['num_levels']} levels, step Δ = {s['delta']:.3g}; "
        f"R = {s['replications']} replications per point with common random numbers (replications 0..R-1 of seed "
        f"{s['morris_seed']} at every point); M = {s['noise_sets']} noise seed sets; Sobol N = {s['sobol_n']} on k = "
        f"{len(sob['factors'])} factors, {s['sobol_points']} points; {s['total_model_runs']:,} model runs). "
        f"Factors: {len(result['factors'])}, every `Params` field uniform over its metadata range and the numeric levers "
        "over their sweep ranges. Outputs: per target, the fraction of the R replications meeting it; parks' output and "
        "FAI growth as means over the R replications.",
        "",
        "Held fixed: " + ", ".join(f"`{k}` = {v}" for k, v in result["held_fixed"]["levers"].items())
        + f" (the `{result['base']['scenario']}` scenario's values), the calibration and the targets."
        + (f" Not varied in this run: {', '.join('`' + n + '`' for n in result['held_fixed']['not_varied'])}." if result["held_fixed"]["not_varied"] else ""),
        "",
    ]
    constant = [o for o in result["outputs"] if mo["outputs"][o["name"]]["constant"]]
    if constant:
        lines += ["Outputs that do not vary over the Morris sample (not ranked): "
                  + "; ".join(f"{o['label']}: {mo['outputs'][o['name']]['note']}" for o in constant) + ".", ""]
    lines += [
        "### Seed noise",
        "",
        "σ_ε is the SD of an output's R-replication estimate across the M seed sets at the base point (and, as a check, "
        "the RMS within-point standard error over the Morris points). √2·σ_ε/Δ would be the noise of a Morris elementary "
        "effect if its two points had independent seeds. They share them (common random numbers), so the noise of each "
        "step is measured: the SD across the R replications of the step's effect over √R, pooled over a factor's "
        "trajectories. A factor whose μ* is at or below its own measured floor is indistinguishable from seed noise (†); "
        "the table gives the RMS of those floors over the factors.",
        "",
        markdown_table(["output", "base point", "σ_ε (seed sets)", "σ_ε (within points)", "floor √2·σ_ε/Δ, independent seeds", "floor, common random numbers"],
                       [[o["label"], *(_fmt(noise[o["name"]][k], o["unit"]) for k in ("base_estimate", "sigma_eps", "sigma_within_points", "mu_star_floor_independent", "mu_star_floor_crn"))]
                        for o in result["outputs"]], colalign=["left"] + ["right"] * 5),
        "",
        "### Morris screening",
        "",
    ]
    main = mo["outputs"][MAIN_OUTPUT]
    if main["constant"]:
        lines += ["Parks' output does not vary: no ranking.", ""]
    else:
        lines += [
            "Top factors by μ* for parks' output (亿元 per full range of the factor, ± 95% bootstrap half-width); "
            "μ*/SD is μ* over the output's SD across the sample, comparable between outputs. "
            "Met-probability columns give μ* of the probability; † marks μ* below the seed-noise floor.",
            "",
        ]
        rows = []
        for f in main["ranking"][:12]:
            e = main["factors"][f]
            cells = [f"{e['rank']}", f"`{f}`" + (" †" if e["below_noise"] else ""),
                     f"{e['mu_star']:,.0f} ± {(e['mu_star_conf'] or 0):,.0f}", f"{e['mu_star_norm']:.2f}", f"{e['sigma']:,.0f}"]
            for o in met_varying:
                g = mo["outputs"][o]["factors"][f]
                cells.append(f"{g['mu_star']:.3f}" + (" †" if g["below_noise"] else "") + f" (#{g['rank']})")
            rows.append(cells)
        lines += [markdown_table(["rank", "factor", "μ* parks' output", "μ*/SD", "σ", *(f"μ* {outs[o]['label']}" for o in met_varying)], rows,
                                 colalign=["right", "left", "right", "right", "right"] + ["right"] * len(met_varying)), ""]
        n_signal = sum(not e["below_noise"] for e in main["factors"].values())
        lines += [f"{n_signal} of {len(main['factors'])} factors are above the seed-noise floor for parks' output.", ""]
    for o in met_varying:
        m = mo["outputs"][o]
        above = [f for f in m["ranking"] if not m["factors"][f]["below_noise"]]
        lines.append(f"- {outs[o]['label']}: " + (", ".join(f"`{f}` ({m['factors'][f]['mu_star']:.3f})" for f in above[:6])
                                                  if above else "no factor above the seed-noise floor")
                     + f" (RMS floor {m['noise_floor']:.3f}).")
    if met_varying:
        lines.append("")
    lines += ["### Sobol indices", "",
              f"On the top {len(sob['factors'])} factors ({sob['selection']}), the others at the baseline. "
              "S1 first-order, ST total-order, 95% bootstrap half-widths. Seed noise that were independent between points "
              "would add σ_ε²/Var(Y) to every factor's ST (Jansen estimator) and leave S1 unbiased; with common random "
              "numbers the addition is smaller and is measured per factor from the replications (ST noise).",
              ""]
    shown = [o for o in ranked if not sob["outputs"][o]["constant"]]
    if shown:
        rows = []
        for f in sob["factors"]:
            cells = [f"`{f}`"]
            for o in shown:
                e = sob["outputs"][o]["factors"][f]
                cells += [f"{e['S1']:.2f} ± {(e['S1_conf'] or 0):.2f}", f"{e['ST']:.2f} ± {(e['ST_conf'] or 0):.2f}", _fmt(e["ST_noise"])]
            rows.append(cells)
        rows.append(["σ_ε²/Var(Y)", *(c for o in shown for c in ("", _fmt(sob["outputs"][o]["noise_ratio"]), ""))])
        lines += [markdown_table(["factor", *(h for o in shown for h in (f"{outs[o]['label']} S1", "ST", "ST noise"))], rows,
                                 colalign=["left"] + ["right"] * 3 * len(shown)), ""]
    else:
        lines += ["No ranked output varies over the Sobol sample.", ""]
    flat = [o for o in ranked if sob["outputs"][o]["constant"]]
    if flat:
        lines += ["Constant over the Sobol sample (no indices): "
                  + ", ".join(f"{outs[o]['label']} = {_fmt(sob['outputs'][o]['constant_value'])}" for o in flat) + ".", ""]
    lines += [f"![Morris μ* per output, seed-noise floor dashed]({figure_dir_relative}/{MORRIS_FIGURE})", "",
              f"![Sobol S1 and ST with 95% intervals]({figure_dir_relative}/{SOBOL_FIGURE})", ""]
    return "\n".join(lines)


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
        lines.append(f"{o['label']:<36} floor {_fmt(m['noise_floor'], o['unit'])} ({m['noise_floor_kind']}); top: "
                     + (", ".join(f"{f} ({_fmt(m['factors'][f]['mu_star'], o['unit'])})" for f in top) or "none above noise"))
    lines.append(f"Sobol factors: {', '.join(sob['factors'])}")
    for o in mo["ranked_outputs"]:
        s = sob["outputs"][o]
        if s["constant"]:
            continue
        lines.append(f"  {o:<24} " + ", ".join(f"{f.split('.', 1)[1]} S1 {e['S1']:.2f} ST {e['ST']:.2f} (noise {_fmt(e['ST_noise'])})"
                                                for f, e in s["factors"].items())
                     + f"; σ²/Var {_fmt(s['noise_ratio'])}")
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

"""The posterior: the parameters conditioned on Hangzhou's history before the plan (ABC-SMC).

    python -m experiments.posterior            # full size (about an hour on 2 cores): writes
                                               # data/posterior/hangzhou_2022.csv, the point
                                               # values of configs/fit/hangzhou_2022.yaml and
                                               # docs/validation/posterior.json
    python -m experiments.posterior --quick    # a few minutes, into results/posterior/ only

Method: approximate Bayesian computation by sequential Monte Carlo (Toni et al. 2009, J. R.
Soc. Interface 6; Del Moral, Doucet & Jasra 2012), with pyabc (Schälte et al. 2022, JOSS 7):
the model has no likelihood to write down, but it can be run. Each parameter of `FREE` (the
ones the history can inform, and which move the verdicts) starts from its prior: a PERT
distribution over its plausible range with its mode at the schema's value
(sim/config/params.py and schema.py; `prior`). A generation of particles is simulated (the
regime before the plan, `pre_plan`, from the observed end-2022 state: experiments/history.py)
and accepted when its statistics come within the generation's tolerance of the published
moments, under an adaptive distance that weighs each moment by the spread of its simulated
values (Prangle 2017, Bayesian Analysis 12); later generations perturb accepted particles
and shrink the tolerance. What is kept is the last generation: particles and their weights,
the posterior sample a run's `uncertainty=posterior` draws from (one particle per
replication). Every other uncertain parameter keeps its prior.

Why pyabc and not ELFI or sbi: pyabc runs ABC-SMC with adaptive distances out of the box, on
one machine's cores or on a cluster (Redis, Dask samplers) with the same code, and keeps every
generation in a database; ELFI's strength is Bayesian optimisation (BOLFI) for a handful of
parameters, and sbi trains neural density estimators that need PyTorch and, for some thirty
parameters, far more simulations than fit in this project's compute.

Runs at a reduced population (`--scale`): `--check-scale` compares every statistic at the
calibration's scale with full scale on paired replications (docs/VALIDATION.md shows it).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.config import CONFIG_DIR, uncertain_keys  # noqa: E402
from sim.config.posterior import POSTERIOR_DIR, parse, write_posterior as write_sample  # noqa: E402
from sim.config.priors import prior, uncertain_field  # noqa: E402

from experiments import history  # noqa: E402

POSTERIOR = POSTERIOR_DIR / "hangzhou_2022.csv"
FIT = CONFIG_DIR / "fit" / "hangzhou_2022.yaml"
RESULT = ROOT / "docs" / "validation" / "posterior.json"

# The parameters the calibration conditions on the history: the ones the moments inform
# and which move the verdicts (docs/VALIDATION.md's sensitivity analysis): the level of growth
# (`growth_shift`, a common shift of the six sector drifts, whose differences the history
# cannot tell apart), its shocks (the spread of growth), the investment lag, the growth of
# the levers before the plan and the rate of outside projects (the investment boom), exit and
# moves (their rates), the size distribution (余杭's concentration). Every other uncertain
# parameter is drawn from its prior in each run (`Simulator`), so the posterior of these
# carries their uncertainty, and `uncertainty=posterior` draws them from their priors too.
# Each more dimension thins the particles' importance weights: with 34 parameters, a
# generation of 300 had an effective sample size of 8.
FREE = (
    "params.growth_shift", "params.macro_sd", "params.jump_rate", "params.jump_scale", "params.investment_lag_years",
    "calibration.before_plan_growth", "params.project_rate", "params.exit_rate", "params.move_consider_rate",
    "calibration.zipf_exponent", "calibration.max_firm_yi",
)  # fmt: skip


UNCERTAIN = tuple(key for key, _ in uncertain_keys())  # every parameter a run draws


def _mode(key: str) -> float:
    """The prior's mode: the schema's value (sim.config.priors)."""
    return float(uncertain_field(key).default)


def _name(key: str) -> str:  # pyabc's parameter names: no dots
    return key.replace(".", "__")


def _key(name: str) -> str:
    return name.replace("__", ".")


class Simulator:
    """pyabc's model: parameters -> the statistics of one run. pyabc samples each parameter
    as its prior's quantile u in [0, 1] (uniform: the same prior, on a common scale, which
    keeps the particles' weights from degenerating), mapped to its value by the prior's
    inverse CDF. Each call runs replication k of seed 0, with k drawn from numpy's global
    generator, which the calibration seeds: pyabc's own sampling draws from it too (its one
    use of global random state here)."""

    def __init__(self, scale: float):
        self.scale = scale

    def __call__(self, theta: dict) -> dict[str, float]:
        k = int(np.random.randint(0, 2**31 - 1))
        values = to_values({_key(n): float(v) for n, v in theta.items()})
        nuisance = [key for key in UNCERTAIN if key not in values]  # the others: drawn from their priors
        values |= to_values(dict(zip(nuisance, np.random.random(len(nuisance)))))
        try:
            stats = history.statistics(history.config(values, self.scale), k)
        except Exception:  # noqa: BLE001 (a draw the model refuses: far from every moment)
            return {m: math.inf for m in history.observed()}
        return {m: (v if math.isfinite(v) else math.inf) for m, v in stats.items()}


def to_values(u: dict[str, float]) -> dict[str, float]:
    """Prior quantiles (dotted keys) -> parameter values."""
    return {k: float(prior(k).ppf(min(max(q, 0.0), 1.0))) for k, q in u.items()}


def run_abc(population: int, generations: int, scale: float, procs: int, seed: int, min_acceptance: float, db: Path, keys=FREE,
            observed: dict | None = None, simulator=None):
    """ABC-SMC on the prior quantiles of `keys` (uniform priors on [0, 1]); returns pyabc's
    History."""
    import pyabc

    np.random.seed(seed)
    priors = pyabc.Distribution(**{_name(k): pyabc.RV("uniform", 0.0, 1.0) for k in keys})
    sampler = pyabc.sampler.SingleCoreSampler() if procs == 1 else pyabc.sampler.MulticoreEvalParallelSampler(n_procs=procs)
    abc = pyabc.ABCSMC(simulator or Simulator(scale), priors, pyabc.AdaptivePNormDistance(p=2, scale_function=pyabc.distance.mad),
                       population_size=population, sampler=sampler, transitions=pyabc.MultivariateNormalTransition(scaling=2.0))
    if db.exists():  # a run cut short continues from its last finished generation
        abc.load(f"sqlite:///{db}", 1)
    else:
        abc.new(f"sqlite:///{db}", observed or history.observed())
    return abc.run(max_nr_populations=generations, min_acceptance_rate=min_acceptance)


def particles(h) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The last generation: parameter values by dotted key, and normalised weights."""
    df, w = h.get_distribution()
    values = {}
    for c in df.columns:
        key = _key(c)
        values[key] = prior(key).ppf(np.clip(df[c].to_numpy(dtype=float), 0.0, 1.0))
    return values, np.asarray(w, dtype=float) / np.sum(w)


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs) -> list[float]:
    order = np.argsort(x)
    cw = np.cumsum(w[order]) - 0.5 * w[order]
    return [float(np.interp(q, cw / w.sum(), x[order])) for q in qs]


def write_posterior(values: dict[str, np.ndarray], weights: np.ndarray, path: Path, command: str) -> None:
    """The posterior sample as data (sim.config.posterior's format: what uncertainty=posterior
    reads): the command, commit and date, then one row per particle."""
    import datetime

    from sim.sweep.provenance import git_commit

    keys = sorted(values)
    comments = ["posterior of the parameters conditioned on Hangzhou's history before the plan", f"command: {command}",
                f"commit: {git_commit()}", f"made: {datetime.date.today().isoformat()}"]
    write_sample(path, keys, np.column_stack([values[k] for k in keys]), weights, comments)


def write_fit(values: dict[str, np.ndarray], weights: np.ndarray, identified: dict[str, bool], path: Path, command: str) -> None:
    """configs/fit/NAME.yaml: each calibrated parameter's weighted posterior median, the
    configured value of a run (`uncertainty=seeds`, and the seeds-only column under the
    others)."""
    groups: dict[str, list[str]] = {"params": [], "calibration": []}
    for key in sorted(values):
        group, name = key.split(".")
        q05, q50, q95 = weighted_quantiles(values[key], weights, (0.05, 0.5, 0.95))
        note = "identified" if identified[key] else "NOT identified: the posterior is about its prior"
        groups[group].append(f"  {name}: {q50:.6g}  # posterior median, 90% {q05:.4g} to {q95:.4g}; prior mode {_mode(key):.4g}; {note}")
    lines = ["# @package _global_", f"# Written by `{command}` (do not edit by hand; re-run it): the weighted median of",
             "# each calibrated parameter's posterior (data/posterior/hangzhou_2022.csv), the value a run",
             "# uses at its configured values. Parameters not listed keep their schema values (the priors' modes);",
             "# `fit=none` uses those for all."]
    for group, rows in groups.items():
        if rows:
            lines += [f"{group}:", *rows]
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def summary(h, values: dict[str, np.ndarray], weights: np.ndarray, settings: dict, seconds: float) -> dict:
    """What docs/VALIDATION.md shows: each parameter's prior and posterior (5-50-95%) and
    whether the history identifies it (the posterior's 90% interval at most 60% of the
    prior's), and each generation's tolerance, acceptance and effective sample size."""
    params = []
    for key in sorted(values):
        pr = prior(key)
        p05, p50, p95 = (float(pr.ppf(q)) for q in (0.05, 0.5, 0.95))
        q05, q50, q95 = weighted_quantiles(values[key], weights, (0.05, 0.5, 0.95))
        ratio = (q95 - q05) / (p95 - p05) if p95 > p05 else float("nan")
        params.append(dict(key=key, range=list(uncertain_field(key).metadata["range"]), prior_mode=_mode(key), prior=[p05, p50, p95],
                           posterior=[q05, q50, q95], width_ratio=ratio, identified=bool(ratio <= 0.6)))
    pops = h.get_all_populations()
    generations = [dict(t=int(r.t), eps=float(r.epsilon), samples=int(r.samples)) for r in pops.itertuples() if r.t >= 0]
    ess = 1.0 / float(np.sum(weights**2))
    return dict(method="ABC-SMC (pyabc 0.13), adaptive p-norm distance (p = 2, MAD scales), PERT priors over the plausible ranges",
                settings=settings, generations=generations, simulations=int(sum(g["samples"] for g in generations)),
                effective_sample_size=ess, seconds=seconds, parameters=params, observed=[dataclasses.asdict(m) for m in history.moments()])


def check_scale(scale: float, replications: int) -> list[dict]:
    """Every statistic at `scale` and at full scale, on the same replications at the priors'
    modes: the mean difference and its standard error (paired)."""
    modes = {k: _mode(k) for k in FREE}
    small = [history.statistics(history.config(modes, scale), k) for k in range(replications)]
    full = [history.statistics(history.config(modes, 1.0), k) for k in range(replications)]
    out = []
    for m in history.moments():
        a, b = np.array([r[m.id] for r in small]), np.array([r[m.id] for r in full])
        d = a - b
        se = float(d.std(ddof=1) / math.sqrt(len(d)))
        out.append(dict(id=m.id, at_scale=float(a.mean()), full=float(b.mean()), difference=float(d.mean()), se=se,
                        band=m.hi - m.lo, same=bool(abs(d.mean()) <= max(2.0 * se, 0.1 * (m.hi - m.lo)))))
    return out


def read_posterior(path: Path = POSTERIOR) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The particles of a posterior sample file (checked as a run checks it) and their weights."""
    keys, values, weights, _ = parse(Path(path).read_text(encoding="utf-8"), str(path))
    return {k: values[:, j] for j, k in enumerate(keys)}, weights


def predictive(values: dict[str, np.ndarray] | None, weights: np.ndarray | None, draws: int, scale: float, seed: int) -> list[dict]:
    """The statistics of `draws` runs, each at a particle drawn by weight (None: at a draw
    from the priors), replication k of seed 0 for draw k: the posterior (prior) predictive."""
    rng = np.random.default_rng(seed)
    runs = []
    for k in range(draws):
        if values is None:
            theta = {key: float(prior(key).ppf(rng.random())) for key in FREE}
        else:
            i = rng.choice(weights.size, p=weights)
            theta = {key: float(v[i]) for key, v in values.items()}
        runs.append(history.statistics(history.config(theta, scale), k))
    return runs


def check(draws: int, scale: float, seed: int, path: Path = POSTERIOR) -> list[dict]:
    """Posterior predictive check of every moment (and the prior predictive beside it): the
    median and 10-90% of the simulated statistic, and the share of runs inside the
    published band."""
    post = predictive(*read_posterior(path), draws, scale, seed)
    pri = predictive(None, None, draws, scale, seed)
    out = []
    for m in history.moments():
        row = dict(id=m.id, label=m.label, unit=m.unit, observed=m.value, band=[m.lo, m.hi])
        for name, runs in (("prior", pri), ("posterior", post)):
            x = np.array([r[m.id] for r in runs], dtype=float)
            x = x[np.isfinite(x)]
            row[name] = dict(median=float(np.median(x)), p10=float(np.quantile(x, 0.1)), p90=float(np.quantile(x, 0.9)),
                             in_band=float(np.mean((x >= m.lo) & (x <= m.hi))))
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a small population and few generations, into results/posterior/ only")
    ap.add_argument("--population", type=int, default=None, help="particles per generation (default 400; --quick 40)")
    ap.add_argument("--generations", type=int, default=None, help="at most this many generations (default 8; --quick 3)")
    ap.add_argument("--min-acceptance", type=float, default=0.03, help="stop when a generation accepts fewer than this share (default 0.03)")
    ap.add_argument("--scale", type=float, default=0.25, help="firms_scale of the calibration's runs (default 0.25; --check-scale justifies it)")
    ap.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="worker processes (default: the machine's cores)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--check-scale", type=int, default=16, metavar="R", help="replications of the scale check (0: skip; default 16, --quick 4)")
    ap.add_argument("--out", type=Path, default=None, help="directory for the outputs instead of configs/ and docs/")
    ap.add_argument("--db", type=Path, default=None,
                    help="keep pyabc's database here (default: a temporary file); an existing one is continued, so a run cut short resumes")
    ap.add_argument("--check", type=int, default=0, metavar="N",
                    help="instead of calibrating: the posterior (and prior) predictive check of the committed posterior over N runs each, into docs/validation/posterior_check.json")
    args = ap.parse_args(argv)
    if args.check:
        start = time.perf_counter()
        rows = check(args.check, args.scale, args.seed)
        target = (args.out or RESULT.parent) / "posterior_check.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(dict(draws=args.check, scale=args.scale, seed=args.seed, seconds=time.perf_counter() - start, moments=rows),
                                     indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        for r in rows:
            print(f"  {r['id']:24s} observed {r['observed']:.4g}  prior {r['prior']['median']:.4g} [{r['prior']['p10']:.4g}, {r['prior']['p90']:.4g}]"
                  f"  posterior {r['posterior']['median']:.4g} [{r['posterior']['p10']:.4g}, {r['posterior']['p90']:.4g}]")
        return
    quick = args.quick
    population = args.population or (40 if quick else 400)
    generations = args.generations or (3 if quick else 8)
    out = args.out or (ROOT / "results" / "posterior" if quick else None)
    command = "python -m experiments.posterior " + " ".join(argv if argv is not None else sys.argv[1:])
    start, cpu = time.perf_counter(), time.process_time()
    scale_check = check_scale(args.scale, 4 if quick else args.check_scale) if args.check_scale else []
    with tempfile.TemporaryDirectory(prefix="abc-") as tmp:
        h = run_abc(population, generations, args.scale, args.processes, args.seed, args.min_acceptance, args.db or Path(tmp) / "abc.db")
        values, weights = particles(h)
        settings = dict(population=population, max_generations=generations, min_acceptance=args.min_acceptance, scale=args.scale,
                        scenario=history.SCENARIO, years=f"{history.FIRST_YEAR}-{history.LAST_YEAR}", seed=args.seed, processes=args.processes, free=list(FREE))
        result = summary(h, values, weights, settings, time.perf_counter() - start)
    result["scale_check"] = scale_check
    result["command"] = command
    result["cpu_seconds_parent"] = time.process_time() - cpu
    identified = {p["key"]: p["identified"] for p in result["parameters"]}
    posterior = (out / "posterior.csv") if out else POSTERIOR
    fit = (out / "fit.yaml") if out else FIT
    summary_file = (out / "posterior.json") if out else RESULT
    write_posterior(values, weights, posterior, command)
    write_fit(values, weights, identified, fit, command)
    summary_file.parent.mkdir(parents=True, exist_ok=True)
    summary_file.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    from experiments import posterior_page

    posterior_page.figure(result, (out / "posterior.png") if out else posterior_page.FIGURES / "posterior.png")
    print(f"wrote {posterior}, {fit}, {summary_file} in {result['seconds']:.0f} s ({result['simulations']:,} simulations)")
    for p in result["parameters"]:
        print(f"  {p['key']:40s} prior {p['prior'][1]:.4g} [{p['prior'][0]:.4g}, {p['prior'][2]:.4g}]  posterior {p['posterior'][1]:.4g} "
              f"[{p['posterior'][0]:.4g}, {p['posterior'][2]:.4g}]  {'identified' if p['identified'] else 'not identified'}")


if __name__ == "__main__":
    main()

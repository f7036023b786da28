"""What would it take: the cheapest policy that meets the chosen targets with probability p.

    python -m experiments.search                                  # the baseline's missed targets, p = 0.8
    python -m experiments.search scenario=no_policy --targets st_coverage,fai_growth --p 0.9
    python -m experiments.search firms_scale=0.25 --trials 60 --out results/search/quick

Overrides are run.py's (scenario=, firms_scale=, targets=, params.*, policy.* for the levers
not searched). It minimises the policy's public cost over the plan period (sim/rules/costs.py)
subject to P(every chosen target met) >= p, over each searched lever's plausible range
(field metadata; numbers and choices), under the config's uncertainty (posterior by default:
each replication draws a particle of the posterior sample and the other uncertain parameters
from their priors; parameters: all from their priors). The optimiser is Optuna's TPE sampler with
constraints (c = p - P(met), feasible when <= 0, one c for the joint probability and one per
target), asked and told in batches of --workers candidates, seeded: the same command gives the
same search.json. The scenario's own policy and every lever at its most generous end are tried
first, with --n-max replications (the references for what binds). The default targets are
those the scenario's own policy meets with probability below p.

Each candidate is run with common random numbers: replication k has the same parameter draw
and random streams for every candidate, so candidates differ by their levers, not by luck.
Replications are adaptive: --n0 first, doubled while the Wilson 95% interval of P(met) still
contains p, up to --n-max (`replications_needed`). The recommended policy is the cheapest
candidate whose interval lies above p (else the cheapest with P(met) >= p); its probability is
re-estimated on --fresh replications the search never used (the next seed's draws and
streams), and if it falls below p the next one in that order is tried (up to three). When no
candidate reaches p: the highest probability found, each target's probability there (the
targets that bind) and the levers at the end of their range.

Writes DIR/search.json (no timings: the same command gives the same bytes), DIR/timing.json,
DIR/figures/frontier.png (cost against P(met), the Pareto front of the candidates) and
DIR/report.html ("What it would take", as in a sweep's report).
Schedules by year are not searched: each lever is one number over the plan period.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import math
import multiprocessing
import resource
import shlex
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from sim.rules import costs
from sim.runs import uncertainty
from sim.runs.cli import compose, exit_on_user_error
from sim.config.schema import Config, ConfigError, categorical_levers, numeric_levers
from sim.runs.results import write_json
from sim.sweep import report_whatittakes as whatittakes
from sim.runs.targets import NAMES, evaluate, wilson

CONFIDENCE = 0.95  # of the Wilson interval that decides whether more replications are needed


def replications_needed(met: int, n: int, p: float, n_max: int) -> int | None:
    """Adaptive replication: None if n replications with `met` successes decide P(met)
    against p (the Wilson interval excludes p) or n >= n_max; else the next count, 2n (at
    most n_max)."""
    lo, hi = wilson(met, n, CONFIDENCE)
    if lo > p or hi < p or n >= n_max:
        return None
    return min(2 * n, n_max)


def pareto_front(cost: list[float], prob: list[float]) -> list[int]:
    """Indices of the candidates no other beats on both (lower cost, higher probability),
    cheapest first."""
    order = sorted(range(len(cost)), key=lambda i: (cost[i], -prob[i]))
    front, best = [], -math.inf
    for i in order:
        if prob[i] > best:
            front.append(i)
            best = prob[i]
    return front


# ------------------------------------------------------------------------ evaluation
def with_levers(cfg: Config, levers: dict) -> Config:
    return dataclasses.replace(cfg, policy=dataclasses.replace(cfg.policy, **levers))


def one_replication(cfg: Config, row: dict, k: int, names: tuple[str, ...]) -> dict:
    """Replication k of `cfg` at the parameter draw `row`: each target's value and whether it
    was met, and the policy's cost (亿元). A process pool's task."""
    from sim.runs.api import quiet_mesa
    from sim import Model

    import pandas as pd

    with quiet_mesa():
        rec = Model(uncertainty.apply(cfg, pd.Series(row)), replication=k).run().recorder
    values = {v.name: v for v in evaluate(rec, cfg.targets, cfg.calibration.base_year)}
    cost = costs.of_run(rec, cfg)
    return dict(met={n: bool(values[n].met) for n in names}, value={n: float(values[n].value) for n in names},
                threshold={n: float(values[n].threshold) for n in names}, unit={n: values[n].unit for n in names},
                cost=cost["total"], by_lever=cost["by_lever"])


def design(cfg: Config, n: int) -> list[dict]:
    """Rows 0..n-1 of the parameter draws of `cfg` (its seed; a particle and the priors' draws
    under uncertainty=posterior; the configured values under uncertainty=seeds): replication
    k's draw for every candidate."""
    sized = dataclasses.replace(cfg, replications=n)
    return uncertainty.values(sized).to_dict("records")


def model_task(cfg: Config, rows: list[dict], levers: dict, k: int) -> dict:
    """Replication k of `cfg` with `levers` set, at parameter draw rows[k] (a pool's task)."""
    return one_replication(with_levers(cfg, levers), rows[k], k, NAMES)


class Evaluator:
    """Runs candidates with common random numbers (`task(levers, k)` is replication k, with
    the same parameter draw and streams for every candidate) in a pool, keeping each
    candidate's replications so that more can be added. `names`: the targets that count."""

    def __init__(self, task, pool, names: tuple[str, ...] = NAMES):
        self.task, self.names, self.pool = task, names, pool
        self.runs: dict[int, list[dict]] = {}

    @classmethod
    def of_model(cls, cfg: Config, n_max: int, pool, names: tuple[str, ...] = NAMES) -> "Evaluator":
        return cls(functools.partial(model_task, cfg, design(cfg, n_max)), pool, names)

    def extend(self, wanted: dict[int, tuple[dict, int]]) -> None:
        """Bring candidate i (levers, n) to n replications, all candidates' runs in parallel."""
        tasks = [(i, self.pool.submit(self.task, levers, k)) for i, (levers, n) in wanted.items() for k in range(len(self.runs.setdefault(i, [])), n)]
        for i, future in tasks:
            self.runs[i].append(future.result())

    def summary(self, i: int) -> dict:
        return summarize_runs(self.runs[i], self.names)


def summarize_runs(runs: list[dict], names: tuple[str, ...]) -> dict:
    """P(every target met) with its Wilson interval, each target's P(met) and median value,
    and the median cost (亿元) in total and by lever."""
    n = len(runs)
    joint = sum(all(r["met"][t] for t in names) for r in runs)
    lo, hi = wilson(joint, n, CONFIDENCE)
    return dict(
        n=n, met=joint, p_met=joint / n, ci95=[lo, hi],
        targets={t: dict(p_met=sum(r["met"][t] for r in runs) / n, median=float(np.median([r["value"][t] for r in runs])),
                         threshold=runs[0]["threshold"][t], unit=runs[0]["unit"][t]) for t in names},
        cost_yi=float(np.median([r["cost"] for r in runs])),
        cost_by_lever_yi={k: float(np.median([r["by_lever"][k] for r in runs])) for k in costs.LEVERS},
    )


def adaptive(ev: Evaluator, batch: dict[int, dict], p: float, n0: int, n_max: int, full: frozenset[int] = frozenset()) -> None:
    """Run each candidate of `batch` (i -> levers) n0 times (those in `full`, n_max times),
    then double the undecided ones (`replications_needed`) until every one is decided or at n_max."""
    wanted = {i: (levers, n_max if i in full else n0) for i, levers in batch.items()}
    while wanted:
        ev.extend(wanted)
        nxt = {}
        for i, (levers, _) in wanted.items():
            s = ev.summary(i)
            more = replications_needed(s["met"], s["n"], p, n_max)
            if more is not None:
                nxt[i] = (levers, more)
        wanted = nxt


# ------------------------------------------------------------------------ the search
def search_space(names: list[str] | None) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[str, ...]]]:
    """The searched levers: numeric ones over their plausible range, choices over their options."""
    numeric = {f.name: tuple(f.metadata["range"]) for f in numeric_levers()}
    choices = {f.name: tuple(f.metadata["choices"]) for f in categorical_levers()}
    if names is not None:
        unknown = sorted(set(names) - set(numeric) - set(choices))
        if unknown:
            raise ConfigError(f"Invalid value for --levers: {','.join(unknown)}; allowed: {' | '.join([*numeric, *choices])}")
        numeric = {k: v for k, v in numeric.items() if k in names}
        choices = {k: v for k, v in choices.items() if k in names}
    return numeric, choices


def optimise(ev: Evaluator, numeric: dict[str, tuple[float, float]], choices: dict[str, tuple[str, ...]], own: dict, p: float,
             trials: int, n0: int, n_max: int, batch_size: int, seed: int, log=print) -> list[dict]:
    """Optuna's TPE sampler, constrained, minimising the median cost: `own` and every numeric
    lever at its top are tried first; candidates are asked and told `batch_size` at a time,
    each run adaptively (`adaptive`). Returns one record per candidate, in trial order."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(10, max(trials // 3, 1)))
    study = optuna.create_study(direction="minimize", sampler=sampler)
    study.enqueue_trial(own)  # the scenario's policy
    study.enqueue_trial({**{k: hi for k, (lo, hi) in numeric.items()}, **{k: own[k] for k in choices}})  # every lever at its top
    records = []
    while len(records) < trials:
        batch = [study.ask() for _ in range(min(batch_size, trials - len(records)))]
        chosen = {t.number: {**{k: t.suggest_float(k, lo, hi) for k, (lo, hi) in numeric.items()},
                             **{k: t.suggest_categorical(k, list(v)) for k, v in choices.items()}} for t in batch}
        adaptive(ev, chosen, p, n0, n_max, full=frozenset({0, 1}))  # the two references in full: what binds reads them
        for t in batch:
            s = ev.summary(t.number)
            t.set_constraint("joint", p - s["p_met"])  # feasible when <= 0; one per target too, a gradient to follow
            for name, x in s["targets"].items():
                t.set_constraint(name, p - x["p_met"])
            study.tell(t, s["cost_yi"])
            records.append(dict(trial=t.number, levers=chosen[t.number], **s, feasible=s["p_met"] >= p))
            log(f"trial {t.number:3d}: P(met) {s['p_met']:.2f} [{s['ci95'][0]:.2f}, {s['ci95'][1]:.2f}] over {s['n']:2d}, cost {s['cost_yi']:,.0f}亿元")
    return records


def run_search(cfg: Config, names: tuple[str, ...] | None, p: float, trials: int, n0: int, n_max: int, fresh: int, workers: int,
               levers: list[str] | None = None, seed: int = 0, log=print) -> dict:
    """The search (see the module's doc); returns the search.json content."""
    numeric, choices = search_space(levers)
    if not numeric and not choices:
        raise ConfigError("Invalid value for --levers: none; allowed: at least one lever")
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        own = {k: getattr(cfg.policy, k) for k in [*numeric, *choices]}
        if any(isinstance(v, dict) for v in own.values()):
            raise ConfigError("Invalid value for policy: a schedule by year on a searched lever; allowed: numbers (the search varies each lever as one number)")
        ev = Evaluator.of_model(cfg, n_max, pool)
        if names is None:  # the targets the scenario's own policy (trial 0) misses, over n_max replications
            ev.extend({0: (own, n_max)})
            names = tuple(t for t, s in ev.summary(0)["targets"].items() if s["p_met"] < p)
            log(f"targets the scenario meets with probability below {p}: {', '.join(names) or 'none'}")
            if not names:
                raise ConfigError(f"Invalid value for --targets: none given, and the scenario meets every target with probability >= {p}; allowed: names of targets ({' | '.join(NAMES)})")
        ev.names = names  # the probe ran every target; the search counts the chosen ones
        records = optimise(ev, numeric, choices, own, p, trials, n0, n_max, workers, seed, log)
        result = _conclude(cfg, names, records, p, fresh, n_max, pool, log)
    front = pareto_front([r["cost_yi"] for r in records], [r["p_met"] for r in records])
    return dict(
        p=p, targets=list(names), scenario=cfg.scenario, seed=int(cfg.seed), search_seed=seed, uncertainty=cfg.uncertainty,
        firms_scale=cfg.firms_scale, period=[cfg.calibration.base_year + 1, cfg.targets.year], trials=trials, n0=n0, n_max=n_max,
        fresh=fresh, levers={**{k: list(v) for k, v in numeric.items()}, **{k: list(v) for k, v in choices.items()}},
        own_policy=records[0]["levers"], unit_costs=dataclasses.asdict(cfg.costs),
        candidates=records, frontier=[records[i]["trial"] for i in front], replications=sum(r["n"] for r in records), **result,
    )


def _conclude(cfg, names, records, p, fresh, n_max, pool, log) -> dict:
    """The recommended policy, confirmed on fresh replications (the next seed's), or the
    best probability found and what binds."""
    # decided feasible (the Wilson interval above p) first, then P(met) >= p undecided at n_max;
    # cheapest first within each: the cheapest that clears p on one sample is the likeliest to
    # have been lucky on it (the optimiser's curse), so the fresh replications decide
    feasible = sorted((r for r in records if r["feasible"]), key=lambda r: (r["ci95"][0] <= p, r["cost_yi"]))
    confirmed = None
    tried = []
    other = dataclasses.replace(cfg, seed=cfg.seed + 1)  # draws and streams the search never used
    for r in feasible[:3]:
        check = Evaluator.of_model(other, fresh, pool, names)
        check.extend({0: (r["levers"], fresh)})
        s = check.summary(0)
        tried.append(dict(trial=r["trial"], **s))
        log(f"fresh replications of trial {r['trial']}: P(met) {s['p_met']:.2f} [{s['ci95'][0]:.2f}, {s['ci95'][1]:.2f}] over {fresh}")
        if s["p_met"] >= p:
            confirmed = dict(trial=r["trial"], levers=r["levers"], cost_yi=r["cost_yi"], cost_by_lever_yi=r["cost_by_lever_yi"],
                             search=dict(n=r["n"], p_met=r["p_met"], ci95=r["ci95"]), fresh=s)
            break
    # the highest joint probability; among equals the one closest to meeting each target
    # (Optuna's violation: the sum of p - P(target met) over the targets short of p), then the cheapest
    best = max(records, key=lambda r: (r["p_met"], -sum(max(0.0, p - x["p_met"]) for x in r["targets"].values()), -r["cost_yi"]))
    numeric = {f.name: f.metadata["range"] for f in numeric_levers()}
    # Optuna suggests within [lo, hi] and the enqueued top is hi itself: the ends compare exactly
    at_end = {k: "top" if v >= numeric[k][1] else "bottom" for k, v in best["levers"].items() if k in numeric and not numeric[k][0] < v < numeric[k][1]}
    binds = sorted(names, key=lambda t: best["targets"][t]["p_met"])
    return dict(recommended=confirmed, fresh_checks=tried,
                best=dict(trial=best["trial"], levers=best["levers"], p_met=best["p_met"], ci95=best["ci95"], n=best["n"],
                          cost_yi=best["cost_yi"], targets=best["targets"], levers_at_range_end=at_end,
                          binding=[t for t in binds if best["targets"][t]["p_met"] < p],
                          highest_p_met_by_target={t: max(r["targets"][t]["p_met"] for r in records) for t in names}))


# ------------------------------------------------------------------------ command line
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.search", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("overrides", nargs="*", help="run.py overrides, e.g. scenario=no_policy firms_scale=0.25 (below 0.25 costs are biased: ODD 7.16)")
    ap.add_argument("--targets", help=f"comma-separated, of {', '.join(NAMES)} (default: those the scenario misses)")
    ap.add_argument("--p", type=float, default=0.8, help="the probability the targets must be met with (default 0.8)")
    ap.add_argument("--trials", type=int, default=40, help="candidates tried, the two enqueued included (default 40)")
    ap.add_argument("--n0", type=int, default=8, help="replications of a candidate first (default 8)")
    ap.add_argument("--n-max", type=int, default=64, help="replications of a candidate at most (default 64)")
    ap.add_argument("--fresh", type=int, default=100, help="fresh replications that re-estimate the recommended policy (default 100)")
    ap.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    ap.add_argument("--levers", help="comma-separated levers to search (default: every lever)")
    ap.add_argument("--seed", type=int, default=0, help="the sampler's seed (default 0)")
    ap.add_argument("--out", help="output directory (default results/search/SCENARIO)")
    a = ap.parse_intermixed_args(argv)  # overrides before or after the options
    for name, value, lo in (("--trials", a.trials, 2), ("--n0", a.n0, 1), ("--n-max", a.n_max, a.n0), ("--fresh", a.fresh, 1), ("--workers", a.workers, 1)):
        if value < lo:
            ap.error(f"{name} must be at least {lo}")
    if not 0.0 < a.p < 1.0:
        ap.error("--p must be in (0, 1)")
    start, cpu, children = time.time(), time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        cfg = compose(*a.overrides, "progress=false")
        names = None
        if a.targets:
            names = tuple(t.strip() for t in a.targets.split(","))
            bad = [t for t in names if t not in NAMES]
            if bad:
                raise ConfigError(f"Invalid value for --targets: {','.join(bad)}; allowed: {' | '.join(NAMES)}")
        out = Path(a.out or f"results/search/{cfg.scenario}")
        out.mkdir(parents=True, exist_ok=True)
        result = run_search(cfg, names, a.p, a.trials, a.n0, a.n_max, a.fresh, a.workers, a.levers.split(",") if a.levers else None, a.seed)
    except Exception as e:
        exit_on_user_error(e)
    result["command"] = shlex.join(["python", "-m", "experiments.search", *(argv if argv is not None else sys.argv[1:])])
    write_json(out / "search.json", result)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)  # the pool's processes, once they have exited
    workers_cpu = used.ru_utime + used.ru_stime - children.ru_utime - children.ru_stime
    write_json(out / "timing.json", dict(wall_seconds=round(time.time() - start, 1), main_cpu_seconds=round(time.process_time() - cpu, 1),
                                         workers_cpu_seconds=round(workers_cpu, 1),
                                         workers=a.workers, replications=result["replications"] + a.fresh * len(result["fresh_checks"])))
    whatittakes.search_report(out)  # and figures/frontier.png
    print("\n".join(whatittakes.search_lines(result)) + f"\n\nwrote {out}/search.json, timing.json, report.html, figures/frontier.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Scenario discovery with PRIM: under which parameter values (and levers) are the plan's targets missed?

    python -m experiments.discover results/runs/baseline/<timestamp>   # a run made with uncertainty=parameters (or posterior)
    python -m experiments.discover results/sweeps/NAME                 # a sweep: its complete jobs pooled
    python -m experiments.discover DIR --boxes 3 --outcome met         # boxes where a target is met instead

Each replication is a run. Its dimensions are its drawn parameters (parameters.parquet, row
k = replication k; under uncertainty=posterior the particle's values, not its index) and, in a sweep, the overrides that differ between jobs (numbers as
numbers, words as categories; `seed` and `replications` are not conditions); its outcome,
per target (sim.runs.targets.NAMES), is whether the target was missed (`targets` of targets.json;
`targets_seeds`, at fixed parameters, is not used). EMA Workbench's PRIM (Bryant & Lempert
2010) peels a box around the misses. The point on its peeling trajectory: the one with the
largest F1 = 2k/(n+K), the harmonic mean of density (k misses among the n runs in the box)
and coverage (of the K misses PRIM still had); then, one at a time, the limit with the
largest quasi-p-value above 0.05 goes back to the data's range (one side of a number, or the
whole category set), and while more than 3 dimensions are restricted the least significant
is dropped. A box is kept if it still restricts something and its density is above the share
of runs that miss the target; a second box is sought among the runs outside the first.

Reading it. Per target: the share of runs that miss it (a target missed in every run or in
none has no box), then each box as a table and a sentence, e.g. "fai_growth is missed in 80%
of the runs where params.jump_scale > 0.13 (coverage 62% of all misses, 40 of 200 runs,
significance p = 0.001)": density (80%, to compare with the share over all runs), coverage
(the share of all misses inside the box), the runs in it, and the largest quasi-p-value of
its restrictions (one-sided binomial test of the box against the box without that
restriction). In a sweep, replication k has the same draw in every job, so the parameters
take only `replications` distinct values (the header says how many): quasi-p-values count
runs as independent and are too small there; for parameter boxes prefer many replications.
DIR/discover.json holds the same (the same DIR gives the same bytes).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.runs.cli import exit_on_user_error
from sim.config.schema import ConfigError
from sim.runs import sweepdir
from sim.runs.results import write_json
from sim.sweep.summary import ignored, job_dirs, job_row, parse_override, read_overrides, typed
from sim.runs.targets import NAMES

from experiments import markdown_table

ALPHA = 0.05  # quasi-p above which a limit is dropped
MAX_DIMS = 3  # restricted dimensions a box may have
MIN_RUNS = 10  # runs needed at all
MIN_BOX_RUNS = 5  # a box holds at least this many runs (and 5% of them, EMA's default mass_min)
NOT_CONDITIONS = {"seed", "replications"}  # sweep overrides that are not conditions of the runs
RULE = (f"EMA Workbench Prim (lenient1 objective, peel and paste alpha 0.05, mass_min 5% of the runs and at least {MIN_BOX_RUNS} "
        "runs); per box, the trajectory point with the largest F1 = 2k/(n+K), the harmonic mean of density k/n and coverage "
        "k/K of the cases PRIM still had (k cases among the box's n runs, K cases remaining; ties to fewer dimensions, then "
        f"more cases); then, one at a time with quasi-p-values recomputed, the limit with the largest quasi-p-value above {ALPHA} "
        "is reset to the data's range (one side of a number, or the whole category set), and while more than "
        f"{MAX_DIMS} dimensions are restricted the one with the largest quasi-p-value is dropped; a box is kept if it still "
        "restricts a dimension and its density exceeds the share of runs with the outcome; the boxes stop at the first that is not")


def _prim():
    """EMA Workbench's Prim and its in-box test, without its import-time warnings (ipyparallel)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis.prim import Prim
        from ema_workbench.analysis.scenario_discovery_util import _in_box
    return Prim, _in_box


# ------------------------------------------------------------------------ reading runs
def read_run(d: Path) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """A run directory's met flags per target and its parameters (row k = replication k)."""
    try:
        t = json.loads((d / "targets.json").read_text(encoding="utf-8"))
        params = pd.read_parquet(d / "parameters.parquet").sort_values("replication", kind="stable")
        met = {x["name"]: np.asarray(x["met"], dtype=bool) for x in t["targets"]}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ConfigError(f"{d}: not a readable run directory (targets.json and parameters.parquet): {e}") from None
    if any(len(m) != len(params) for m in met.values()):
        raise ConfigError(f"{d}: parameters.parquet has {len(params)} rows but targets.json another number of replications")
    return met, params.drop(columns=["replication", "particle"], errors="ignore").reset_index(drop=True)  # the particle's index is no condition


def _config_value(job: Path, key: str) -> str | None:
    """A key the job did not override: its value in .hydra/config.yaml (None if absent or not a scalar)."""
    node = yaml.safe_load((job / ".hydra" / "config.yaml").read_text(encoding="utf-8"))
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return None if node is None or isinstance(node, (dict, list)) else str(node)


def lever_columns(jobs: list[Path]) -> dict[str, list]:
    """The overrides whose value differs across jobs, one scalar value per job (a number or a word)."""
    overrides = [dict(parse_override(o) for o in read_overrides(j)) for j in jobs]
    keys = sorted({k for o in overrides for k in o if not ignored(k) and k not in NOT_CONDITIONS})
    out = {}
    for key in keys:
        raw = [o[key] if key in o else _config_value(j, key) for j, o in zip(jobs, overrides)]
        if any(v is None or v[:1] in "[{" for v in raw) or len(set(raw)) < 2:
            continue  # not a scalar somewhere, or the same everywhere
        values = [typed(v) for v in raw]
        numeric = all(isinstance(v, (int, float)) for v in values)
        out[key] = [float(v) for v in values] if numeric else [str(v) for v in values]
    return out


def load(d: Path) -> tuple[str, dict[str, np.ndarray], pd.DataFrame, int, list[str]]:
    """(kind, met flags per target, dimensions, jobs, lever columns) of a run or sweep directory, all runs pooled."""
    if not d.is_dir():
        raise ConfigError(f"{d}: {'not a directory' if d.exists() else 'no such directory'}")
    if (d / "targets.json").exists():
        met, x = read_run(d)
        return "run", met, x, 1, []
    sweepdir.check_one(d)  # one sweep's runs, never those of the sweeps a directory holds
    jobs = job_dirs(d)
    if not jobs:
        raise ConfigError(f"{d}: neither a run directory (targets.json, parameters.parquet) nor a sweep directory (job directories with .hydra/overrides.yaml)")
    complete = [j for j in jobs if job_row(d, j).get("status") == "complete"]
    if not complete:
        raise ConfigError(f"{d}: no complete job among its {len(jobs)} (python -m sim.sweep.summary {d} says why)")
    runs = [read_run(j) for j in complete]
    names = [n for n in NAMES if all(n in met for met, _ in runs)]
    met = {n: np.concatenate([m[n] for m, _ in runs]) for n in names}
    x = pd.concat([p for _, p in runs], ignore_index=True)
    levers = lever_columns(complete)
    for key, values in levers.items():
        col = np.repeat(np.array(values, dtype=object), [len(p) for _, p in runs])
        x[key] = col.astype(float) if isinstance(values[0], float) else pd.Categorical(col, categories=sorted(set(values)))
    return "sweep", met, x, len(complete), list(levers)


def dimensions(x: pd.DataFrame) -> pd.DataFrame:
    """The columns that vary, numbers as floats (PRIM peels floats by quantiles)."""
    x = x.loc[:, [c for c in x.columns if x[c].nunique(dropna=False) > 1]]
    return x.astype({c: float for c in x.columns if pd.api.types.is_numeric_dtype(x[c])})


# ------------------------------------------------------------------------ PRIM
def choose(pt: pd.DataFrame) -> int:
    """The trajectory point of RULE: the largest F1 = 2k/(n+K); ties to fewer dimensions, then more cases."""
    k, n, dims, K = pt["k"].to_numpy(float), pt["n"].to_numpy(float), pt["res_dim"].to_numpy(int), float(pt["k"].iloc[0])
    f1 = 2 * k / (n + K)
    return min(range(len(pt)), key=lambda i: (-f1[i], dims[i], -k[i], i))


def limits(box, i: int) -> pd.DataFrame:
    """Point i's restricted dimensions: min, max (sets for categories), qp_lower, qp_upper (NaN: side
    unrestricted). Read from box_lims and p_values: EMA 3.0.0's inspect(style="data") fails on categories."""
    qps = box.p_values[i]
    lims = box.box_lims[i]
    return pd.DataFrame([[lims.at[0, d], lims.at[1, d], *(np.nan if q < 0 else float(q) for q in qps[d])] for d in qps],
                        index=list(qps), columns=["min", "max", "qp_lower", "qp_upper"])


def relax(box, i: int, in_box) -> int:
    """From point i: reset the limit with the largest quasi-p-value above ALPHA to the data's range
    until none is left, then drop the least significant dimension until at most MAX_DIMS are
    left; each step adds a point to the trajectory. Returns the final point."""
    while True:
        lims = limits(box, i)
        sides = [(float(lims.at[d, q]), d, q) for d in lims.index for q in ("qp_lower", "qp_upper") if pd.notna(lims.at[d, q])]
        worst = max(sides, default=(0.0, None, None))
        if worst[0] <= ALPHA and len(lims) <= MAX_DIMS:
            return i
        _, dim, side = worst
        if worst[0] > ALPHA and not isinstance(lims.at[dim, "min"], (set, frozenset)) and sum(d == dim for _, d, _ in sides) == 2:
            new = box.box_lims[i].copy()  # one side of a number restricted on both
            row = 0 if side == "qp_lower" else 1
            new.loc[row, dim] = box.prim.box_init.loc[row, dim]
            rest = box.prim.yi_remaining
            box.update(new, rest[in_box(box.prim.x.loc[rest, :], new)])
        else:
            box.drop_restriction(dim, i)
        i = len(box.peeling_trajectory) - 1


def find_boxes(x: pd.DataFrame, y: np.ndarray, n_boxes: int) -> list[dict]:
    """Up to n_boxes boxes of the runs with y (see RULE), each as a JSON-ready dict without words."""
    Prim, in_box = _prim()
    out = []
    with warnings.catch_warnings():  # EMA's own use of pandas: deprecations that are not the user's to fix
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        prim = Prim(x, y.astype(int), mass_min=max(0.05, MIN_BOX_RUNS / len(y)))
        for _ in range(n_boxes):
            box = prim.find_box()
            if box is None:
                break
            i = choose(box.peeling_trajectory)
            box.select(i)
            i = relax(box, i, in_box)
            point = box.peeling_trajectory.iloc[i]
            if point["res_dim"] == 0 or point["density"] <= y.mean():
                break
            out.append(_box_dict(point, limits(box, i), x))
    return out


def _box_dict(stats: pd.Series, lims: pd.DataFrame, x: pd.DataFrame) -> dict:
    restrictions = []
    for dim in lims.index:
        lo, hi = lims.at[dim, "min"], lims.at[dim, "max"]
        qp = float(np.nanmax(lims.loc[dim, ["qp_lower", "qp_upper"]].to_numpy(float)))
        if isinstance(lo, (set, frozenset)):
            restrictions.append(dict(key=dim, lower=None, upper=None, categories=sorted(map(str, lo)), full_lower=None,
                                     full_upper=None, full_categories=sorted(map(str, x[dim].unique())), qp=qp))
            continue
        full_lo, full_hi = float(x[dim].min()), float(x[dim].max())
        restrictions.append(dict(key=dim, lower=float(lo) if lo > full_lo else None, upper=float(hi) if hi < full_hi else None,
                                 categories=None, full_lower=full_lo, full_upper=full_hi, full_categories=None, qp=qp))
    restrictions.sort(key=lambda r: (r["qp"], r["key"]))
    return dict(coverage=float(stats["coverage"]), density=float(stats["density"]), mass=float(stats["mass"]),
                n=int(stats["n"]), restrictions=restrictions)


# ------------------------------------------------------------------------ words
def num(v: float) -> str:
    """2-3 significant digits, exponents written as in an override (8e6, 1.5e-5)."""
    s = f"{v:.3g}"
    if "e" in s:
        m, e = s.split("e")
        s = f"{m}e{int(e)}"
    return s


def pct(share: float) -> str:
    v = 100 * share
    return f"{v:.0f}%" if round(v) >= 10 else f"{v:.2g}%"


def p_words(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def condition(r: dict) -> str:
    if r["categories"] is not None:
        return f"{r['key']} in {{{', '.join(r['categories'])}}}"
    if r["lower"] is not None and r["upper"] is not None:
        return f"{num(r['lower'])} < {r['key']} < {num(r['upper'])}"
    return f"{r['key']} > {num(r['lower'])}" if r["lower"] is not None else f"{r['key']} < {num(r['upper'])}"


def words(target: str, box: dict, runs: int, outcome: str = "missed") -> str:
    """The box as one sentence."""
    cases = "all misses" if outcome == "missed" else "all runs that meet it"
    p = max(r["qp"] for r in box["restrictions"])
    return (f"{target} is {outcome} in {pct(box['density'])} of the runs where "
            f"{' and '.join(condition(r) for r in box['restrictions'])} (coverage {pct(box['coverage'])} of {cases}, "
            f"{box['n']} of {runs} runs, significance {p_words(p)})")


def discover_target(name: str, y: np.ndarray, x: pd.DataFrame, n_boxes: int, outcome: str = "missed") -> dict:
    """One target's entry of discover.json; y: the runs with the outcome. No box, and a note why, when all or none have it."""
    cases = "misses" if outcome == "missed" else "the runs that meet it"
    out = dict(name=name, fraction=float(y.mean()), runs=int(len(y)), note=None, boxes=[])
    if y.all() or not y.any():
        out["note"] = f"{outcome} in all {len(y)} runs: no condition separates {cases}" if y.all() else \
            f"{'met' if outcome == 'missed' else 'missed'} in all runs"
        return out
    out["boxes"] = [dict(b, words=words(name, b, len(y), outcome)) for b in find_boxes(x, y, n_boxes)]
    if not out["boxes"]:
        out["note"] = (f"no box: no condition concentrates the {cases.removeprefix('the ')} significantly (quasi-p <= {ALPHA}) "
                       f"above {pct(y.mean())}" + ("; try --outcome met" if outcome == "missed" and y.mean() > 0.5 else ""))
    return out


def discover(d: Path, n_boxes: int = 2, outcome: str = "missed", source: str | None = None) -> dict:
    """The discover.json content for a run or sweep directory."""
    kind, met, x, jobs, levers = load(d)
    x = dimensions(x)
    if x.shape[1] == 0:
        raise ConfigError("nothing varies: run with uncertainty=parameters or posterior" + (" or sweep a lever" if kind == "sweep" else ""))
    drawn = [c for c in x.columns if c not in levers]
    runs, draws = len(x), len(x.drop_duplicates(subset=drawn)) if drawn else 1
    if runs < MIN_RUNS:
        raise ConfigError(f"{d}: {runs} runs, scenario discovery needs at least {MIN_RUNS} (more replications=)")
    targets = [discover_target(n, ~met[n] if outcome == "missed" else met[n], x, n_boxes, outcome) for n in NAMES if n in met]
    return dict(source=str(d) if source is None else source, kind=kind, jobs=jobs, runs=runs, draws=draws, outcome=outcome,
                rule=RULE, dimensions=list(x.columns), targets=targets)


# ------------------------------------------------------------------------ terminal
def _range(r: dict) -> tuple[str, str]:
    if r["categories"] is not None:
        return "{" + ", ".join(r["categories"]) + "}", "{" + ", ".join(r["full_categories"]) + "}"
    lim = condition(dict(r, key="x")).replace("x ", "", 1) if r["lower"] is None or r["upper"] is None else f"{num(r['lower'])} to {num(r['upper'])}"
    return lim, f"{num(r['full_lower'])} to {num(r['full_upper'])}"


def render(result: dict) -> str:
    draws = "parameters fixed" if result["draws"] == 1 else f"{result['draws']} distinct parameter draws"
    jobs = f" from {result['jobs']} jobs ({draws})" if result["kind"] == "sweep" else ""
    lines = [f"{result['kind']} {result['source']}: {result['runs']} runs{jobs}, {len(result['dimensions'])} dimensions, "
             f"outcome: {result['outcome']}"]
    for t in result["targets"]:
        lines += ["", f"{t['name']}: {result['outcome']} in {pct(t['fraction'])} of {t['runs']} runs" + (f"; {t['note']}" if t["note"] else "")]
        rows = []
        for i, b in enumerate(t["boxes"], 1):
            for j, r in enumerate(b["restrictions"]):
                first = [str(i), pct(b["coverage"]), pct(b["density"]), pct(b["mass"]), str(b["n"])] if j == 0 else [""] * 5
                rows.append(first + [r["key"], *_range(r), p_words(r["qp"])[2:].removeprefix("= ")])
        if rows:
            lines.append(markdown_table(["box", "coverage", "density", "mass", "runs", "dimension", "limits", "range in data", "quasi-p"],
                                        rows, colalign=["right"] * 5 + ["left"] * 3 + ["right"]))
            lines += [f"  {i}. {b['words']}" for i, b in enumerate(t["boxes"], 1)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.discover", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="a run directory (uncertainty=parameters or posterior) or a sweep directory results/sweeps/NAME")
    ap.add_argument("--boxes", type=int, default=2, help="boxes per target at most (default 2)")
    ap.add_argument("--outcome", choices=("missed", "met"), default="missed", help="the runs PRIM looks for (default: missed)")
    a = ap.parse_args(argv)
    if a.boxes < 1:
        ap.error("--boxes must be at least 1")
    try:
        if Path(a.dir).is_dir() and not (Path(a.dir) / "targets.json").exists():  # a sweep: not while it runs
            sweepdir.check_one(a.dir)
            sweepdir.hold(a.dir, a.dir)
        result = discover(Path(a.dir), a.boxes, a.outcome, source=a.dir)
        write_json(Path(a.dir) / "discover.json", result)
    except Exception as e:
        exit_on_user_error(e)
    print(render(result) + f"\n\nwrote {Path(a.dir) / 'discover.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

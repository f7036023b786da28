"""One lever at a time from the baseline: the paired lever table of docs/ODD.md section 10.2.

    python -m experiments.levers                                   # config defaults
    python -m experiments.levers replications=20 --out docs/validation/levers.json --markdown
    python -m experiments.levers firms_scale=0.2 replications=4 --workers 1

Overrides are those of `run.py` and apply to every row (`scenario=` is ignored: the rows
start from `baseline`, and one row is the `no_policy` scenario). `uncertainty=seeds` is
forced: every parameter stays at its configured value, so a difference between rows is the
lever's alone. Replication k uses the same random streams in every row (paired runs).

Rows. Every float field of `sim.config.Policy` (read from the dataclass, not listed here) at
three levels: 0, the baseline value ("plan") and twice it ("2x"), with two rules:
`attraction_intensity` is relative to today's entry rate (1 = today), so its levels are
today, plan and twice the plan's gain: 1, b, 2b - 1 (1.0, 1.2, 1.4); a lever that
`sim.config.validation` caps (a share or weight in [0, 1]: `fund_platform_share`,
`attraction_steering`) uses the cap, 1.0, for "2x" when 2b exceeds it, and has no "2x" row
when the baseline is already at the cap. Every str field of Policy at each alternative in
its module-level tuple of sim/config/schema.py (field name upper-cased plus S, e.g.
RELOCATION_RULES). Per row: median and P(met) of every target (sim.runs.targets), 2025 parks FAI
(as the fai_growth target reads it), floor space and vacancy, and the median paired
difference from the baseline row of parks_output, fai_growth and leading_share. A numeric
lever whose paired medians at (0, plan, 2x) are not monotone in the lever is flagged
NON-MONOTONE with the three numbers, and "(within noise)" when the reversal is under two
standard errors of its median; a target whose verdict (P(met) >= 0.5) differs from the
baseline's is flagged too.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import shlex
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # spawned workers inherit sys.path from the parent

from sim.config import schema as schema  # noqa: E402
from sim.runs.cli import compose  # noqa: E402
from sim.config.schema import Config, ConfigError, Policy  # noqa: E402
from sim import Model  # noqa: E402
from sim.runs.results import write_json  # noqa: E402
from sim.runs.targets import NAMES, annual, evaluate, money  # noqa: E402
from sim.config.validation import validate  # noqa: E402

from experiments import MODEL, markdown_table  # noqa: E402

PAIRED = ("parks_output", "fai_growth", "leading_share")  # paired differences and the monotonicity check
EXTRAS = ("parks_fai_yi", "parks_floor_space_mm2", "parks_vacancy")
RELATIVE = {"attraction_intensity": 1.0}  # lever -> its "off" value (today's rate)


def numeric_levers() -> list[str]:
    return [f.name for f in schema.numeric_levers()]


def categorical_levers() -> dict[str, tuple[str, ...]]:
    return {f.name: f.metadata["choices"] for f in schema.categorical_levers()}


def with_lever(cfg: Config, name: str, value) -> Config:
    return dataclasses.replace(cfg, policy=dataclasses.replace(cfg.policy, **{name: value}))


def levels(cfg: Config, name: str) -> list[tuple[str, float]]:
    """(level, value) in increasing order of value: 0, plan, 2x (see the module docstring)."""
    b = float(getattr(cfg.policy, name))
    off = RELATIVE.get(name, 0.0)
    top = off + 2.0 * (b - off)
    try:
        validate(with_lever(cfg, name, top))
    except ConfigError:
        top = 1.0  # a capped share or weight
    out = [("0" if off == 0.0 else "today", off), ("plan", b)]
    return out + ([("2x" if top == off + 2 * (b - off) else "cap", top)] if top > b else [])


def row_specs(base: Config, no_policy: Config, levers: list[str] | None = None) -> list[dict]:
    """The table's rows: baseline first, then each lever's settings, then no_policy."""
    specs = [dict(run="baseline", lever=None, level="plan", value=None, cfg=base)]
    cats = categorical_levers()
    for name in levers if levers is not None else [*numeric_levers(), *cats]:
        if name in cats:
            settings = [(v, v) for v in cats[name] if v != getattr(base.policy, name)]
        else:
            b = getattr(base.policy, name)
            settings = [(lv, v) for lv, v in levels(base, name) if v != b]
        for level, value in settings:
            specs.append(dict(run=f"{name} = {_num(value)} ({level})" if isinstance(value, float) else f"{name} = {value}",
                              lever=name, level=level, value=value, cfg=validate(with_lever(base, name, value))))
    specs.append(dict(run="no_policy (scenario)", lever=None, level=None, value=None, cfg=no_policy))
    return specs


def one(task: tuple[Config, int]) -> dict[str, float]:
    """Replication k of one row: every target's value and verdict, and the 2025 extras."""
    cfg, k = task
    rec = Model(cfg, replication=k).run().recorder
    t, parks = cfg.targets, rec.is_park
    out = {}
    for v in evaluate(rec, t, cfg.calibration.base_year):
        out[v.name], out[v.name + ":met"] = v.value, float(v.met)
    stock = annual(rec.locations["floor_space_m2"][:, parks].sum(axis=1), rec.years, t.year)
    vacant = annual(rec.locations["vacant_space_m2"][:, parks].sum(axis=1), rec.years, t.year)
    fai = rec.fai_by_location()[:, parks].sum(axis=1) * money(rec, t)
    out.update(parks_fai_yi=float(annual(fai, rec.years, t.year)), parks_floor_space_mm2=float(stock / 1e6),
               parks_vacancy=float(vacant / stock))
    return out


def run_all(tasks: list, workers: int) -> list[dict]:
    if workers <= 1:
        return [one(t) for t in tasks]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as ex:
        return list(ex.map(one, tasks, chunksize=max(1, len(tasks) // (4 * workers))))


def check_monotone(diffs: list[float], ses: list[float] | None = None) -> dict:
    """Are paired medians, ordered by the lever's value, monotone (ties allowed)? A
    reversal is "within noise" when every step against the overall direction is under
    two standard errors (`ses`, of the medians) of the points it joins."""
    d = np.asarray(diffs, dtype=float)
    steps = np.diff(d)
    monotone = bool(np.all(steps >= 0) or np.all(steps <= 0))
    out = dict(values=[float(x) for x in d], monotone=monotone)
    if not monotone and ses is not None:
        sign = np.sign(d[-1] - d[0]) or 1.0
        se = np.asarray(ses, dtype=float)
        against = [i for i, s in enumerate(steps) if s * sign < 0]
        out["within_noise"] = bool(all(abs(steps[i]) < 2 * max(se[i], se[i + 1]) for i in against))
    return out


def summarize(spec: dict, reps: list[dict], ref: list[dict]) -> dict:
    """One row of the table from its replications and the baseline row's (paired by k)."""
    col = {key: np.array([r[key] for r in reps]) for key in reps[0]}
    ref_met = {n: np.array([r[n + ":met"] for r in ref]) for n in NAMES}
    diff = {m: col[m] - np.array([r[m] for r in ref]) for m in PAIRED}
    n = len(reps)
    return dict(
        run=spec["run"], lever=spec["lever"], level=spec["level"], value=spec["value"],
        median={key: float(np.median(col[key])) for key in (*NAMES, *EXTRAS)},
        p_met={t: float(col[t + ":met"].mean()) for t in NAMES},
        paired_median={m: float(np.median(d)) for m, d in diff.items()},
        # standard error of a median, 1.2533 s / sqrt(n) (normal approximation)
        paired_se={m: float(1.2533 * d.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0 for m, d in diff.items()},
        flags=[f"verdict {t}: {_met(col[t + ':met'])} (baseline {_met(ref_met[t])})" for t in NAMES
               if (col[t + ":met"].mean() >= 0.5) != (ref_met[t].mean() >= 0.5)],
    )


def flag_monotonicity(rows: list[dict], policy: Policy) -> dict:
    """Check each numeric lever's paired medians at its levels (the baseline row, rows[0],
    at the plan's value); flag NON-MONOTONE on the lever's top row. Returns the checks."""
    checks = {}
    for name in dict.fromkeys(r["lever"] for r in rows if r["lever"] in numeric_levers()):
        plan = dict(rows[0], value=float(getattr(policy, name)), flags=[])
        mine = sorted([r for r in rows if r["lever"] == name] + [plan], key=lambda r: r["value"])
        checks[name] = {"levels": [r["value"] for r in mine]}
        for m in PAIRED:
            c = checks[name][m] = check_monotone([r["paired_median"][m] for r in mine], [r["paired_se"][m] for r in mine])
            if not c["monotone"]:
                nums = ", ".join(f"{x:+.4g}" for x in c["values"])
                mine[-1]["flags"].append(f"NON-MONOTONE {m} ({nums})" + (" (within noise)" if c.get("within_noise") else ""))
    return checks


def measure(overrides: list[str], levers: list[str] | None = None, workers: int = 2, command: str | None = None) -> dict:
    """Run every row's replications (`levers`: a subset, default all) and build the table."""
    overrides = [o for o in overrides if not o.startswith("scenario=")]
    forced = ["uncertainty=seeds", "progress=false"]
    base, no_policy = (compose(*overrides, f"scenario={s}", *forced) for s in ("baseline", "no_policy"))
    specs, R, commit = row_specs(base, no_policy, levers), base.replications, _commit()  # the code the runs import
    start = time.perf_counter()
    runs = run_all([(s["cfg"], k) for s in specs for k in range(R)], workers)
    per = [runs[i * R:(i + 1) * R] for i in range(len(specs))]
    rows = [summarize(s, reps, per[0]) for s, reps in zip(specs, per)]
    monotonicity = flag_monotonicity(rows, base.policy)
    return dict(
        command=command or shlex.join(["python", "-m", "experiments.levers", *overrides]),
        note="uncertainty=seeds forced: parameters at their configured values; replication k uses the same streams in every row",
        config=dict(seed=base.seed, replications=R, firms_scale=base.firms_scale, target_year=base.targets.year,
                    horizon_year=base.horizon_year, overrides=overrides, git_commit=commit),
        workers=workers, seconds=round(time.perf_counter() - start, 1), rows=rows, monotonicity=monotonicity,
    )


def _met(met: np.ndarray) -> str:
    return f"{'met' if met.mean() >= 0.5 else 'not met'}, P={met.mean():.2f}"


def _num(v: float) -> str:
    return f"{v:,.0f}" if v == int(v) and abs(v) >= 1000 else f"{v:g}"


def _commit() -> str:
    from sim.sweep.provenance import git_commit

    return git_commit()


def render(result: dict) -> str:
    """The table as markdown, for docs/ODD.md section 10.2."""
    c = result["config"]
    rows = []
    for r in result["rows"]:
        m, d = r["median"], r["paired_median"]
        rows.append([r["run"], f"{m['parks_output']:,.0f}", f"{m['fai_growth']:.4f}", f"{m['leading_share']:.4f}",
                     f"{d['parks_output']:+,.0f}", f"{d['fai_growth']:+.4f}", "; ".join(r["flags"])])
    lines = [
        f"`{result['command']}`: {c['replications']} paired replications from seed {c['seed']}, firms_scale "
        f"{c['firms_scale']:g}, uncertainty=seeds (parameters at their configured values), commit {c['git_commit']}; "
        f"{result['seconds']:.0f} s on {result['workers']} worker(s). Medians over replications of the {c['target_year']} "
        "targets as read by the configured reading; Δ: median paired difference from the baseline row (same replication k)."
        + "".join(f" {n} has no 2x row: its plan value is the cap sim/config/validation.py allows." for n, c in result["monotonicity"].items()
                  if len(c["levels"]) < 3),
        "",
        markdown_table(["run", "parks_output median (亿元)", "fai_growth median", "leading_share median", "Δ parks_output (paired)", "Δ fai_growth (paired)", "flags"], rows),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.levers", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("overrides", nargs="*", help="run.py overrides, e.g. replications=20 firms_scale=0.25")
    ap.add_argument("--out", type=Path, help="write the result as JSON, e.g. docs/validation/levers.json")
    ap.add_argument("--markdown", action="store_true", help="print the markdown table (else a short text summary)")
    ap.add_argument("--workers", type=int, default=2, help="processes (1: serial, in this process)")
    a = ap.parse_args(argv)
    result = measure(a.overrides, workers=a.workers, command=shlex.join(["python", "-m", "experiments.levers", *(argv if argv is not None else sys.argv[1:])]))
    if a.markdown:
        print(render(result))
    else:
        for r in result["rows"]:
            print(f"{r['run']:<44} {r['median']['parks_output']:>9,.0f} {r['paired_median']['parks_output']:>+7,.0f} "
                  f"{r['median']['fai_growth']:>8.4f} {r['paired_median']['fai_growth']:>+8.4f}  {'; '.join(r['flags'])}")
    if a.out:
        write_json(a.out, {**result, "model": MODEL})
        print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

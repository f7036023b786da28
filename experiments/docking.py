"""Docking: the agent-based model against an aggregate capacity model (sim/checks/aggregate.py).

    python -m experiments.docking                                   # full size: 20 replications a row
    python -m experiments.docking firms_scale=0.25 replications=5 --jobs 2
    python -m experiments.docking --out docs/validation/docking.json

Overrides are those of `run.py` (`scenario=` is ignored; `replications` defaults to
DEFAULT_REPLICATIONS here). Rows: every file in configs/scenario/ and every one-lever
change of the baseline (each numeric lever of sim.config.Policy at 0 and at twice its value,
attraction_intensity at 1 and 2, each alternative of the string levers; a value outside the
lever's range is skipped and listed). The ABM runs `replications` paired replications of each
(replication k: the same seeds in every row) under uncertainty=seeds (parameters at their
configured values), twice: as configured, and without the common shock (params.macro_sd=0):
the shock moves every firm together, so the ABM's median is the median over the shock's
paths, which a deterministic path need not match. The aggregate model (deterministic) runs
once. Compared in targets.year: parks' industrial output at 2022 prices, FAI growth (own 2022
base, 2022 prices), declared leading share; their levels, the effects against the baseline
(ABM: median paired difference) and the target verdicts (ABM: P(met) >= 0.5) under the
configured reading and industrial_real. An ablation then switches the ABM's agent mechanisms
off group after group (`ABLATION`, cumulative; a step that changes nothing is skipped) in
baseline and no_policy, each step against the aggregate model of the same configuration.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import functools
import sys
import time
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.checks import aggregate  # noqa: E402
from sim.runs.cli import compose  # noqa: E402
from sim.config.schema import CONFIG_DIR, FUND_ALLOCATIONS, RELOCATION_RULES, SPACE_ALLOCATIONS, Config, ConfigError, Policy, Targets  # noqa: E402
from sim import Model  # noqa: E402
from sim.runs.results import write_json  # noqa: E402
from sim.runs.targets import NAMES, evaluate  # noqa: E402
from sim.config.validation import validate  # noqa: E402

from experiments import MODEL, markdown_table  # noqa: E402

DEFAULT_REPLICATIONS = 20
QUANTITIES = ("parks_output", "fai_growth", "leading_share")
LABELS = {"parks_output": "parks output 2025 (亿, 2022 prices)", "fai_growth": "FAI growth", "leading_share": "leading share (declared)"}
WORDS = {"parks_output": "parks output", "fai_growth": "FAI growth", "leading_share": "leading share"}
CHOICES = {"fund_allocation": FUND_ALLOCATIONS, "relocation_rule": RELOCATION_RULES, "space_allocation": SPACE_ALLOCATIONS}
VERDICTS = [n for n in NAMES if n != "st_coverage"]  # the aggregate model has no S&T platforms
COLUMNS = ("abm", "abm_no_shock")  # the ABM as configured, and with params.macro_sd = 0
NO_SHOCK = {"params.macro_sd": 0.0}
TOLERANCE = 0.02  # relative difference flagged (for fai_growth: of the growth factor)
# effects on a quantity that differ by more than this are named (parks_output: share of the baseline's)
EFFECT_TOLERANCE = {"parks_output": 0.01, "fai_growth": 0.005, "leading_share": 0.005}
ABLATION = [  # cumulative: the ABM without its agents' mechanisms, one group after another
    ("common shock off", NO_SHOCK),
    ("+ talent never scarce", {"policy.talent_inflow_per_year": 1e7}),
    ("+ no projects", {"params.project_rate": 0.0}),
    ("+ no entry or exit, no young-firm premium", {"params.entry_rate": 0.0, "params.exit_rate": 0.0, "params.young_growth": 0.0}),
    ("+ no relocation", {"params.move_consider_rate": 0.0}),
    ("+ no agglomeration, platforms, subsidies", {"params.elasticity_localization": 0.0, "params.elasticity_urbanization": 0.0,
                                                  "params.platform_growth": 0.0, "params.subsidy_return": 0.0}),
    ("+ no idiosyncratic shocks", {"params.jump_rate": 0.0, "params.noise_sd": 0.0}),
    ("+ large investors' FAI not spread over the build time", {"params.project_min_yi": 1e4, "params.project_max_yi": 1e5}),  # min below max
    # no parameter switches off where cleared firms go (other parks, by the logit): only the
    # programme, and the rebuilding of the land it cleared before the plan (where the
    # aggregate model puts that land differs from where the ABM's inefficient firms were)
    ("+ no renovation (both models)", {"policy.land_renovation_mu_per_year": 0.0, "calibration.before_plan.land_renovation_mu_per_year": 0.0}),
]


def reading(name: str) -> Targets:
    """A named reading set of configs/targets/ as a Targets."""
    from sim.config.loading import read_file

    return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(Targets), read_file("targets", name)))


def _with(cfg: Config, values: dict) -> Config:
    """A validated copy of cfg with {"group.key": value} set."""
    cfg = copy.deepcopy(cfg)
    for key, value in values.items():
        *path, name = key.split(".")
        setattr(functools.reduce(getattr, path, cfg), name, value)
    return validate(cfg)


def changes(overrides: list[str]) -> tuple[list[tuple[str, Config]], list[str]]:
    """(name, config) of every named scenario and one-lever change of the baseline, and the
    changes skipped because their value is outside the lever's range."""
    if not any(o.startswith("replications=") for o in overrides):
        overrides = [*overrides, f"replications={DEFAULT_REPLICATIONS}"]
    names = sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))
    rows = [(f"scenario={s}", compose(*overrides, "progress=false", "uncertainty=seeds", f"scenario={s}")) for s in names]
    base, skipped = dict(rows)["scenario=baseline"], []
    for f in dataclasses.fields(Policy):
        value = getattr(base.policy, f.name)
        if isinstance(value, str):
            alternatives = [c for c in CHOICES[f.name] if c != value]
        else:
            alternatives = [1.0, 2.0] if f.name == "attraction_intensity" else [0.0, 2.0 * value]
        for v in [v for v in dict.fromkeys(alternatives) if v != value]:
            name = f"policy.{f.name}={v}" if isinstance(v, str) else f"policy.{f.name}={v:g}"
            try:
                rows.append((name, _with(base, {f"policy.{f.name}": v})))
            except ConfigError as e:
                skipped.append(f"{name}: {e}")
    return rows, skipped


def _measure(rec, cfg: Config, readings: dict[str, Targets]) -> dict:
    """The three compared quantities (fixed definitions) and each verdict under each reading."""
    fixed = dataclasses.replace(cfg.targets, output_scope="industrial", prices="real", fai_base="simulated", leading_set="declared")
    values = {v.name: v.value for v in evaluate(rec, fixed, cfg.calibration.base_year)}
    met = {r: {v.name: v.met for v in evaluate(rec, t, cfg.calibration.base_year)} for r, t in readings.items()}
    return dict(values={q: values[q] for q in QUANTITIES}, met=met)


def _abm(cfg: Config, k: int, readings: dict[str, Targets]) -> dict:
    return _measure(Model(cfg, replication=k).run().recorder, cfg, readings)


def _aggregate(cfg: Config, readings: dict[str, Targets]) -> dict:
    return _measure(aggregate.record(cfg, aggregate.run(cfg)), cfg, readings)


def rel(a: float, b: float, q: str, years: int) -> float:
    """Relative difference of a against b; for fai_growth, of the growth factor."""
    return ((1 + a) / (1 + b)) ** years - 1 if q == "fai_growth" else a / b - 1


def _ablation_steps(cfgs: dict[str, Config]) -> list[tuple[tuple[str, str], Config]]:
    """((scenario, step), config) of the cumulative ablation, without steps that change nothing."""
    steps = []
    for sc in ("scenario=baseline", "scenario=no_policy"):
        if sc not in cfgs:
            continue
        cfg, seen = cfgs[sc], repr(cfgs[sc])
        for name, values in ABLATION:
            cfg = _with(cfg, values)
            if repr(cfg) != seen:
                steps.append(((sc, name), cfg))
                seen = repr(cfg)
    return steps


def measure(overrides: list[str], jobs: int = 1, ablation: bool = True, only: list[str] | None = None) -> dict:
    """Run the docking. `only`: the names of the rows to run (default every row; the
    baseline is always run, the effects need it)."""
    from joblib import Parallel, delayed

    rows, skipped = changes([o for o in overrides if not o.startswith("scenario=")])
    if only is not None:
        rows = [(n, c) for n, c in rows if n in only or n == "scenario=baseline"]
    cfgs = dict(rows)
    base = cfgs["scenario=baseline"]
    readings = {"configured": base.targets, "industrial_real": reading("industrial_real")}
    R, years = base.replications, base.targets.year - base.calibration.base_year
    variants = {(name, col): (cfg if col == "abm" else _with(cfg, NO_SHOCK)) for name, cfg in rows for col in COLUMNS}
    steps = _ablation_steps(cfgs) if ablation else []
    variants.update(steps)
    keys = {repr(cfg): cfg for cfg in variants.values()}  # identical configurations run once
    start = time.perf_counter()
    tasks = [(key, k) for key in keys for k in range(R)]
    runs = Parallel(n_jobs=jobs)(delayed(_abm)(keys[key], k, readings) for key, k in tasks)
    by_key = {key: [r for (key2, _), r in zip(tasks, runs) if key2 == key] for key in keys}
    abm = {v: by_key[repr(cfg)] for v, cfg in variants.items()}
    agg = {name: _aggregate(cfg, readings) for name, cfg in rows}
    values = {v: {q: np.array([r["values"][q] for r in runs_]) for q in QUANTITIES} for v, runs_ in abm.items()}
    out = []
    for name, _ in rows:
        row = dict(change=name, aggregate=agg[name]["values"], effect_aggregate={}, verdicts=[])
        for col in COLUMNS:
            v, b = values[(name, col)], values[("scenario=baseline", col)]
            row[col] = {q: dict(median=float(np.median(v[q])), p10=float(np.percentile(v[q], 10)), p90=float(np.percentile(v[q], 90)),
                                values=v[q].tolist()) for q in QUANTITIES}
            row[f"rel_diff_{col}"] = {q: rel(agg[name]["values"][q], row[col][q]["median"], q, years) for q in QUANTITIES}
            row[f"effect_{col}"] = {q: float(np.median(v[q] - b[q])) for q in QUANTITIES}
        row["effect_aggregate"] = {q: agg[name]["values"][q] - agg["scenario=baseline"]["values"][q] for q in QUANTITIES}
        for rd in readings:
            for t in VERDICTS:
                m = bool(agg[name]["met"][rd][t])
                p = {col: float(np.mean([r["met"][rd][t] for r in abm[(name, col)]])) for col in COLUMNS}
                row["verdicts"].append(dict(reading=rd, target=t, met_aggregate=m, **{f"p_{c}": p[c] for c in COLUMNS},
                                            **{f"agree_{c}": (p[c] >= 0.5) == m for c in COLUMNS}))
        out.append(row)
    ablated = []
    for (sc, step), cfg in steps:
        med = {q: float(np.median(values[(sc, step)][q])) for q in QUANTITIES}
        a = _aggregate(cfg, readings)["values"]
        ablated.append(dict(scenario=sc, step=step, abm=med, aggregate=a, rel_diff={q: rel(a[q], med[q], q, years) for q in QUANTITIES}))
    words = ", ".join(f"{k}={getattr(base.targets, k)}" for k in ("output_scope", "prices", "leading_set", "fai_base", "cluster_scope"))
    return dict(overrides=overrides, replications=R, seed=base.seed, firms_scale=base.firms_scale, target_year=base.targets.year,
                base_year=base.calibration.base_year, macro_sd=base.params.macro_sd, runs=len(tasks),
                readings={"configured": f"the configured reading ({words})", "industrial_real": "configs/targets/industrial_real.yaml"},
                seconds=round(time.perf_counter() - start, 1), skipped=skipped, rows=out, ablation=ablated)


def _pct(x: float) -> str:
    return f"{x * 100:+.1f}%"


def _fmt(q: str, x: float, signed: bool = False) -> str:
    return (f"{x:+,.0f}" if signed else f"{x:,.0f}") if q == "parks_output" else (f"{x:+.3f}" if signed else f"{x:.3f}")


def render(result: dict) -> str:
    """The docking section for docs/VALIDATION.md: the tables and the generated paragraphs."""
    rows, year, sd = result["rows"], result["target_year"], result["macro_sd"]
    lines = [
        "## Docking: the agent-based model against an aggregate capacity model", "",
        f"`python -m experiments.docking {' '.join(result['overrides'])}`: {result['replications']} paired replications of the ABM per row "
        f"and column (seed {result['seed']}, uncertainty=seeds, firms_scale {result['firms_scale']:g}; {result['runs']} runs, "
        f"{result['seconds']:.0f} s) against the aggregate capacity model of `sim/checks/aggregate.py` (the same inputs, floor-space, "
        "renovation and investment rules, applied to location x sector cells; no firms, shocks, entry, exit, moves, projects, talent, "
        f"fund, platforms or agglomeration). ABM: median [10-90%] over replications as configured (common shock params.macro_sd = {sd:g}); "
        "σ=0: the median without the common shock (params.macro_sd = 0), which a deterministic path can be expected to match. diff: "
        f"aggregate / ABM median - 1 (for FAI growth, of the growth factor to {year}), against each. Values in {year} are yearly means "
        "of the monthly records, as the targets read them.", "",
        markdown_table(["change", *(h for q in QUANTITIES for h in (f"{LABELS[q]}: ABM", "ABM σ=0", "aggregate", "diff", "diff σ=0"))], [
            [f"`{r['change']}`", *(c for q in QUANTITIES for c in (
                f"{_fmt(q, r['abm'][q]['median'])} [{_fmt(q, r['abm'][q]['p10'])}-{_fmt(q, r['abm'][q]['p90'])}]", _fmt(q, r["abm_no_shock"][q]["median"]),
                _fmt(q, r["aggregate"][q]), _pct(r["rel_diff_abm"][q]), _pct(r["rel_diff_abm_no_shock"][q])))] for r in rows]),
    ]
    effects = []
    for r in rows:
        bad = [f"{v['target']} ({v['reading']}: ABM {v['p_abm']:.2f} / {v['p_abm_no_shock']:.2f}, aggregate {'met' if v['met_aggregate'] else 'not met'})"
               for v in r["verdicts"] if not (v["agree_abm"] and v["agree_abm_no_shock"])]
        effects.append([f"`{r['change']}`", *(_fmt(q, r[k][q], True) for q in QUANTITIES for k in ("effect_abm", "effect_abm_no_shock", "effect_aggregate")),
                        ", ".join(bad) or "-"])
    lines += ["", "Effect of each change against the baseline (ABM: median paired difference, as configured and σ=0) and the verdicts "
              "that disagree (ABM P(met) >= 0.5 against met in the aggregate model; P(met) as configured / σ=0; readings: "
              + "; ".join(f"{k} = {v}" for k, v in result["readings"].items()) + "):", "",
              markdown_table(["change", *(h for q in QUANTITIES for h in (f"effect on {LABELS[q]}: ABM", "ABM σ=0", "aggregate")), "verdicts that disagree"], effects)]
    if result["ablation"]:
        lines += ["", "The ABM with its agents' mechanisms switched off one group after another (cumulative; `ABLATION` in "
                  "experiments/docking.py), against the aggregate model of the same configuration (ABM medians):", "",
                  markdown_table(["scenario", "ABM variant", *(h for q in QUANTITIES for h in (f"{LABELS[q]}: ABM", "aggregate", "diff"))], [
                      [f"`{r['scenario']}`", r["step"], *(c for q in QUANTITIES for c in (_fmt(q, r["abm"][q]), _fmt(q, r["aggregate"][q]), _pct(r["rel_diff"][q])))]
                      for r in result["ablation"]])]
    return "\n".join(lines + ["", *paragraphs(result)]) + "\n"


def _row_paragraph(r: dict, base: dict) -> str:
    """Where one row's aggregate model differs from the ABM by more than TOLERANCE, in effect, or in verdict."""
    far = [q for q in QUANTITIES if max(abs(r["rel_diff_abm"][q]), abs(r["rel_diff_abm_no_shock"][q])) > TOLERANCE]
    if far:
        words = [f"the aggregate model differs from the ABM median by more than {TOLERANCE:.0%} in " + ", ".join(
            f"{WORDS[q]} ({_pct(r['rel_diff_abm'][q])}; σ=0: {_pct(r['rel_diff_abm_no_shock'][q])})" for q in far)]
    else:
        words = [f"the aggregate model is within {TOLERANCE:.0%} of both ABM medians in {', '.join(WORDS[q] for q in QUANTITIES)}"]
    if r["change"] != "scenario=baseline":
        scale = {q: abs(base["abm"][q]["median"]) if q == "parks_output" else 1.0 for q in QUANTITIES}
        off = [q for q in QUANTITIES if max(abs(r[f"effect_{c}"][q] - r["effect_aggregate"][q]) for c in COLUMNS) > EFFECT_TOLERANCE[q] * scale[q]]
        if off:
            words.append("its effect differs: " + ", ".join(f"{WORDS[q]} {_fmt(q, r['effect_abm'][q], True)} in the ABM (σ=0: "
                         f"{_fmt(q, r['effect_abm_no_shock'][q], True)}) against {_fmt(q, r['effect_aggregate'][q], True)}" for q in off))
    bad = [v for v in r["verdicts"] if not (v["agree_abm"] and v["agree_abm_no_shock"])]
    words.append("the verdicts differ in " + ", ".join(
        f"{v['target']} ({v['reading']} reading: ABM P(met) {v['p_abm']:.2f}, σ=0 {v['p_abm_no_shock']:.2f}; aggregate "
        f"{'met' if v['met_aggregate'] else 'not met'})" for v in bad) if bad else "the verdicts are the same under both readings")
    return f"`{r['change']}`: " + "; ".join(words) + "."


def paragraphs(result: dict) -> list[str]:
    """Generated text: a paragraph per row, per target whether its verdict needs the agents,
    the ablation's steps, and the changes skipped."""
    rows = result["rows"]
    base = next(r for r in rows if r["change"] == "scenario=baseline")
    out = [_row_paragraph(r, base) for r in rows]
    for t in VERDICTS:
        bad = [(r["change"], v) for r in rows for v in r["verdicts"] if v["target"] == t and not (v["agree_abm"] and v["agree_abm_no_shock"])]
        if not bad:
            out.append(f"`{t}`: the aggregate model gives the ABM's verdict in every row, under both readings, with and without the common "
                       "shock: this verdict does not need the agents.")
        else:
            out.append(f"`{t}`: the verdicts differ in " + ", ".join(
                f"`{c}` ({v['reading']}: ABM P(met) {v['p_abm']:.2f}, σ=0 {v['p_abm_no_shock']:.2f}; aggregate {'met' if v['met_aggregate'] else 'not met'})"
                for c, v in bad) + ": this verdict needs the agents there.")
    for sc in dict.fromkeys(r["scenario"] for r in result["ablation"]):
        mine = [r for r in result["ablation"] if r["scenario"] == sc]
        moves = []
        for p, r in zip(mine, mine[1:]):
            d = {q: rel(r["abm"][q], p["abm"][q], q, result["target_year"] - result["base_year"]) for q in QUANTITIES}
            big = [f"{WORDS[q]} {_pct(d[q])}" for q in QUANTITIES if abs(d[q]) > 0.01]
            if big:
                moves.append(f"{r['step'].removeprefix('+ ')} ({', '.join(big)})")
        last = mine[-1]
        out.append(f"Ablation of `{sc}`: the ABM's medians move by more than 1% at " + ("; ".join(moves) if moves else "no step")
                   + f". After the last step ({last['step'].removeprefix('+ ')}) the aggregate model differs from the ABM by "
                   + ", ".join(f"{_pct(last['rel_diff'][q])} in {WORDS[q]}" for q in QUANTITIES) + ".")
    if result["skipped"]:
        out.append("Skipped (outside the lever's range): " + "; ".join(s.split(":")[0] for s in result["skipped"]) + ".")
    return [p + "\n" for p in out]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.docking", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("overrides", nargs="*", help="run.py overrides, e.g. replications=20 firms_scale=0.25")
    ap.add_argument("--out", type=Path, help="write the result as JSON (e.g. docs/validation/docking.json)")
    ap.add_argument("--jobs", type=int, default=1, help="parallel ABM runs (joblib; -1: every core)")
    ap.add_argument("--no-ablation", action="store_true", help="skip the ablation of the ABM's mechanisms")
    a = ap.parse_args(argv)
    result = measure(a.overrides, a.jobs, ablation=not a.no_ablation)
    print(render(result))
    if a.out:
        write_json(a.out, {**result, "model": MODEL})
        print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

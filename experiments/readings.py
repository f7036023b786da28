"""Which verdicts depend on how the plan's targets are read: every target under every reading.

    python -m experiments.readings                        # the named scenarios, config defaults
    python -m experiments.readings replications=50 --out docs/validation/readings.json
    python -m experiments.readings firms_scale=0.2 scenario=baseline,no_policy

Overrides are those of `run.py` (a comma list for `scenario` picks the scenarios; default:
every file in configs/scenario/). Each scenario runs its replications once, under the
configured `uncertainty`, with the same random streams and parameter draws in every
scenario; each target is then evaluated under each combination of the reading keys it
depends on (`sim.runs.targets.READING_KEYS`), from the same runs. The table gives P(met) with
its Wilson 95% interval and the median margin, marks the configured (baseline) reading
with *, and marks with "FLIPS" a target whose verdict (P(met) >= 0.5 or not) changes with
the reading in some scenario.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.runs import uncertainty  # noqa: E402
from sim.runs.cli import compose  # noqa: E402
from sim.config.schema import CONFIG_DIR, Config, Targets  # noqa: E402
from sim import Model  # noqa: E402
from sim.runs.results import write_json  # noqa: E402
from sim.runs.simulate import margin_words  # noqa: E402
from sim.runs.targets import NAMES, READING_KEYS, evaluate, reading_of, wilson  # noqa: E402

from experiments import MODEL, markdown_table  # noqa: E402

# the alternatives of each reading key; keys that go together are one tuple (the plan names
# no 千亿级 ecosystem, so clusters_1000yi_ecosystems keeps its configured value)
ALTERNATIVES: dict[tuple[str, ...], list[tuple]] = {
    ("output_scope",): [("industrial",), ("all_enterprises",)],
    ("prices",): [("real",), ("nominal",)],
    ("leading_set",): [("declared",), ("main",)],
    ("fai_base",): [("simulated",), ("published",)],
    ("cluster_scope",): [("city",), ("parks",)],
    # any two ecosystems at 1万亿, or the one the city's industry bureau named (smart IoT)
    ("clusters_10000yi_ecosystems", "clusters_10000yi_count"): [([], 2), (["smart_iot"], 1)],
    ("leading_share_gain_mode",): [("relative",), ("points",)],
}


def readings(name: str, base: Targets) -> list[Targets]:
    """Every combination of the alternatives of the keys target `name` depends on."""
    groups = [g for g in ALTERNATIVES if set(g) & set(READING_KEYS[name])]
    out = []
    for combo in itertools.product(*(ALTERNATIVES[g] for g in groups)):
        values = {k: v for g, vs in zip(groups, combo) for k, v in zip(g, vs)}
        out.append(dataclasses.replace(base, **values))
    return out


def scenario_names() -> list[str]:
    return sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))


def _one(cfg: Config, k: int, row) -> dict:
    """Replication k of one scenario: every target under every reading."""
    rec = Model(uncertainty.apply(cfg, row), replication=k).run().recorder
    base_year, out = cfg.calibration.base_year, {}
    for name in NAMES:
        for t in readings(name, cfg.targets):
            v = next(v for v in evaluate(rec, t, base_year) if v.name == name)
            out[(name, v.reading)] = (v.met, v.margin, v.value)
    return out


def measure(overrides: list[str], scenarios: list[str], jobs: int = -1) -> dict:
    from joblib import Parallel, delayed

    cfgs = {s: compose(*overrides, f"scenario={s}", "progress=false") for s in scenarios}
    first = cfgs[scenarios[0]]
    values = uncertainty.values(first)  # the draws (parameters, posterior) or the configured values (seeds)
    tasks = [(s, int(k), row) for s in scenarios for k, row in values.iterrows()]
    start = time.perf_counter()
    runs = Parallel(n_jobs=jobs)(delayed(_one)(cfgs[s], k, row) for s, k, row in tasks)
    per = {s: [r for (s2, _, _), r in zip(tasks, runs) if s2 == s] for s in scenarios}
    rows = []
    for name in NAMES:
        baseline = reading_of(name, first.targets)
        for t in readings(name, first.targets):
            reading = reading_of(name, t)
            cells = {}
            for s in scenarios:
                met, margin, value = zip(*(r[(name, reading)] for r in per[s]))
                lo, hi = wilson(sum(met), len(met))
                cells[s] = dict(p=sum(met) / len(met), ci95=[lo, hi], median_margin=None if None in margin else float(np.median(margin)),
                                median_value=float(np.median(value)))
            rows.append(dict(target=name, reading=reading, baseline=reading == baseline, scenarios=cells))
    for name in NAMES:
        mine = [r for r in rows if r["target"] == name]
        flips = {s: len({r["scenarios"][s]["p"] >= 0.5 for r in mine}) > 1 for s in scenarios}
        for r in mine:
            r["flips"] = [s for s in scenarios if flips[s]]
    return dict(
        overrides=overrides, scenarios=scenarios, replications=first.replications, seed=first.seed,
        uncertainty=first.uncertainty, firms_scale=first.firms_scale, target_year=first.targets.year,
        seconds=round(time.perf_counter() - start, 1), rows=rows,
    )


def render_markdown(result: dict) -> str:
    s = result["scenarios"]
    lines = [
        "## Which verdicts depend on the reading of the plan",
        "",
        f"`python -m experiments.readings {' '.join(result['overrides'])}`: {result['replications']} replications per scenario "
        f"from seed {result['seed']}, uncertainty={result['uncertainty']}, firms_scale {result['firms_scale']:g}; "
        f"{result['seconds']:.0f} s. Each cell: P(met) [95% Wilson interval], median margin. `*` marks the baseline reading "
        "(configs/targets/plan_2025.yaml); **FLIPS** marks a target whose verdict (P(met) ≥ 0.5 or not) changes with the reading "
        "in the scenarios listed. Readings are defined in docs/ODD.md section 8.3.",
        "",
        markdown_table(["target", "reading", *s], [
            [f"`{r['target']}`" + (f" **FLIPS** ({', '.join(r['flips'])})" if r["flips"] else ""),
             ("\\* " if r["baseline"] else "") + (r["reading"] or "(one reading)"),
             *(f"{c['p']:.2f} [{c['ci95'][0]:.2f}, {c['ci95'][1]:.2f}], {margin_words(c['median_margin'])}" for c in (r["scenarios"][sc] for sc in s))]
            for r in result["rows"]]),
    ]
    return "\n".join(lines) + "\n"


def render_text(result: dict) -> str:
    """The same table for a terminal: one block per target."""
    s = result["scenarios"]
    width = max(len(r["reading"]) for r in result["rows"]) + 2
    lines = [f"P(met) [95% CI] and median margin; * baseline reading; {result['replications']} replications, uncertainty={result['uncertainty']}"]
    head = f"{'reading':<{width}}" + "".join(f"{sc:<34}" for sc in s)
    for name in NAMES:
        mine = [r for r in result["rows"] if r["target"] == name]
        lines += ["", name + (f"   FLIPS with the reading in: {', '.join(mine[0]['flips'])}" if mine[0]["flips"] else ""), head]
        for r in mine:
            cells = "".join(f"{c['p']:.2f} [{c['ci95'][0]:.2f}, {c['ci95'][1]:.2f}] {margin_words(c['median_margin']):<14}" for c in (r["scenarios"][sc] for sc in s))
            lines.append(f"{('* ' if r['baseline'] else '  ') + (r['reading'] or '(one reading)'):<{width}}{cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.readings", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("overrides", nargs="*", help="run.py overrides, e.g. replications=50 firms_scale=0.2 scenario=baseline,no_policy")
    ap.add_argument("--out", type=Path, help="write the result as JSON (docs/validation/readings.json re-renders docs/VALIDATION.md)")
    ap.add_argument("--jobs", type=int, default=-1)
    a = ap.parse_args(argv)
    overrides = [o for o in a.overrides if not o.startswith("scenario=")]
    chosen = [o.split("=", 1)[1].split(",") for o in a.overrides if o.startswith("scenario=")]
    scenarios = chosen[-1] if chosen else scenario_names()
    result = measure(overrides, scenarios, a.jobs)
    print(render_text(result))
    if a.out:
        write_json(a.out, {**result, "model": MODEL})
        print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Does rationing skilled labour without a price decide a verdict? (issue 28)

    python -m experiments.labour                      # 20 posterior draws, full scale, the six scenarios
    python -m experiments.labour replications=4 firms_scale=0.1
    python -m experiments.labour --out docs/validation/labour.json

The model has no wage: a request the pool of skilled job-seekers cannot fill is rationed
(docs/ODD.md 7.7). A wage would lie between two ends: supply fixed, requests rationed (the
model), and supply that answers every request (skilled workers never scarce: a talent inflow
of 10 million a year). Each scenario is run at both ends, paired (the same posterior draws
and streams). If every target's P(met) is on the same side of one half at both ends, no wage
in between can turn the verdict (as long as P(met) moves monotonically between them), and
rationing without a price does not decide it.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import sim
from sim.runs.results import write_json
from sim.runs.targets import NAMES

from experiments import MODEL, markdown_table

SCENARIOS = ("baseline", "pre_plan", "no_policy", "land_first", "talent_first", "fund_to_leading_industries")
NEVER_SCARCE = {"talent_inflow_per_year": 1e7}


def _settings(overrides: list[str]) -> dict:
    out = {}
    for o in overrides:
        key, value = o.split("=", 1)
        out[key] = int(value) if key in ("replications", "seed") else float(value) if key == "firms_scale" else value
    return out


def measure(overrides: list[str]) -> dict:
    t0 = time.process_time()
    settings = {"replications": 20, **_settings(overrides)}
    rows = []
    for sc in SCENARIOS:
        ends = {end: sim.run(scenario=sc, **settings, **extra) for end, extra in (("rationed", {}), ("never_scarce", NEVER_SCARCE))}
        for name in NAMES:
            p = {end: ends[end].targets[name].met_fraction for end in ends}
            rows.append(dict(scenario=sc, target=name, p_rationed=p["rationed"], p_never_scarce=p["never_scarce"],
                             median_rationed=ends["rationed"].targets[name].median, median_never_scarce=ends["never_scarce"].targets[name].median,
                             same_verdict=(p["rationed"] >= 0.5) == (p["never_scarce"] >= 0.5)))
        print(sc, "done", flush=True)
    return dict(model=MODEL, settings=settings, never_scarce=NEVER_SCARCE, cpu_seconds=round(time.process_time() - t0, 1), rows=rows,
                verdicts_decided=[f"{r['scenario']}: {r['target']}" for r in rows if not r["same_verdict"]])


def table(result: dict) -> str:
    return markdown_table(["scenario", "target", "P(met) rationed", "P(met) never scarce", "median rationed", "median never scarce", "same verdict"],
                          [[r["scenario"], r["target"], f"{r['p_rationed']:.2f}", f"{r['p_never_scarce']:.2f}", f"{r['median_rationed']:.4g}",
                            f"{r['median_never_scarce']:.4g}", "yes" if r["same_verdict"] else "**no**"] for r in result["rows"]])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("overrides", nargs="*", help="replications=N firms_scale=X seed=S (sim.run's settings)")
    ap.add_argument("--out", type=Path, default=None, help="write the result as JSON (e.g. docs/validation/labour.json)")
    a = ap.parse_args(argv)
    result = measure(a.overrides)
    print(table(result))
    print("verdicts decided by rationing:", ", ".join(result["verdicts_decided"]) or "none")
    if a.out:
        write_json(a.out, result)


if __name__ == "__main__":
    main()

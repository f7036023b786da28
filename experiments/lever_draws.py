"""The levers issue 28 judges, paired under the posterior: what investment attraction and the
renovation programme do to the parks' output, draw by draw.

    python -m experiments.lever_draws                          # 32 posterior draws, full scale, to 2030
    python -m experiments.lever_draws --draws 4 --scale 0.1    # a quick look
    python -m experiments.lever_draws --out docs/validation/lever_draws.json

Each row changes one lever of `baseline`; replication k runs with posterior draw k and the same
random streams in every row, so each difference is paired. The parks' above-scale output is
the mean of a year's monthly records, as the parks_output target reads it. The lever table
(`python -m experiments.levers`) holds the parameters at their configured values; this one
asks the issue's question under the default parameter uncertainty: does attraction raise the
parks' 2028 output (median at least +1%, hardly ever negative), and does renovation up to
twice the plan not lower it?
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from sim import Model
from sim.config import load_config
from sim.runs import uncertainty
from sim.runs.results import write_json
from sim.runs.targets import annual

from experiments import MODEL, markdown_table

ROWS = {  # name: lever settings against baseline (the plan: attraction 1.2, renovation 10,000亩 a year)
    "attraction 1.4 (twice the plan's gain)": {"attraction_intensity": 1.4},
    "attraction 1.0 (today's rate)": {"attraction_intensity": 1.0},
    "renovation 0": {"land_renovation_mu_per_year": 0.0},
    "renovation 20,000亩 a year (twice the plan)": {"land_renovation_mu_per_year": 2.0e4},
}
YEARS = (2025, 2028, 2030)


def parks_output(settings: dict, draws: int, scale: float) -> np.ndarray:
    """The parks' above-scale output (亿元) in each of YEARS [replication, year] under `settings`."""
    cfg = load_config(scenario="baseline", firms_scale=scale, horizon_year=max(YEARS), replications=draws, **settings)
    out = []
    for k, row in uncertainty.values(cfg).iterrows():
        rec = Model(uncertainty.apply(cfg, row), replication=k).run().recorder
        series = rec.cells["output_yi"].sum(axis=2)[:, rec.is_park].sum(axis=1)
        out.append([float(annual(series, rec.years, y)) for y in YEARS])
    return np.array(out)


def measure(draws: int, scale: float) -> dict:
    t0 = time.process_time()
    plan = parks_output({}, draws, scale)
    rows = []
    for name, settings in ROWS.items():
        change = parks_output(settings, draws, scale) / plan - 1.0
        rows.append(dict(row=name, settings=settings, change=change.tolist(),
                         **{f"median_{y}": float(np.median(change[:, j])) for j, y in enumerate(YEARS)},
                         **{f"negative_{y}": int((change[:, j] < 0).sum()) for j, y in enumerate(YEARS)}))
        print(name, " ".join(f"{y}: {100 * rows[-1][f'median_{y}']:+.2f}%" for y in YEARS), flush=True)
    return dict(model=MODEL, scenario="baseline", draws=draws, firms_scale=scale, years=list(YEARS), plan_median=np.median(plan, axis=0).tolist(),
                cpu_seconds=round(time.process_time() - t0, 1), rows=rows)


def table(result: dict) -> str:
    n = result["draws"]

    def cell(r: dict, j: int, y: int) -> str:
        c = np.array(r["change"])[:, j]
        return f"{100 * np.median(c):+.1f}% [{100 * np.quantile(c, 0.1):+.1f}, {100 * np.quantile(c, 0.9):+.1f}], {r[f'negative_{y}']} of {n} below 0"

    return markdown_table(["against the plan", *(f"parks' output {y}, median [10-90%]" for y in result["years"])],
                          [[r["row"], *(cell(r, j, y) for j, y in enumerate(result["years"]))] for r in result["rows"]])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--draws", type=int, default=32, help="posterior draws (replications), paired across the rows")
    ap.add_argument("--scale", type=float, default=1.0, help="firms_scale (default 1.0)")
    ap.add_argument("--out", type=Path, default=None, help="write the result as JSON (e.g. docs/validation/lever_draws.json)")
    a = ap.parse_args(argv)
    result = measure(a.draws, a.scale)
    print(table(result))
    if a.out:
        write_json(a.out, result)


if __name__ == "__main__":
    main()

"""README's policy-comparison table from a sweep's summary: one row per scenario, the parks'
output as the target reads it (median and 10-90%), FAI growth, each target's P(met) with its
95% Wilson interval and, in brackets, at the configured values (seeds only), and the cost.

    .venv/bin/python run.py -m +experiment=policy_comparison
    .venv/bin/python -m experiments.comparison results/sweeps/policy_comparison
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from experiments import markdown_table  # noqa: E402
from sim.runs.targets import NAMES as TARGETS  # noqa: E402


def table(summary: pd.DataFrame, order: list[str] | None = None) -> str:
    df = summary[summary["status"] == "complete"].set_index("scenario")
    scenarios = [s for s in (order or []) if s in df.index] + [s for s in df.index if s not in (order or [])]
    rows = []
    for sc in scenarios:
        r = df.loc[sc]
        row = [sc, f"{r['parks_output_median']:,.0f} [{r['parks_output_p10']:,.0f}-{r['parks_output_p90']:,.0f}]", f"{r['fai_growth_median']:.3f}"]
        for t in TARGETS:
            cell = f"{r[f'{t}_met_fraction']:.2f} [{r[f'{t}_ci_lo']:.2f}, {r[f'{t}_ci_hi']:.2f}]"
            if f"{t}_met_fraction_seeds" in r and pd.notna(r[f"{t}_met_fraction_seeds"]):
                cell += f" ({r[f'{t}_met_fraction_seeds']:.2f})"
            row.append(cell)
        row.append(f"{r['cost_yi']:,.0f}")
        rows.append(row)
    header = ["scenario", "parks output 2025 as read (亿元, median [10-90%])", "FAI growth (median)", *TARGETS, "cost 2023-2025 (亿元)"]
    return markdown_table(header, rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sweep_dir", type=Path)
    args = ap.parse_args(argv)
    summary = pd.read_parquet(args.sweep_dir / "summary.parquet")
    print(table(summary, ["baseline", "pre_plan", "no_policy", "land_first", "talent_first", "fund_to_leading_industries"]))


if __name__ == "__main__":
    main()

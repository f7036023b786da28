"""Net entry's share of output growth, and what decides it (issue 28).

    python -m experiments.net_entry                              # 16 posterior draws, scale 0.25, 2022-2031
    python -m experiments.net_entry --draws 4 --scale 0.1        # a quick look
    python -m experiments.net_entry --out docs/validation/net_entry.json

The share is the entry and exit terms of a Foster-Haltiwanger-Krizan decomposition in output
(`experiments.facts.net_entry_share`): the output at the end of the firms born during the run,
less the output at the start of those that exited, over the change of the total. It is
measured in `no_policy` from end-2022 to end-2031 (nine years, as Brandt, Van Biesebroeck and
Zhang 2012 measured 1998-2007, in TFP rather than output) under each variant, paired: the
same posterior draws (replication k is draw k) and seeds in every variant.

The variants switch one thing each: the skilled-labour market (never scarce: a talent inflow
of 10 million a year), the young firm's premium (`young_growth` at 0 and at the top of its
range) and the entry rate at the top of its range. A variant's setting is held in every
replication (an explicit setting wins over the draws).
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

from experiments import MODEL, markdown_table
from experiments.facts import net_entry_share

VARIANTS = {  # name: settings held in every replication
    "as configured": {},
    "skilled workers never scarce": {"talent_inflow_per_year": 1e7},
    "no young firm's premium (young_growth 0)": {"young_growth": 0.0},
    "young_growth at the top of its range (0.25)": {"young_growth": 0.25},
    "entry_rate at the top of its range (0.14)": {"entry_rate": 0.14},
}


def one(cfg, row, k: int) -> dict:
    """Replication k (`row`: its values of `uncertainty.values(cfg)`)."""
    m = Model(uncertainty.apply(cfg, row), replication=k)
    first_alive, first_output = m.firms.alive[: m.firms.n].copy(), m.firms.output_yi[: m.firms.n].copy()
    start = first_output[first_alive].sum()
    m.run()
    f = m.firms
    end_alive, end_output = f.alive[: f.n].copy(), f.output_yi[: f.n].copy()
    entrants = end_alive.copy()
    entrants[: first_alive.size] &= ~first_alive
    end = end_output[end_alive].sum()
    return dict(net_entry_share=net_entry_share(first_alive, first_output, end_alive, end_output),
                entrants_share_of_end=float(end_output[entrants].sum() / end),
                growth_per_year=float((end / start) ** (1.0 / (cfg.horizon_year - m.cal.base_year)) - 1.0))


def measure(draws: int, scale: float, horizon: int) -> dict:
    t0 = time.process_time()
    rows = []
    for name, settings in VARIANTS.items():
        cfg = load_config(scenario="no_policy", firms_scale=scale, horizon_year=horizon, replications=draws, **settings)
        runs = [one(cfg, row, k) for k, row in uncertainty.values(cfg).iterrows()]
        share = np.array([r["net_entry_share"] for r in runs])
        rows.append(dict(variant=name, settings=settings, net_entry_share_median=float(np.median(share)),
                         net_entry_share_10=float(np.quantile(share, 0.1)), net_entry_share_90=float(np.quantile(share, 0.9)),
                         entrants_share_of_end_median=float(np.median([r["entrants_share_of_end"] for r in runs])),
                         growth_per_year_median=float(np.median([r["growth_per_year"] for r in runs])), runs=runs))
        print(f"{name}: {rows[-1]['net_entry_share_median']:.3f}", flush=True)
    return dict(model=MODEL, scenario="no_policy", draws=draws, firms_scale=scale, period=f"2022-{horizon}",
                cpu_seconds=round(time.process_time() - t0, 1), variants=rows)


def table(result: dict) -> str:
    def at_least(r: dict, x: float = 0.2) -> str:
        share = [run["net_entry_share"] for run in r["runs"]]
        return f"{sum(v >= x for v in share)} of {len(share)}"

    return markdown_table(["variant", "net entry's share of output growth, median [10-90%]", "draws at 0.2 or more", "entrants' share of the end's output",
                           "output growth a year"],
                          [[r["variant"], f"{r['net_entry_share_median']:.2f} [{r['net_entry_share_10']:.2f}, {r['net_entry_share_90']:.2f}]", at_least(r),
                            f"{r['entrants_share_of_end_median']:.2f}", f"{100 * r['growth_per_year_median']:.1f}%"] for r in result["variants"]])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--draws", type=int, default=16, help="posterior draws (replications), paired across the variants")
    ap.add_argument("--scale", type=float, default=0.25, help="firms_scale (default 0.25)")
    ap.add_argument("--horizon", type=int, default=2031, help="the last year (default 2031: nine years)")
    ap.add_argument("--out", type=Path, default=None, help="write the numbers as JSON (e.g. docs/validation/net_entry.json)")
    a = ap.parse_args(argv)
    result = measure(a.draws, a.scale, a.horizon)
    print(table(result))
    if a.out:
        write_json(a.out, result)


if __name__ == "__main__":
    main()

"""Forecasts stated in advance: the posterior predictive path of the city's above-scale
industrial output, the parks' and the parks' FAI for each year 2023-2030, under the regime
before the plan (`pre_plan`) and the plan (`baseline`).

    python -m experiments.forecast             # 200 replications at full scale: docs/validation/forecasts.json
                                               # and docs/figures/forecasts.png (about 15 min on 2 cores)
    python -m experiments.forecast --quick     # 8 replications at firms_scale 0.1, into results/forecast/

Each replication draws its own particle of the posterior (`uncertainty=posterior`, paired:
replication k has the same particle and random streams in both scenarios). A year's value is
the mean of its monthly records (as the published yearly figures are totals of the year);
growth is on the year before (2023's on the end-2022 record, the only 2022 value the model
has). The file records the commit: the forecasts are to be held against what the city
publishes, so they are kept as they were made.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim.sweep.provenance import git_commit  # noqa: E402

SCENARIOS = ("pre_plan", "baseline")
YEARS = tuple(range(2023, 2031))
# (name, label, unit): the series forecast, read from the city level of timeseries.parquet
SERIES = (
    ("city_output_growth", "City above-scale industrial output, growth on the year before (real)", "share"),
    ("city_output_yi", "City above-scale industrial output (2022 prices)", "亿元/yr"),
    ("parks_output_yi", "Parks' above-scale industrial output (2022 prices)", "亿元/yr"),
    ("parks_fai_yi", "Parks' fixed-asset investment (2022 prices)", "亿元/yr"),
    ("parks_fai_growth", "Parks' fixed-asset investment, growth on the year before", "share"),
)


def yearly(ts, variable: str) -> "np.ndarray":
    """[replication, year] of a city-level variable: the mean of each year's monthly records,
    with the end-2022 record as 2022's value."""
    import pandas as pd

    x = ts[(ts["level"] == "city") & (ts["variable"] == variable)].copy()
    x["year"] = pd.to_datetime(x["date"]).dt.year
    table = x.groupby(["replication", "year"])["value"].mean().unstack("year").astype(float)
    return table[[2022, *YEARS]].to_numpy()


def scenario_paths(scenario: str, replications: int, firms_scale: float, seed: int) -> dict[str, np.ndarray]:
    r = sim.run(scenario=scenario, replications=replications, firms_scale=firms_scale, seed=seed, uncertainty="posterior",
                horizon_year=YEARS[-1], outputs="parks")
    city, parks, fai = (yearly(r.timeseries, v) for v in ("output_yi", "parks_output_yi", "parks_fai_yi"))
    return dict(city_output_yi=city[:, 1:], city_output_growth=city[:, 1:] / city[:, :-1] - 1.0, parks_output_yi=parks[:, 1:],
                parks_fai_yi=fai[:, 1:], parks_fai_growth=fai[:, 1:] / fai[:, :-1] - 1.0)


def forecast(replications: int, firms_scale: float, seed: int, workers: int = 2) -> dict:
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=max(1, min(workers, len(SCENARIOS)))) as pool:  # one process a scenario
        runs = dict(zip(SCENARIOS, pool.map(scenario_paths, SCENARIOS, [replications] * 2, [firms_scale] * 2, [seed] * 2)))
    values = {}
    for sc in SCENARIOS:
        paths = runs[sc]
        values[sc] = {name: {str(y): dict(median=float(np.median(paths[name][:, i])), p10=float(np.quantile(paths[name][:, i], 0.1)),
                                          p90=float(np.quantile(paths[name][:, i], 0.9))) for i, y in enumerate(YEARS)} for name, *_ in SERIES}
        g = paths["city_output_growth"][:, :3]  # 2023-2025: the check of the regime's growth
        values[sc]["growth_2023_2025"] = dict(median=float(np.median(g)), p10=float(np.quantile(g, 0.1)), p90=float(np.quantile(g, 0.9)))
    return values


def figure(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.sweep.figures import RC, register_font

    register_font()  # the report's CJK subset: the units are 亿元
    plt.rcParams["font.family"] = RC["font.family"]
    shown = [s for s in result["series"] if s[0] in ("city_output_growth", "parks_output_yi", "parks_fai_yi")]
    fig, axes = plt.subplots(1, len(shown), figsize=(4.2 * len(shown), 3.4))
    years = result["years"]
    for ax, (name, label, unit) in zip(axes, shown):
        for sc, colour in zip(result["scenarios"], ("#4c72b0", "#dd8452")):
            v = result["values"][sc][name]
            med = [v[str(y)]["median"] for y in years]
            ax.fill_between(years, [v[str(y)]["p10"] for y in years], [v[str(y)]["p90"] for y in years], color=colour, alpha=0.25, lw=0)
            ax.plot(years, med, color=colour, label=sc)
        ax.set_title(label.split(",")[0] if len(label) > 40 else label, fontsize=9)
        ax.set_ylabel(unit, fontsize=8)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Posterior predictive, median and 10-90% (commit {result['commit'][:7]})", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="8 replications at firms_scale 0.1, into results/forecast/")
    ap.add_argument("--replications", type=int, default=None)
    ap.add_argument("--firms-scale", type=float, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None, help="directory for forecasts.json and the figure (default: docs/; --quick: results/forecast/)")
    args = ap.parse_args(argv)
    replications = args.replications or (8 if args.quick else 200)
    scale = args.firms_scale or (0.1 if args.quick else 1.0)
    out = args.out or (ROOT / "results" / "forecast" if args.quick else ROOT / "docs" / "validation")
    fig = (out if args.quick or args.out else ROOT / "docs" / "figures") / "forecasts.png"
    start = time.perf_counter()
    result = dict(command="python -m experiments.forecast " + " ".join(argv if argv is not None else sys.argv[1:]), commit=git_commit() or "unknown",
                  date=datetime.date.today().isoformat(), replications=replications, firms_scale=scale, seed=args.seed, uncertainty="posterior",
                  scenarios=list(SCENARIOS), years=list(YEARS), series=[list(s) for s in SERIES], values=forecast(replications, scale, args.seed))
    result["seconds"] = time.perf_counter() - start
    out.mkdir(parents=True, exist_ok=True)
    (out / "forecasts.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    figure(result, fig)
    for sc in SCENARIOS:
        g = result["values"][sc]["growth_2023_2025"]
        print(f"{sc}: city output growth 2023-2025 median {g['median']:+.1%} [10-90%: {g['p10']:+.1%}, {g['p90']:+.1%}]")
    print(f"wrote {out / 'forecasts.json'} and {fig} in {result['seconds']:.0f} s")


if __name__ == "__main__":
    main()

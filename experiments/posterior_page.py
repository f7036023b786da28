"""The posterior's sections of docs/VALIDATION.md: the calibration (prior and posterior of
each parameter, which ones the history identifies, the scale check, the compute), the
posterior predictive check of every moment, and the forecasts stated in advance."""

from __future__ import annotations

import math
from pathlib import Path

from experiments import markdown_table

FIGURES = Path(__file__).resolve().parent.parent / "docs" / "figures"


def _g(v: float, digits: int = 3) -> str:
    if v is None or not math.isfinite(v):
        return "–"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.{digits}g}"


def render_posterior(post: dict, figure: str | None = None) -> str:
    s = post["settings"]
    ident = [p for p in post["parameters"] if p["identified"]]
    lines = [
        "## The posterior: parameters conditioned on the history before the plan",
        "",
        f"`{post['command']}`: {post['method']}. {s['population']} particles a generation, {len(post['generations'])} generations "
        f"(at most {s['max_generations']}; a generation accepting fewer than {s['min_acceptance']:.0%} stops it), "
        f"{post['simulations']:,} simulations of the regime before the plan (scenario `{s['scenario']}`, simulated years {s['years']}) at "
        f"firms_scale {s['scale']:g}, {post['seconds'] / 60:.0f} minutes on {s['processes']} processes; effective sample size of the last "
        f"generation {post['effective_sample_size']:.0f}. The particles and weights are data/posterior/hangzhou_2022.csv "
        "(what `uncertainty=posterior` draws, one particle per replication); their weighted medians are the configured values "
        "(configs/fit/hangzhou_2022.yaml). Every parameter not listed keeps its prior.",
        "",
        "The moments (experiments/history.py; published figures dated 2022 or earlier, configs/history_hangzhou.yaml):",
        "",
        markdown_table(["moment", "unit", "published", "band"],
                       [[m["label"], m["unit"], _g(m["value"]), f"{_g(m['lo'])} to {_g(m['hi'])}"] for m in post["observed"]]),
        "",
        "Tolerance by generation: " + ", ".join(f"{g['eps']:.3g} ({g['samples']:,} runs)" for g in post["generations"]) + ".",
        "",
    ]
    if post.get("scale_check"):
        lines += [
            f"Scale check (firms_scale {s['scale']:g} against 1.0, the same replications at the priors' modes): the mean difference of "
            "each statistic and its standard error; a statistic is taken not to depend on the scale when the difference is within two "
            "standard errors or a tenth of the published band.",
            "",
            markdown_table(["moment", f"at {s['scale']:g}", "at 1.0", "difference", "s.e.", "same"],
                           [[r["id"], _g(r["at_scale"]), _g(r["full"]), f"{r['difference']:+.3g}", _g(r["se"]), "yes" if r["same"] else "**no**"]
                            for r in post["scale_check"]]),
            "",
        ]
    lines += [
        f"Prior (PERT over the plausible range, mode at the schema's value) and posterior, 5-50-95%. The history identifies a parameter "
        f"when its posterior's 90% interval is at most 60% as wide as its prior's: {len(ident)} of {len(post['parameters'])} here; the "
        "others keep about their priors (their ranges are the uncertainty, and the verdicts' probabilities carry it).",
        "",
        markdown_table(["parameter", "range", "prior mode", "prior 5-95%", "posterior median", "posterior 5-95%", "width ratio", "identified"],
                       [[f"`{p['key']}`", f"{_g(p['range'][0])} to {_g(p['range'][1])}", _g(p["prior_mode"]),
                         f"{_g(p['prior'][0])} to {_g(p['prior'][2])}", _g(p["posterior"][1]),
                         f"{_g(p['posterior'][0])} to {_g(p['posterior'][2])}", f"{p['width_ratio']:.2f}", "yes" if p["identified"] else "no"]
                        for p in post["parameters"]]),
        "",
    ]
    if figure:
        lines += [f"![Prior and posterior 90% intervals of each parameter, relative to its range]({figure})", ""]
    return "\n".join(lines)


def render_check(chk: dict) -> str:
    rows = []
    for r in chk["moments"]:
        pr, po = r["prior"], r["posterior"]
        rows.append([r["label"], f"{_g(r['observed'])} ({_g(r['band'][0])} to {_g(r['band'][1])})",
                     f"{_g(pr['median'])} [{_g(pr['p10'])}, {_g(pr['p90'])}]", f"{pr['in_band']:.0%}",
                     f"{_g(po['median'])} [{_g(po['p10'])}, {_g(po['p90'])}]", f"{po['in_band']:.0%}"])
    return "\n".join([
        "### Posterior predictive check",
        "",
        f"{chk['draws']} runs at particles drawn from the posterior (and, beside them, {chk['draws']} at draws from the priors), "
        f"firms_scale {chk['scale']:g}, {chk['seconds'] / 60:.0f} minutes: each moment's simulated median [10-90%] and the share of runs "
        "inside the published band (`python -m experiments.posterior --check N`).",
        "",
        markdown_table(["moment", "published (band)", "prior predictive", "in band", "posterior predictive", "in band"], rows),
        "",
    ])


def render_forecasts(fc: dict, figure: str | None = None) -> str:
    series = fc["series"]
    lines = [
        "## Forecasts stated in advance: 2023-2030",
        "",
        f"`{fc['command']}` at commit `{fc['commit']}` ({fc['date']}): {fc['replications']} replications under "
        f"`uncertainty={fc['uncertainty']}` (each at its own particle), firms_scale {fc['firms_scale']:g}, seed {fc['seed']}. Each "
        "year's value: median [10-90%] over the replications (an 80% band). These are predictions to hold against what the city "
        "publishes for 2023 and after; nothing published after 2022 was used to make them. City above-scale industrial output and "
        "the parks' are at 2022 prices (real); their growth is comparable with the city's published real growth of above-scale "
        "industrial value added. The parks' FAI is at 2022 prices too, firms' and construction's.",
        "",
    ]
    for name, label, unit in series:
        rows = []
        for year in fc["years"]:
            row = [str(year)]
            for sc in fc["scenarios"]:
                v = fc["values"][sc][name][str(year)]
                row.append(f"{_g(v['median'])} [{_g(v['p10'])}, {_g(v['p90'])}]")
            rows.append(row)
        lines += [f"**{label}** ({unit})", "", markdown_table(["year", *fc["scenarios"]], rows), ""]
    if figure:
        lines += [f"![Forecasts 2023-2030 under the regime before the plan and the plan, median and 80% band]({figure})", ""]
    return "\n".join(lines)


def figure(post: dict, path: Path) -> None:
    """Each parameter's prior and posterior 5-95% (and median), on its range scaled to [0, 1]."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    params = post["parameters"]
    fig, ax = plt.subplots(figsize=(7.5, 0.26 * len(params) + 1.0))
    for i, p in enumerate(params):
        lo, hi = p["range"]
        scale = (lambda v: (v - lo) / (hi - lo)) if hi > lo else (lambda v: 0.5)
        y = len(params) - 1 - i
        ax.plot([scale(p["prior"][0]), scale(p["prior"][2])], [y + 0.15] * 2, color="#bbbbbb", lw=4, solid_capstyle="butt")
        ax.plot([scale(p["posterior"][0]), scale(p["posterior"][2])], [y - 0.15] * 2, color="#4c72b0" if p["identified"] else "#9db3d6", lw=4, solid_capstyle="butt")
        ax.plot([scale(p["posterior"][1])], [y - 0.15], "k|", ms=8)
    ax.set_yticks(range(len(params)))
    ax.set_yticklabels([p["key"].split(".")[1] for p in reversed(params)], fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_xlabel("position in the plausible range (0 = low end, 1 = high end)", fontsize=8)
    ax.set_title("prior (grey) and posterior (blue; dark: identified) 5-95%, posterior median |", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)

"""The sensitivity analysis's page (experiments/sensitivity.py computes, this shows): the
Morris and Sobol figures and the section of docs/VALIDATION.md."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from experiments import markdown_table

MORRIS_FIGURE = "sensitivity_morris.png"
SOBOL_FIGURE = "sensitivity_sobol.png"
MAIN_OUTPUT = "mean.parks_output"  # the output the page leads with, and the first of the Morris ranking


def write_atomic(path: Path, data: bytes) -> None:
    """Temporary file, then rename (sim.runs.results.atomic_write keeps the usual permissions)."""
    from sim.runs.results import atomic_write

    atomic_write(Path(path), lambda tmp: tmp.write_bytes(data))


def _label(result, name: str) -> str:
    return next((o["label"] for o in result["outputs"] if o["name"] == name), name)


def _short(factor: str) -> str:
    """Axis label: params.X as X, policy.X in full."""
    return factor.removeprefix("params.")


def _save_png(fig, path: Path) -> None:
    import io

    import matplotlib

    from sim.sweep.figures import DPI, RC

    with matplotlib.rc_context(RC):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    write_atomic(path, buf.getvalue())


def write_figures(result: dict, figures_dir: Path, top: int = 15) -> list[Path]:
    """sensitivity_morris.png (tornado of mu* per ranked output, noise floor as a line) and
    sensitivity_sobol.png (S1 and ST with 95% CIs); written atomically."""
    from matplotlib.patches import Patch

    from sim.sweep.figures import draw, drawable, new_figure

    figures_dir = Path(figures_dir)
    ranked = result["morris"]["ranked_outputs"]
    paths = []

    @draw
    def morris_fig():
        n = max(1, len(ranked))
        ncols = min(3, n)
        nrows = -(-n // ncols)
        rows = max([1] + [min(top, sum(e["mu_star"] > 0 for e in result["morris"]["outputs"][o]["factors"].values())) for o in ranked])
        fig = new_figure(4.3 * ncols, (0.2 * rows + 1.0) * nrows + 0.7)
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax in axes[n:]:
            ax.set_visible(False)
        if not ranked:
            axes[0].text(0.5, 0.5, "no output varies", ha="center", va="center", transform=axes[0].transAxes)
        handles = None
        for ax, o in zip(axes, ranked):
            m = result["morris"]["outputs"][o]
            names = [f for f in m["ranking"] if m["factors"][f]["mu_star"] > 0][:rows] or m["ranking"][:1]
            mu = np.array([m["factors"][f]["mu_star"] for f in names])
            conf = np.array([m["factors"][f]["mu_star_conf"] or 0.0 for f in names])
            colours = ["0.7" if m["factors"][f]["below_noise"] else "C0" for f in names]
            y = np.arange(len(names))
            ax.barh(y, mu, xerr=conf, color=colours, error_kw=dict(ecolor="0.3", lw=0.8, capsize=1.5))
            n = result["noise"][o]
            per_factor = np.array([np.nan if m["factors"][f]["noise_floor"] is None else m["factors"][f]["noise_floor"] for f in names])
            if m.get("noise_floor_kind") == "crn":
                ax.scatter(per_factor, y, marker="|", s=90, color="k", lw=1.4, zorder=4, label="factor's seed-noise floor")
                ax.axvline(n["mu_star_floor_crn"], color="#c0392b", ls="--", lw=1.1, label="seed-noise floor (CRN, RMS)")
            if n["mu_star_floor_independent"] is not None:
                ax.axvline(n["mu_star_floor_independent"], color="0.45", ls=":", lw=1.1, label="floor if seeds were independent")
            if handles is None:
                h, lab = ax.get_legend_handles_labels()
                handles = (h + [Patch(facecolor="0.7")], lab + ["μ* indistinguishable from seed noise"])
            ax.set_yticks(y, [_short(f) for f in names])
            ax.set_ylim(rows - 0.5, -0.5)  # same bar height in every panel, largest on top
            ax.set_title(drawable(_label(result, o)))
            ax.set_xlabel("Morris μ* (per full range)")
            ax.grid(axis="x", color="0.92", lw=0.6)
            ax.set_axisbelow(True)
        if handles:
            fig.legend(*handles, loc="outside lower center", ncols=min(4, len(handles[0])), frameon=False)
        return fig

    @draw
    def sobol_fig():
        sob = result["sobol"]
        shown = [o for o in ranked if not sob["outputs"][o]["constant"]]
        n = max(1, len(shown))
        ncols = min(3, n)
        nrows = -(-n // ncols)
        k = len(sob["factors"])
        fig = new_figure(max(3.6, 0.55 * k + 1.4) * ncols, 3.2 * nrows + 0.4)
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax in axes[n:]:
            ax.set_visible(False)
        if not shown:
            axes[0].text(0.5, 0.5, "no output varies", ha="center", va="center", transform=axes[0].transAxes)
        x = np.arange(k)
        handles = None
        for ax, o in zip(axes, shown):
            s = sob["outputs"][o]
            for off, key, c in ((-0.2, "S1", "C0"), (0.2, "ST", "C1")):
                v = np.array([s["factors"][f][key] or 0.0 for f in sob["factors"]])
                e = np.array([s["factors"][f][key + "_conf"] or 0.0 for f in sob["factors"]])
                ax.bar(x + off, v, width=0.4, yerr=e, color=c, label=key, error_kw=dict(ecolor="0.3", lw=0.8, capsize=1.5))
            st_noise = np.array([np.nan if s["factors"][f]["ST_noise"] is None else s["factors"][f]["ST_noise"] for f in sob["factors"]])
            if np.isfinite(st_noise).any():
                ax.scatter(x + 0.2, st_noise, marker="_", s=160, color="k", lw=1.6, zorder=4, label="ST noise (measured, CRN)")
            if s.get("noise_ratio") is not None:
                ax.axhline(s["noise_ratio"], color="#c0392b", ls="--", lw=1.0, label="σ²ε / Var(Y) (independent seeds)")
            ax.axhline(0, color="0.5", lw=0.6)
            ax.set_xticks(x, [_short(f) for f in sob["factors"]], rotation=35, ha="right")
            ax.set_ylim(-0.25, 1.25)  # indices live in [0, 1]; small-N intervals can run far outside
            ax.set_title(drawable(_label(result, o)))
            ax.grid(axis="y", color="0.92", lw=0.6)
            ax.set_axisbelow(True)
            handles = handles or ax.get_legend_handles_labels()
        if handles:
            fig.legend(*handles, loc="outside lower center", ncols=min(4, len(handles[0])), frameon=False)
        return fig

    for fn, name in ((morris_fig, MORRIS_FIGURE), (sobol_fig, SOBOL_FIGURE)):
        path = figures_dir / name
        _save_png(fn(), path)
        paths.append(path)
    return paths


def fmt(v, unit: str = "") -> str:
    if v is None:
        return "–"
    if unit == "亿元":
        return f"{v:,.0f}"
    return f"{v:.3g}"


def render_markdown(result: dict, figure_dir_relative: str = "figures") -> str:
    """A section for docs/VALIDATION.md: settings, noise floors, the Morris ranking, the
    Sobol indices, the figures and what was held fixed."""
    s, mo, sob, noise = result["settings"], result["morris"], result["sobol"], result["noise"]
    outs = {o["name"]: o for o in result["outputs"]}
    ranked = mo["ranked_outputs"]
    met_varying = [o for o in ranked if o != MAIN_OUTPUT]
    lines = [
        "## Global sensitivity analysis",
        "",
        f"`python -m experiments.sensitivity` (this run: firms_scale {s['firms_scale']:g}, Morris r = {s['trajectories']} "
        f"trajectories x {len(result['factors']) + 1} points = {s['morris_points']} points, {s['num_levels']} levels, step Δ = {s['delta']:.3g}; "
        f"R = {s['replications']} replications per point with common random numbers (replications 0..R-1 of seed "
        f"{s['morris_seed']} at every point); M = {s['noise_sets']} noise seed sets; Sobol N = {s['sobol_n']} on k = "
        f"{len(sob['factors'])} factors, {s['sobol_points']} points; {s['total_model_runs']:,} model runs). "
        f"Factors: {len(result['factors'])}, every `Params` field uniform over its metadata range and the numeric levers "
        "over their sweep ranges. Outputs: per target, the fraction of the R replications meeting it; parks' output and "
        "FAI growth as means over the R replications.",
        "",
        "Held fixed: " + ", ".join(f"`{k}` = {v}" for k, v in result["held_fixed"]["levers"].items())
        + f" (the `{result['base']['scenario']}` scenario's values), the calibration and the targets."
        + (f" Not varied in this run: {', '.join('`' + n + '`' for n in result['held_fixed']['not_varied'])}." if result["held_fixed"]["not_varied"] else ""),
        "",
    ]
    constant = [o for o in result["outputs"] if mo["outputs"][o["name"]]["constant"]]
    if constant:
        lines += ["Outputs that do not vary over the Morris sample (not ranked): "
                  + "; ".join(f"{o['label']}: {mo['outputs'][o['name']]['note']}" for o in constant) + ".", ""]
    lines += [
        "### Seed noise",
        "",
        "σ_ε is the SD of an output's R-replication estimate across the M seed sets at the base point (and, as a check, "
        "the RMS within-point standard error over the Morris points). √2·σ_ε/Δ would be the noise of a Morris elementary "
        "effect if its two points had independent seeds. They share them (common random numbers), so the noise of each "
        "step is measured: the SD across the R replications of the step's effect over √R, pooled over a factor's "
        "trajectories. A factor whose μ* is at or below its own measured floor is indistinguishable from seed noise (†); "
        "the table gives the RMS of those floors over the factors.",
        "",
        markdown_table(["output", "base point", "σ_ε (seed sets)", "σ_ε (within points)", "floor √2·σ_ε/Δ, independent seeds", "floor, common random numbers"],
                       [[o["label"], *(fmt(noise[o["name"]][k], o["unit"]) for k in ("base_estimate", "sigma_eps", "sigma_within_points", "mu_star_floor_independent", "mu_star_floor_crn"))]
                        for o in result["outputs"]], colalign=["left"] + ["right"] * 5),
        "",
        "### Morris screening",
        "",
    ]
    main = mo["outputs"][MAIN_OUTPUT]
    if main["constant"]:
        lines += ["Parks' output does not vary: no ranking.", ""]
    else:
        lines += [
            "Top factors by μ* for parks' output (亿元 per full range of the factor, ± 95% bootstrap half-width); "
            "μ*/SD is μ* over the output's SD across the sample, comparable between outputs. "
            "Met-probability columns give μ* of the probability; † marks μ* below the seed-noise floor.",
            "",
        ]
        rows = []
        for f in main["ranking"][:12]:
            e = main["factors"][f]
            cells = [f"{e['rank']}", f"`{f}`" + (" †" if e["below_noise"] else ""),
                     f"{e['mu_star']:,.0f} ± {(e['mu_star_conf'] or 0):,.0f}", f"{e['mu_star_norm']:.2f}", f"{e['sigma']:,.0f}"]
            for o in met_varying:
                g = mo["outputs"][o]["factors"][f]
                cells.append(f"{g['mu_star']:.3f}" + (" †" if g["below_noise"] else "") + f" (#{g['rank']})")
            rows.append(cells)
        lines += [markdown_table(["rank", "factor", "μ* parks' output", "μ*/SD", "σ", *(f"μ* {outs[o]['label']}" for o in met_varying)], rows,
                                 colalign=["right", "left", "right", "right", "right"] + ["right"] * len(met_varying)), ""]
        n_signal = sum(not e["below_noise"] for e in main["factors"].values())
        lines += [f"{n_signal} of {len(main['factors'])} factors are above the seed-noise floor for parks' output.", ""]
    for o in met_varying:
        m = mo["outputs"][o]
        above = [f for f in m["ranking"] if not m["factors"][f]["below_noise"]]
        lines.append(f"- {outs[o]['label']}: " + (", ".join(f"`{f}` ({m['factors'][f]['mu_star']:.3f})" for f in above[:6])
                                                  if above else "no factor above the seed-noise floor")
                     + f" (RMS floor {m['noise_floor']:.3f}).")
    if met_varying:
        lines.append("")
    lines += ["### Sobol indices", "",
              f"On the top {len(sob['factors'])} factors ({sob['selection']}), the others at the baseline. "
              "S1 first-order, ST total-order, 95% bootstrap half-widths. Seed noise that were independent between points "
              "would add σ_ε²/Var(Y) to every factor's ST (Jansen estimator) and leave S1 unbiased; with common random "
              "numbers the addition is smaller and is measured per factor from the replications (ST noise).",
              ""]
    shown = [o for o in ranked if not sob["outputs"][o]["constant"]]
    if shown:
        rows = []
        for f in sob["factors"]:
            cells = [f"`{f}`"]
            for o in shown:
                e = sob["outputs"][o]["factors"][f]
                cells += [f"{e['S1']:.2f} ± {(e['S1_conf'] or 0):.2f}", f"{e['ST']:.2f} ± {(e['ST_conf'] or 0):.2f}", fmt(e["ST_noise"])]
            rows.append(cells)
        rows.append(["σ_ε²/Var(Y)", *(c for o in shown for c in ("", fmt(sob["outputs"][o]["noise_ratio"]), ""))])
        lines += [markdown_table(["factor", *(h for o in shown for h in (f"{outs[o]['label']} S1", "ST", "ST noise"))], rows,
                                 colalign=["left"] + ["right"] * 3 * len(shown)), ""]
    else:
        lines += ["No ranked output varies over the Sobol sample.", ""]
    flat = [o for o in ranked if sob["outputs"][o]["constant"]]
    if flat:
        lines += ["Constant over the Sobol sample (no indices): "
                  + ", ".join(f"{outs[o]['label']} = {fmt(sob['outputs'][o]['constant_value'])}" for o in flat) + ".", ""]
    lines += [f"![Morris μ* per output, seed-noise floor dashed]({figure_dir_relative}/{MORRIS_FIGURE})", "",
              f"![Sobol S1 and ST with 95% intervals]({figure_dir_relative}/{SOBOL_FIGURE})", ""]
    return "\n".join(lines)

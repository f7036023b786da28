"""Figures for the sweep report: matplotlib without pyplot, CJK-capable, reproducible files.

Chinese labels are drawn with the subset of Noto Sans CJK SC shipped in sim/sweep/fonts/
(see its README), registered on first use as the fallback family after DejaVu Sans. A label
with a character that neither font has is replaced by an ASCII fallback (a park's id; other
text with the character escaped), with a warning: a chart never shows empty boxes. Figures are
written as PNG and SVG with no date, no software version and a fixed SVG hash salt, so the
same sweep gives the same bytes; each file atomically (sim.runs.results.atomic_write).
"""

from __future__ import annotations

import io
import textwrap
import warnings
from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from sim.runs.results import atomic_write

FONT_FILE = Path(__file__).resolve().parent / "fonts" / "NotoSansCJKsc-Regular-subset.ttf"
CJK_FAMILY = "Report Sans CJK SC"
BASE_FAMILY = "DejaVu Sans"
RC = {
    "font.family": [BASE_FAMILY, CJK_FAMILY],
    "svg.hashsalt": "hangzhou-parks-report",
    "svg.fonttype": "path",  # glyphs as paths: the SVG needs no font to display
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
}
PNG_METADATA = {"Software": None}  # no matplotlib version (PNG has no date unless asked)
SVG_METADATA = {"Date": None, "Creator": None}  # no date, no matplotlib version
CMAP = "RdYlGn"  # probability colours: red 0, yellow 0.5, green 1
DPI = 130

_registered = False


def register_font() -> None:
    global _registered
    if not _registered:
        font_manager.fontManager.addfont(str(FONT_FILE))
        _registered = True


@lru_cache(maxsize=None)
def covered_codepoints() -> frozenset[int]:
    """Code points that DejaVu Sans or the shipped CJK subset can draw."""
    base = font_manager.findfont(font_manager.FontProperties(family=BASE_FAMILY), fallback_to_default=True)
    points: set[int] = set()
    for path in (base, FONT_FILE):
        with TTFont(path, lazy=True) as font:
            points.update(font.getBestCmap())
    return frozenset(points)


def missing_glyphs(text: str) -> str:
    cover = covered_codepoints()
    return "".join(sorted({c for c in text if not c.isspace() and ord(c) not in cover}))


def safe_label(text: str, fallback: str) -> str:
    """`text` if every character can be drawn, else `fallback` and a warning."""
    missing = missing_glyphs(text)
    if missing:
        warnings.warn(f"label {text!r} has characters the report's fonts lack ({missing}); drawing {fallback!r} instead", stacklevel=2)
        return fallback
    return text


def park_label(name_zh: str | None, park_id: str) -> str:
    """'name_zh (id)' for charts, or the id alone if the name cannot be drawn."""
    if not name_zh:
        return park_id
    return safe_label(f"{name_zh} ({park_id})", park_id)


def drawable(text: str) -> str:
    """Any chart text: itself, or with the characters no font has escaped (and a warning)."""
    return safe_label(text, text.encode("ascii", "backslashreplace").decode("ascii")) if missing_glyphs(text) else text


def prob_colour(p: float, lighten: float = 0.35) -> str:
    """Hex colour of a probability on CMAP, mixed with white for readable text."""
    if p is None or not np.isfinite(p):
        return "#dddddd"
    rgb = np.array(matplotlib.colormaps[CMAP](float(p))[:3])
    return to_hex(rgb + (1.0 - rgb) * lighten)


def new_figure(width: float, height: float) -> Figure:
    register_font()
    with matplotlib.rc_context(RC):
        return Figure(figsize=(width, height), layout="constrained")


def save(fig: Figure, figures_dir: Path | None, name: str) -> bytes:
    """Write figures_dir/name.png and .svg, each atomically (a temporary file beside it, then a
    rename: never a partial file under its name); return the PNG bytes (for embedding).
    With figures_dir None, only return the PNG (the dashboard)."""
    with matplotlib.rc_context(RC):  # svg.hashsalt: the SVG's ids do not change from run to run
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata=PNG_METADATA)
        png = buf.getvalue()
        if figures_dir is None:
            return png
        figures_dir = Path(figures_dir)
        atomic_write(figures_dir / f"{name}.png", lambda p: p.write_bytes(png))
        atomic_write(figures_dir / f"{name}.svg", lambda p: fig.savefig(p, format="svg", metadata=SVG_METADATA))
    return png


def draw(fn):
    """Run a drawing function under the report's rc settings (fonts apply at draw time too)."""

    def wrapped(*args, **kwargs):
        register_font()
        with matplotlib.rc_context(RC):
            return fn(*args, **kwargs)

    wrapped.__name__, wrapped.__doc__ = fn.__name__, fn.__doc__
    return wrapped


# ------------------------------------------------------------------ the report's charts
def colour(k: int, n: int):
    """Colour of series k of n: tab10 while it suffices, else tab20."""
    return matplotlib.colormaps["tab10" if n <= 10 else "tab20"](k % (10 if n <= 10 else 20))


def _legend(fig: Figure, handles=None, labels=None) -> None:
    """A legend below the axes, with as many columns as the figure's width holds."""
    if handles is None:
        handles, labels = [], []
        for ax in fig.axes:
            h, l = ax.get_legend_handles_labels()
            handles, labels = handles + h, labels + l
    if not labels:
        return
    per_column = 0.068 * max(len(t) for t in labels) + 0.7  # inches at 8 pt
    ncols = int(max(1, min(len(labels), 4, fig.get_figwidth() // per_column)))
    fig.legend(handles, labels, loc="outside lower center", ncols=ncols, frameon=False)


def _grid_of_axes(fig: Figure, n: int, ncols: int, **kw):
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return axes[:n]


@draw
def fan_chart(panels, threshold: float, unit: str, figures_dir: Path, name: str = "fan_chart") -> bytes:
    """One panel per job: median and 10-90% band across replications of parks' output,
    and the target as a dashed line. `panels` is [(title, DataFrame[p10, p50, p90] by date or None)]."""
    import matplotlib.dates as mdates

    n = len(panels)
    ncols = min(3, n)
    fig = new_figure(3.4 * ncols + 0.6, 2.4 * -(-n // ncols) + 0.9)
    axes = _grid_of_axes(fig, n, ncols, sharex=True, sharey=True)
    top = threshold
    handles = None
    for ax, (title, fan) in zip(axes, panels):
        ax.set_title(drawable(title))
        ax.axhline(threshold, color="#c0392b", ls="--", lw=1.2, label=f"target {threshold:,.0f} {unit}")
        if fan is None or fan.empty:
            ax.text(0.5, 0.5, "no results (job did not complete)", transform=ax.transAxes, ha="center", va="center", color="0.4")
            continue
        ax.fill_between(fan.index, fan["p10"], fan["p90"], color="C0", alpha=0.25, lw=0, label="10–90% of replications")
        ax.plot(fan.index, fan["p50"], color="C0", lw=1.6, label="median")
        top = max(top, float(fan["p90"].max()))
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.grid(axis="y", color="0.9", lw=0.6)
        handles = ax.get_legend_handles_labels()
    axes[0].set_ylim(0, top * 1.08)
    axes[0].yaxis.set_major_formatter("{x:,.0f}")
    fig.supylabel(f"parks' output as the target reads it ({unit}/yr)", fontsize=9)
    if handles:
        _legend(fig, *handles)
    return save(fig, figures_dir, name)


def _annotated_heatmap(fig: Figure, ax, p, text, xlabels, ylabels, cbar_label: str):
    cmap = matplotlib.colormaps[CMAP].with_extremes(bad="#dddddd")
    im = ax.imshow(np.ma.masked_invalid(np.asarray(p, dtype=float)), cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto")
    for (i, j), t in np.ndenumerate(np.asarray(text, dtype=object)):
        ax.text(j, i, t, ha="center", va="center", fontsize=7.5, color="black")
    ax.set_xticks(range(len(xlabels)), [drawable(t) for t in xlabels])
    ax.set_yticks(range(len(ylabels)), [drawable(t) for t in ylabels])
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    fig.colorbar(im, ax=ax, shrink=0.8, label=cbar_label)


def _cell_text(p: float, lo: float, hi: float, extra: str = "") -> str:
    if not np.isfinite(p):
        return "no result"
    return f"{p:.2f}\n[{lo:.2f}, {hi:.2f}]" + (f"\n{extra}" if extra else "")


@draw
def scorecard_heatmap(rows, targets, p, lo, hi, figures_dir: Path, name: str = "scorecard") -> bytes:
    """Jobs x targets, coloured by the fraction of replications meeting the target; target
    labels (plain words) wrapped under the columns."""
    longest = max(len(line) for r in rows for line in r.split("\n"))
    lines = max(r.count("\n") + 1 for r in rows)
    columns = [textwrap.fill(t, 15, break_on_hyphens=False) for t in targets]
    label_lines = max(c.count("\n") + 1 for c in columns)
    fig = new_figure(1.15 * len(targets) + 0.075 * longest + 1.6, (0.3 + 0.2 * max(lines, 2)) * len(rows) + 0.16 * label_lines + 1.2)
    ax = fig.add_subplot()
    text = [[_cell_text(p[i][j], lo[i][j], hi[i][j]) for j in range(len(targets))] for i in range(len(rows))]
    _annotated_heatmap(fig, ax, p, text, columns, rows, "P(target met), 95% Wilson interval")
    ax.tick_params(axis="x", labelsize=7.5)
    return save(fig, figures_dir, name)


@draw
def grid_heatmap(xkey, xvalues, ykey, yvalues, p, lo, hi, n, title: str, figures_dir: Path, name: str = "grid_heatmap") -> bytes:
    """Two levers: the probability of meeting one target in each cell (replications pooled)."""
    fig = new_figure(1.5 * len(xvalues) + 3.2, 0.9 * len(yvalues) + 1.8)
    ax = fig.add_subplot()
    text = [[_cell_text(p[i][j], lo[i][j], hi[i][j], f"n={n[i][j]}" if n[i][j] else "")
             for j in range(len(xvalues))] for i in range(len(yvalues))]
    _annotated_heatmap(fig, ax, p, text, xvalues, yvalues, "P(target met)")
    ax.invert_yaxis()  # smallest value at the bottom
    ax.set_xlabel(drawable(xkey))
    ax.set_ylabel(drawable(ykey))
    ax.set_title(drawable(title))
    return save(fig, figures_dir, name)


@draw
def cluster_bars(ecosystems, series, lines, ylabel: str, figures_dir: Path, name: str = "clusters") -> bytes:
    """Grouped bars: per ecosystem, each job's median cluster size with its 10-90% range;
    the cluster thresholds as horizontal lines. `series` is [(label, median, p10, p90)]."""
    n = max(1, len(series))
    fig = new_figure(max(7.0, 1.1 * len(ecosystems) * max(1.0, n / 4)), 4.2 + 0.18 * n)
    ax = fig.add_subplot()
    x = np.arange(len(ecosystems))
    width = 0.8 / n
    top = max(v for v, _ in lines) if lines else 0.0
    for k, (label, med, p10, p90) in enumerate(series):
        med, p10, p90 = (np.asarray(a, dtype=float) for a in (med, p10, p90))
        pos = x - 0.4 + width * (k + 0.5)
        ax.bar(pos, med, width=width * 0.92, color=colour(k, n), label=drawable(label))
        ax.errorbar(pos, med, yerr=[med - p10, p90 - med], fmt="none", ecolor="0.25", lw=0.8, capsize=1.5)
        top = max(top, float(np.nanmax(p90)) if np.isfinite(p90).any() else 0.0)
    for value, text in lines:
        ax.axhline(value, color="#c0392b", ls="--", lw=1)
        ax.text(len(ecosystems) - 0.45, value, f" {text}", va="center", ha="right", fontsize=8, color="#c0392b",
                bbox=dict(facecolor="white", edgecolor="none", pad=1.0))
    ax.set_ylim(0, top * 1.1)
    ax.set_xticks(x, ecosystems)
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter("{x:,.0f}")
    ax.grid(axis="y", color="0.9", lw=0.6)
    ax.set_axisbelow(True)
    _legend(fig)
    return save(fig, figures_dir, name)


@draw
def park_dots(parks, base, base_label: str, series, xlabel: str, figures_dir: Path, name: str = "parks") -> bytes:
    """One row per park ('name_zh (id)'), one marker per job at its median output; the base
    year as a grey bar. `series` is [(label, values)], values aligned with `parks`."""
    markers = "osD^vPX<>*"
    fig = new_figure(9.0, 0.34 * len(parks) + 1.6 + 0.16 * len(series))
    ax = fig.add_subplot()
    y = np.arange(len(parks))
    ax.scatter(base, y, marker="|", s=160, color="0.35", lw=1.6, label=base_label, zorder=3)
    for k, (label, values) in enumerate(series):
        ax.scatter(values, y, marker=markers[k % len(markers)], s=26, color=colour(k, len(series)),
                   alpha=0.85, label=drawable(label), zorder=4)
    ax.set_yticks(y, parks)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter("{x:,.0f}")
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", which="both", color="0.92", lw=0.6)
    ax.grid(axis="y", color="0.95", lw=0.6)
    ax.set_axisbelow(True)
    _legend(fig)
    return save(fig, figures_dir, name)


@draw
def frontier(search: dict, figures_dir: Path | None, name: str = "frontier") -> bytes:
    """The policy search (experiments/search.py's search.json): every candidate's public cost
    against its P(chosen targets met) with the 95% Wilson interval, the Pareto front, p, the
    scenario's own policy and the recommended one (at its probability on fresh replications)."""
    rows, by = search["candidates"], {r["trial"]: r for r in search["candidates"]}
    fig = new_figure(6.8, 4.0)
    ax = fig.subplots()
    ax.errorbar([r["p_met"] for r in rows], [r["cost_yi"] for r in rows],
                xerr=[[r["p_met"] - r["ci95"][0] for r in rows], [r["ci95"][1] - r["p_met"] for r in rows]],
                fmt="o", ms=3, color="0.5", ecolor="0.85", lw=0.8, label="candidates (95% interval)")
    front = [by[i] for i in search["frontier"]]
    ax.step([r["p_met"] for r in front], [r["cost_yi"] for r in front], where="post", color="C0", lw=1.4, label="frontier")
    ax.axvline(search["p"], color="#c0392b", ls="--", lw=1, label=f"p = {search['p']:g}")
    ax.plot(rows[0]["p_met"], rows[0]["cost_yi"], "s", color="C1", label="the scenario's policy")
    if search.get("recommended"):
        rec = search["recommended"]
        ax.plot(rec["fresh"]["p_met"], rec["cost_yi"], "*", ms=13, color="C2", label="recommended (fresh replications)")
    ax.set_xlim(-0.03, 1.03)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter("{x:,.0f}")
    targets = search["targets"]
    ax.set_xlabel(f"P({' and '.join(targets)} met)" if len(targets) <= 2 else f"P(all {len(targets)} targets met: {', '.join(targets)})", fontsize=8)
    ax.set_ylabel(f"public cost {search['period'][0]}–{search['period'][1]} (亿元)")
    ax.grid(color="0.9", lw=0.6)
    _legend(fig)
    return save(fig, figures_dir, name)

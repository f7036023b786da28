"""The terminal table of a run (`python run.py` prints it): per target its median value in
its unit, the plan's threshold, the median margin and P(met) with its 95% Wilson interval,
then a legend of the targets' plain descriptions and readings, and where the results went.
Under uncertainty=parameters or posterior, the header says which parameters were held at
which values and which posterior sample was drawn (`uncertainty_lines`).

Pure text from the targets.json content (sim.runs.simulate.simulate's result), so tests build it
from a hand-made dict. Columns are padded by display width (a CJK character takes two
terminal columns), and the table keeps within about 115 columns.
"""

from __future__ import annotations

import textwrap
import unicodedata
from pathlib import Path

import numpy as np

WIDTH = 110  # notes and legend are wrapped to this many characters (a few CJK ones may add columns)

# unit in targets.json -> (unit as shown, value as shown in it)
UNITS = {
    "亿元": ("亿元/yr", lambda v: f"{v:,.0f}"),
    "share": ("%", lambda v: f"{v * 100:.1f}"),
    "share of parks": ("% of parks", lambda v: f"{v * 100:.1f}"),
    "1/yr": ("%/yr", lambda v: f"{v * 100:.1f}"),
    "count": ("count", lambda v: f"{v:g}"),
}


def margin_words(margin: float | None) -> str:
    """'short by 27%', 'over by 15%', 'met exactly'."""
    if margin is None:
        return "–"
    if abs(margin) < 5e-4:
        return "met exactly"
    return f"{'short' if margin < 0 else 'over'} by {abs(margin):.{1 if abs(margin) < 0.01 else 0}%}"


def width(text: str) -> int:
    """Terminal columns of `text`: wide and full-width characters (CJK) take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, n: int, right: bool = False) -> str:
    fill = " " * max(0, n - width(text))
    return fill + text if right else text + fill


def unit_of(unit: str) -> str:
    return UNITS.get(unit, (unit, None))[0]


def shown(value: float, unit: str) -> str:
    """A value in the unit as shown ('21,162' 亿元/yr, '52.4' %, '3' count)."""
    fmt = UNITS.get(unit, (unit, lambda v: f"{v:.3g}"))[1]
    return fmt(float(value))


def p_cell(t: dict) -> str:
    """P(met) and its 95% interval, one format for every cell: '0.25 [0.05, 0.70]'."""
    lo, hi = t["ci95"]
    return f"{t['met_fraction']:.2f} [{lo:.2f}, {hi:.2f}]"


def median(values) -> float:
    """The median across replications (numpy's: the mean of the two middle values for an even count)."""
    return float(np.median(np.asarray(values, dtype=float)))


def cost_line(cost: dict) -> str:
    """The policy's public cost over the plan period (targets.json `cost`, sim/rules/costs.py)."""
    first, last = cost["period"]
    parts = ", ".join(f"{k.replace('_', ' ')} {v:,.0f}" for k, v in cost["by_lever_yi"].items())
    lo, hi = cost["range_yi"]
    return (f"public cost {first}-{last}: {cost['total_yi']:,.0f}亿元 (median; {parts}); {lo:,.0f}-{hi:,.0f}亿元 "
            "at the ends of the unit costs' ranges (costs.*, ODD 7.16)")


def uncertainty_words(result: dict) -> list[str]:
    """What the draws were, a sentence each: the posterior sample (name, particles) and the
    parameters held at their values (targets.json `posterior` and `held`); none under seeds."""
    lines = []
    if "posterior" in result:
        post = result["posterior"]
        lines.append(f"posterior: data/posterior/{post['name']}.csv, {post['particles']:,} particles over {len(post['keys'])} "
                     "parameters (one particle a replication, by weight; the other parameters from their priors)")
    if result.get("held"):
        values = ", ".join(f"{k} = {v:g}" for k, v in result["held"].items())
        lines.append(f"held at their values in every replication (set explicitly, or fixed_parameters): {values}")
    return lines


def uncertainty_lines(result: dict) -> list[str]:
    """`uncertainty_words` wrapped for the terminal."""
    return [w for line in uncertainty_words(result) for w in textwrap.wrap(line, WIDTH, subsequent_indent="  ", break_on_hyphens=False)]


def format_table(result: dict, out_dir: Path | None = None) -> str:
    """The terminal table of `result` (targets.json content); with `out_dir`, where the files are."""
    n, year = result["replications"], result["target_year"]
    both = "targets_seeds" in result
    seeds = {t["name"]: t for t in result.get("targets_seeds", [])}
    mode = result.get("uncertainty", "parameters")
    p_heads = [f"P(met), {mode}+seeds", "P(met), seeds only"] if both else ["P(met), seeds"]
    heads = ["target", "unit", "median", "threshold", "median margin", *p_heads]
    rows = []
    for t in result["targets"]:
        cells = [p_cell(t)] + ([p_cell(seeds[t["name"]])] if both and t["name"] in seeds else ([""] if both else []))
        rows.append([t["name"], unit_of(t["unit"]), shown(median(t["values"]), t["unit"]), shown(t["threshold"], t["unit"]),
                     margin_words(t.get("median_margin")), *cells])
    widths = [max(width(r[k]) for r in [heads, *rows]) for k in range(len(heads))]
    right = {2, 3}  # numbers

    def line(cells: list[str]) -> str:
        return "  ".join(pad(c, widths[k], k in right) for k, c in enumerate(cells)).rstrip()

    lines = [
        f"scenario {result['scenario']}: {n} replication{'s' if n != 1 else ''} from seed {result['seed']}, "
        f"uncertainty={result['uncertainty']}; the plan's targets for {year} (reading: ODD 8.3)",
        *textwrap.wrap(
            f"median: across the {n} replications, in the target's unit; margin: median of value / threshold - 1; "
            "P(met) [95% Wilson interval]: the share of replications that meet the target"
            + (f" ({mode}+seeds: each replication at its own parameter draw"
               + (", a particle of the posterior" if mode == "posterior" else " from the priors")
               + "; seeds only: the same replications at the configured parameters)" if both else ""), WIDTH),
        *uncertainty_lines(result),
        "",
        line(heads),
        line(["-" * w for w in widths]),
        *(line(r) for r in rows),
        "",
        f"targets ({year}):",
    ]
    for t in result["targets"]:
        text = f"{t['name']} ({unit_of(t['unit'])}, {year}): {t['description']}"
        if t.get("reading"):
            text += f" [reading: {t['reading']}]"
        lines += textwrap.wrap(text, WIDTH - 2, initial_indent="  ", subsequent_indent="      ", break_on_hyphens=False)
    if result["targets"] and "year_met" in result["targets"][0]:
        lines.append(f"year first met by {result['horizon_year']} (median over the replications that met it):")
        for t in result["targets"]:
            hit = [y for y in t["year_met"] if y is not None]
            lines.append(f"  {t['name']}: " + (f"{median(hit):g} in {len(hit)} of {n}" if hit else f"not by {result['horizon_year']}"))
    if "cost" in result:
        lines += textwrap.wrap(cost_line(result["cost"]), WIDTH, subsequent_indent="  ")
    if out_dir is not None:
        lines.append(f"results: {out_dir}/ (targets.json, timeseries.parquet, parameters.parquet)")
    return "\n".join(lines)

"""What a run answers, for the terminal (`python run.py` prints `format_table`): first one line
per target in plain words, what the plan asks and how likely the run meets it
(`verdict_lines`, which the sweep report and the dashboard use too) and the policy's cost;
then the table, per target its median value in its unit, the plan's threshold, the median
margin and P(met) with its 95% Wilson interval; then the details: what the columns mean,
the parameters held and the posterior drawn (`uncertainty_lines`), the targets'
definitions and readings, and where the results went. The header names the scenario and
the settings given beside it (`overridden`).

Pure text from the targets.json content (sim.runs.simulate.simulate's result), so tests build it
from a hand-made dict. Every line keeps within WIDTH terminal columns, counted by display
width (a CJK character takes two): the table's columns are padded by it and the text is
wrapped by it (`wrap`).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np

WIDTH = 100  # terminal columns of every line (a path longer than this is not broken)

# unit in targets.json -> (unit as shown, value as shown in it)
UNITS = {
    "亿元": ("亿元/yr", lambda v: f"{v:,.0f}"),
    "share": ("%", lambda v: f"{v * 100:.1f}"),
    "share of parks": ("% of parks", lambda v: f"{v * 100:.1f}"),
    "1/yr": ("%/yr", lambda v: f"{v * 100:.1f}"),
    "count": ("count", lambda v: f"{v:g}"),
}
# a value in words, after its number as shown (`amount`)
AMOUNTS = {"亿元": "亿元", "share": "%", "share of parks": "% of parks", "1/yr": "% a year", "count": ""}
# the settings the header says otherwise (or that change no result), left out of its overrides
SAID = ("scenario", "seed", "replications", "uncertainty", "progress")


def _margin(margin: float | None, exactly: str, say) -> str:
    """A margin as text: '–' if none, `exactly` if it rounds to 0, else `say(short, size)`
    with its size as a percentage (one decimal below 1%)."""
    if margin is None:
        return "–"
    if abs(margin) < 5e-4:
        return exactly
    return say(margin < 0, f"{abs(margin):.{1 if abs(margin) < 0.01 else 0}%}")


def margin_words(margin: float | None) -> str:
    """'short by 27%', 'over by 15%', 'met exactly'."""
    return _margin(margin, "met exactly", lambda short, size: f"{'short' if short else 'over'} by {size}")


def margin_cell(margin: float | None) -> str:
    """The median margin in the table: '-27%', '+79%', '0%' (`margin_words` in a signed number)."""
    return _margin(margin, "0%", lambda short, size: ("-" if short else "+") + size)


def width(text: str) -> int:
    """Terminal columns of `text`: wide and full-width characters (CJK) take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, n: int, right: bool = False) -> str:
    fill = " " * max(0, n - width(text))
    return fill + text if right else text + fill


def wrap(text: str, n: int = WIDTH, indent: str = "", subsequent: str = "  ") -> list[str]:
    """`text` broken at spaces into lines of at most `n` display columns (a word longer than
    a line keeps its own line), the first line after `indent`, the others after `subsequent`."""
    lines: list[str] = []
    for word in text.split():
        if lines and width(lines[-1]) + 1 + width(word) <= n:
            lines[-1] += " " + word
        else:
            lines.append((subsequent if lines else indent) + word)
    return lines


def unit_of(unit: str) -> str:
    return UNITS.get(unit, (unit, None))[0]


def shown(value: float, unit: str) -> str:
    """A value in the unit as shown ('21,162' 亿元/yr, '52.4' %, '3' count)."""
    fmt = UNITS.get(unit, (unit, lambda v: f"{v:.3g}"))[1]
    return fmt(float(value))


def amount(value: float, unit: str) -> str:
    """A value with its unit in words, its number as the table shows it: '21,943亿元',
    '53.9%', '17.9% a year', '31.2% of parks', '4'."""
    if unit not in AMOUNTS:
        return f"{shown(value, unit)} {unit}"
    return shown(value, unit) + AMOUNTS[unit]


def p_cell(t: dict) -> str:
    """P(met) and its 95% interval, one format for every cell: '0.25 [0.05, 0.70]'."""
    lo, hi = t["ci95"]
    return f"{t['met_fraction']:.2f} [{lo:.2f}, {hi:.2f}]"


def median(values) -> float:
    """The median across replications (numpy's: the mean of the two middle values for an even count)."""
    return float(np.median(np.asarray(values, dtype=float)))


CLUSTER_SIZE = re.compile(r">= ?(\d[\d,.]*)亿")  # the cluster targets' size in their description (sim.runs.targets)


def percent(share: float) -> str:
    return f"{share * 100:.4g}%"


def asked(t: dict) -> str:
    """What the plan asks of target `t` (an entry of targets.json), in plain words with its
    threshold: 'Parks' output of 30,000亿元 a year', '3 clusters above 1,000亿 (千亿级)'. Its
    definition and the reading of the plan's words are in t["description"] and t["reading"]."""
    name, th, description = t["name"], float(t["threshold"]), str(t.get("description") or t["name"])
    every = th >= 1.0 - 1e-12
    if name in ("clusters_1000yi", "clusters_10000yi"):
        size = CLUSTER_SIZE.search(description)
        if size is None:
            return f"{th:g} {description}"
        grade = "千亿级" if name == "clusters_1000yi" else "万亿级"
        return f"{th:g} clusters above {float(size[1].replace(',', '')):,.0f}亿 ({grade})"
    words = {
        "parks_output": f"Parks' output of {th:,.0f}亿元 a year",
        "leading_share": f"Leading industries' share of {percent(th)}",
        "fai_growth": f"Investment (FAI) growing {percent(th)} a year",
        "leading_share_gain": "Leading share up in every park" if every else f"Leading share up in {percent(th)} of parks",
        "st_coverage": "S&T platform in every park" if every else f"S&T platform in {percent(th)} of parks",
    }
    return words.get(name, f"{description}: at least {amount(th, t['unit'])}")


def verdict_line(t: dict) -> str:
    """One target's verdict: 'Investment (FAI) growing 10% a year: met with probability 0.94
    [0.84, 0.98], median 25.6% a year' (the numbers as the table shows them)."""
    return f"{asked(t)}: met with probability {p_cell(t)}, median {amount(median(t['values']), t['unit'])}"


def verdict_lines(targets: list[dict]) -> list[str]:
    """One line per target of a run (targets.json's `targets`, or `targets_seeds`): what the
    plan asks and the answer, P(met) [95% Wilson interval] and the median value."""
    return [verdict_line(t) for t in targets]


def _span(values: list[str]) -> str:
    return values[0] if values[0] == values[-1] else f"{values[0]} to {values[-1]}"


def sweep_verdict_lines(jobs: list[tuple[str, list[dict]]]) -> list[str]:
    """`verdict_lines` across the jobs of a sweep, (label, targets) each: per target, the
    lowest and the highest P(met) and the jobs that give them, and the range of the medians;
    a target asked differently in some jobs (a sweep over its threshold) a line per ask."""
    groups: dict[tuple[str, str], list[tuple[str, dict]]] = {}
    for label, targets in jobs:
        for t in targets:
            groups.setdefault((t["name"], asked(t)), []).append((label, t))
    names = list(dict.fromkeys(name for name, _ in groups))  # a target's asks together, in the targets' order
    lines = []
    for (_, ask), entries in sorted(groups.items(), key=lambda g: names.index(g[0][0])):
        if len(entries) == 1:
            label, t = entries[0]
            lines.append(verdict_line(t) + (f" ({label})" if len(jobs) > 1 else ""))
            continue
        medians = [amount(m, entries[0][1]["unit"]) for m in sorted(median(t["values"]) for _, t in entries)]
        low = min(entries, key=lambda e: e[1]["met_fraction"])  # the first job of a tie
        high = max(entries, key=lambda e: e[1]["met_fraction"])
        if p_cell(low[1]) == p_cell(high[1]):
            p = f"{p_cell(low[1])} in all {len(entries)} jobs"
        else:
            def which(cell: str, label: str) -> str:
                ties = sum(p_cell(t) == cell for _, t in entries) - 1
                return f"{cell} ({label}{f', and {ties} more' if ties else ''})"
            p = f"{which(p_cell(low[1]), low[0])} to {which(p_cell(high[1]), high[0])}"
        lines.append(f"{ask}: met with probability {p}; median {_span(medians)}")
    return lines


def overridden(overrides: list[str]) -> list[str]:
    """The settings of a command line that the header names: its overrides but those of
    Hydra (hydra.*, hydra/...) and those it says otherwise (scenario, seed, replications,
    uncertainty) or that change no result (progress)."""
    out = []
    for o in overrides:
        key = o.split("=", 1)[0].lstrip("+~")
        if key in SAID or key == "hydra" or key.startswith(("hydra.", "hydra/")):
            continue
        out.append(o)
    return out


def header(result: dict, overrides: list[str] | None = None) -> str:
    """'scenario baseline, with policy.fund_yi_per_year=20: 4 replications from seed 0,
    uncertainty=posterior': the scenario and the settings given beside it (`overridden`)."""
    n = result["replications"]
    given = overridden(list(overrides or []))
    return (f"scenario {result['scenario']}{', with ' + ', '.join(given) if given else ''}: {n} replication{'s' if n != 1 else ''} "
            f"from seed {result['seed']}, uncertainty={result['uncertainty']}")


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
                     "parameters (one particle a replication, by weight; the other parameters from their priors, the park data from their ranges)")
    if result.get("held"):
        values = ", ".join(f"{k} = {v:g}" for k, v in result["held"].items())
        lines.append(f"held at their values in every replication (set explicitly, or fixed_parameters): {values}")
    return lines


def uncertainty_lines(result: dict) -> list[str]:
    """`uncertainty_words` wrapped for the terminal."""
    return [w for line in uncertainty_words(result) for w in wrap(line)]


def table_lines(result: dict) -> list[str]:
    """The table: a row per target, its columns padded by display width."""
    both = "targets_seeds" in result
    seeds = {t["name"]: t for t in result.get("targets_seeds", [])}
    heads = ["target", "unit", "median", "threshold", "margin", "P(met)", *(["seeds only"] if both else [])]
    rows = []
    for t in result["targets"]:
        cells = [p_cell(t)] + ([p_cell(seeds[t["name"]]) if t["name"] in seeds else ""] if both else [])
        rows.append([t["name"], unit_of(t["unit"]), shown(median(t["values"]), t["unit"]), shown(t["threshold"], t["unit"]),
                     margin_cell(t.get("median_margin")), *cells])
    widths = [max(width(r[k]) for r in [heads, *rows]) for k in range(len(heads))]
    right = {2, 3, 4}  # numbers

    def line(cells: list[str]) -> str:
        return "  ".join(pad(c, widths[k], k in right) for k, c in enumerate(cells)).rstrip()

    return [line(heads), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def format_table(result: dict, out_dir: Path | None = None, overrides: list[str] | None = None) -> str:
    """What `python run.py` prints of `result` (targets.json content): the header (with the
    command line's `overrides`, if given), the verdict lines and the cost, the table, then
    the details; with `out_dir`, where the files are."""
    n, year = result["replications"], result["target_year"]
    both = "targets_seeds" in result
    mode = result.get("uncertainty", "parameters")
    lines = [*wrap(header(result, overrides)),
             f"The plan's targets for {year}, with the probability that they are met [95% interval] and the median:",
             *(w for v in verdict_lines(result["targets"]) for w in wrap(v, indent="  ", subsequent="    "))]
    if "cost" in result:
        lines += wrap(cost_line(result["cost"]))
    lines += ["", *table_lines(result), ""]
    lines += wrap(
        f"median: across the {n} replications, in the target's unit; margin: median of value / threshold - 1; "
        "P(met) [95% Wilson interval]: the share of replications that meet the target"
        + (f", each at its own parameter draw ({mode}: "
           + ("a particle of the posterior" if mode == "posterior" else "from the priors")
           + ") and seeds; seeds only: the same replications at the configured parameters" if both else ""), subsequent="")
    lines += uncertainty_lines(result)
    lines.append(f"targets ({year}; reading: ODD 8.3):")
    for t in result["targets"]:
        text = f"{t['name']} ({unit_of(t['unit'])}, {year}): {t['description']}"
        if t.get("reading"):
            text += f" [reading: {t['reading']}]"
        lines += wrap(text, indent="  ", subsequent="      ")
    if result["targets"] and "year_met" in result["targets"][0]:
        lines.append(f"year first met by {result['horizon_year']} (median over the replications that met it):")
        for t in result["targets"]:
            hit = [y for y in t["year_met"] if y is not None]
            lines.append(f"  {t['name']}: " + (f"{median(hit):g} in {len(hit)} of {n}" if hit else f"not by {result['horizon_year']}"))
    if out_dir is not None:
        lines += wrap(f"results: {out_dir}/ (targets.json, timeseries.parquet, parameters.parquet)")
    return "\n".join(lines)

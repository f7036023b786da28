"""The report's "What it would take" section: what each job's policy costs the city (the
summary's cost columns, sim/rules/costs.py), the cheapest policy that meets the targets (a
search.json written there by `python -m experiments.search --out DIR`) and the conditions
under which the targets are missed (a discover.json of `python -m experiments.discover DIR`).
Also the search's own page, search_report(DIR). The words are built here, from the JSON
files, so the sweep report needs nothing from experiments/."""

from __future__ import annotations

import json
from pathlib import Path

from sim.config.schema import ConfigError
from sim.runs.results import atomic_write
from sim.sweep import figures
from sim.runs.table import shown, unit_of
from sim.sweep.report_html import CSS, E, figure_html, font_face, job_header, note, render, safe, table, yi

TITLE = "What it would take"
LEVER_COSTS = ("factory_space", "land_renovation", "talent", "fund", "attraction")


WRITERS = {"search.json": "python -m experiments.search --out DIR", "discover.json": "python -m experiments.discover DIR"}


def read_inputs(directory: Path) -> tuple[dict | None, dict | None]:
    """DIR/search.json and DIR/discover.json (None where there is none), each checked by
    reading it as the section does: a file that is not JSON, or lacks or mistypes what the
    section reads, raises ConfigError naming it (one line), before the report draws
    anything, rather than being skipped or failing halfway."""
    out = []
    for name, check in (("search.json", _check_search), ("discover.json", discover_lines)):
        path = Path(directory) / name
        if not path.exists():
            out.append(None)
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            check(data)
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
            raise ConfigError(f"{path} cannot be read ({type(e).__name__}: {e}); allowed: the {name} that {WRITERS[name]} writes, or "
                              f"none: write it again or remove it") from None
        out.append(data)
    return out[0], out[1]


def _check_search(s: dict) -> None:
    """What the section and the frontier figure read of a search.json, read once."""
    search_lines(s)
    by = {r["trial"]: r for r in s["candidates"]}
    numbers = [s["p"], *(x for r in s["candidates"] for x in (r["p_met"], r["cost_yi"], r["ci95"][0], r["ci95"][1]))]
    if s.get("recommended"):
        numbers.append(s["recommended"]["fresh"]["p_met"])
    for x in numbers:
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise TypeError(f"{x!r} where a number belongs")
    for i in s["frontier"]:
        if i not in by:
            raise KeyError(f"frontier candidate {i!r}")
    chosen = s.get("recommended") or s["best"]
    for k, v in chosen["levers"].items():
        lever_value(v), searched(s["levers"][k])
    str(chosen["trial"])


def lever_value(value) -> str:
    return value if isinstance(value, str) else f"{value:,.3g}"


def searched(values: list) -> str:
    """A numeric lever's range 'lo – hi', a choice's options 'a | b | c'."""
    return " | ".join(values) if isinstance(values[0], str) else " – ".join(lever_value(x) for x in values)


def value_text(t: dict) -> str:
    """A target's median against its threshold, in its unit as the terminal table shows it."""
    return f"{shown(t['median'], t['unit'])} against {shown(t['threshold'], t['unit'])} {unit_of(t['unit'])}"


def p_text(p: float, ci: list[float], n: int) -> str:
    return f"{p:.2f} [{ci[0]:.2f}, {ci[1]:.2f}] over {n} replications"


def search_lines(s: dict) -> list[str]:
    """The search in plain sentences (the terminal and the report)."""
    targets, p = " and ".join(s["targets"]), s["p"]
    lines = [f"Cheapest policy with P({targets} met) >= {p:g}, public cost {s['period'][0]}-{s['period'][1]} in 亿元: "
             f"{len(s['candidates'])} candidates over {len(s['levers'])} levers' plausible ranges, {s['replications']} replications "
             f"({s['n0']} to {s['n_max']} a candidate, common random numbers), uncertainty={s['uncertainty']}, firms_scale={s['firms_scale']:g}, "
             f"scenario {s['scenario']}."]
    for c, what in zip(s["candidates"][:2], ("The scenario's own policy", "Every numeric lever at the top of its range")):
        each = "; ".join(f"{t} {x['p_met']:.2f} (median {value_text(x)})" for t, x in c["targets"].items())
        lines.append(f"{what}: P(met) {p_text(c['p_met'], c['ci95'], c['n'])}, cost {c['cost_yi']:,.0f}亿元; each target: {each}.")
    rec = s.get("recommended")
    if rec:
        f = rec["fresh"]
        lines.append(f"Recommended (candidate {rec['trial']}): cost {rec['cost_yi']:,.0f}亿元 ("
                     + ", ".join(f"{k.replace('_', ' ')} {v:,.0f}" for k, v in rec["cost_by_lever_yi"].items()) + "); "
                     f"P(met) {p_text(rec['search']['p_met'], rec['search']['ci95'], rec['search']['n'])} in the search, "
                     f"{f['p_met']:.2f} [{f['ci95'][0]:.2f}, {f['ci95'][1]:.2f}] on {f['n']} fresh replications.")
        lines.append("Levers: " + ", ".join(f"{k} = {lever_value(v)}" for k, v in rec["levers"].items()) + ".")
        return lines
    b = s["best"]
    failed = s.get("fresh_checks", [])
    if failed:
        lines.append(f"No recommendation: the {len(failed)} candidate(s) tried that reached p in the search fell below it on "
                     f"{s['fresh']} fresh replications (" + ", ".join(f"candidate {c['trial']}: {c['p_met']:.2f}" for c in failed)
                     + f"); P(met) near p is not decided by {s['n_max']} replications (a larger --n-max, or a lower --p).")
    else:
        lines.append(f"No candidate within the levers' ranges reaches p = {p:g}.")
    lines.append(f"The highest P(met) found: {p_text(b['p_met'], b['ci95'], b['n'])} (candidate {b['trial']}, cost {b['cost_yi']:,.0f}亿元).")
    binding = "; ".join(f"{t} (P(met) {b['targets'][t]['p_met']:.2f} there, at most {s['best']['highest_p_met_by_target'][t]:.2f} in any "
                        f"candidate; median {value_text(b['targets'][t])})" for t in b["binding"])
    if b["p_met"] >= p:
        return lines
    lines.append(f"What binds: {binding or 'no single target: each is met often enough, not all together'}.")
    if b["levers_at_range_end"]:
        lines.append("Levers at the end of their range there: " + ", ".join(f"{k} at its {v} ({lever_value(b['levers'][k])})" for k, v in b["levers_at_range_end"].items()) + ".")
    return lines


def discover_lines(d: dict) -> list[str]:
    """Scenario discovery's boxes in words, per target."""
    lines = [f"PRIM on {d['runs']} runs ({d['kind']} {d['source']}; {d['draws']} distinct parameter draws) over {len(d['dimensions'])} dimensions:"]
    for t in d["targets"]:
        head = f"{t['name']}: {d['outcome']} in {100 * t['fraction']:.0f}% of the runs"
        lines.append(head + (f"; {t['note']}." if t["note"] else ":"))
        lines += [f"  {b['words']}." for b in t["boxes"]]
    return lines


def _cost_table(jobs) -> str:
    rows = []
    for j in jobs:
        r = j.row if j.complete else {}
        if r.get("cost_yi") is None:
            continue
        rows.append([f"<td>{job_header(j)}</td>", *(f'<td class="num">{yi(r.get(c))}</td>' for c in
                     ["cost_yi", "cost_lo_yi", "cost_hi_yi", *(f"cost_{k}_yi" for k in LEVER_COSTS)])])
    if not rows:
        return note("No job recorded a cost (results made before the cost model).")
    return table(["job", "cost (median)", "low", "high", *(k.replace("_", " ") for k in LEVER_COSTS)], rows, raw=True)


def body(directory: Path, figures_dir: Path, jobs=None, inputs: tuple[dict | None, dict | None] | None = None) -> list[str]:
    """The section's HTML parts for `directory` (a sweep's, or a search's output);
    `inputs`: read_inputs(directory), if already read."""
    parts = []
    if jobs is not None:
        parts += [f"<p>{E('Public cost of each job’s policy over the plan period, 亿元: median over the replications, and at the low and high ends of the unit costs’ plausible ranges (costs.*, docs/ODD.md 7.16).')}</p>",
                  _cost_table(jobs)]
    search, found = read_inputs(directory) if inputs is None else inputs
    if search:
        parts += [f"<h3>{E('The cheapest policy that meets the targets')}</h3>", *(f"<p>{E(t)}</p>" for t in search_lines(search))]
        png = figures.frontier(search, figures_dir)
        parts.append(figure_html(png, "frontier", "cost against probability of the candidates", "Public cost against P(targets met) of every candidate policy, with the Pareto front."))
        chosen = search.get("recommended") or search["best"]
        what = "the recommended policy" if search.get("recommended") else "the candidate with the highest P(met)"
        parts += [f"<p>{E(f'The levers of {what} (candidate {chosen['trial']}):')}</p>",
                  table(["lever", "value", "searched over"], [[k, lever_value(v), searched(search["levers"][k])] for k, v in chosen["levers"].items()])]
    if found:
        head, *rest = discover_lines(found)
        items = []  # a target's line, then its boxes (indented lines) as a nested list
        for line in rest:
            if line.startswith("  "):
                items[-1][1].append(line.strip())
            else:
                items.append((line, []))
        parts += [f"<h3>{E('When the targets are missed anyway (PRIM)')}</h3>", f"<p>{E(head)}</p>",
                  "<ul>" + "".join(f"<li>{E(t)}" + ("<ul>" + "".join(f"<li>{E(b)}</li>" for b in boxes) + "</ul>" if boxes else "") + "</li>"
                                   for t, boxes in items) + "</ul>"]
    if not search and not found:
        parts.append(note(f"To fill this section: python -m experiments.search ... --out {directory.name}, "
                          f"and python -m experiments.discover {directory.name} (runs with uncertainty=parameters or posterior)."))
    return parts


def search_report(directory: Path) -> Path:
    """DIR/report.html for a search's output directory: this section alone."""
    directory = Path(directory)
    html = "\n".join(body(directory, directory / "figures", inputs=read_inputs(directory)))
    page = render("page.html.j2", title=f"{TITLE}: {directory.resolve().name}", body=safe(html), css=safe(CSS), font_face=safe(font_face()))
    out = directory / "report.html"
    data = page.encode("utf-8")
    atomic_write(out, lambda p: p.write_bytes(data))
    return out

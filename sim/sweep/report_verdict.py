"""The sweep report's first section: what the plan asks and the sweep's answer, one line per
target (sim.runs.table.sweep_verdict_lines: the lowest and the highest P(met) across the jobs
and where), and what the policies cost."""

from __future__ import annotations

from sim.runs.table import sweep_verdict_lines
from sim.sweep.report_html import E, note


def cost_words(jobs) -> str | None:
    """The public cost over the plan period across the complete jobs: 'Public cost 2023-2025
    (median over the replications): 853亿元 (a) to 1,011亿元 (b)'; None if no job recorded one."""
    costs = [(j.row["cost_yi"], j) for j in jobs if j.complete and j.row.get("cost_yi") is not None]
    if not costs:
        return None
    period = next((j.targets["cost"]["period"] for _, j in costs if j.targets and "cost" in j.targets), None)
    when = f" {period[0]}-{period[1]}" if period else ""
    low, high = min(costs, key=lambda c: c[0]), max(costs, key=lambda c: c[0])
    if len(costs) == 1 or f"{low[0]:,.0f}" == f"{high[0]:,.0f}":
        span = f"{low[0]:,.0f}亿元" + (f" in all {len(costs)} jobs" if len(costs) > 1 else "")
    else:
        span = f"{low[0]:,.0f}亿元 ({low[1].label}) to {high[0]:,.0f}亿元 ({high[1].label})"
    return f"Public cost{when} (median over the replications): {span}"


def verdict_section(jobs, section) -> str:
    """The verdict lines of the complete jobs, then the cost; `section(key, body)` wraps them."""
    done = [j for j in jobs if j.complete and j.targets]
    if not done:
        return section("verdict", [note("No job completed: no answer to give.")])
    first = done[0].targets
    reps = sorted({int(j.targets["replications"]) for j in done})
    modes = sorted({str(j.targets.get("uncertainty", "seeds")) for j in done})
    where = f"across the {len(done)} complete jobs" if len(done) > 1 else f"in the job ({done[0].label})" if done[0].label else ""
    text = (f"The plan's targets for {first['target_year']}, {where}: the probability that each is met, with its 95% Wilson "
            f"interval, over {' or '.join(map(str, reps))} replication{'s' if reps[-1] != 1 else ''} a job (uncertainty={', '.join(modes)}), "
            + ("the lowest and the highest and the jobs that give them, and the range of the medians." if len(done) > 1
               else "and the median value."))
    lines = sweep_verdict_lines([(j.label, j.targets["targets"]) for j in done])
    body = [f"<p>{E(text)}</p>", '<ul class="verdict">' + "".join(f"<li>{E(line)}</li>" for line in lines) + "</ul>"]
    cost = cost_words(jobs)
    if cost:
        body.append(f'<p>{E(cost)}; by lever, and at the ends of the unit costs\' ranges, in <a href="#whatittakes">What it would take</a>.</p>')
    return section("verdict", body)

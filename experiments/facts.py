"""Stylized facts of firm dynamics at the end of a run (end-2025 in the baseline).

    python -m experiments.facts                       # firms_scale 1.0, seeds 0-4
    python -m experiments.facts --quick               # firms_scale 0.1, seeds 0-1
    python -m experiments.facts --scale 0.5 --seeds 0 1 2 --out docs/validation/facts.json
    python -m experiments.facts -o scenario=no_policy  # any config override, repeatable

Runs one replication (replication 0) of the composed config per seed, steps it month by
month and keeps what the facts need (the model records aggregates only): per-firm output
12 months before the end and at the end, and every mover's size and age at the step it
moves. The facts are pure functions of those arrays; each names its estimator and the
published value (sources: Axtell 2001; Stanley et al. 1996; Bottazzi & Secchi 2002, 2005;
Amaral et al. 1997; Ellison & Glaeser 1997; de Bok & van Oort 2011; Kronenberg 2013).
Prints a markdown section for docs/VALIDATION.md; --out also writes the numbers as JSON.

Firm slots are never reused (sim/model/firms.py: `add` appends, exits only clear `alive`), so a
slot alive at both snapshots is the same firm throughout.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy import stats

from sim.runs.cli import compose
from sim.config.schema import ECOSYSTEMS, SECTORS
from sim import Model
from sim.rules.population import zipf_exponent
from sim.runs.results import write_json

from experiments import MODEL, markdown_table

# ----------------------------------------------------------------------------- the facts


def zipf(sizes: np.ndarray) -> float:
    """Zipf exponent of the firm-size tail: Hill estimator on the largest 10% of sizes
    (`sim.rules.population.zipf_exponent(sizes, tail_share=0.1)`, as the t = 0 calibration test).
    Published: about 1 (1.06 for US firms; Axtell, Science 293, 2001; about 1 for the top
    Chinese firms, Heinrich & Dai 2016)."""
    return zipf_exponent(np.asarray(sizes, dtype=float), tail_share=0.1)


def growth_shape(g: np.ndarray) -> dict:
    """Shape of the yearly log growth rates g = ln(y_T / y_T-12) of incumbents: Fisher
    (excess) kurtosis (`scipy.stats.kurtosis`), and total log-likelihoods of a Laplace and
    a Normal fitted by maximum likelihood (`scipy.stats.laplace.fit`, `norm.fit`).
    Published: tent-shaped (Laplace), not Gaussian (Stanley et al., Nature 379, 1996;
    Bottazzi & Secchi, LEM WP 2002-20 and 2005-16, for Chinese firms too)."""
    g = np.asarray(g, dtype=float)
    ll_laplace = float(stats.laplace.logpdf(g, *stats.laplace.fit(g)).sum())
    ll_normal = float(stats.norm.logpdf(g, *stats.norm.fit(g)).sum())
    return {
        "excess_kurtosis": float(stats.kurtosis(g, fisher=True)),
        "loglik_laplace_minus_normal_per_firm": (ll_laplace - ll_normal) / g.size,
    }


def standardized_by_size(start_size: np.ndarray, g: np.ndarray, bins: int = 10) -> np.ndarray:
    """g minus its mean, over its std, within `bins` equal-count bins of start size: the
    growth rates conditional on size, rescaled as in Stanley et al. (Nature 379, 1996), whose
    conditional densities collapse on one tent. Pooled over sizes, growth rates are fat-tailed
    even with Gaussian shocks, because small firms are more volatile (a scale mixture)."""
    z = np.empty(g.size)
    for k in np.array_split(np.argsort(start_size, kind="stable"), bins):
        z[k] = (g[k] - g[k].mean()) / g[k].std(ddof=1)
    return z


def size_variance_beta(start_size: np.ndarray, g: np.ndarray, bins: int = 10) -> float:
    """Size-variance scaling exponent beta in std(g | S) ~ S^-beta: incumbents sorted by
    start size into `bins` equal-count bins; OLS of ln(std of g in bin) on ln(mean start size
    in bin); beta = -slope. Published: 0.20 +- 0.03 for sales, 0.18 +- 0.03 for employees
    (Amaral et al., Physica A 244, 1997)."""
    order = np.argsort(start_size, kind="stable")
    groups = np.array_split(order, bins)
    x = np.log([np.mean(start_size[k]) for k in groups])
    y = np.log([np.std(g[k], ddof=1) for k in groups])
    return float(-np.polyfit(x, y, 1)[0])


def ellison_glaeser(weight: np.ndarray, location: np.ndarray, industry: np.ndarray, n_loc: int, n_ind: int, h_factor: float = 1.0) -> dict:
    """Ellison-Glaeser index of each industry over `n_loc` locations (Ellison & Glaeser,
    JPE 105(5), 1997; published: positive for almost all industries; 0.02 / 0.05 are the
    "slightly" / "highly" localized cutoffs).

    gamma = (G / (1 - sum x_i^2) - H) / (1 - H), G = sum_i (s_i - x_i)^2; s_i = the industry's
    share of its `weight` (output or employment) in location i, x_i = location i's share of
    all weight (all industries), H = Herfindahl of the industry's firm shares of weight.
    `h_factor` multiplies H (1: the simulated firms are the plants; see `facts_of_run`).
    Returns gamma, G, H and x (arrays by industry, x by location).
    """
    cells = np.bincount(location * n_ind + industry, weights=weight, minlength=n_loc * n_ind).reshape(n_loc, n_ind)
    x = cells.sum(1) / cells.sum()
    s = cells / cells.sum(0)
    G = ((s - x[:, None]) ** 2).sum(0)
    total = np.bincount(industry, weights=weight, minlength=n_ind)
    H = h_factor * np.bincount(industry, weights=(weight / total[industry]) ** 2, minlength=n_ind)
    gamma = (G / (1.0 - np.sum(x**2)) - H) / (1.0 - H)
    return {"gamma": gamma, "G": G, "H": H, "x": x}


def movers_vs_stayers(value: np.ndarray, step: np.ndarray, moved: np.ndarray) -> float:
    """Mean over movers of (value - mean value of the live non-moving firms of the same
    step), from pooled firm-months (value before the step, the step, moved in it). Negative
    = movers smaller / younger. Published: mostly small and young firms move (de Bok & van
    Oort, JTLU 4(1), 2011; Kronenberg 2013)."""
    n = int(step.max()) + 1
    stay_sum = np.bincount(step[~moved], weights=value[~moved], minlength=n)
    stay_mean = stay_sum / np.maximum(np.bincount(step[~moved], minlength=n), 1)
    return float(np.mean(value[moved] - stay_mean[step[moved]]))


# ----------------------------------------------------------------------------- one run


def simulate(cfg, replication: int = 0) -> dict:
    """Run the model to its horizon and return the per-firm arrays the facts need.

    Movers are compared with stayers over the whole run (2023-25 in the baseline), not the
    last year alone: moves are rare (about 3% of firms a year, some 300 a year at
    firms_scale 0.1), and each mover is compared with the firms of its own month, so the
    changing population over the run does not bias the contrast."""
    m = Model(cfg, replication=replication)
    f = m.firms

    def snapshot() -> dict:
        return {"alive": f.alive[: f.n].copy(), "output": f.output_yi[: f.n].copy()}

    first = snapshot()  # the end-2022 firms: net entry over the whole run
    start = first if m.n_steps == 12 else None
    logy, age, step, moved = [], [], [], []
    while m.running:
        live = f.live().copy()
        y0, a0, k0 = f.output_yi[live].copy(), f.age_months[live].copy(), f.moves[live].copy()
        m.step()
        logy.append(np.log(y0))
        age.append(a0 / 12.0)
        step.append(np.full(live.size, m.steps, dtype=np.int32))
        moved.append(f.moves[live] > k0)
        if m.steps == m.n_steps - 12:
            start = snapshot()
    end = snapshot()
    n0 = start["alive"].size
    return {
        "weight": m.weight,
        "n_loc": m.locations.n,
        "first_alive": first["alive"],
        "first_output": first["output"],
        "start_alive": start["alive"],
        "start_output": start["output"],
        "end_alive": end["alive"],
        "end_output": end["output"],
        "incumbent": start["alive"] & end["alive"][:n0],
        "above_scale": f.above_scale[: f.n].copy(),
        "sector": f.sector[: f.n].copy(),
        "location": f.location[: f.n].astype(np.intp),
        "employees": f.employees[: f.n].copy(),
        "pre_logy": np.concatenate(logy),
        "pre_age": np.concatenate(age),
        "step": np.concatenate(step),
        "moved": np.concatenate(moved),
    }


def net_entry_share(first_alive: np.ndarray, first_output: np.ndarray, end_alive: np.ndarray, end_output: np.ndarray) -> float:
    """Net entry's share of the change of total output over a run (the entry and exit terms
    of a Foster-Haltiwanger-Krizan decomposition, in output): the output at the end of the
    firms born during the run, less the output at the start of the firms that exited, over
    the change of the total. Slots are stable (a firm keeps its row), so a row beyond the
    first snapshot, or dead at the start, is an entrant."""
    n0 = first_alive.size
    entrant = end_alive.copy()
    entrant[:n0] &= ~first_alive
    exited = first_alive & ~end_alive[:n0]
    change = end_output[end_alive].sum() - first_output[first_alive].sum()
    return float((end_output[entrant].sum() - first_output[exited].sum()) / change)


def facts_of_run(r: dict) -> dict:
    """Every fact of one run (a dict of plain floats)."""
    n0 = r["start_alive"].size
    inc = np.flatnonzero(r["incumbent"])
    y0, y1 = r["start_output"][inc], r["end_output"][:n0][inc]
    g = np.log(y1 / y0)
    live = np.flatnonzero(r["end_alive"])
    above = live[r["above_scale"][live]]
    out = {
        "zipf_alpha": zipf(r["end_output"][above]),
        "n_above_scale": int(above.size),
        "n_incumbents": int(g.size),
        **growth_shape(g),
        **{f"{k}_within_size": v for k, v in growth_shape(standardized_by_size(y0, g)).items()},
        "size_variance_beta": size_variance_beta(y0, g),
        "movers": int(r["moved"].sum()),
        "movers_minus_stayers_log_output": movers_vs_stayers(r["pre_logy"], r["step"], r["moved"]),
        "movers_minus_stayers_age_years": movers_vs_stayers(r["pre_age"], r["step"], r["moved"]),
        "net_entry_share": net_entry_share(r["first_alive"], r["first_output"], r["end_alive"], r["end_output"]),
    }
    # Ellison-Glaeser over all live firms (below-scale included: EG count every plant).
    # The simulated firms are the plants. A simulated firm stands for w = 1/firms_scale
    # identical real firms at one location that move together: counted as w plants,
    # H_real = H_sim / w = H_sim * firms_scale exactly, but then the clones' common location
    # counts as co-location and gamma is biased up by about H_sim - H_real (at firms_scale 0.1
    # it turns every measured gamma positive). Locations are drawn per simulated firm, so the
    # dartboard null of the index is the one with H_sim. Employment is output times the
    # month's workers per 亿 for every firm (ODD 7.7), so the two versions agree.
    loc, sec, n_loc = r["location"][live], r["sector"][live].astype(np.intp), r["n_loc"]
    for name, w in (("output", r["end_output"][live]), ("employment", r["employees"][live])):
        eg = ellison_glaeser(w, loc, sec, n_loc, len(SECTORS))
        for k, s in enumerate(ECOSYSTEMS):
            out[f"eg_{name}_{s}"] = float(eg["gamma"][k])
            if name == "output":
                out[f"eg_G_{s}"], out[f"eg_H_{s}"] = float(eg["G"][k]), float(eg["H"][k])
    return out


# ----------------------------------------------------------------------------- the table

# key -> (fact, estimator, published, test on one seed's value, range used as text)
FACTS = {
    "zipf_alpha": ("Zipf exponent of above-scale firm output", "Hill, top 10% (sim.rules.population.zipf_exponent)",
                   "about 1 (1.06, Axtell 2001)", lambda v: 0.8 <= v <= 1.3, "0.8-1.3"),
    "excess_kurtosis": ("yearly log growth rates are fat-tailed", "Fisher excess kurtosis of ln(y_T/y_T-12), incumbents",
                        "tent-shaped, kurtosis > 0 (Stanley et al. 1996)", lambda v: v > 1.0, "> 1"),
    "loglik_laplace_minus_normal_per_firm": ("growth rates: Laplace beats Normal", "MLE log-likelihood, Laplace minus Normal, per firm",
                                             "Laplace (Stanley et al. 1996; Bottazzi & Secchi 2002, 2005)", lambda v: v > 0.0, "> 0"),
    "excess_kurtosis_within_size": ("growth rates fat-tailed at given size", "as above, g standardized within 10 equal-count bins of start size",
                                    "Laplace: 3 (Stanley et al. 1996)", lambda v: v > 1.0, "> 1"),
    "loglik_laplace_minus_normal_per_firm_within_size": ("growth rates: Laplace beats Normal at given size", "as above, g standardized within 10 equal-count bins of start size",
                                                         "Laplace (Stanley et al. 1996)", lambda v: v > 0.0, "> 0"),
    "size_variance_beta": ("size-variance scaling std(g) ~ S^-beta", "OLS of ln std(g) on ln mean size, 10 equal-count bins of start size",
                           "0.20 +- 0.03 (Amaral et al. 1997)", lambda v: 0.1 <= v <= 0.35, "0.10-0.35"),
    **{
        f"eg_output_{s}": (f"geographic concentration: {s}", "Ellison-Glaeser gamma over 17 locations, output of all live firms",
                           "> 0 for almost all industries (Ellison & Glaeser 1997)", lambda v: v > 0.0, "> 0")
        for s in ECOSYSTEMS
    },
    "movers_minus_stayers_log_output": ("movers are smaller", "mean ln output of movers minus stayers of the same month, 2023-25",
                                        "< 0 (de Bok & van Oort 2011)", lambda v: v < 0.0, "< 0"),
    "net_entry_share": ("net entry carries output growth", "(entrants' output at the end - exiters' at the start) / change of total output, 2022 to the horizon",
                        "more than 2/3 of TFP growth, Chinese manufacturing 1998-2007 (Brandt, Van Biesebroeck & Zhang 2012); at least 0.2 asked (issue 28)",
                        lambda v: v >= 0.2, ">= 0.2"),
    "movers_minus_stayers_age_years": ("movers are younger", "mean age (years) of movers minus stayers of the same month, 2023-25",
                                       "< 0 (de Bok & van Oort 2011; Kronenberg 2013)", lambda v: v < 0.0, "< 0"),
}


def measure(cfg_overrides: list[str], seeds: list[int]) -> dict:
    """One replication per seed of the composed config; every fact per seed, its min /
    median / max over seeds, published value, range used and whether every seed is in it."""
    per_seed = []
    for seed in seeds:
        cfg = compose(*cfg_overrides, f"seed={seed}", "replications=1", "progress=false")
        per_seed.append(facts_of_run(simulate(cfg)))
    summary = {}
    for key in per_seed[0]:
        v = np.array([p[key] for p in per_seed], dtype=float)
        summary[key] = {"values": v.tolist(), "min": float(v.min()), "median": float(np.median(v)), "max": float(v.max())}
        if key in FACTS:
            fact, estimator, published, ok, rng = FACTS[key]
            passed = [bool(ok(x)) for x in v]
            summary[key].update(fact=fact, estimator=estimator, published=published, range=rng, passed=sum(passed), all_pass=all(passed))
    return {"overrides": list(cfg_overrides), "seeds": list(seeds), "facts": summary}


def render_markdown(result: dict) -> str:
    """A section for docs/VALIDATION.md: one row per fact."""
    facts, seeds = result["facts"], result["seeds"]
    lines = [
        "## Stylized facts of firm dynamics at the horizon",
        "",
        f"Config overrides: `{' '.join(result['overrides']) or '(none)'}`; one replication for each of seeds {seeds}.",
        "Measured: median over seeds (min-max). Pass: the range holds for every seed.",
        "",
        markdown_table(["fact", "estimator", "measured", "published", "range used", "pass?"], [
            [f["fact"], f["estimator"], f"{f['median']:.3g} ({f['min']:.3g} to {f['max']:.3g})", f["published"], f["range"],
             f"{'yes' if f['all_pass'] else 'no'} ({f['passed']}/{len(seeds)})"] for f in (facts[key] for key in FACTS)]),
        "",
    ]
    lines.append("Also measured: Ellison-Glaeser gamma with employment (median): "
                 + ", ".join(f"{s} {facts[f'eg_employment_{s}']['median']:.3f}" for s in ECOSYSTEMS)
                 + f"; movers per run: {facts['movers']['median']:.0f}; incumbents: {facts['n_incumbents']['median']:.0f}; "
                 f"above-scale firms at the end: {facts['n_above_scale']['median']:.0f}.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="firms_scale (default 1.0)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--out", type=Path, default=None, help="write the numbers as JSON here (e.g. docs/validation/facts.json)")
    ap.add_argument("--quick", action="store_true", help="firms_scale 0.1, seeds 0 1")
    ap.add_argument("--override", "-o", action="append", default=[], help="a further config override, e.g. -o scenario=no_policy (repeatable)")
    a = ap.parse_args(argv)
    scale, seeds = (0.1, [0, 1]) if a.quick else (a.scale, a.seeds)
    result = measure([f"firms_scale={scale}", *a.override], seeds)
    if a.out:
        write_json(a.out, {**result, "model": MODEL})
    print(render_markdown(result))


if __name__ == "__main__":
    main()

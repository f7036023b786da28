"""What the calibration writes (experiments/calibrate.py): the fitted values as the `fit`
config group (configs/fit/) and its section of docs/VALIDATION.md."""

from __future__ import annotations

import math
from pathlib import Path

from experiments import markdown_table
from sim.config.params import Params
from sim.rules.growth import DRIFT_FIELDS
from sim.runs.results import atomic_write


def write_fit(result: dict, path: Path) -> None:
    """The fitted values as a Hydra config (fit group), with their uncertainty as comments."""
    lines = [
        "# @package _global_",
        "# Fitted by `python -m experiments.calibrate` (do not edit by hand; re-run it).",
        f"# Method: {result['method']}.",
        "# Settings: " + ", ".join(f"{k}={v}" for k, v in result["settings"].items()) + ".",
        "# Each value: estimate (s.e.); prior default and range. Parameters not listed keep",
        "# their prior defaults in sim/config/schema.py; `fit=none` uses the priors for all.",
    ]
    # the s.e. is in each value's comment; uncertainty=parameters draws from the field's prior
    # (sim.config.priors), not around the fit: the fit moves the configured value only
    groups: dict[str, list[str]] = {"params": [], "calibration": []}
    for p in result["parameters"]:
        lo, hi = p["range"]
        tag = f"fitted (s.e. {p['se']:.3g}{', at the bound of its range' if p.get('at_bound') else ''}); prior {p['prior']:.4g}, range {lo:g} to {hi:g}"
        if not p["identified"]:
            lines.append(f"# {p['key']}: NOT IDENTIFIED (s.e. {p['se']:.3g} against range {lo:g} to {hi:g}): keeps its prior {p['prior']:.4g}")
            continue
        if p["key"] == "growth_shift":
            for g in DRIFT_FIELDS:
                value = getattr(Params, g) + p["estimate"]
                groups["params"].append(f"  {g}: {value:.4f}  # prior {getattr(Params, g):g} + fitted common shift {p['estimate']:+.4f} (s.e. {p['se']:.3g}); shift range {lo:g} to {hi:g}")
        else:
            group, name = p["key"].split(".")
            groups[group].append(f"  {name}: {p['estimate']:.4f}  # {tag}")
    lines.append("# Not identified by the published history, kept at their priors: " + ", ".join(u["key"] for u in result["unidentified"]))
    for group, rows in groups.items():
        if rows:
            lines += [f"{group}:", *rows]
    text = "\n".join(lines) + "\n"
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _fmt(v: float, unit: str) -> str:
    if not math.isfinite(v):
        return "–"
    return f"{v:,.0f}" if unit == "firms" or abs(v) >= 10 else f"{v:.3f}"


def render_markdown(result: dict) -> str:
    s = result["settings"]
    out = [
        "## Calibration to published history",
        "",
        f"`python -m experiments.calibrate` ({result['method']}; {s['replications']} replications at firms_scale {s['scale']}, "
        f"scenario `{s['scenario']}` as the pre-2023 regime, simulated years {s['years']}; {s['evaluations']} likelihood evaluations, "
        f"{result['seconds'] / 60:.0f} min). Negative log-likelihood: priors {result['neg_loglik']['prior']:.1f}; optimum {result['neg_loglik']['optimum']:.1f}; "
        f"the model as written (identified values fitted, the others at their priors) {result['neg_loglik']['fitted']:.1f}. "
        + ("Standard errors: inverse of the Hessian of a quadratic fitted around the optimum." if result["hessian_positive_definite"] else
           "The fitted Hessian is not positive definite: the standard errors are conditional (each parameter alone, the others at their estimates), so they understate the uncertainty."),
        "",
        markdown_table(["parameter", "prior", "range", "fitted", "s.e.", "identified"], [
            [f"`{p['key']}`", f"{p['prior']:.4g}", f"{p['range'][0]:g} to {p['range'][1]:g}",
             f"{p['estimate']:.4g}" + (" (**at the bound** of its range: the s.e. understates the uncertainty)" if p.get("at_bound") else ""),
             f"{p['se']:.2g}", "yes" if p["identified"] else "**no**: keeps its prior"] for p in result["parameters"]]),
    ]
    out += ["", "Fit per moment. Prior model: every parameter at its prior; fitted model: the model as written to configs/fit (identified values fitted, the others at their priors). "
            "z = (observed − simulated) / s.d., where the s.d. combines the published band, the spread of one simulated history and simulation error.", "",
            markdown_table(["moment", "unit", "observed", "s.d.", "prior model", "fitted model", "z prior", "z fitted"], [
                [m["label"] if m.get("fitted_on", True) else f"{m['label']} (not fitted: one park-year)", m["unit"],
                 *(_fmt(m[k], m["unit"]) for k in ("observed", "observed_sd", "prior", "fitted")), f"{m['z_prior']:+.1f}", f"{m['z']:+.1f}"]
                for m in result["moments"]])]  # fmt: skip
    out += ["", "Not identified by the published history, kept at their priors with their ranges: "
            + ", ".join(f"`{u['key']}` ({u['value']:g})" for u in result["unidentified"]) + "."]
    out += ["", "Published facts not used in the fit:", "",
            markdown_table(["fact", "observed", "model", "note"],
                           [[u["label"], _fmt(u["observed"], ""), _fmt(u["model"], ""), u["model_label"]] for u in result["unfitted"]])]
    return "\n".join(out) + "\n"

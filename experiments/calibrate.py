"""Calibrate the parameters no source gives directly to Hangzhou's published history.

    python -m experiments.calibrate            # full: writes configs/fit/hangzhou_2022.yaml
    python -m experiments.calibrate --quick    # reduced size, a few minutes; writes nothing
                                               # unless --out is given

Method: simulated quasi-likelihood. The history (configs/history_hangzhou.yaml: raw
published figures with sources) is turned into moments, each an interval read as uniform:
its centre is the observation and its half-width / sqrt(3) the measurement s.d. The model is
run from the end-2022 state under the pre-2023 regime (scenario `no_policy`: the levers of
the 2023 plan off) to 2031 with R replications (common random numbers: the same streams at
every parameter value). A historical growth rate over L years is compared with the
simulated growth of the same park over every L-year window; its variance is the measurement
variance plus the simulated variance of one window (one history is one draw) plus the
simulation error of the mean. Single park-years are compared, not fitted: the model has no
park-level shock (a big plant coming on line), so fitting them would inflate the common one. The fitted values maximise the Gaussian log-likelihood of
the observations (Nelder-Mead in normalised coordinates, bounds = prior ranges); their
standard errors come from the inverse of the numerical Hessian. A parameter whose 2-s.e.
interval is wider than its prior range is reported as not identified and keeps its prior.

Assumptions this rests on (also in docs/VALIDATION.md): the growth process of 2010-2022
is the process the model runs after 2022 (stationarity); park output in the model is at
2022 prices, so published nominal figures are deflated by China's industrial PPI; value
added grows like output.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.runs.cli import compose  # noqa: E402
from sim.config.datafiles import safe_load  # noqa: E402
from sim.config.schema import CONFIG_DIR, Config
from sim.config.params import Params  # noqa: E402
from sim.rules.growth import DRIFT_FIELDS  # noqa: E402
from sim.config.validation import validate  # noqa: E402
from sim.model.model import Model  # noqa: E402
from sim.runs.results import write_json  # noqa: E402
from sim.runs.targets import annual  # noqa: E402

from experiments.calibrate_moments import Moment, interval, observed, uniform  # noqa: E402
from experiments.calibrate_page import render_markdown, write_fit  # noqa: E402

HISTORY = CONFIG_DIR / "history_hangzhou.yaml"
FIT_FILE = CONFIG_DIR / "fit" / "hangzhou_2022.yaml"
GROWTH_KEYS = list(DRIFT_FIELDS)
FIRST_YEAR, LAST_YEAR = 2023, 2031  # simulated years whose growth windows are compared


@dataclass(frozen=True)
class Free:
    """A fitted parameter: its key, prior range (the search bounds) and what it moves."""

    key: str
    lo: float
    hi: float
    note: str


# Entry and exit parameters are not fitted: the one published moment that could identify
# them (net entry's share of growth, Brandt et al. 2012) is out of the model's reach at any
# value in their ranges (reported under `unfitted`), and the growth moments cannot separate
# them from the sector drifts. exit_rate sets the 2022 hazard from its source; the realised
# rate is an outcome, fitted against the published band (`exits`). project_rate's published
# counterpart (the key-project pipeline) mixes outside and incumbents' investment, so it is
# compared (`_unfitted`), not fitted.
UNIDENTIFIED = ("params.entry_rate", "params.exit_size_elasticity", "params.exit_decline_sensitivity", "params.entrant_max_yi", "params.project_rate")
def _prior_range(name: str) -> tuple[float, float]:
    return next(f.metadata["range"] for f in dataclasses.fields(Params) if f.name == name)


FREE = (
    Free("growth_shift", -0.03, 0.05, "common shift of the six sector drifts params.growth_*; the differences between sectors stay assumptions"),
    Free("params.macro_sd", *_prior_range("macro_sd"), "s.d. of the city-wide yearly growth shock"),
    Free("params.move_consider_rate", *_prior_range("move_consider_rate"), "yearly rate at which a firm considers moving"),
    # the range of the Zipf stylized fact (Axtell 2001: about 1)
    Free("calibration.zipf_exponent", 0.8, 1.3, "tail exponent of the initial firm size distribution"),
)


# ----------------------------------------------------------------------------- simulation
def apply(base: Config, theta: dict[str, float]) -> Config:
    """A copy of `base` with the fitted parameters set (growth_shift shifts every drift)."""
    params, cal = dataclasses.replace(base.params), dataclasses.replace(base.calibration)
    for key, v in theta.items():
        if key == "growth_shift":
            for g in GROWTH_KEYS:
                setattr(params, g, getattr(Params, g) + v)
        else:
            group, name = key.split(".")
            setattr(params if group == "params" else cal, name, v)
    return validate(dataclasses.replace(base, params=params, calibration=cal))


def _top_share(sizes: np.ndarray, weight: float, k: float) -> float:
    """Share of total output of the k largest real firms (each simulated firm is `weight`)."""
    y = np.sort(sizes)[::-1]
    cum_w = weight * np.arange(1, y.size + 1)
    full = cum_w <= k
    part = (k - weight * full.sum()) / weight if full.sum() < y.size else 0.0
    top = y[full].sum() + part * (y[full.sum()] if full.sum() < y.size else 0.0)
    return float(top / y.sum())


def concentration(cfg: Config, replication: int) -> dict:
    """余杭's concentration in its largest firms at the start (end-2022), always at full
    scale: a reduced population truncates the top of the size distribution."""
    m = Model(dataclasses.replace(cfg, firms_scale=1.0), replication)
    f, live = m.firms, m.firms.live()
    above = live[(f.location[live] == m.location_ids.index("yuhang")) & f.above_scale[live]]
    y = f.output_yi[above]
    return {
        "yuhang:top15_share": _top_share(y, m.weight, 15.0),
        "yuhang:firms_above_1yi": float(m.weight * (y >= 1.0).sum()),
        "yuhang:share_above_1yi": float(y[y >= 1.0].sum() / y.sum()),
    }


def statistics(cfg: Config, replication: int) -> dict:
    """One replication's simulated statistics: window growth rates by park and city, 余杭
    concentration at the start, yearly flow shares, net entry's share of growth."""
    stats = concentration(cfg, replication)
    m = Model(cfg, replication)
    f, w = m.firms, m.weight
    live = f.live()
    n0, y0, firms0 = f.n, f.output_yi[: f.n].copy(), w * live.size
    m.run()
    live = f.live()
    years = LAST_YEAR - cfg.calibration.base_year
    rec = m.recorder
    out = np.array([annual(rec.cells["output_yi"], rec.years, yr).sum(axis=1) for yr in range(FIRST_YEAR, LAST_YEAR + 1)])
    ln = {"city": np.log(out.sum(axis=1))} | {pid: np.log(out[:, i]) for i, pid in enumerate(m.location_ids)}
    for unit, series in ln.items():
        for L in range(1, series.size):
            stats[f"growth:{unit}:{L}"] = list((series[L:] - series[:-L]) / L)
    firms_mean = 0.5 * (firms0 + w * live.size)
    stats["flow:moves"] = m.totals["moves"] / years / firms_mean
    stats["flow:exits"] = m.totals["exits"] / years / firms_mean
    alive0 = np.zeros(n0, dtype=bool)
    alive0[live[live < n0]] = True
    entrants = live[live >= n0]  # slots are never reused: new slots are entrants
    total_0, total_T = w * y0.sum(), w * f.output_yi[live].sum()  # every slot < n0 was alive at t = 0
    net_entry = w * (f.output_yi[entrants].sum() - y0[~alive0].sum())
    stats["flow:net_entry_share"] = float(net_entry / (total_T - total_0)) if total_T != total_0 else float("nan")
    return stats


def simulate(cfg: Config, replications: int, jobs: int) -> list[dict]:
    from joblib import Parallel, delayed

    if jobs == 1:
        return [statistics(cfg, k) for k in range(replications)]
    return Parallel(n_jobs=jobs)(delayed(statistics)(cfg, k) for k in range(replications))


def simulated(moments: list[Moment], runs: list[dict]) -> dict[str, tuple[float, float]]:
    """Mean and s.d. (of one observation) of each moment's statistic over the runs."""
    out = {}
    for mo in moments:
        key = mo.stat if mo.kind != "growth" else f"growth:{mo.park}:{min(mo.years, LAST_YEAR - FIRST_YEAR)}"
        values = np.concatenate([np.atleast_1d(r[key]) for r in runs]).astype(float)
        out[mo.id] = float(np.mean(values)), float(np.std(values, ddof=1)) if values.size > 1 else 0.0
    return out


def neg_loglik(moments: list[Moment], sim: dict, replications: int) -> tuple[float, dict]:
    """Gaussian negative log-likelihood of the observations, and each moment's z-score."""
    total, z = 0.0, {}
    for mo in moments:
        mean, sd = sim[mo.id]
        var = mo.sd**2 + sd**2 * (1.0 + 1.0 / replications)
        z[mo.id] = (mo.value - mean) / math.sqrt(var)
        if mo.fitted:
            total += 0.5 * (z[mo.id] ** 2 + math.log(var))
    return total, z


# ----------------------------------------------------------------------------- the fit
class Objective:
    """The negative log-likelihood as a function of normalised parameters x in [0, 1]^d."""

    def __init__(self, base: Config, moments: list[Moment], replications: int, jobs: int):
        self.base, self.moments, self.R, self.jobs = base, moments, replications, jobs
        self.cache: dict[tuple, float] = {}
        self.evaluations = 0

    def theta(self, x) -> dict[str, float]:
        x = np.clip(np.asarray(x, dtype=float), 0.0, 1.0)
        return {p.key: p.lo + xi * (p.hi - p.lo) for p, xi in zip(FREE, x)}

    def details(self, x) -> tuple[float, dict, dict]:
        runs = simulate(apply(self.base, self.theta(x)), self.R, self.jobs)
        sim = simulated(self.moments, runs)
        nll, z = neg_loglik(self.moments, sim, self.R)
        return nll, sim, z

    def __call__(self, x) -> float:
        key = tuple(np.round(np.clip(x, 0.0, 1.0), 10))
        if key not in self.cache:
            self.evaluations += 1
            self.cache[key] = self.details(x)[0]
            theta = ", ".join(f"{k.split('.')[-1]}={v:.4g}" for k, v in self.theta(x).items())
            print(f"\revaluation {self.evaluations}: -loglik {self.cache[key]:.2f} at {theta}   ", end="", file=sys.stderr, flush=True)
        return self.cache[key]


def local_quadratic(fun, x: np.ndarray, radius: float, points: int) -> np.ndarray:
    """Hessian of a quadratic fitted by least squares to `fun` at `points` points around x
    (uniform in a box of half-width `radius`, clipped to [0, 1]; a fixed seed). Finite
    differences would amplify the simulation noise of the objective; a fitted surface
    averages it, and it also works at a bound, where central differences cannot step."""
    d = x.size
    rng = np.random.default_rng(0)
    P = np.clip(x + radius * rng.uniform(-1.0, 1.0, (points, d)), 0.0, 1.0)
    y = np.array([fun(p) for p in P])
    dx = P - x
    iu = np.triu_indices(d)
    quad = np.stack([dx[:, i] * dx[:, k] * (0.5 if i == k else 1.0) for i, k in zip(*iu)], axis=1)
    A = np.hstack([np.ones((points, 1)), dx, quad])
    coef = np.linalg.lstsq(A, y, rcond=None)[0][1 + d :]
    H = np.zeros((d, d))
    H[iu] = coef
    return np.triu(H) + np.triu(H, 1).T


def fit(scale: float, replications: int, jobs: int, max_evaluations: int, radius: float = 0.1, points: int = 40) -> dict:
    from scipy.optimize import minimize

    start = time.perf_counter()
    history = safe_load(HISTORY.read_bytes(), str(HISTORY))  # data: no anchors, no ${...}
    moments = observed(history)
    base = compose("fit=none", "scenario=no_policy", f"firms_scale={scale}", "replications=1", "progress=false", f"horizon_year={LAST_YEAR}")
    obj = Objective(base, moments, replications, jobs)
    prior = {p.key: (0.0 if p.key == "growth_shift" else _get(base, p.key)) for p in FREE}
    x0 = np.array([(prior[p.key] - p.lo) / (p.hi - p.lo) for p in FREE])
    nll0, sim0, z0 = obj.details(x0)
    res = minimize(obj, x0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(FREE), options=dict(maxfev=max_evaluations, xatol=1e-3, fatol=1e-3, initial_simplex=_simplex(x0, 0.15)))
    x = np.clip(res.x, 0.0, 1.0)
    H = local_quadratic(obj, x, radius, points)
    span = np.array([p.hi - p.lo for p in FREE])
    se, conditional = _standard_errors(H)
    se = se * span
    theta = obj.theta(x)
    params = []
    print(file=sys.stderr)
    for p, s, xi in zip(FREE, se, x):
        identified = bool(np.isfinite(s) and 4.0 * s < p.hi - p.lo)
        at_bound = bool(min(xi, 1.0 - xi) < 0.01)  # the s.e. from curvature is then a lower bound
        params.append(dict(key=p.key, note=p.note, prior=prior[p.key], range=[p.lo, p.hi], estimate=theta[p.key], se=float(s), identified=identified, at_bound=at_bound))
    # the model as written to the fit file: identified values fitted, the rest at their priors
    used = {q["key"]: q["estimate"] if q["identified"] else q["prior"] for q in params}
    runs = simulate(apply(base, used), replications, jobs)
    sim = simulated(moments, runs)
    nll, z = neg_loglik(moments, sim, replications)
    net_entry = float(np.mean([r["flow:net_entry_share"] for r in runs]))
    return dict(
        method="simulated quasi-likelihood (Gaussian), Nelder-Mead on normalised bounds, s.e. from the Hessian of a quadratic fitted around the optimum",
        settings=dict(scale=scale, replications=replications, scenario="no_policy", years=f"{FIRST_YEAR}-{LAST_YEAR}", evaluations=obj.evaluations, hessian_points=points, hessian_radius=radius),
        hessian_positive_definite=not conditional,
        neg_loglik=dict(prior=nll0, optimum=float(res.fun), fitted=nll),
        parameters=params,
        moments=[
            dict(id=mo.id, label=mo.label, kind=mo.kind, unit=mo.unit, years=mo.years, fitted_on=mo.fitted, observed=mo.value, observed_sd=mo.sd,
                 prior=sim0[mo.id][0], fitted=sim[mo.id][0], simulated_sd=sim[mo.id][1], z_prior=z0[mo.id], z=z[mo.id])
            for mo in moments
        ],
        unfitted=_unfitted(history, base, used, replications, net_entry),
        unidentified=[dict(key=k, value=_get(base, k)) for k in UNIDENTIFIED],
        seconds=time.perf_counter() - start,
    )  # fmt: skip


def _get(cfg: Config, key: str) -> float:
    group, name = key.split(".")
    return float(getattr(cfg.params if group == "params" else cfg.calibration, name))


def _simplex(x0: np.ndarray, step: float) -> np.ndarray:
    pts = [x0]
    for i in range(x0.size):
        x = x0.copy()
        x[i] = x[i] + step if x[i] + step <= 1.0 else x[i] - step
        pts.append(x)
    return np.array(pts)


def _standard_errors(H: np.ndarray) -> tuple[np.ndarray, bool]:
    """sqrt(diag(H^-1)) if H is positive definite. Otherwise the conditional s.e.
    1/sqrt(H_ii) (the others held at their estimates: a lower bound), infinite where the
    curvature H_ii is not positive; the flag says which was used."""
    if np.all(np.linalg.eigvalsh(H) > 0):
        return np.sqrt(np.diag(np.linalg.inv(H))), False
    h = np.diag(H)
    return np.where(h > 0, 1.0 / np.sqrt(np.where(h > 0, h, 1.0)), np.inf), True


def _unfitted(history: dict, base: Config, theta: dict, replications: int, net_entry: float) -> list[dict]:
    """Published facts the fit does not use, against the fitted model: net entry's share of
    growth, the pre-plan investment boom and the greenfield build-out of parks."""
    cfg = apply(dataclasses.replace(base, horizon_year=2025), theta)
    fai, prior, level, pipeline, large = [], [], [], [], []
    for k in range(replications):
        m = Model(cfg, k)
        rec, book = m.recorder, m.projects
        prior.append(rec.fai_prehistory[2022] / rec.fai_prehistory[2021] - 1.0)
        level.append(rec.fai_prehistory[2022])
        pipeline.append(m.weight * len(book))
        large.append(m.weight * float(np.sum(book.size_yi >= 10.0)))
        m.run()
        series = rec.fai_by_location()[:, rec.is_park].sum(axis=1)
        fai.append(annual(series, rec.years, 2023) / series[0] - 1.0)
    inv, lo_hi = history["investment_growth_pct"], interval(history["flows"]["net_entry_share"])
    rows = [dict(label="net entry's share of output growth", observed=uniform(*lo_hi)[0], model=net_entry, model_label=f"{FIRST_YEAR - 1}-{LAST_YEAR}, no_policy; published band {lo_hi[0]:g}-{lo_hi[1]:g} (TFP, Brandt et al. 2012)")]
    rows += [dict(label=f"investment growth {k.replace('_', ' ')}", observed=v / 100.0, model=float(np.mean(prior)) if k.endswith("2022") else float("nan"),
                  model_label="parks' FAI 2022 on 2021 in the model's prehistory (published VA growth, Section 5.5 of the ODD)" if k.endswith("2022") else "before the prehistory")
             for k, v in inv.items()]  # fmt: skip
    rows.append(dict(label="parks' FAI 2022 (亿元)", observed=base.calibration.parks_fai_2022_yi, model=float(np.mean(level)), model_label="estimate from the 2023 plan (calibration file, range 520-760) against the model's 2022 base"))
    rows.append(dict(label="outside-investment projects under construction, end-2022", observed=402.0, model=float(np.mean(pipeline)), model_label="402 manufacturing key projects in the 2023 list (每日商报 2023-02-20), incumbents' own investment included; the model's are outside investment only (about half by assumption)"))
    rows.append(dict(label="of which 10亿 or more", observed=77.0, model=float(np.mean(large)), model_label="77 manufacturing projects over 10亿 (seed article)"))
    rows.append(dict(label="parks' FAI growth 2023, no_policy", observed=float("nan"), model=float(np.mean(fai)), model_label="the pre-2023 regime without the plan's levers"))
    for b in history["build_out"]:
        L = b["end_year"] - b["start_year"]
        nominal = math.log(b["end_yi"] / b["start_yi"]) / L
        rows.append(dict(label=f"build-out {b['label']}", observed=nominal, model=float("nan"), model_label="not modelled (no park build-out); nominal log growth / yr"))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="reduced size (firms_scale 0.1, 4 replications, 40 evaluations); writes no fit file unless --fit-out")
    ap.add_argument("--scale", type=float, default=0.25)
    ap.add_argument("--replications", type=int, default=8)
    ap.add_argument("--evaluations", type=int, default=150)
    ap.add_argument("--jobs", type=int, default=-1)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "validation" / "calibration.json")
    ap.add_argument("--fit-out", type=Path, default=None, help=f"fitted config to write (default {FIT_FILE.relative_to(ROOT)}; none with --quick)")
    a = ap.parse_args(argv)
    if a.quick:
        a.scale, a.replications, a.evaluations = 0.1, 4, 40
    result = fit(a.scale, a.replications, a.jobs, a.evaluations, points=20 if a.quick else 40)
    write_json(a.out, result)
    fit_out = a.fit_out or (None if a.quick else FIT_FILE)
    if fit_out is not None:
        write_fit(result, fit_out)
    print(render_markdown(result))
    print(f"wrote {a.out}" + (f" and {fit_out}" if fit_out else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

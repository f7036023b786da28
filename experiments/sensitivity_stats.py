"""The statistics of the sensitivity analysis (experiments/sensitivity.py runs the model and
calls these): seed-noise floors, Morris elementary effects and rankings (SALib), and Sobol
indices with the noise they carry."""

from __future__ import annotations

import math

import numpy as np

from experiments.sensitivity_page import MAIN_OUTPUT

NUM_LEVELS = 4
DELTA = NUM_LEVELS / (2.0 * (NUM_LEVELS - 1))  # SALib's Morris step in normalised units (2/3)
SAMPLE_SEED = 20230213  # seeds of the Morris/Sobol designs and bootstraps (杭政函〔2023〕13号's date)


def _r(x, digits: int = 6):
    """A JSON-stable float: 6 significant digits, None for NaN/inf."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return None
    return float(f"{x:.{digits}g}") + 0.0  # + 0.0 turns -0.0 into 0.0


def clean(obj):
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _r(obj)
    return obj


def noise_summary(outputs, base, sets, morris_reps, ee_noise) -> dict:
    """Seed noise per output.

    sigma_eps: SD across the M seed sets of the R-replication estimate at the base point
    (also, as a check, the RMS within-point standard error over the Morris points, R > 1).
    mu_star_floor_independent = sqrt(2) sigma_eps / Delta: the SD of an elementary effect if
    the two points of a step had independent seeds. The design uses common random numbers,
    so the noise of a step is measured instead: the SD of the step's effect across the R
    replications (each a world of its own) over sqrt(R), pooled over the trajectories: per
    factor in the Morris results, RMS over the factors here (mu_star_floor_crn)."""
    est = sets.mean(axis=1)  # [M, outputs]
    R = morris_reps.shape[1]
    out = {}
    for j, o in enumerate(outputs):
        sd_sets = float(np.std(est[:, j], ddof=1))
        within = float(np.sqrt(np.mean(np.var(morris_reps[:, :, j], axis=1, ddof=1)) / R)) if R > 1 else float("nan")
        crn = float(np.sqrt(np.mean(ee_noise[:, j] ** 2))) if R > 1 else float("nan")
        out[o["name"]] = dict(
            base_estimate=float(base.mean(axis=0)[j]),
            seed_set_estimates=[float(v) for v in est[:, j]],
            sigma_eps=sd_sets,
            sigma_within_points=within,
            mu_star_floor_independent=float(math.sqrt(2.0) * sd_sets / DELTA),
            mu_star_floor_crn=crn,
        )
    return out


def elementary_effect_noise(X, reps) -> np.ndarray:
    """[factors, outputs]: the seed noise of each factor's elementary effect under common
    random numbers. For every Morris step, the effect is computed in each replication k
    separately; its variance across k over R is the variance of the R-mean effect; the
    root of the mean over the factor's steps is returned (NaN if R < 2)."""
    n_points, R, n_out = reps.shape
    D = X.shape[1]
    if R < 2:
        return np.full((D, n_out), np.nan)
    acc, count = np.zeros((D, n_out)), np.zeros(D)
    for t in range(n_points // (D + 1)):
        rows = slice(t * (D + 1), (t + 1) * (D + 1))
        x, y = X[rows], reps[rows]
        step = np.diff(x, axis=0)  # [D, factors], one non-zero entry per row
        i = np.argmax(np.abs(step), axis=1)
        sign = np.sign(step[np.arange(D), i])
        ee = (y[1:] - y[:-1]) * sign[:, None, None] / DELTA  # [D steps, R, outputs]
        np.add.at(acc, i, np.var(ee, axis=1, ddof=1) / R)
        np.add.at(count, i, 1)
    return np.sqrt(acc / np.maximum(count, 1)[:, None])


def morris_analysis(problem, X, Y, outputs, noise, ee_noise) -> dict:
    from SALib.analyze import morris

    res = {}
    for j, o in enumerate(outputs):
        y = Y[:, j]
        entry = dict(min=float(y.min()), max=float(y.max()), sd=float(y.std()), constant=bool(y.max() == y.min()))
        if entry["constant"]:
            v = float(y[0])
            entry["constant_value"] = v
            if o["kind"] == "met_fraction":
                entry["note"] = "always met" if v == 1.0 else "never met" if v == 0.0 else f"met fraction {v:g} everywhere"
            else:
                entry["note"] = f"{v:g} everywhere"
            res[o["name"]] = entry
            continue
        si = morris.analyze(problem, X, y, num_levels=NUM_LEVELS, num_resamples=200, conf_level=0.95, seed=SAMPLE_SEED)
        n = noise[o["name"]]
        crn = math.isfinite(n["mu_star_floor_crn"])
        mu_star = np.asarray(si["mu_star"], dtype=float)
        order = np.argsort(-mu_star, kind="stable")
        rank = np.empty(len(order), dtype=int)
        rank[order] = np.arange(1, len(order) + 1)
        factors = {}
        for i, name in enumerate(problem["names"]):
            floor = float(ee_noise[i, j]) if crn else n["mu_star_floor_independent"]
            factors[name] = dict(
                mu=float(si["mu"][i]),
                mu_star=float(mu_star[i]),
                mu_star_conf=float(si["mu_star_conf"][i]),
                sigma=float(si["sigma"][i]),
                mu_star_norm=float(mu_star[i] / entry["sd"]),
                rank=int(rank[i]),
                noise_floor=floor,
                below_noise=bool(mu_star[i] <= floor),
                below_independent_floor=bool(mu_star[i] <= n["mu_star_floor_independent"]),
            )
        entry["factors"] = factors
        entry["ranking"] = [problem["names"][i] for i in order]
        entry["noise_floor"] = n["mu_star_floor_crn"] if crn else n["mu_star_floor_independent"]
        entry["noise_floor_kind"] = "crn" if crn else "independent"
        res[o["name"]] = entry
    return res


def ranked_outputs(outputs, morris_res) -> list[str]:
    """Parks' output (mean) and the met probabilities that vary."""
    varying = [o["name"] for o in outputs if o["kind"] == "met_fraction" and not morris_res[o["name"]]["constant"]]
    return [MAIN_OUTPUT, *varying] if not morris_res[MAIN_OUTPUT]["constant"] else varying


def select_top(names, morris_res, ranked, k: int) -> list[str]:
    """Round-robin over the ranked outputs' Morris rankings (factors above the output's
    noise floor only), then by the largest normalised mu* over those outputs, up to k."""
    chosen: list[str] = []
    k = min(k, len(names))
    lists = [[f for f in morris_res[o]["ranking"] if not morris_res[o]["factors"][f]["below_noise"]] for o in ranked]
    for level in range(len(names)):
        for lst in lists:
            if len(chosen) < k and level < len(lst) and lst[level] not in chosen:
                chosen.append(lst[level])
    if len(chosen) < k:
        score = {f: max([morris_res[o]["factors"][f]["mu_star_norm"] for o in ranked] or [0.0]) for f in names}
        for f in sorted(names, key=lambda f: (-score[f], names.index(f))):
            if len(chosen) < k and f not in chosen:
                chosen.append(f)
    return chosen


def sobol_analysis(problem, reps, outputs, noise) -> dict:
    """S1 and ST with bootstrap CIs per output. Seed noise: sigma_eps^2 / Var(Y) is what
    independent noise would add to every ST (Jansen estimator); under common random numbers
    the addition is measured per factor from the spread across replications of
    Y_k(A) - Y_k(AB_i) (`ST_noise`, NaN if R < 2)."""
    from SALib.analyze import sobol

    Y = reps.mean(axis=1)
    n_points, R, _ = reps.shape
    D = problem["num_vars"]
    block = D + 2  # Saltelli rows without second order: A, AB_1..AB_D, B
    res = {}
    for j, o in enumerate(outputs):
        y = Y[:, j]
        A, B = y[0::block], y[block - 1::block]
        var = float(np.var(np.r_[A, B]))
        entry = dict(var=var, constant=bool(y.max() == y.min()))
        if entry["constant"] or var == 0.0:
            entry["constant"] = True
            entry["constant_value"] = float(y[0])
            res[o["name"]] = entry
            continue
        si = sobol.analyze(problem, y, calc_second_order=False, num_resamples=200, conf_level=0.95, seed=SAMPLE_SEED)
        sig = noise[o["name"]]["sigma_eps"]
        entry["noise_ratio"] = sig * sig / var
        factors = {}
        for i, name in enumerate(problem["names"]):
            if R > 1:
                d = reps[0::block, :, j] - reps[1 + i::block, :, j]  # [N, R]
                st_noise = float(np.mean(np.var(d, axis=1, ddof=1)) / R / 2.0 / var)
            else:
                st_noise = float("nan")
            factors[name] = dict(S1=float(si["S1"][i]), S1_conf=float(si["S1_conf"][i]), ST=float(si["ST"][i]),
                                 ST_conf=float(si["ST_conf"][i]), ST_noise=st_noise)
        entry["factors"] = factors
        entry["sum_S1"] = float(np.sum(si["S1"]))
        res[o["name"]] = entry
    return res

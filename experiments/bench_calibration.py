"""The calibration's goal for experiments/bench.py (issue 30: a full ABC-SMC calibration at the
size the calibration uses in under 30 minutes on 2 cores), projected, since a full fit takes
most of an hour of both cores: the simulations the last full fit made
(docs/validation/posterior.json, and the prior sample its count leaves out) times one
simulation's CPU now (experiments.posterior's Simulator at the fit's scale, on prior draws),
times what a short fit spent besides its simulations (`OVERHEAD`), on 2 cores kept busy. The
last fit's wall time is shown beside it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FIT = ROOT / "docs" / "validation" / "posterior.json"

# CPU of a short fit (`python -m experiments.posterior --scale 0.5 --population 100
# --generations 2 --min-acceptance 0.05 --check-scale 0`, commit 411b717: all its processes'
# CPU) over the CPU of the simulations it made (each timed in its process, the same run):
# 409.7 / 395.2 s, 569 simulations. pyabc's sampling, distances and database, the imports
# and the page at the end are the 4%.
OVERHEAD = 1.037


def calibration(draws: int, repeats: int = 2, overhead: float = OVERHEAD) -> dict:
    """One simulation's CPU at the last fit's scale: the mean over `draws` prior draws (the
    cost varies with the draw: firms, entries) of each draw's min over `repeats`, interleaved;
    and the full fit projected from it."""
    from experiments import posterior
    from sim.model import initial

    fit = json.loads(FIT.read_text(encoding="utf-8"))
    # pyabc's count leaves out the prior sample that scales the adaptive distance (one population)
    scale, sims, cores = fit["settings"]["scale"], int(fit["simulations"]) + int(fit["settings"]["population"]), int(fit["settings"]["processes"])
    simulate = posterior.Simulator(scale)
    names = [posterior._name(k) for k in posterior.FREE]
    state = np.random.get_state()
    rng = np.random.default_rng(12345)
    thetas = [{n: float(rng.random()) for n in names} for _ in range(draws)]
    cpu = np.full((repeats, draws), np.inf)
    try:
        np.random.seed(0)
        simulate({n: 0.5 for n in names})  # imports and first calls
        for r in range(repeats):
            for i, theta in enumerate(thetas):
                np.random.seed(i)  # the Simulator draws the replication and the nuisance parameters from numpy's global generator
                initial.clear_cache()  # drawn afresh, as every simulation of a fit (each at its own parameters) is
                t = time.process_time()
                simulate(theta)
                cpu[r, i] = time.process_time() - t
    finally:
        np.random.set_state(state)
    low, med = float(cpu.min(axis=0).mean()), float(np.median(cpu, axis=0).mean())
    return dict(
        calibration_minutes_projected=sims * low * overhead / cores / 60,
        calibration_minutes_projected_median=sims * med * overhead / cores / 60,
        calibration_simulation_cpu_seconds=low,
        calibration_simulation_cpu_seconds_median=med,
        calibration_simulations=sims,
        calibration_scale=scale,
        calibration_cores=cores,
        calibration_overhead=overhead,
        calibration_last_fit_minutes_wall=fit["seconds"] / 60,
        calibration_draws=[draws, repeats],
    )

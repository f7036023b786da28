"""The memory a run may take, and what it will need, estimated from its config before
anything is allocated (`check`, called by `validate`), and from the model's state as it runs
(`step_bytes`, sim.runs.guard), so that a run too large for the budget is refused with one
line naming the keys that make it large, instead of ending in a MemoryError traceback.

MEMORY_BUDGET is a constant, not a fraction of this machine's memory: the same config is
refused or run everywhere (a sweep's jobs each get it, one per worker). The bytes per firm,
project and replication are measured peaks (tracemalloc and RSS; docs/PERFORMANCE.md),
rounded up:

- a simulated firm: about 1 KB at the peak of construction (the capital prehistory's
  arrays), which also covers its row of the firm store as it grows (95 bytes a slot, the
  store one and a half times its use) and a step's temporaries;
- an entrant or project drawn in a month, placed or not: its uniforms and its row of the
  location choice (about 0.7 KB measured with 17 locations; 1 KB counted);
- a replication: its targets, costs and parameter draws kept until targets.json is written
  (18.5 KB measured by RSS from 200 to 5,000 replications under uncertainty=parameters,
  counted 32 KB); `sim.run` also returns the whole time series in memory (23 bytes a row of
  `tidy`, 23 rows per location and record, counted 64 bytes and 24 rows: reading the file
  back holds it twice).
"""

from __future__ import annotations

import math

from .fields import DT
from .schema import SECTORS, Config, ConfigError

MEMORY_BUDGET = 4 * 2**30  # bytes a run may need, whatever the machine: 4 GiB
BASE_BYTES = 512 * 2**20  # the interpreter, numpy, pandas, Mesa, numba's compiled passes
BYTES_PER_FIRM = 1024
BYTES_PER_DRAW = 1024  # an entrant or a project drawn in a month (placed or not)
BYTES_PER_REPLICATION = 32 * 1024
BYTES_PER_ROW = 64  # a row of the long time-series table held in memory (sim.run's Result.timeseries)
ROWS_PER_LOCATION_MONTH = 24  # rows of `tidy` per location and record (outputs=cells: about 3 times)


def gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB"


def _peak_lever(cfg: Config, name: str) -> float:
    """The largest value a lever takes in any year (a number, or a schedule's largest)."""
    value = getattr(cfg.policy, name)
    return float(max(value.values())) if isinstance(value, dict) else float(value)


def start_firms(cfg: Config) -> float:
    """An upper bound of the simulated firms at the start: in each location x sector cell,
    its share of the above-scale firms x firms_scale, rounded (at least one), each with
    small_per_above below-scale firms (sim.rules.population.synthesize)."""
    cal = cfg.calibration
    cells = (len(cal.parks) + 1) * len(SECTORS)
    return (cal.above_scale_firms * cfg.firms_scale + cells) * (1.0 + cal.small_per_above)


def entry_draws_per_firm(cfg: Config) -> float:
    """Entrants drawn in a month per live firm, at the peak of attraction (placed or not)."""
    return cfg.params.entry_rate * _peak_lever(cfg, "attraction_intensity") * DT


def monthly_project_draws(cfg: Config) -> float:
    """Projects drawn in a month at the peak of attraction, simulated (x firms_scale)."""
    return cfg.params.project_rate * cfg.firms_scale * _peak_lever(cfg, "attraction_intensity") * DT


def project_draws(cfg: Config) -> float:
    """Projects held at the start (the pipeline, built over project_build_years) and drawn
    in the first month, simulated."""
    return cfg.params.project_rate * cfg.firms_scale * cfg.params.project_build_years + monthly_project_draws(cfg)


def step_bytes(slots: float, live: float, projects: float, entry_per_firm: float, project_draws_: float) -> float:
    """The memory a month of the model may need: the firm store's slots (live or not), the
    entrants its live firms may draw, the projects held and drawn."""
    return BASE_BYTES + BYTES_PER_FIRM * slots + BYTES_PER_DRAW * (live * entry_per_firm + projects + project_draws_)


def needed(cfg: Config, timeseries_in_memory: bool = False) -> dict[str, float]:
    """What a run of `cfg` needs at its start, by part (bytes)."""
    firms = start_firms(cfg)
    parts = {
        "the firms": firms * (BYTES_PER_FIRM + BYTES_PER_DRAW * entry_draws_per_firm(cfg)),
        "the projects": BYTES_PER_DRAW * project_draws(cfg),
        "the replications": BYTES_PER_REPLICATION * cfg.replications,
    }
    if timeseries_in_memory:
        months = 12 * (cfg.horizon_year - cfg.calibration.base_year) + 1
        factor = 3 if cfg.outputs == "cells" else 1
        runs = cfg.replications
        parts["the time series"] = BYTES_PER_ROW * ROWS_PER_LOCATION_MONTH * factor * (len(cfg.calibration.parks) + 1) * months * runs
    return parts


def check(cfg: Config, timeseries_in_memory: bool = False) -> None:
    """ConfigError (one line) if the run would need more than MEMORY_BUDGET; named: the
    part that needs most and the keys that set it."""
    parts = needed(cfg, timeseries_in_memory)
    total = BASE_BYTES + sum(parts.values())
    if total <= MEMORY_BUDGET and math.isfinite(total):
        return
    largest = max(parts, key=parts.get)
    keys = {
        "the firms": f"firms_scale={cfg.firms_scale:g}, calibration.above_scale_firms={cfg.calibration.above_scale_firms}, "
                     f"calibration.small_per_above={cfg.calibration.small_per_above:g} ({start_firms(cfg):,.0f} simulated firms), "
                     f"params.entry_rate={cfg.params.entry_rate:g} x policy.attraction_intensity up to {_peak_lever(cfg, 'attraction_intensity'):g}",
        "the projects": f"params.project_rate={cfg.params.project_rate:g} x firms_scale={cfg.firms_scale:g} x "
                        f"params.project_build_years={cfg.params.project_build_years:g} ({project_draws(cfg):,.0f} simulated projects)",
        "the replications": f"replications={cfg.replications}",
        "the time series": f"replications={cfg.replications} x horizon_year={cfg.horizon_year}, outputs={cfg.outputs} "
                           "(sim.run returns the whole time series: run.py streams it to a file)",
    }[largest]
    raise ConfigError(f"the run would need about {gib(total)} of memory, mostly {largest} ({keys}); allowed: at most "
                      f"{gib(MEMORY_BUDGET)} (sim.config.budget.MEMORY_BUDGET): lower the values named")


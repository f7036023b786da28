"""Running and reading results: `sim.run` (api), one scenario x N replications
(simulate), the targets under a reading (targets), the parameter draws (uncertainty), the
result files (results), the terminal table (table) and what run.py checks before Hydra
starts (cli).

Above sim.model; below sim.sweep. (Named `runs`, not `run`: `sim.run` is the function.)
"""

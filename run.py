"""Run a scenario of the Hangzhou development-zone model: `python run.py [overrides]`.

Examples: `python run.py scenario=no_policy replications=20`,
`python run.py policy.factory_space_m2_per_year=8e6 seed=3 horizon_year=2030`.
The same as `hangzhou-parks run [overrides]` (`hangzhou-parks sweep` for `-m`); the Hydra
main is sim/command/run.py, in the package, so that an installed wheel runs it too.
"""

from __future__ import annotations

import sys

from sim.command.run import main
from sim.runs.cli import entry

if __name__ == "__main__":
    sys.exit(entry(main))

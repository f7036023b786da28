"""`hangzhou-parks`, the console command an install provides (pyproject's [project.scripts]),
dispatching to the project's own entry points rather than repeating them:

    hangzhou-parks run [overrides]        python run.py [overrides]          (sim.command.run)
    hangzhou-parks sweep [overrides]      python run.py -m [overrides]
    hangzhou-parks search [args]          python -m experiments.search [args]
    hangzhou-parks discover DIR [args]    python -m experiments.discover DIR [args]
    hangzhou-parks dashboard [args]       solara run app.py [args]

run and sweep are in the package. search, discover and the dashboard are scripts of the
source checkout (experiments/, app.py), which the wheel does not ship: experiments/ is the
project's research scripts, writing into results/ and docs/, under a name too generic for
site-packages. From a checkout (an editable install, or the checkout on sys.path) these
subcommands run them, each in place of this process; from an installed wheel they say, in
one line, how to run them from a clone. Nothing here imports experiments/ (it may import
sim, never the reverse): they are started as `python -m`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..config.fields import close_matches

USAGE = __doc__.split("\n\n")[0] + "\n\n" + __doc__.split("\n\n")[1]
COMMANDS = ("run", "sweep", "search", "discover", "dashboard")
CHECKOUT_SCRIPTS = {"search": "experiments/search.py", "discover": "experiments/discover.py", "dashboard": "app.py"}


def checkout() -> Path | None:
    """The source checkout sim is imported from, or None for an installed wheel (which
    carries its own copy of configs/ inside the package: sim.config.schema.project_dir)."""
    package = Path(__file__).resolve().parents[1]
    if (package / "configs").is_dir():
        return None
    root = package.parent
    return root if (root / "configs" / "config.yaml").is_file() else None


def _exec(args: list[str], root: Path) -> None:
    """Replace this process by `python ARGS`, with the checkout importable (signals and the
    exit status are the script's own)."""
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(root), *([path] if path else [])])
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, *args])


def _from_checkout(command: str, rest: list[str]) -> int:
    script = CHECKOUT_SCRIPTS[command]
    root = checkout()
    if root is None or not (root / script).is_file():
        how = "solara run app.py" if command == "dashboard" else f"python -m {script.removesuffix('.py').replace('/', '.')}"
        print(f"error: hangzhou-parks {command} runs {script} of the source checkout, which the installed package does not ship; "
              f"allowed: in a clone of the repository, `{how} ...` (or `hangzhou-parks {command} ...` from an editable install: pip install -e .)",
              file=sys.stderr)
        return 2
    if command == "dashboard":
        _exec(["-m", "solara", "run", str(root / script), *rest], root)
    _exec(["-m", script.removesuffix(".py").replace("/", "."), *rest], root)
    return 0  # not reached: exec replaces the process


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] == "--version":
        from .. import __version__

        print(f"hangzhou-parks {__version__}")
        return 0
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"error: unknown command {command!r}{close_matches(command, COMMANDS)}; allowed: {' | '.join(COMMANDS)} "
              "(hangzhou-parks --help)", file=sys.stderr)
        return 2
    if command in CHECKOUT_SCRIPTS:
        return _from_checkout(command, rest)
    from ..runs.cli import entry
    from .run import PROGRAM, main as hydra_main

    os.environ[PROGRAM] = "hangzhou-parks run"  # what a sweep's jobs record as their command
    return entry(hydra_main, ["-m", *rest] if command == "sweep" else rest)

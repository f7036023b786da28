"""Policy-scenario agent-based model of Hangzhou's development zones (开发区/园区).

    import sim
    result = sim.run(scenario="no_policy", replications=20, uncertainty="seeds")
    model = sim.Model(scenario="baseline", rng=1, firms_scale=0.1).run()
    cfg = sim.load_config(scenario="land_first", macro_sd=0.05)

The names below are imported when first used (module `__getattr__`), so `import sim` is
cheap and imports neither Mesa, pandas nor Hydra. `sim.__version__` is the installed
version. `hangzhou-parks run|sweep|search|discover|dashboard` is the console command
(sim.command).
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing

_EXPORTS = {
    "Config": "config.schema", "Calibration": "config.schema", "Policy": "config.schema", "Targets": "config.schema",
    "ConfigError": "config.schema", "Params": "config.params", "load_calibration": "config.loading", "load_config": "config.loading",
    "validate": "config.validation",
    "Model": "model.model",
    "run": "runs.api", "outcomes": "runs.api", "Result": "runs.api", "TargetResult": "runs.api",
}  # fmt: skip

__all__ = ["Config", "Calibration", "Params", "Policy", "Targets", "ConfigError", "load_calibration", "load_config", "validate", "Model", "run", "outcomes", "Result", "TargetResult"]

if TYPE_CHECKING:
    from .runs.api import Result, TargetResult, outcomes, run
    from .config.schema import Calibration, Config, ConfigError, Policy, Targets
    from .config.params import Params
    from .config.loading import load_calibration, load_config
    from .model.model import Model
    from .config.validation import validate


def _version() -> str:
    """The installed distribution's version (importlib.metadata); from a checkout that is not
    installed, its pyproject.toml's."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hangzhou-parks-abm")
    except PackageNotFoundError:
        import os.path
        import tomllib

        with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "pyproject.toml"), "rb") as f:
            return tomllib.load(f)["project"]["version"]


def __getattr__(name: str) -> object:
    if name == "__version__":  # read when asked: importlib.metadata is not imported with `import sim`
        globals()[name] = value = _version()
        return value
    module = _EXPORTS.get(name)
    if module is None:
        import os.path

        here = os.path.dirname(__file__)  # a submodule not imported yet (`import sim` once imported several)
        if name.isidentifier() and (os.path.exists(os.path.join(here, f"{name}.py")) or os.path.exists(os.path.join(here, name, "__init__.py"))):
            return importlib.import_module(f".{name}", __name__)
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, "__version__"})

"""Policy-scenario agent-based model of Hangzhou's development zones (开发区/园区).

    import sim
    result = sim.run(scenario="no_policy", replications=20, uncertainty="seeds")
    model = sim.Model(scenario="baseline", rng=1, firms_scale=0.1).run()
    cfg = sim.load_config(scenario="land_first", macro_sd=0.05)

The names below are imported when first used (module `__getattr__`), so `import sim` is
cheap and imports neither Mesa, pandas nor Hydra.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing

_EXPORTS = {
    "Config": "config", "Calibration": "config", "Params": "config", "Policy": "config", "Targets": "config",
    "ConfigError": "config", "load_calibration": "config", "load_config": "config",
    "validate": "validation",
    "Model": "model",
    "run": "api", "outcomes": "api", "Result": "api", "TargetResult": "api",
}  # fmt: skip

__all__ = ["Config", "Calibration", "Params", "Policy", "Targets", "ConfigError", "load_calibration", "load_config", "validate", "Model", "run", "outcomes", "Result", "TargetResult"]

if TYPE_CHECKING:
    from .api import Result, TargetResult, outcomes, run
    from .config import Calibration, Config, ConfigError, Params, Policy, Targets, load_calibration, load_config
    from .model import Model
    from .validation import validate


def __getattr__(name: str) -> object:
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
    return sorted({*globals(), *_EXPORTS})

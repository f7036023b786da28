"""Policy-scenario agent-based model of Hangzhou's development zones (开发区/园区)."""

from .config import Config, Calibration, Params, Policy, Targets, ConfigError, load_calibration, load_config
from .validation import validate
from .model import Model

__all__ = ["Config", "Calibration", "Params", "Policy", "Targets", "ConfigError", "load_calibration", "load_config", "validate", "Model"]

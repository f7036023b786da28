"""sim.runs.cli.to_config reads a config Hydra composed from configs/ as it is (its values
already of the schema's types) instead of merging it into the schema again: the same Config,
value for value and type for type, and the same refusal of a key the schema lacks."""

import dataclasses
import json

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf, open_dict

from sim.config import hydrasource
from sim.config.schema import CONFIG_DIR, Config, ConfigError, register_configs
from sim.config.validation import validate
from sim.runs import cli


def composed(*overrides):
    register_configs()
    hydrasource.install()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose("config", overrides=["sweep_name=t", *overrides], return_hydra_config=True)  # not ${now:}, which ticks


def merged(cfg) -> Config:
    """The conversion by merging into the schema (what to_config did for every config)."""
    c = cfg.copy()
    with open_dict(c):
        c.pop("hydra")
    return validate(OmegaConf.to_object(OmegaConf.merge(cli._schema(), OmegaConf.to_container(c))))


def typed(cfg: Config) -> str:
    """Values with their types: 4e6 and 4000000 differ, as they would in a config hash."""
    def walk(x):
        if isinstance(x, dict):
            return {k: walk(v) for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v) for v in x]
        return [type(x).__name__, repr(x)]
    return json.dumps(walk(dataclasses.asdict(cfg)), sort_keys=True)


@pytest.mark.parametrize("overrides", [
    [], ["seed=3", "firms_scale=0.36"], ["scenario=no_policy", "targets=named_clusters"], ["+experiment=policy_comparison"],
    ["fit=none", "uncertainty=parameters", "fixed_parameters=[params.macro_sd]"], ["policy.factory_space_m2_per_year=4000000"],
])
def test_a_composed_config_converts_as_the_merge_did(overrides):
    cfg = composed(*overrides)
    assert cli._typed_fields(cfg, Config) is not None  # read as it is
    assert typed(cli.to_config(cfg)) == typed(merged(cfg))


def test_a_key_the_schema_lacks_is_refused_by_the_merge():
    for extra in ("+foo=1", "+policy.bar=2"):
        cfg = composed(extra)
        assert cli._typed_fields(cfg, Config) is None
        with pytest.raises(ConfigError, match="Unknown config key"):
            cli.to_config(cfg)

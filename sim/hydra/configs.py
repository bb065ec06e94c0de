"""A RunConfig from Hydra: compose `conf/` with overrides, take the composed config as plain
data, and validate it naming the file a bad key came from (sim.config.schema checks the values;
this module knows where Hydra found them)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config.errors import ConfigError
from sim.config.held import hold
from sim.config.load import load_config
from sim.config.schema import RunConfig
from sim.config.sources import CONF, source_of
from sim.hydra.jobs import parse


def compose_config(overrides: Sequence[str] = (), config_name: str = "config") -> RunConfig:
    """Compose `conf/` with Hydra overrides and validate it (ConfigError names key and file)."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name, overrides=list(overrides), return_hydra_config=True)
    return config_from_dict(plain_config(cfg), list(overrides), cfg.hydra.runtime)


def config_from_dict(
    data: dict, overrides: list[str], runtime, like: tuple[dict, RunConfig] | None = None
) -> RunConfig:
    """Validate a composed config, naming the file a bad key came from (`runtime` is Hydra's
    runtime node: the group choices and the search path). `like`: a sibling's (data, config),
    whose parts this data shares are taken as validated (sim.config.load.load_config)."""
    try:
        return _hold_overridden(load_config(data, like), overrides)
    except ConfigError as err:
        search = [Path(s.path) for s in runtime.config_sources if s.schema == "file"]
        raise err.in_file(source_of(err.key, overrides, dict(runtime.choices), search)) from None


def _hold_overridden(config: RunConfig, overrides: list[str]) -> RunConfig:
    return hold(config, [o.key_or_group for o in parse(tuple(overrides))])


def plain_config(cfg) -> dict:
    """The composed config as plain data, without Hydra's own node."""
    try:  # node by node, not a copy without `hydra`: copying a composed config costs 0.1 s
        return {key: _plain(cfg, key) for key in cfg if key != "hydra"}
    except OmegaConfBaseException as err:
        raise ConfigError(getattr(err, "full_key", "") or "", str(err).splitlines()[0]) from None


def _plain(cfg, key: str):
    value = cfg[key]  # a node of the config (not a copy), or a leaf's resolved value
    return OmegaConf.to_container(value, resolve=True) if OmegaConf.is_config(value) else value

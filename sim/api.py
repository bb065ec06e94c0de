"""Python API for notebooks: the same config, engine and tables as the command line.

from sim import run
result = run(["replicates=500", "mediator.engagement=0.5"])
result.summary
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.compose import parse
from sim.config.errors import ConfigError
from sim.config.load import load_config
from sim.config.schema import RunConfig, params_values
from sim.config.sources import CONF, source_of
from sim.engine.simulate import simulate
from sim.runner import RunResult, execute


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
    whose parts this data shares are taken as validated (sim.config.schema.load_config)."""
    try:
        return _hold_overridden(load_config(data, like), overrides)
    except ConfigError as err:
        search = [Path(s.path) for s in runtime.config_sources if s.schema == "file"]
        raise err.in_file(source_of(err.key, overrides, dict(runtime.choices), search)) from None


def _hold_overridden(config: RunConfig, overrides: list[str]) -> RunConfig:
    return hold(config, [o.key_or_group for o in parse(tuple(overrides))])


def hold(config: RunConfig, keys: Sequence[str]) -> RunConfig:
    """A parameter set by hand (on the command line, the page, an evaluator's point) keeps its
    value under posterior draws: it joins `params.fixed`, so `params.weights.peer=1` means 1 in
    every draw, not the draws' values. `keys` are dotted config keys; others are ignored."""
    held = {k.removeprefix("params.") for k in keys if k.startswith("params.")} & set(
        params_values(config.params)
    )
    if held <= set(config.params.fixed):
        return config
    params = dataclasses.replace(config.params, fixed=sorted(held | set(config.params.fixed)))
    return dataclasses.replace(config, params=params)


def run(
    overrides: Sequence[str] = (), *, config: RunConfig | None = None, config_name: str = "config"
) -> RunResult:
    """Run a scenario: from Hydra-style overrides of `conf/`, or from a ready `RunConfig`."""
    return execute(config if config is not None else compose_config(overrides, config_name))


def _plain(cfg, key: str):
    node = cfg._get_node(key)
    return OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else cfg[key]


def warm_up() -> None:
    """Compile and cache the numba code once (at install), so that first runs are fast."""
    result = run(["replicates=4"])
    simulate(result.world, replicates=1, seed=0, engine="mesa")


def plain_config(cfg) -> dict:
    """The composed config as plain data, without Hydra's own node."""
    try:  # node by node, not a copy without `hydra`: copying a composed config costs 0.1 s
        return {key: _plain(cfg, key) for key in cfg if key != "hydra"}
    except OmegaConfBaseException as err:
        raise ConfigError(getattr(err, "full_key", "") or "", str(err).splitlines()[0]) from None

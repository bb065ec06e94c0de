"""Python API for notebooks: the same config, engine and tables as the command line.

from sim import run
result = run(["replicates=500", "mediator.engagement=0.5"])
result.summary
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.config.schema import RunConfig
from sim.engine.simulate import simulate
from sim.hydra.configs import compose_config
from sim.runs.runner import RunResult, execute


def run(
    overrides: Sequence[str] = (), *, config: RunConfig | None = None, config_name: str = "config"
) -> RunResult:
    """Run a scenario: from Hydra-style overrides of `conf/`, or from a ready `RunConfig`."""
    return execute(config if config is not None else compose_config(overrides, config_name))


def warm_up() -> None:
    """Compile and cache the numba code once (at install), so that first runs are fast."""
    result = run(["replicates=4"])
    simulate(result.world, replicates=1, seed=0, engine="mesa")

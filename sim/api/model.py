"""The Mesa model as Mesa users expect it: `AccordModel()` is the default scenario, and settings
are keyword arguments, so `mesa.batch_run` sweeps them like any Mesa model's parameters.

    import mesa
    from sim.api.model import AccordModel
    model = AccordModel(engagement=0.5, rng=7)           # a named setting
    model = AccordModel(**{"mediator.engagement": 0.5})  # any dotted config key
    rows = mesa.batch_run(AccordModel, parameters={"mediator.engagement": [0.0, 1.0]}, rng=[1, 2, 3],
                          max_steps=100, number_processes=1, data_collection_period=-1)

Named settings: engagement, strategy, peer_weight, leader_multiplier, threshold, and `weights`
(a mapping of utility terms). Every value is checked as the command line checks it (one-line
ConfigError naming the key). A parameter set here holds in place of the posterior's draws; the
model runs the scenario at its parameters' values from where the record leaves it (the
posterior's spread is an ensemble's: `python -m sim` or sim.api.evaluate).
"""

from __future__ import annotations

import functools

from sim.config.held import hold
from sim.config.load import with_values
from sim.config.schema import RunConfig
from sim.engine.model import WorldModel
from sim.hydra.configs import compose_config
from sim.runs.runner import design

NAMED = {
    "engagement": "mediator.engagement",
    "strategy": "mediator.strategy",
    "peer_weight": "params.weights.peer",
    "leader_multiplier": "params.leader_multiplier",
    "threshold": "params.threshold",
}


@functools.cache
def _default(overrides: tuple[str, ...]) -> RunConfig:
    return compose_config(
        list(overrides)
    )  # composed once per process: batch_run builds many models


def settings_config(base: RunConfig, settings: dict) -> RunConfig:
    """`base` with named or dotted settings, validated; parameters set here hold in every draw."""
    values = {}
    for key, value in settings.items():
        if key == "weights":
            values |= {f"params.weights.{term}": v for term, v in dict(value).items()}
        else:
            values[NAMED.get(key, key)] = value
    changed = with_values(base, values, origin="AccordModel settings") if values else base
    return hold(changed, [k for k in values if k.startswith("params.")])


class AccordModel(WorldModel):
    """The default scenario (or `config`, or the `overrides` of conf/), with `settings`."""

    def __init__(
        self,
        config: RunConfig | None = None,
        *,
        rng=None,
        replicate: int = 0,
        collect: bool = True,
        overrides: tuple[str, ...] = (),
        **settings,
    ):
        cfg = settings_config(
            config if config is not None else _default(tuple(overrides)), settings
        )
        world, _, _ = design(
            cfg
        )  # where the record leaves the scenario's start, at the config's parameters
        super().__init__(world, rng=rng, replicate=replicate, collect=collect)
        self.config = cfg

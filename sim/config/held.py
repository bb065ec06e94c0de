"""Parameters set by hand hold under posterior draws: `params.weights.peer=1` on the command
line, the page or an evaluator's point means 1 in every draw, not the draws' values."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sim.config.schema import RunConfig, params_values


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

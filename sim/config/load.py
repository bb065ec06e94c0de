"""The two ways to make a checked `RunConfig`: from plain data, and from a checked config with
some values changed.

`load_config(dict)` turns the composed Hydra config (as a plain dict) into a `RunConfig`, or
raises `ConfigError` naming the key; nothing below the entry point sees Hydra. `with_values` sets
dotted keys of a config (page values, sampled points, drawn inputs, fitted parameters). Both
check each field (sim.config.validate), then the rules across fields (sim.config.consistency).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from sim.config.consistency import check_config, check_params
from sim.config.errors import ConfigError
from sim.config.schema import RunConfig
from sim.config.terms import default_terms
from sim.config.validate import build, with_settings


def load_config(data: dict, like: tuple[dict, RunConfig] | None = None) -> RunConfig:
    """Validated `RunConfig` from a plain dict, or `ConfigError` naming the first bad key. A
    scenario without a start starts the month after the record's `as_of`. `like`: another config's
    (data, config) whose unchanged parts are taken as built (sim.config.validate.build), all
    but the scenario, which is built again for its start to follow this config's record."""
    if isinstance(data.get("record"), Mapping) and "end" in data["record"]:
        raise ConfigError("record.end", "renamed: rename the record's `end` to `as_of`")
    if like is not None:
        like = ({k: v for k, v in like[0].items() if k != "scenario"}, like[1])
    config = build(
        RunConfig,
        data if data.get("terms") is not None else {**data, "terms": default_terms()},
        like=like,
    )
    if config.scenario.start is None:
        if config.record is None:
            raise ConfigError(
                "scenario.start",
                "missing required value (or choose a record: the month after it ends)",
            )
        config = dataclasses.replace(
            config, scenario=dataclasses.replace(config.scenario, start=config.record.as_of + 1)
        )
    check_config(config)
    return config


def with_values(
    config: RunConfig, values: Mapping[str, Any], origin: str | None = None
) -> RunConfig:
    """`config` with each dotted key set to its value, checked as a config file is: each field's
    constraint, then the cross-field rules. The one way to change a config below the entry point
    (page values, sampled points, drawn inputs, fitted parameters). `origin` says what produced
    the values, for the error (e.g. a sensitivity parameter's range)."""
    try:
        config = with_settings(config, values)
        if all(key.startswith("params.") for key in values):
            check_params(
                config, values
            )  # every config is checked when made: only the params' rules can break
        else:
            check_config(config)
    except ConfigError as err:
        raise err if origin is None else err.in_file(origin) from None
    return config

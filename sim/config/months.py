"""Months as a user writes them, read once: 'YYYY-MM' text in config files, overrides and the
commands' arguments becomes an absolute month number (sim.core.calendar) here, so every layer
above the config counts months as integers; only files and figures show them as text again."""

from __future__ import annotations

from typing import Any

from sim.config.errors import ConfigError
from sim.core.calendar import parse_month


def read_month(value: Any, key: str) -> int:
    """The month number of `value` ('YYYY-MM'), or ConfigError naming `key` and the value."""
    try:
        return parse_month(value)
    except ValueError:
        raise ConfigError(key, f"expected a month as 'YYYY-MM', got {value!r}") from None

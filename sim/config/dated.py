"""Facts as of their date: a roster value given by month.

    palestine_linkage: 0.5                          always 0.5
    palestine_linkage: {2020-06: 0.5, 2024-12: 0.3}  0.5 until 2024-11, 0.3 from 2024-12

Each value holds from its month until the month before the next one; before the first month the
first value holds. So one roster serves the replay of the record (which sees each country as it
was at the time) and the outlook (which sees it as it is now). Each value may itself be an
uncertain input ({low, high}, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cached_property
from itertools import pairwise
from typing import Any

from sim.config.errors import ConfigError
from sim.config.months import read_month
from sim.core.calendar import parse_month

MONTH_KEY = re.compile(r"^\d{4}-\d{2}$")


class Dated(dict):
    """Values by month ('YYYY-MM' -> value), in increasing order of month. The keys stay text:
    they are part of the values' dotted keys (an uncertain input's stream is keyed by its key);
    `months` gives them as month numbers."""

    @cached_property
    def months(self) -> tuple[int, ...]:
        """The keys as absolute month numbers, in order."""
        return tuple(parse_month(key) for key in self)

    def at(self, month: int) -> Any:
        """The value that holds in the absolute month `month`."""
        current = next(iter(self.values()))
        for first, value in zip(self.months, self.values()):
            if first > month:
                break
            current = value
        return current


def is_dated(value: Any) -> bool:
    """A mapping whose keys are all months: a value by date (not a distribution)."""
    return isinstance(value, dict) and bool(value) and all(MONTH_KEY.match(str(k)) for k in value)


def dated(value: dict, key: str, convert: Callable[[Any, str], Any]) -> Dated:
    """A `Dated` from a YAML mapping at `key`, each value checked by `convert(value, its_key)`;
    ConfigError names the key and the month of a bad date, value or order."""
    months = [(read_month(month, f"{key}.{month}"), month) for month in map(str, value)]
    for (a, first), (b, second) in pairwise(months):
        if b <= a:
            raise ConfigError(
                key, f"expected months in increasing order, got {second} after {first}"
            )
    return Dated({month: convert(value[month], f"{key}.{month}") for _, month in months})


def values_at(value: Any, months: Iterable[int]) -> list:
    """A plain or dated value in each of `months` (absolute month numbers)."""
    return [value.at(m) if isinstance(value, Dated) else value for m in months]

"""Spans of months on the record: when a country's talks were on the record, or known not to be.

A country's entry under `in_talks` or `out_of_talks` is one span, `[first, last]`, or a list of
them (`[[2020-11, 2021-01], [2023-05, 2024-06]]`: talks reported twice, years apart).
"""

from __future__ import annotations

from sim.config.errors import ConfigError
from sim.config.validate import check_month
from sim.core.calendar import parse_month


def spans(entry: list) -> list[tuple[str, str]]:
    """The spans of one country's entry, as (first, last) month pairs."""
    if not entry:
        return []
    pairs = entry if all(isinstance(e, list) for e in entry) else [entry]
    return [tuple(pair) for pair in pairs]


def check_spans(key: str, entry) -> None:
    """ConfigError unless `entry` is a span or a list of spans of valid months, each in order."""
    if not isinstance(entry, list):
        raise ConfigError(
            key, f"expected [first month, last month] or a list of them, got {entry!r}"
        )
    for pair in spans(entry):
        if len(pair) != 2:
            raise ConfigError(key, f"expected [first month, last month], got {list(pair)!r}")
        for month in pair:
            check_month(month, key)
        if parse_month(pair[1]) < parse_month(pair[0]):
            raise ConfigError(key, f"expected [first month, last month], got {list(pair)!r}")


def cut_spans(entry: list, end: str) -> list[list[str]]:
    """The spans begun by `end`, each cut there (the record as it stood at the end of `end`)."""
    last_month = parse_month(end)
    return [
        [a, b if parse_month(b) <= last_month else end]
        for a, b in spans(entry)
        if parse_month(a) <= last_month
    ]

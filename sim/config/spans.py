"""Spans of months on the record: when a country's talks were on the record, or known not to be.

A country's entry under `in_talks` or `out_of_talks` is one span, `[first, last]`, or a list of
them (`[[2020-11, 2021-01], [2023-05, 2024-06]]`: talks reported twice, years apart). The
validated entry keeps the shape it was given, with month numbers for the months.
"""

from __future__ import annotations

from sim.config.errors import ConfigError
from sim.config.months import read_month

SPANS = {"spans": True}  # field metadata: a mapping of entries of spans (sim.config.validate)


def spans(entry: list) -> list[tuple[int, int]]:
    """The spans of one country's entry, as (first, last) month pairs."""
    if not entry:
        return []
    pairs = entry if all(isinstance(e, list) for e in entry) else [entry]
    return [tuple(pair) for pair in pairs]


def read_spans(entry, key: str) -> list:
    """`entry` (a span or a list of spans of 'YYYY-MM' months) with month numbers, in its shape;
    ConfigError unless each span is two valid months in order."""
    if not isinstance(entry, list):
        raise ConfigError(
            key, f"expected [first month, last month] or a list of them, got {entry!r}"
        )
    read = []
    for pair in spans(entry):
        if len(pair) != 2:
            raise ConfigError(key, f"expected [first month, last month], got {list(pair)!r}")
        first, last = (read_month(month, key) for month in pair)
        if last < first:
            raise ConfigError(key, f"expected [first month, last month], got {list(pair)!r}")
        read.append([first, last])
    one_span = bool(read) and not all(isinstance(e, list) for e in entry)
    return read[0] if one_span else read


def cut_spans(entry: list, end: int) -> list[list[int]]:
    """The spans begun by `end`, each cut there (the record as it stood at the end of `end`)."""
    return [[a, min(b, end)] for a, b in spans(entry) if a <= end]

"""Facts given by date (sim.config.dated), compiled by period: the months between two dates at
which some roster value changes share one period, so the compiled month reads one small array
a period (sim.engine.inputs)."""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.config.dated import Dated, values_at
from sim.config.schema import RunConfig


def period_starts(cfg: RunConfig, start: int, end: int) -> np.ndarray:
    """The first month of each period of dated facts within the window: the start, and every
    later month at which some roster value given by date changes."""
    changes = {m for c in cfg.roster.countries.values() for m in _dated_months(c)}
    return np.array(sorted({start} | {m for m in changes if start < m <= end}), dtype=np.int64)


def _dated_months(node) -> list[int]:
    if isinstance(node, Dated):
        return list(node.months)
    if dataclasses.is_dataclass(node):
        return [m for f in dataclasses.fields(node) for m in _dated_months(getattr(node, f.name))]
    if isinstance(node, dict):
        return [m for v in node.values() for m in _dated_months(v)]
    return []


def by_period(values: list, periods: np.ndarray) -> np.ndarray:
    """A (nested) list of plain or dated values as an array with a leading period axis: each
    period's value is the one that holds at its first month."""
    if not _any_dated(values):  # the common case: the same in every period
        plain = np.asarray(values)
        return np.array(np.broadcast_to(plain, (len(periods), *plain.shape)))  # a writable copy
    parts = [by_period(v, periods) for v in values] if isinstance(values, list) else None
    return np.stack(parts, axis=1) if parts is not None else np.array(values_at(values, periods))


def _any_dated(values) -> bool:
    if not isinstance(values, list):
        return isinstance(values, Dated)
    return any(
        _any_dated(v) for v in values if isinstance(v, (list, Dated))
    )  # plain numbers skipped: most entries

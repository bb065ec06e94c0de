"""Dated events and random shocks: who they hit, when, and what they shift.

An event shifts the salience of the Palestinian question and the felt Iran threat of the
countries it targets, and the mediator's engagement, for `months` months from its onset. A
dated event has a fixed onset; a random shock starts with a monthly probability when it is not
already running. A shock flagged `collapses_talks` may end talks in the month it starts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EventTable:
    """All events of a scenario as arrays; E events, C countries, K inducement types."""

    onset: np.ndarray  # (E,) absolute month of a dated event; -1 for random shocks
    months: np.ndarray  # (E,) duration in months
    p_monthly: np.ndarray  # (E,) onset probability of a random shock; 0 for dated events
    hits: np.ndarray  # (E, C) bool: countries the event targets
    salience: np.ndarray  # (E, C) shift of salience, zero off target
    iran_threat: np.ndarray  # (E, C) shift of the felt Iran threat, zero off target
    engagement: np.ndarray  # (E,) shift of the mediator's engagement
    collapses_talks: np.ndarray  # (E,) bool
    grants: np.ndarray  # (E, C, K) bool: inducements granted without accession at onset

    @property
    def is_random(self) -> np.ndarray:
        return self.onset < 0


def advance(
    remaining: np.ndarray, month: int, onset_draws: np.ndarray, table: EventTable
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One month of events for each replicate.

    remaining (R, E): months left of each running event before this month.
    onset_draws (R, E): uniforms deciding whether an idle random shock starts now.
    Returns (active, started, remaining after this month), each (R, E).
    """
    dated_start = ~table.is_random & (table.onset == month)
    random_start = table.is_random & (remaining == 0) & (onset_draws < table.p_monthly)
    started = dated_start | random_start
    remaining = np.where(started, table.months, remaining)
    active = remaining > 0
    return active, started, np.maximum(remaining - 1, 0)


def shifts(
    active: np.ndarray, table: EventTable
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Summed shifts of the active events: salience (R, C), Iran threat (R, C), engagement (R,)."""
    on = active.astype(np.float64)
    return on @ table.salience, on @ table.iran_threat, on @ table.engagement


def talks_shock(started: np.ndarray, table: EventTable) -> np.ndarray:
    """Countries hit this month by the onset of a talks-collapsing shock, (R, C) bool."""
    collapsing = started & table.collapses_talks
    return (collapsing.astype(np.float64) @ table.hits.astype(np.float64)) > 0

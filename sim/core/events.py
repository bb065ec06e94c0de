"""Dated events and random shocks: who they hit, when, and what they shift.

An event shifts the salience of the Palestinian question and the felt Iran threat of the
countries it targets, and the mediator's engagement, for `months` months from its onset. A
dated event has a fixed onset; a random shock starts with a monthly probability when it is not
already running. A shock flagged `collapses_talks` may end talks in the month it starts; a dated
event may grant inducements without accession at its onset.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit


class EventTable(NamedTuple):
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


class EventState(NamedTuple):
    """What events leave in a month, updated in place: E events, C countries, K types."""

    remaining: np.ndarray  # (E,) int: months left of each running event
    started: np.ndarray  # (E,) bool: started this month
    salience: np.ndarray  # (C,) salience of the Palestinian question
    threat: np.ndarray  # (C,) shift of the felt Iran threat
    hit: np.ndarray  # (C,) bool: hit by a talks-collapsing shock this month
    granted: np.ndarray  # (C, K) bool: inducements granted without accession this month


@njit(
    cache=True, error_model="numpy", inline="always"
)  # inlined: a call passing the table costs a reference count per array
def advance(
    remaining: np.ndarray,
    month: int,
    onset_draws: np.ndarray,
    table: EventTable,
    started: np.ndarray,
) -> None:
    """One month of events: which start now (`started`), and months left after this one.

    remaining (E,): months left of each running event, updated in place; an event is active
    this month when it has months left after any start. onset_draws (E,): uniforms deciding
    whether an idle random shock starts.
    """
    for e in range(len(remaining)):
        if table.onset[e] >= 0:
            starts = table.onset[e] == month
        else:
            starts = remaining[e] == 0 and onset_draws[e] < table.p_monthly[e]
        started[e] = starts
        if starts:
            remaining[e] = table.months[e]


@njit(
    cache=True, error_model="numpy", inline="always"
)  # inlined: a call passing the table costs a reference count per array
def fill_shifts(
    remaining: np.ndarray, table: EventTable, salience: np.ndarray, threat: np.ndarray
) -> float:
    """Add the active events' shifts to salience (C,) and threat (C,); return the engagement
    shift. Call after `advance` and before `age`."""
    engagement = 0.0
    for e in range(len(remaining)):
        if remaining[e] > 0:
            engagement += table.engagement[e]
            for i in range(len(salience)):
                salience[i] += table.salience[e, i]
                threat[i] += table.iran_threat[e, i]
    return engagement


@njit(
    cache=True, error_model="numpy", inline="always"
)  # inlined: a call passing the table costs a reference count per array
def age(remaining: np.ndarray) -> None:
    """A month has passed for every running event."""
    for e in range(len(remaining)):
        remaining[e] = max(remaining[e] - 1, 0)


@njit(
    cache=True, error_model="numpy", inline="always"
)  # inlined: a call passing the table costs a reference count per array
def fill_talks_shock(started: np.ndarray, table: EventTable, hit: np.ndarray) -> None:
    """Countries hit this month by the onset of a talks-collapsing shock, hit (C,) bool."""
    hit[:] = False
    for e in range(len(started)):
        if started[e] and table.collapses_talks[e]:
            for i in range(len(hit)):
                hit[i] |= table.hits[e, i]


@njit(
    cache=True, error_model="numpy", inline="always"
)  # inlined: a call passing the table costs a reference count per array
def granted_now(started: np.ndarray, table: EventTable, granted: np.ndarray) -> None:
    """Inducements granted without accession by the events starting now, granted (C, K) bool."""
    granted[:, :] = False
    for e in range(len(started)):
        if started[e]:
            for i in range(granted.shape[0]):  # by element: an array operation is a call
                for k in range(granted.shape[1]):
                    granted[i, k] |= table.grants[e, i, k]


@njit(
    cache=True, error_model="numpy", inline="always"
)  # inlined: a call costs a reference count per array
def month_of_events(
    state: EventState,
    month: int,
    onset_draws: np.ndarray,
    table: EventTable,
    base_salience: float,
    base_engagement: float,
) -> float:
    """Everything the events do in one month, in order, into `state`: onsets, the active events'
    shifts of salience and threat, the talks-collapsing shocks that hit, the inducements granted
    at onset; returns the mediator's engagement this month (never below 0)."""
    advance(state.remaining, month, onset_draws, table, state.started)
    state.salience[:] = base_salience
    state.threat[:] = 0.0
    shift = fill_shifts(state.remaining, table, state.salience, state.threat)
    age(state.remaining)
    fill_talks_shock(state.started, table, state.hit)
    granted_now(state.started, table, state.granted)
    return max(base_engagement + shift, 0.0)

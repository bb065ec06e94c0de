"""A row of a kernel call set up for its months (sim.engine.month), once per replicate: what it
reads and never changes (`Point`), what its months change (`State`), where its results go
(`Row`) and how it runs (`Mode`). All are NamedTuples of arrays and numbers, which numba
compiles as records and caches; each month's phase reads them by name."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.core import gates, mediator, streams
from sim.core.decision import MEMBER, OUTSIDE, TALKS, Rates
from sim.core.events import EventState, EventTable
from sim.core.utility import is_standing, moved_by_events
from sim.engine.inputs import Milestones, Recorders
from sim.engine.outcomes import BEFORE
from sim.engine.point import point_events, point_rates


class Mode(NamedTuple):
    """How a row runs (sim.engine.month's docstring)."""

    following: bool  # a record's join months, not drawn decisions
    courting: bool  # a courting mediator (latent when following)
    packaged: bool  # a what-if package adds offers (mediator.add_package; never on a record)
    explain: bool  # explanation sums kept
    trace: bool  # each month's inputs kept, row by row


class Point(NamedTuple):
    """What a row's months read and never change: its design point's numbers (views; by period
    where facts are dated) and the terms its explanation sums add month by month."""

    rates: Rates
    table: EventTable
    policy: mediator.Policy
    per_cost: np.ndarray  # (K,) 1 / each type's cost
    weights: np.ndarray  # (S, C, N)
    features: np.ndarray  # (S, C, F)
    threshold: np.ndarray  # (S, C)
    value: np.ndarray  # (S, C, K) what each offer is worth
    ties: np.ndarray  # (C, C)
    tie_totals: np.ndarray  # (C,)
    engagement: np.ndarray  # (T,) the mediator's, before events
    package: np.ndarray  # (T, C)
    salience: float  # before events
    leader_multiplier: float
    varying: np.ndarray  # the terms that are not standing: the peers', the offer's
    moving: np.ndarray  # the terms events move (sim.core.utility.events_part)


class Persuasion(NamedTuple):
    """What a persuadable mediator weighs: each country's utility without an offer, and what each
    offer would add to its hazard (sim.core.mediator.fill_persuasion_gain)."""

    utility: np.ndarray  # (C,)
    strength: np.ndarray  # (C, K)
    factor: np.ndarray  # (C, K)
    gain: np.ndarray  # (C, K)


class State(NamedTuple):
    """What a row's months change."""

    status: np.ndarray  # (C,) at the start of the month
    new: np.ndarray  # (C,) decided this month, committed at its end
    since: np.ndarray  # (C,) step of the first month of deciding in the current talks
    events: EventState
    draws: np.ndarray  # (E,) uniforms deciding whether idle random shocks start
    spent: np.ndarray  # (C, K) inducements granted without accession: no longer leverage
    units: np.ndarray  # (K,) left in the budget
    left: np.ndarray  # (K,) units left as the month's offers are made
    leverage: np.ndarray  # (C, K)
    pressure: np.ndarray  # (C,) peer pressure
    terms: np.ndarray  # (C, N) this month's signed utility terms
    utility: np.ndarray  # (C,) this month's, with the offer (deciding countries)
    readiness: np.ndarray  # (C,) this month's response r (deciding countries)
    offers: np.ndarray  # (C,) the type offered this month, or NO_OFFER
    paid: np.ndarray  # (C,) the type paid out if the country signs this month
    chance: np.ndarray  # (C,) a courting mediator's draws
    memo: mediator.CourtMemo
    persuasion: Persuasion
    standing: np.ndarray  # (C, N) the terms events move, without them (explanations)
    contributions: np.ndarray  # (N + 1,) a joiner's, in the month it joins (explanations)
    sign_from: np.ndarray  # (C,) absolute month from which its gates let it sign (sim.core.gates)
    talks_from: np.ndarray  # (C,) absolute month from which its gates let it open talks


class Row(NamedTuple):
    """Row r's own: its random streams, where its results go, and the record it follows."""

    r: int
    country_stream: np.ndarray  # (C,) stream bases
    event_stream: np.ndarray  # (E,)
    gate_stream: np.ndarray  # (G,)
    milestones: Milestones  # (C,) each, this row's
    by_month: np.ndarray  # (T, C, N + 3) its block's explanation sums while deciding
    pending: np.ndarray  # (T, C) its block's deciding months, standing terms not yet added
    at_join: np.ndarray  # (C, N + 3) its block's explanation sums in the month of joining
    recorders: Recorders  # the trace, by row
    joined: np.ndarray  # (C,) the record's join steps (empty: simulating)


@njit(cache=True, error_model="numpy", inline="always")
def mode_of(shared, numbers, d, recorders, joined) -> Mode:
    following = len(joined) > 0
    packaged = not following and (numbers.package[d] >= 0).any()  # records follow the record
    explain, trace = recorders.by_month.shape[1] > 0, recorders.readiness.shape[0] > 0
    return Mode(following, shared.strategy == mediator.COURTING, packaged, explain, trace)


@njit(cache=True, error_model="numpy", inline="always")
def point_of(shared, numbers, d, mode) -> Point:
    """What design point d gives a row: views of its numbers, read once per replicate."""
    latent = mode.courting and mode.following  # known offers from the script, the rest latent
    policy = mediator.Policy(
        mediator.SCRIPTED if latent else shared.strategy,
        shared.max_targets,
        shared.priority_rank,
        numbers.cost[d],
        numbers.court_rate[d],
        numbers.court_persistence[d],
    )
    kinds = shared.term_index[:, 0]
    return Point(
        point_rates(shared, numbers, d),
        point_events(shared, numbers, d),
        policy,
        1.0 / numbers.cost[d],
        numbers.weights[d],
        numbers.features[d],
        numbers.threshold[d],
        numbers.value[d],
        numbers.ties[d],
        numbers.tie_totals[d],
        numbers.engagement[d],
        numbers.package[d],
        numbers.salience[d],
        numbers.leader_multiplier[d],
        np.array([k for k in range(len(kinds)) if not is_standing(kinds[k])]),
        np.array([k for k in range(len(kinds)) if moved_by_events(kinds[k])]),
    )


@njit(cache=True, error_model="numpy", inline="always")
def row_of(rows, r, out, recorders, block, joined) -> Row:
    milestones = Milestones(
        out.talks_month[r], out.join_month[r], out.exit_month[r], out.collapse_month[r]
    )
    return Row(
        r,
        rows.country_streams[r],
        rows.event_streams[r],
        rows.gate_streams[r],
        milestones,
        recorders.by_month[block],
        recorders.pending[block],
        recorders.at_join[block],
        recorders,
        joined,
    )


@njit(cache=True, error_model="numpy", inline="always")
def state_at_start(shared, numbers, d, row, following) -> State:
    """A row's state at the start: statuses (talks latent on a record, or drawn), the budget and
    the events already running, and room for every month's work."""
    n_country, n_type = numbers.value.shape[2], numbers.value.shape[3]
    n_terms, by_type = numbers.weights.shape[3], (n_country, n_type)
    status = shared.status0.copy()
    if following:
        status[status == TALKS] = OUTSIDE  # talks are latent on the record
    else:
        _draw_latent_talks(status, numbers.p_talks0[d], row.country_stream, shared.start)
    no_offers = np.full(n_country, mediator.NO_OFFER)
    return State(
        status,
        status.copy(),
        shared.talks_since0.copy(),  # latent talks drawn at the start: 0, as every other
        _events_at_start(numbers.remaining0[d], n_country, n_type),
        np.ones(numbers.remaining0.shape[1]),
        shared.spent0.copy(),
        numbers.units0[d].copy(),
        np.zeros(n_type, dtype=np.int64),
        np.zeros(by_type),
        np.zeros(n_country),
        np.zeros((n_country, n_terms)),
        np.zeros(n_country),
        np.zeros(n_country),
        no_offers,
        no_offers.copy(),
        np.ones(n_country),
        mediator.new_court_memo(n_country, n_type),
        Persuasion(np.zeros(n_country), np.zeros(by_type), np.ones(by_type), np.zeros(by_type)),
        np.zeros((n_country, n_terms)),
        np.zeros(n_terms + 1),
        *_gates_at_start(shared, numbers, d, row, following),
    )


@njit(cache=True, error_model="numpy")
def _gates_at_start(shared, numbers, d, row, following):
    """Each country's months from which its gates let it sign and open talks, in this row: the
    gates' given months, or (simulating) their drawn ones (sim.core.gates)."""
    n_gate, n_country = shared.gate_blocks_sign.shape
    last = shared.start + len(shared.period) - 1
    opened = np.empty(n_gate, dtype=np.int64)
    for g in range(n_gate):
        p_monthly = 0.0 if following else numbers.gate_p_monthly[d, g]
        key, earliest = row.gate_stream[g], shared.gate_earliest[g]
        opened[g] = gates.opening_month(
            numbers.gate_opens[d, g], p_monthly, earliest, key, shared.start, last
        )
    sign_from, talks_from = np.zeros(n_country, np.int64), np.zeros(n_country, np.int64)
    gates.fill_open_from(opened, shared.gate_blocks_sign, sign_from)
    gates.fill_open_from(opened, shared.gate_blocks_talks, talks_from)
    return sign_from, talks_from


@njit(cache=True, error_model="numpy", inline="always")
def _events_at_start(remaining0, n_country, n_type) -> EventState:
    """The events' state before the first month: those already running (`remaining0` (E,): the
    months each has left) and nothing else."""
    return EventState(
        remaining0.copy(),
        np.zeros(len(remaining0), dtype=np.bool_),
        np.zeros(n_country),
        np.zeros(n_country),
        np.zeros(n_country, dtype=np.bool_),
        np.zeros((n_country, n_type), dtype=np.bool_),
    )


@njit(cache=True, error_model="numpy", inline="always")
def mark_before(status, milestones) -> None:
    """Milestones reached before the start."""
    for i in range(len(status)):
        if status[i] >= TALKS:
            milestones.talks_month[i] = BEFORE
        if status[i] == MEMBER:
            milestones.join_month[i] = BEFORE


@njit(cache=True, error_model="numpy")
def _draw_latent_talks(status, p_talks, country_stream, start):
    """Countries outside at the start are in talks with probability `p_talks` (C,): talks that
    no record shows, drawn once per replicate from each country's stream."""
    for i in range(len(status)):
        drawn = status[i] == OUTSIDE and p_talks[i] > 0.0
        if drawn and streams.uniform(country_stream[i], start, streams.START) < p_talks[i]:
            status[i] = TALKS

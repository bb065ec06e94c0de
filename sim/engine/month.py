"""The model's months, compiled once: for the ensemble kernel and for the likelihood of the record.

`run_replicate` repeats `AccordModel.step` (sim.engine.model, the readable reference) for one
row. Once per replicate it reads what the row's design point gives, sets up what its months
change and where its results go (sim.engine.row); then, month after month, in phases:

1. `_month_of_events`: events start, shift salience, threat and engagement, and may grant
   inducements;
2. `_situation`: the grants paid out, the mediator's leverage, peer pressure and every utility
   term but the offer;
3. the mediator moves first: `_court` (a courting mediator), or `_choose` (any other; with
   `_persuasion`, what a persuadable one weighs), then `_add_package` (a what-if package);
4. `_decide`: every country's utility with its offer, its response r and its next status, all
   from the same start-of-month state; what the explanation sums and the likelihood need is
   recorded from there (sim.engine.recording);
5. `_commit`: the new statuses, their milestones, and the joiners' inducements paid out.

It runs in one of two modes (sim.engine.row.Mode):

- simulating: random shocks and decisions are drawn from the row's keyed streams (the kernel);
- following a record: statuses follow the record's join months, random shocks never start (the
  record's dated events replace them), and only the inputs of each month are kept (readiness,
  shocks, offers; sim.engine.follow, sim.inference.likelihood). Talks are latent there: a
  country in talks at the start counts as outside. A courting mediator's offers known before an
  accession are taken as given; in every other month its courting is latent too: the trace
  keeps the response without an offer, the response if courted with the best offer and the
  chance a spell starts, and the likelihood's filter integrates the spells out. A country that
  joins while its courting is latent is taken to have been paid its best offer.

So the record is scored on exactly the month the simulations run.

Speed. Each array a compiled call passes costs a reference count, an atomic operation, at both
ends; per month that cost the kernel up to half its speed. Every phase is inlined (numba's
`inline="always"`, at its IR level) into one loop, with the sim.core functions it calls; a
phase's arguments are still copies, counted, and LLVM prunes those counts (numba's refprune
pass) only across plain control flow. So a phase calls nothing that is not inlined, allocates
nothing, reads arrays inside a branch only from what it took out of its tuples before it, and
ends outside any branch: the branches between phases are in `run_replicate`, whose tuples live
across the loop. Kept so, a month counts nothing the loop does not need (sim.engine.kernel).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.core import events, gates, mediator, streams
from sim.core.decision import EXITED, MEMBER, OUTSIDE, TALKS, is_settled, next_status, response
from sim.core.peers import fill_peer_pressure
from sim.core.utility import fill_standing, fill_terms, utility_of
from sim.engine.outcomes import NEVER
from sim.engine.recording import explain_joins, explain_month, trace_month
from sim.engine.row import mark_before, mode_of, point_of, row_of, state_at_start

SIMULATING = np.zeros(0, dtype=np.int64)  # `joined` of a run that follows no record


class Now(NamedTuple):
    """The month being run."""

    t: int  # step
    s: int  # period of dated facts
    month: int  # absolute month
    engagement: float  # the mediator's, events included


@njit(cache=True, error_model="numpy", inline="always")
def run_replicate(shared, numbers, rows, r, out, recorders, block, joined):
    """Row r to the horizon: its milestones into `out` (simulating), or its month inputs into
    the recorders' trace (following `joined`, when not empty); explanation sums into `block`."""
    d = rows.points[r]
    mode = mode_of(shared, numbers, d, recorders, joined)
    point, row = point_of(shared, numbers, d, mode), row_of(rows, r, out, recorders, block, joined)
    state = state_at_start(shared, numbers, d, row, mode.following)
    mark_before(state.status, row.milestones)
    members_changed = True  # peer pressure depends on who is a member: refilled on a change
    factor_engagement = np.nan  # the engagement the offer factors were computed for
    for t in range(len(point.engagement)):
        now = _month_of_events(shared, point, state, row, t, mode.following)
        if _situation(shared, point, state, now, members_changed, mode.explain):
            factor_engagement = np.nan  # the leverage was refilled: the offer factors are stale
        if shared.strategy == mediator.PERSUADABLE:  # the only strategy that weighs persuasion
            factor_engagement = _persuasion(shared, point, state, now, factor_engagement)
        if mode.courting and not mode.following:  # 3. the mediator moves first
            _court(point, state, row, now)
        else:
            _choose(shared, point, state, now)
        if mode.packaged:
            _add_package(point, state, now)
        _decide(shared, point, state, mode, row, now)
        if mode.explain:
            explain_month(shared, point, state, row, now)
        if mode.trace:
            trace_month(shared, point, state, mode, row, now)
        members_changed = _commit(state, row, now)
        if mode.explain and members_changed:  # someone joined (or left)
            explain_joins(shared, point, state, row, now)


@njit(cache=True, error_model="numpy", inline="always")
def _month_of_events(shared, point, state, row, t, following):
    """1. Events start, shift salience, threat and engagement, and may grant inducements.
    Returns the month."""
    month = shared.start + t
    for e in range(len(state.draws) if not following else 0):  # following: shocks never start
        state.draws[e] = streams.uniform(row.event_stream[e], month, streams.SHOCK_ONSET)
    engagement = events.month_of_events(
        state.events, month, state.draws, point.table, point.salience, point.engagement[t]
    )
    return Now(t, shared.period[t], month, engagement)


@njit(cache=True, error_model="numpy", inline="always")
def _situation(shared, point, state, now, members_changed, explain):
    """2. The situation: the inducements granted this month paid out, the leverage (refilled
    only where a grant or the period's facts changed it), peer pressure (only when who is a
    member changed) and every utility term but the offer; with explanations, the terms events
    move at their standing values, once a period. Returns whether the leverage was refilled."""
    granting = state.events.granted.any()
    if granting:
        mediator.grant(state.spent, state.units, state.events.granted)
    t, s = now.t, now.s
    new_period = t == 0 or s != shared.period[t - 1]
    if granting or new_period:  # the leverage changes only with these
        mediator.fill_leverage(state.leverage, point.value[s], state.spent, shared.candidate[s])
        mediator.remember_most_valued(state.memo, state.leverage)  # for a courting mediator
    if members_changed:
        fill_peer_pressure(
            state.pressure,
            point.ties,
            point.tie_totals,
            state.status,
            shared.leader,
            shared.is_follower,
            point.leader_multiplier,
        )
    index, sign = shared.term_index, shared.term_sign
    if explain and new_period:
        weights, features = point.weights[s], point.features[s]
        fill_standing(state.standing, weights, features, point.salience, index, sign)
    happened, weights, features = state.events, point.weights[s], point.features[s]
    fill_terms(
        state.terms,
        weights,
        features,
        happened.threat,
        happened.salience,
        state.pressure,
        index,
        sign,
    )  # last, outside any branch (the module's docstring)
    return granting or new_period


@njit(cache=True, error_model="numpy", inline="always")
def _persuasion(shared, point, state, now, factor_engagement):
    """What each offer would add to each country's hazard, as a persuadable mediator weighs it.
    Returns the engagement the offer factors are computed for: they change only with it and the
    leverage."""
    offer_term, persuasion = shared.offer_term, state.persuasion
    for i in range(len(state.status)):
        persuasion.utility[i] = utility_of(state.terms, i)
    if now.engagement != factor_engagement:
        for i in range(len(state.status)):
            weight = point.weights[now.s, i, offer_term]
            for k in range(state.leverage.shape[1]):
                persuasion.strength[i, k] = weight * now.engagement * state.leverage[i, k]
        mediator.fill_offer_factors(persuasion.factor, persuasion.strength, point.rates.noise)
    mediator.fill_persuasion_gain(
        persuasion,
        state.status,
        point.threshold[now.s],
        point.rates,
        state.since,
        now.t,
    )
    return now.engagement


@njit(cache=True, error_model="numpy", inline="always")
def _court(point, state, row, now):
    """3. A courting mediator's offers: a spell starts, goes on or ends, drawn for each country
    it could court."""
    for i in range(len(state.status)):
        if state.status[i] <= TALKS:
            key = row.country_stream[i]
            state.chance[i] = streams.uniform(key, now.month, streams.COURT)
    mediator.court_from_memo(
        state.offers,
        point.policy,
        state.leverage,
        state.status,
        state.units,
        state.chance,
        now.engagement,
        state.memo,
    )


@njit(cache=True, error_model="numpy", inline="always")
def _choose(shared, point, state, now):
    """3. Any other mediator's offers (mediator.choose_offers)."""
    for k in range(len(state.units)):  # by element: an array's copy checks its shape, a call
        state.left[k] = state.units[k]
    mediator.pick_offers(
        state.offers,
        point.policy,
        state.persuasion.gain,
        state.leverage,
        state.status,
        state.left,
        shared.script[now.t],
        point.per_cost,
    )


@njit(cache=True, error_model="numpy", inline="always")
def _add_package(point, state, now):
    """3. A what-if package's offers, over the strategy's (mediator.add_package)."""
    package = point.package[now.t]
    mediator.add_package(state.offers, package, state.status, state.units, state.leverage)


@njit(cache=True, error_model="numpy", inline="always")
def _decide(shared, point, state, mode, row, now):
    """4. Every country decides from the same start-of-month state: its utility with its offer,
    its response r, and its next status (drawn, or the record's) into `state.new`."""
    rates, offer_term, s = point.rates, shared.offer_term, now.s
    for i in range(len(state.status)):
        status = state.status[i]
        if is_settled(status, rates) and not mode.following:
            state.new[i] = status  # next_status would say so whatever the draw: skip the work
            continue
        worth = mediator.offer_worth(state.offers[i], state.leverage, i, now.engagement)
        state.terms[i, offer_term] = point.weights[s, i, offer_term] * worth
        u = utility_of(state.terms, i)
        readiness = (
            response(u, point.threshold[s, i], rates.noise) if shared.candidate[s, i] else 0.0
        )
        state.utility[i], state.readiness[i] = u, readiness
        state.paid[i] = state.offers[i]
        if mode.courting and mode.following and state.offers[i] == mediator.NO_OFFER:
            state.paid[i] = mediator.best_offer(state.leverage, i, state.units)  # latent courting
        if mode.following:
            state.new[i] = MEMBER if row.joined[i] == now.t else status
        else:
            key, hit = row.country_stream[i], state.events.hit[i]
            months = now.t - state.since[i]  # in talks, the months they have run
            drawn = _drawn_status(status, readiness, key, now.month, rates, hit, months)
            sign_from, talks_from = state.sign_from[i], state.talks_from[i]
            state.new[i] = gates.held(status, drawn, now.month, sign_from, talks_from)


@njit(cache=True, error_model="numpy", inline="always")
def _drawn_status(status, readiness, key, month, rates, hit, months):
    """A country's next status, drawn from its stream (`key`) for this month."""
    draw = streams.uniform(key, month, streams.TRANSITION)
    shock_draw = 1.0
    if hit:
        shock_draw = streams.uniform(key, month, streams.SHOCK_COLLAPSE)
    return next_status(status, readiness, draw, rates, hit, shock_draw, months)


@njit(cache=True, error_model="numpy", inline="always")
def _commit(state, row, now):
    """5. All commit: the milestones of the statuses that changed, and the joiners' inducements
    paid out. Returns whether who is a member changed."""
    talks_month, join_month, exit_month, collapse_month = row.milestones  # not read in branches:
    status, units, t = state.status, state.units, now.t  # a read there would cost counts (above)
    since = state.since
    members_changed = False
    for i in range(len(status)):
        old, new = status[i], state.new[i]
        if new != old:
            members_changed = members_changed or new == MEMBER or old == MEMBER
            if new == TALKS:  # talks opened: next month is their first of deciding in them
                since[i] = t + 1
            if new == TALKS and talks_month[i] == NEVER:
                talks_month[i] = t
            elif new == MEMBER:
                join_month[i] = t
                mediator.spend(units, state.paid[i])
            elif new == EXITED:
                exit_month[i] = t
            elif new == OUTSIDE and collapse_month[i] == NEVER:  # talks ended
                collapse_month[i] = t
        status[i] = new
    return members_changed

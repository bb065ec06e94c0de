"""The model's months, compiled once: for the ensemble kernel and for the likelihood of the record.

`run_replicate` repeats `AccordModel.step` (sim.engine.model, the readable reference) for one
row: (1) events start, shift salience, threat and engagement, and may grant inducements; (2) the
situation: peer pressure and every utility term but the offer; (3) the mediator chooses whom to
court; (4) every country's utility with its offer and its response r, then each decides from the
same start-of-month state and all commit. It runs in one of two modes:

- simulating: random shocks and decisions are drawn from the row's keyed streams (the kernel);
- following a record: statuses follow the record's join months, random shocks never start (the
  record's dated events replace them), and only the inputs of each month are kept (readiness,
  shocks, offers; sim.inference.likelihood). Talks are latent there: a country in talks at the
  start counts as outside. A courting mediator's offers known before an accession are taken as
  given; in every other month its courting is latent too: the trace keeps the response without
  an offer, the response if courted with the best offer and the chance a spell starts, and the
  likelihood's filter integrates the spells out. A country that joins while its courting is
  latent is taken to have been paid its best offer.

So the record is scored on exactly the month the simulations run. The loop takes its arrays out
of the input tuples once per replicate, not once per month: each access to a tuple's array
costs a reference count, and per month the kernel ran at 26 instead of 43 million country-steps
a second.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.core import events, mediator, streams
from sim.core.decision import EXITED, MEMBER, OUTSIDE, TALKS, next_status, response
from sim.core.peers import fill_peer_pressure
from sim.core.utility import (
    accession_utility,
    fill_contributions,
    fill_standing,
    fill_terms,
    is_standing,
    moved_by_events,
)
from sim.engine.inputs import Milestones, Recorders, Rows
from sim.engine.outcomes import BEFORE, FIXED_POINT, NEVER
from sim.engine.point import point_events, point_rates

EXPLAINED_EXTRA = (
    3  # an explanation row: the N terms, then the events' part, the utility and the threshold
)
SIMULATING = np.zeros(0, dtype=np.int64)  # `joined` of a run that follows no record


@njit(cache=True, error_model="numpy")
def follow_record(shared, numbers, points: np.ndarray, joined: np.ndarray) -> Recorders:
    """Each design point's months on a record (`joined` (C,): each country's join step, or
    NEVER): the traced readiness, shocks and offers (P, T, C) of `Recorders`, a row a point."""
    rows, out, recorders = _trace_room(shared, numbers, points, len(joined))
    _follow_rows(shared, numbers, rows, out, recorders, joined, 0, len(points))
    return recorders


def follow_records(shared, numbers, points: np.ndarray, joined: np.ndarray) -> Recorders:
    """`follow_record` for many points (a run's posterior draws), in parallel threads."""
    rows, out, recorders = _trace_room(shared, numbers, points, len(joined))
    _follow_blocks(shared, numbers, rows, out, recorders, joined)
    return recorders


@njit(parallel=True, cache=True, error_model="numpy")
def _follow_blocks(shared, numbers, rows, out, recorders, joined):
    n_rows = len(rows.points)
    n_blocks = min(n_rows, 64)
    for b in prange(n_blocks):  # a block a call, the month inlined there (see sim.engine.kernel)
        _follow_rows(
            shared,
            numbers,
            rows,
            out,
            recorders,
            joined,
            b * n_rows // n_blocks,
            (b + 1) * n_rows // n_blocks,
        )


@njit(cache=True, error_model="numpy")
def _trace_room(shared, numbers, points, n_country):
    """Rows (no streams: following a record draws nothing), milestones and trace recorders for
    `points`, one row each."""
    n_months, n_rows, n_event = numbers.engagement.shape[1], len(points), len(shared.event_onset)
    rows = Rows(
        points.copy(),
        np.zeros((n_rows, n_country), np.uint64),
        np.zeros((n_rows, n_event), np.uint64),
    )
    unused = np.zeros((n_rows, n_country), np.int16)
    recorders = Recorders(
        np.zeros((1, 0, 0, 0), np.int64),
        np.zeros((1, 0, 0), np.int64),
        np.zeros((1, 0, 0), np.int64),
        np.full((n_rows, n_months, n_country), np.nan),
        np.zeros((n_rows, n_months, n_country), np.bool_),
        np.full((n_rows, n_months, n_country), -1),
        np.full((n_rows, n_months, n_country), np.nan),
        np.full((n_rows, n_months, n_country), np.nan),
        np.zeros((1, 0, 0), np.int64),
    )
    return rows, Milestones(unused, unused.copy(), unused.copy(), unused.copy()), recorders


@njit(cache=True, error_model="numpy")
def _follow_rows(shared, numbers, rows, out, recorders, joined, first, last):
    for r in range(first, last):
        run_replicate(shared, numbers, rows, r, out, recorders, 0, joined)


@njit(cache=True, error_model="numpy", inline="always")
def run_replicate(shared, numbers, rows, r, out, recorders, block, joined):
    """Row r to the horizon: its milestones into `out` (simulating), or its month inputs into
    the recorders' trace (following `joined`, when not empty); explanation sums into `block`."""
    following = len(joined) > 0
    d = rows.points[r]
    rates, table = point_rates(shared, numbers, d), point_events(shared, numbers, d)
    country_stream, event_stream = rows.country_streams[r], rows.event_streams[r]
    talks_month, join_month, exit_month = out.talks_month[r], out.join_month[r], out.exit_month[r]
    collapse_month = out.collapse_month[r]
    explain, trace = recorders.by_month.shape[1] > 0, recorders.readiness.shape[0] > 0
    by_month, pending = recorders.by_month[block], recorders.pending[block]
    term_index, term_sign = shared.term_index, shared.term_sign
    varying = np.array(
        [k for k in range(len(term_sign)) if not is_standing(term_index[k, 0])]
    )  # the peers', the offer's
    moving = np.array(
        [k for k in range(len(term_sign)) if moved_by_events(term_index[k, 0])]
    )  # events_part's terms
    weights_by_period, features_by_period = numbers.weights[d], numbers.features[d]
    threshold_by_period, value_by_period = numbers.threshold[d], numbers.value[d]
    candidate_by_period, period = shared.candidate, shared.period
    ties, totals, cost = numbers.ties[d], numbers.tie_totals[d], numbers.cost[d]
    base_salience = numbers.salience[d]
    spent, units = shared.spent0.copy(), numbers.units0[d].copy()
    leverage = np.zeros(value_by_period.shape[1:])
    events_left = numbers.remaining0[d].copy()
    package = numbers.package[d]
    packaged = not following and (package >= 0).any()  # the record's months follow the record only
    n_country, n_type = leverage.shape
    status = shared.status0.copy()
    if following:
        status[status == TALKS] = OUTSIDE  # talks are latent on the record
    else:
        _draw_latent_talks(status, numbers.p_talks0[d], country_stream, shared.start)
    new = status.copy()
    draws, pressure = np.ones(len(events_left)), np.zeros(n_country)
    happened = events.EventState(
        events_left,
        np.zeros(len(events_left), dtype=np.bool_),
        np.zeros(n_country),
        np.zeros(n_country),
        np.zeros(n_country, dtype=np.bool_),
        np.zeros((n_country, n_type), dtype=np.bool_),
    )
    salience, threat, hit, granted = (
        happened.salience,
        happened.threat,
        happened.hit,
        happened.granted,
    )
    courting = shared.strategy == mediator.COURTING
    latent_courting = (
        courting and following
    )  # known offers from the script, the rest integrated out
    strategy = mediator.SCRIPTED if latent_courting else shared.strategy
    policy = mediator.Policy(
        strategy,
        shared.max_targets,
        shared.priority_rank,
        cost,
        numbers.court_rate[d],
        numbers.court_persistence[d],
    )
    chance = np.ones(n_country)
    court_memo = mediator.new_court_memo(n_country, n_type)
    paid = np.full(
        n_country, mediator.NO_OFFER
    )  # the type paid out if the country signs this month
    n_terms, offer_term = weights_by_period.shape[2], shared.offer_term
    terms, utility = np.zeros((n_country, n_terms)), np.zeros(n_country)
    strength, factor = np.zeros((n_country, n_type)), np.ones((n_country, n_type))
    gain = np.zeros((n_country, n_type))
    factor_engagement = np.nan  # the engagement the offer factors were computed for
    offers = np.full(n_country, mediator.NO_OFFER)
    row, standing = np.zeros(n_terms + 1), np.zeros((n_country, n_terms))
    members_changed = (
        True  # peer pressure depends on who is a member only: refilled when that changes
    )
    for i in range(n_country):
        if status[i] >= TALKS:
            talks_month[i] = BEFORE
        if status[i] == MEMBER:
            join_month[i] = BEFORE
    for t in range(numbers.engagement.shape[1]):
        month = shared.start + t
        # 1. events (following a record, random shocks never start: their draws stay at 1)
        for e in range(len(draws) if not following else 0):
            draws[e] = streams.uniform(event_stream[e], month, streams.SHOCK_ONSET)
        base_engagement = numbers.engagement[d, t]
        engagement = events.month_of_events(
            happened, month, draws, table, base_salience, base_engagement
        )
        s = period[t]  # facts given by date: this month's period
        weights, features = weights_by_period[s], features_by_period[s]
        granting = granted.any()
        if granting:
            mediator.grant(spent, units, granted)
        if granting or t == 0 or s != period[t - 1]:  # leverage changes only with these
            if mediator.fill_leverage(leverage, value_by_period[s], spent, candidate_by_period[s]):
                mediator.leverage_changed(court_memo)
            factor_engagement = np.nan  # the offer factors are stale
        # 2. the situation
        if members_changed:
            fill_peer_pressure(
                pressure,
                ties,
                totals,
                status,
                shared.leader,
                shared.is_follower,
                numbers.leader_multiplier[d],
            )
            members_changed = False
        fill_terms(terms, weights, features, threat, salience, pressure, term_index, term_sign)
        if explain and (t == 0 or s != period[t - 1]):
            fill_standing(standing, weights, features, base_salience, term_index, term_sign)
        # 3. the mediator moves first
        if shared.strategy == mediator.PERSUADABLE:  # the only strategy that weighs persuasion
            for i in range(n_country):
                utility[i] = accession_utility(terms[i])
            if engagement != factor_engagement:  # the factors only change with these two
                for i in range(n_country):
                    for k in range(n_type):
                        strength[i, k] = weights[i, offer_term] * engagement * leverage[i, k]
                mediator.fill_offer_factors(factor, strength, rates.noise)
                factor_engagement = engagement
            mediator.fill_persuasion_gain(
                gain, status, utility, threshold_by_period[s], factor, rates
            )
        if courting and not following:
            for i in range(n_country):
                if status[i] <= TALKS:
                    chance[i] = streams.uniform(country_stream[i], month, streams.COURT)
            mediator.court_remembering(
                offers, policy, leverage, status, units, chance, engagement, court_memo
            )
        else:
            mediator.choose_offers(offers, policy, gain, leverage, status, units, shared.script[t])
        if packaged:  # a what-if package (mediator.package) over the strategy's offers
            mediator.add_package(offers, package[t], status, units, leverage)
        # 4. every country decides, then all commit
        for i in range(n_country):
            settled = status[i] == EXITED or (status[i] == MEMBER and not rates.exit_enabled)
            if settled and not following:
                new[i] = status[i]  # next_status would say so whatever the draw: skip the work
                continue
            worth = mediator.offer_worth(offers[i], leverage, i, engagement)
            terms[i, offer_term] = weights[i, offer_term] * worth
            u = accession_utility(terms[i])
            candidate, threshold = candidate_by_period[s, i], threshold_by_period[s, i]
            if (
                explain and status[i] <= TALKS and candidate
            ):  # the standing terms: counted, added by add_standing
                for k in varying:
                    by_month[t, i, k] += _fixed(terms[i, k])
                moved = 0.0  # events_part, its loop here (a call per deciding month cost its arrays' counts)
                for k in moving:
                    moved += terms[i, k] - standing[i, k]
                by_month[t, i, n_terms] += _fixed(moved)
                by_month[t, i, n_terms + 1] += _fixed(u)
                pending[t, i] += 1
            readiness = response(u, threshold, rates.noise) if candidate else 0.0
            paid[i] = offers[i]
            if trace:
                recorders.readiness[r, t, i] = readiness
                recorders.shocked[r, t, i], recorders.offers[r, t, i] = hit[i], offers[i]
            if trace and courting and status[i] <= TALKS:  # what the likelihood's filter needs
                best = mediator.best_offer(leverage, i, units)
                if best != mediator.NO_OFFER:
                    recorders.courting[r, t, i] = mediator.courting_start(
                        leverage[i, best], engagement, policy.court_rate
                    )
                    terms[i, offer_term] = weights[i, offer_term] * mediator.offer_worth(
                        best, leverage, i, engagement
                    )
                    courted = accession_utility(
                        terms[i]
                    )  # as the month computes it when courted: bit for bit
                    terms[i, offer_term] = weights[i, offer_term] * worth
                    recorders.courted_readiness[r, t, i] = (
                        response(courted, threshold, rates.noise) if candidate else 0.0
                    )
                else:
                    recorders.courting[r, t, i] = 0.0
                if following and offers[i] != mediator.NO_OFFER:  # a known offer: the spell is seen
                    recorders.courted_readiness[r, t, i] = readiness
            if latent_courting and offers[i] == mediator.NO_OFFER:
                paid[i] = mediator.best_offer(leverage, i, units)
            if following:
                new[i] = MEMBER if joined[i] == t else status[i]
                continue
            draw = streams.uniform(country_stream[i], month, streams.TRANSITION)
            shock_draw = 1.0
            if hit[i]:
                shock_draw = streams.uniform(country_stream[i], month, streams.SHOCK_COLLAPSE)
            new[i] = next_status(status[i], readiness, draw, rates, hit[i], shock_draw)
        for i in range(n_country):
            if new[i] != status[i]:
                members_changed = members_changed or new[i] == MEMBER or status[i] == MEMBER
                if new[i] == TALKS and talks_month[i] == NEVER:
                    talks_month[i] = t
                elif new[i] == MEMBER:
                    join_month[i] = t
                    mediator.spend(units, paid[i])
                    if explain:  # the month it joined in, in full (joins are rare)
                        fill_contributions(row, terms, standing, i, term_index)
                        for k in range(n_terms + 1):
                            recorders.at_join[block, i, k] += _fixed(row[k])
                        recorders.at_join[block, i, n_terms + 1] += _fixed(
                            accession_utility(terms[i])
                        )
                        recorders.at_join[block, i, n_terms + 2] += _fixed(
                            threshold_by_period[s, i]
                        )
                elif new[i] == EXITED:
                    exit_month[i] = t
                elif (
                    new[i] == OUTSIDE and collapse_month[i] == NEVER
                ):  # talks ended without accession
                    collapse_month[i] = t
            status[i] = new[i]


@njit(cache=True, error_model="numpy")
def _fixed(value: float) -> np.int64:
    """A value of the explanation sums in fixed point: integer sums are exact in any order."""
    return np.int64(np.rint(value * FIXED_POINT))


@njit(cache=True, error_model="numpy")
def add_standing(shared, numbers, recorders, block, d):
    """Add to a block's explanation sums the standing contributions (terms that stay while the
    facts do; the threshold) and the count of its deciding months counted since the last call,
    all of design point `d`: a month's value times the count, the same integer as adding it
    month by month (`run_replicate` adds the peers', the offer's, the events' part and the
    utility itself), at a fraction of the cost."""
    n_country, n_terms = numbers.weights.shape[2], numbers.weights.shape[3]
    pending, sums, deciding = (
        recorders.pending[block],
        recorders.by_month[block],
        recorders.deciding[block],
    )
    terms, standing, row = (
        np.zeros((n_country, n_terms)),
        np.zeros((n_country, n_terms)),
        np.zeros(n_terms + 1),
    )
    zero = np.zeros(n_country)
    for s in range(numbers.weights.shape[1]):
        weights, features = numbers.weights[d, s], numbers.features[d, s]
        fill_terms(
            terms, weights, features, zero, zero, zero, shared.term_index, shared.term_sign
        )  # the standing ones
        fill_standing(
            standing, weights, features, numbers.salience[d], shared.term_index, shared.term_sign
        )
        for i in range(n_country):
            fill_contributions(row, terms, standing, i, shared.term_index)
            threshold = _fixed(numbers.threshold[d, s, i])
            for t in range(len(shared.period)):
                count = pending[t, i]
                if shared.period[t] != s or count == 0:
                    continue
                for k in range(n_terms):
                    if is_standing(shared.term_index[k, 0]):
                        sums[t, i, k] += count * _fixed(row[k])
                sums[t, i, n_terms + 2] += count * threshold
                deciding[t, i] += count
                pending[t, i] = 0


@njit(cache=True, error_model="numpy")
def _draw_latent_talks(status, p_talks, country_stream, start):
    """Countries outside at the start are in talks with probability `p_talks` (C,): talks that
    no record shows, drawn once per replicate from each country's stream."""
    for i in range(len(status)):
        drawn = status[i] == OUTSIDE and p_talks[i] > 0.0
        if drawn and streams.uniform(country_stream[i], start, streams.START) < p_talks[i]:
            status[i] = TALKS

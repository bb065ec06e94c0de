"""The ensemble engine: the Mesa model's month, compiled and run for many replicates at once.

Each replicate repeats `AccordModel.step` in the same order with the same compiled `sim.core`
functions and the same keyed random draws, so replicate r here follows the same path as
`AccordModel(world, rng=seed, replicate=r)`. Only this orchestration exists twice; the
arithmetic is shared. Replicates run in parallel threads (numba `prange`); because every draw is
keyed, the result does not depend on the number of threads or the chunking.

Each row of a call is a (design point, replicate) pair: the design point picks the world's
numbers from a `WorldStack`, the replicate index picks the random streams. A sensitivity run
gives every design point the same replicate indices (common random numbers).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.core import events, mediator, streams
from sim.core.decision import EXITED, MEMBER, TALKS, Rates, next_status, response
from sim.core.events import EventTable
from sim.core.peers import fill_peer_pressure
from sim.core.utility import (
    CONTRIBUTIONS,
    INDUCEMENT,
    TERMS,
    accession_utility,
    fill_contributions,
    fill_terms,
)  # fmt: skip
from sim.design import WorldStack
from sim.outcomes import BEFORE, FIXED_POINT, NEVER, ContributionSums, Outcomes

N_EXPLAINED = len(CONTRIBUTIONS) + 2  # the contributions, the utility, the threshold
BLOCKS = 64  # explanation sums are kept per block of rows, so threads never share one


def run_ensemble(
    stack: WorldStack, points: np.ndarray, replicates: np.ndarray, seed: int, explain: bool = False
) -> tuple[Outcomes, ContributionSums | None]:
    """Outcomes of rows (design point `points[j]`, replicate `replicates[j]` of `seed`), and,
    with `explain`, the sums of every deciding country's utility contributions."""
    w, v = stack.world, stack.varying
    key = streams.stream_key(seed)
    reps = np.ascontiguousarray(replicates, dtype=np.int64)
    n_blocks = max(min(BLOCKS, len(reps)), 1)
    shape = (w.n_months, len(w.ids)) if explain else (0, 0)
    by_month = np.zeros((n_blocks, *shape, N_EXPLAINED), dtype=np.int64)
    deciding = np.zeros((n_blocks, *shape), dtype=np.int64)
    at_join = np.zeros((n_blocks, shape[1], N_EXPLAINED), dtype=np.int64)
    talks, join, leave = _run(
        streams.base_streams(key, reps, w.country_keys),
        streams.base_streams(key, reps, w.event_keys),
        np.ascontiguousarray(points, dtype=np.int64),
        w.status0.astype(np.int64), v["weights"], v["features"], v["threshold"], v["rates"],
        w.rates.exit_enabled, v["ties"], v["tie_totals"], w.leader, w.is_follower,
        v["leader_multiplier"], v["leverage0"], v["units0"], v["cost"], w.strategy, w.max_targets,
        w.priority_rank, w.script, w.start, v["engagement"], v["salience"], w.events,
        v["events.months"], v["events.p_monthly"], v["events.salience"], v["events.iran_threat"],
        v["events.engagement"], v["remaining0"], explain, by_month, deciding, at_join,
    )  # fmt: skip
    sums = None
    if explain:
        sums = ContributionSums(by_month.sum(axis=0), deciding.sum(axis=0), at_join.sum(axis=0))
    return Outcomes(talks, join, leave), sums


@njit(parallel=True, cache=True, error_model="numpy")
def _run(
    country_streams, event_streams, points, status0, weights, features, threshold, rates,
    exit_enabled, ties, totals, leader, is_follower, leader_multiplier, leverage0, units0, cost,
    strategy, max_targets, priority_rank, script, start, engagement, salience, table: EventTable,
    event_months, p_monthly, event_salience, event_threat, event_engagement, remaining0, explain,
    by_month, deciding, at_join,
):  # fmt: skip
    n_rep, n_country = country_streams.shape
    talks_month = np.full((n_rep, n_country), NEVER, dtype=np.int16)
    join_month = np.full((n_rep, n_country), NEVER, dtype=np.int16)
    exit_month = np.full((n_rep, n_country), NEVER, dtype=np.int16)
    n_blocks = len(by_month)  # empty arrays unless explaining
    for b in prange(n_blocks):
        for r in range(b * n_rep // n_blocks, (b + 1) * n_rep // n_blocks):
            d = points[r]
            rt = rates[d]
            point_rates = Rates(rt[0], rt[1], rt[2], rt[3], rt[4], rt[5], exit_enabled)
            point_table = EventTable(
                table.onset, event_months[d], p_monthly[d], table.hits, event_salience[d],
                event_threat[d], event_engagement[d], table.collapses_talks, table.grants,
            )  # fmt: skip
            _replicate(
                country_streams[r], event_streams[r], status0, weights[d], features[d],
                threshold[d], point_rates, ties[d], totals[d], leader, is_follower,
                leader_multiplier[d], leverage0[d], units0[d], cost[d], strategy, max_targets,
                priority_rank, script, start, engagement[d], salience[d], point_table,
                remaining0[d], talks_month[r], join_month[r], exit_month[r], explain,
                by_month[b], deciding[b], at_join[b],
            )  # fmt: skip
    return talks_month, join_month, exit_month


@njit(cache=True, error_model="numpy")
def _replicate(
    country_stream, event_stream, status0, weights, features, threshold, rates, ties, totals,
    leader, is_follower, leader_multiplier, leverage0, units0, cost, strategy, max_targets,
    priority_rank, script, start, engagement_by_month, base_salience, table, remaining0,
    talks_month, join_month, exit_month, explain, by_month, deciding, at_join,
):  # fmt: skip
    n_country, n_type = leverage0.shape
    n_event = len(remaining0)
    status = status0.copy()
    new = status0.copy()
    leverage = leverage0.copy()
    units = units0.copy()
    events_left = remaining0.copy()
    started = np.zeros(n_event, dtype=np.bool_)
    granted = np.zeros((n_country, n_type), dtype=np.bool_)
    hit = np.zeros(n_country, dtype=np.bool_)
    draws = np.zeros(n_event)
    salience = np.zeros(n_country)
    threat = np.zeros(n_country)
    pressure = np.zeros(n_country)
    terms = np.zeros((n_country, len(TERMS)))
    utility = np.zeros(n_country)
    strength = np.zeros((n_country, n_type))
    factor = np.ones((n_country, n_type))
    factor_engagement = np.nan  # engagement the offer factors were computed for
    gain = np.zeros((n_country, n_type))
    offers = np.zeros(n_country, dtype=np.int64)
    explained = np.zeros((n_country, N_EXPLAINED), dtype=np.int64)
    row = np.zeros(len(CONTRIBUTIONS))
    for i in range(n_country):
        if status[i] >= TALKS:
            talks_month[i] = BEFORE
        if status[i] == MEMBER:
            join_month[i] = BEFORE
    for t in range(len(engagement_by_month)):
        month = start + t
        # 1. events
        for e in range(n_event):
            draws[e] = streams.uniform(event_stream[e], month, streams.SHOCK_ONSET)
        engagement = events.month_of_events(
            events_left, month, draws, table, base_salience, engagement_by_month[t], started,
            salience, threat, hit, granted,
        )  # fmt: skip
        if granted.any():
            mediator.grant(leverage, units, granted)
            factor_engagement = np.nan  # leverage changed
        # 2. the situation
        fill_peer_pressure(pressure, ties, totals, status, leader, is_follower, leader_multiplier)
        fill_terms(terms, weights, features, threat, salience, pressure)
        # 3. the mediator moves first
        for i in range(n_country):
            utility[i] = accession_utility(terms[i])
        if engagement != factor_engagement:  # the factors only change with these two
            for i in range(n_country):
                for k in range(n_type):
                    strength[i, k] = weights[i, INDUCEMENT] * engagement * leverage[i, k]
            mediator.fill_offer_factors(factor, strength, rates.noise)
            factor_engagement = engagement
        mediator.fill_persuasion_gain(gain, status, utility, threshold, factor, rates)
        mediator.choose_offers(
            offers, strategy, gain, leverage, status, units, cost, priority_rank, max_targets,
            script[t],
        )  # fmt: skip
        # 4. every country decides, then all commit
        for i in range(n_country):
            if status[i] == EXITED or (status[i] == MEMBER and not rates.exit_enabled):
                new[i] = status[i]  # next_status would say so whatever the draw: skip the work
                continue
            worth = mediator.offer_worth(offers[i], leverage[i], engagement)
            terms[i, INDUCEMENT] = weights[i, INDUCEMENT] * worth
            u = accession_utility(terms[i])
            if explain and status[i] <= TALKS:
                fill_contributions(row, terms[i], weights[i], features[i], base_salience)
                _explain(explained[i], row, u, threshold[i])
                by_month[t, i] += explained[i]
                deciding[t, i] += 1
            readiness = response(u, threshold[i], rates.noise)
            draw = streams.uniform(country_stream[i], month, streams.TRANSITION)
            shock_draw = 1.0
            if hit[i]:
                shock_draw = streams.uniform(country_stream[i], month, streams.SHOCK_COLLAPSE)
            new[i] = next_status(status[i], readiness, draw, rates, hit[i], shock_draw)
        for i in range(n_country):
            if new[i] != status[i]:
                if new[i] == TALKS and talks_month[i] == NEVER:
                    talks_month[i] = t
                elif new[i] == MEMBER:
                    join_month[i] = t
                    mediator.spend(units, offers[i])
                    if explain:
                        at_join[i] += explained[i]
                elif new[i] == EXITED:
                    exit_month[i] = t
            status[i] = new[i]


@njit(cache=True, error_model="numpy")
def _explain(out, contributions, utility, threshold):
    """One country-month's contributions, utility and threshold in fixed point."""
    for k in range(len(contributions)):
        out[k] = np.int64(np.rint(contributions[k] * FIXED_POINT))
    out[len(contributions)] = np.int64(np.rint(utility * FIXED_POINT))
    out[len(contributions) + 1] = np.int64(np.rint(threshold * FIXED_POINT))

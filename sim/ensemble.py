"""The ensemble engine: the Mesa model's month, compiled and run for many replicates at once.

Each replicate repeats `AccordModel.step` in the same order with the same compiled `sim.core`
functions and the same keyed random draws, so replicate r here follows the same path as
`AccordModel(world, rng=seed, replicate=r)`. Only this orchestration exists twice; the
arithmetic is shared. Replicates run in parallel threads (numba `prange`); because every draw is
keyed, the result does not depend on the number of threads or the chunking.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.core import events, mediator, streams
from sim.core.decision import EXITED, MEMBER, TALKS, Rates, next_status, response
from sim.core.events import EventTable
from sim.core.peers import fill_peer_pressure
from sim.core.utility import INDUCEMENT, TERMS, accession_utility, fill_terms
from sim.outcomes import BEFORE, NEVER, Outcomes
from sim.world import World


def run_ensemble(world: World, replicates: np.ndarray, seed: int) -> Outcomes:
    """Outcomes of the given replicate indices of `seed`, computed together."""
    key = streams.stream_key(seed)
    reps = np.ascontiguousarray(replicates, dtype=np.int64)
    talks, join, leave = _run(
        streams.base_streams(key, reps, world.country_keys),
        streams.base_streams(key, reps, world.event_keys),
        world.status0.astype(np.int64), world.weights, world.features, world.threshold,
        world.rates, world.ties, world.tie_totals, world.leader, world.is_follower, world.leader_multiplier,
        world.leverage0, world.units0, world.cost, world.strategy, world.max_targets,
        world.priority_rank, world.script, world.start, world.engagement, world.salience,
        world.events, world.remaining0,
    )  # fmt: skip
    return Outcomes(talks, join, leave)


@njit(parallel=True, cache=True, error_model="numpy")
def _run(
    country_streams, event_streams, status0, weights, features, threshold, rates: Rates,
    ties, totals, leader, is_follower, leader_multiplier, leverage0, units0, cost, strategy,
    max_targets, priority_rank, script, start, engagement_by_month, base_salience,
    table: EventTable, remaining0,
):  # fmt: skip
    n_rep, n_country = country_streams.shape
    talks_month = np.full((n_rep, n_country), NEVER, dtype=np.int16)
    join_month = np.full((n_rep, n_country), NEVER, dtype=np.int16)
    exit_month = np.full((n_rep, n_country), NEVER, dtype=np.int16)
    for r in prange(n_rep):
        _replicate(
            r, country_streams[r], event_streams[r], status0, weights, features, threshold,
            rates, ties, totals, leader, is_follower, leader_multiplier, leverage0, units0, cost,
            strategy, max_targets, priority_rank, script, start, engagement_by_month, base_salience,
            table, remaining0, talks_month[r], join_month[r], exit_month[r],
        )  # fmt: skip
    return talks_month, join_month, exit_month


@njit(cache=True, error_model="numpy")
def _replicate(
    r, country_stream, event_stream, status0, weights, features, threshold, rates, ties,
    totals, leader, is_follower, leader_multiplier, leverage0, units0, cost, strategy, max_targets,
    priority_rank, script, start, engagement_by_month, base_salience, table, remaining0,
    talks_month, join_month, exit_month,
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
            readiness = response(accession_utility(terms[i]), threshold[i], rates.noise)
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
                elif new[i] == EXITED:
                    exit_month[i] = t
            status[i] = new[i]

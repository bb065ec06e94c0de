"""The ensemble engine: the Mesa model's month, computed for many replicates at once.

State arrays have shape (replicates, countries). Each month repeats `AccordModel.step` in the
same order with the same `sim.core` functions and the same keyed random draws, so replicate r
here follows the same path as `AccordModel(world, rng=seed, replicate=r)`. Only this
orchestration exists twice; the arithmetic is shared.
"""

from __future__ import annotations

import numpy as np

from sim.core import events, streams
from sim.core.decision import Status, next_status, response
from sim.core.mediator import choose_offers, offered_value, persuasion_gain, spend
from sim.core.peers import peer_pressure
from sim.core.streams import Purpose
from sim.core.utility import TERMS, contributions
from sim.outcomes import BEFORE, NEVER, Outcomes
from sim.world import World

_INDUCEMENT = TERMS.index("inducement")


def run_ensemble(world: World, replicates: np.ndarray, seed: int) -> Outcomes:
    """Outcomes of the given replicate indices of `seed`, computed together."""
    key = streams.stream_key(seed)
    reps = np.asarray(replicates)
    n_rep, n_country = len(reps), len(world.ids)
    country_streams = streams.base_streams(key, reps, world.country_keys)
    event_streams = streams.base_streams(key, reps, world.event_keys)
    status = np.broadcast_to(world.status0, (n_rep, n_country)).copy()
    talks_month = np.where(status >= Status.TALKS, BEFORE, NEVER).astype(np.int16)
    join_month = np.where(status == Status.MEMBER, BEFORE, NEVER).astype(np.int16)
    exit_month = np.full((n_rep, n_country), NEVER, dtype=np.int16)
    events_left = np.broadcast_to(world.remaining0, (n_rep, len(world.event_keys))).copy()
    units = np.broadcast_to(world.units0, (n_rep, len(world.units0))).copy()
    leverage = world.leverage0.copy()
    table, rates = world.events, world.rates
    w_inducement = world.weights[:, _INDUCEMENT]
    for t, month in enumerate(world.months):
        # 1. events
        draws = streams.uniforms(event_streams, month, Purpose.SHOCK_ONSET)
        active, started, events_left = events.advance(events_left, month, draws, table)
        salience, threat, engagement_shift = events.shifts(active, table)
        engagement = np.maximum(world.engagement[t] + engagement_shift, 0.0)
        shock_hit = events.talks_shock(started, table)
        granted = table.grants[table.onset == month].any(axis=0)
        leverage = np.where(granted, 0.0, leverage)
        units = np.maximum(units - granted.sum(axis=0), 0)
        # 2. the situation
        pressure = peer_pressure(
            world.ties,
            status == Status.MEMBER,
            leader=world.leader,
            is_follower=world.is_follower,
            leader_multiplier=world.leader_multiplier,
        )
        terms = contributions(
            world.weights,
            world.features,
            threat_shift=threat,
            salience=world.salience + salience,
            inducement=0.0,
            peer_pressure=pressure,
        )
        # 3. the mediator moves first
        strength = w_inducement[:, None] * engagement[:, None, None] * leverage
        gain = persuasion_gain(status, terms.sum(axis=-1), world.threshold, strength, rates)
        offers = choose_offers(
            world.strategy,
            gain=gain,
            leverage=leverage,
            eligible=(status == Status.OUTSIDE) | (status == Status.TALKS),
            units=units,
            cost=world.cost,
            priority_rank=world.priority_rank,
            max_targets=world.max_targets,
        )
        terms[..., _INDUCEMENT] = w_inducement * offered_value(offers, leverage, engagement[:, None])
        # 4. every country decides, then all commit
        readiness = response(terms.sum(axis=-1), world.threshold, rates.noise)
        new = next_status(
            status,
            readiness,
            streams.uniforms(country_streams, month, Purpose.TRANSITION),
            rates=rates,
            shock_hit=shock_hit,
            shock_draw=streams.uniforms(country_streams, month, Purpose.SHOCK_COLLAPSE),
        )
        moved = new != status
        talks_month[moved & (new == Status.TALKS) & (talks_month == NEVER)] = t
        join_month[moved & (new == Status.MEMBER)] = t
        exit_month[moved & (new == Status.EXITED)] = t
        units = spend(units, offers, (status == Status.TALKS) & (new == Status.MEMBER))
        status = new
    return Outcomes(talks_month, join_month, exit_month)

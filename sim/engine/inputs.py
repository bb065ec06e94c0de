"""The compiled month's inputs, by name: a few NamedTuples of arrays.

numba compiles a NamedTuple of arrays as a record and caches functions that take one, so the
kernel, the likelihood and the Mesa agents read `numbers.threshold[d, i]` instead of a thirtieth
positional argument. A new input is a field here, a value in `sim.engine.world.compile_world` and
a read where it is used. `fixed` gives every field the dtype its annotation names, C-contiguous, so
no call can trigger a recompile by handing the kernel an int where it was compiled for a float.

Arrays of `Numbers` have a leading design-point axis P: a plain run has P = 1, a sensitivity
study or a draw of uncertain inputs stacks many points (sim.engine.design). Facts given by date
(sim.config.dated) have a period axis S: the months between two dates at which some fact
changes share one period (`Shared.period` maps months to periods), so a roster with no dated
value has one period and the kernel reads the same small arrays every month. C countries,
K inducement types, E events, G gates, T months, S periods, F features, N terms.
"""

# No `from __future__ import annotations`: `fixed` reads the annotations as objects.
from typing import NamedTuple

import numpy as np

F8, I8, B1 = np.float64, np.int64, np.bool_
"""Annotations of array fields: their dtype. Plain `int`, `float` and `bool` are scalars."""


class Shared(NamedTuple):
    """What every design point shares: the world's shape and wiring."""

    status0: I8  # (C,) Status at the start
    talks_since0: (
        I8  # (C,) first month (step, <= 0) a country in talks at the start decided in them
    )
    period: I8  # (T,) the period of dated facts each month falls in (sim.config.dated)
    candidate: B1  # (S, C) may join in that period (false before a country is a candidate)
    spent0: B1  # (C, K) inducements granted without accession by events before the start
    is_follower: B1  # (C,) follows the leader
    leader: int  # index of the leader, or -1
    strategy: int  # a sim.core.mediator.Strategy value
    max_targets: int  # countries the mediator courts a month
    priority_rank: I8  # (C,) position in the priority list, C when unlisted
    script: I8  # (T, C) type offered by a scripted mediator, or -1
    start: int  # absolute month of the first step
    exit_enabled: bool
    event_onset: I8  # (E,) absolute month of a dated event; -1 for random shocks
    event_hits: B1  # (E, C) countries an event targets
    event_collapses_talks: B1  # (E,)
    event_grants: B1  # (E, C, K) inducements granted without accession at onset
    term_index: I8  # (N, 3) each declared term's kind (sim.core.terms.TERM_KINDS), feature and second feature (-1: none)
    term_sign: F8  # (N,) +1 an incentive, -1 a cost
    offer_term: int  # the index of the `offer` term
    gate_blocks_sign: B1  # (G, C) the countries a gate keeps from signing while closed
    gate_blocks_talks: B1  # (G, C) the countries a gate keeps from opening talks while closed
    gate_earliest: I8  # (G,) absolute month from which a gate may open by chance


class Numbers(NamedTuple):
    """Every number that may differ between design points, with a leading design-point axis."""

    features: F8  # (P, S, C, F) the features the declared terms read, by period
    weights: F8  # (P, S, C, N) each declared term's weight, by period
    threshold: F8  # (P, S, C)
    rate_open: F8  # (P,)
    rate_sign: F8  # (P,)
    rate_collapse: F8  # (P,)
    rate_exit: F8  # (P,)
    collapse_on_shock: F8  # (P,)
    noise: F8  # (P,)
    talks_decay: F8  # (P,) per month in talks, the fall of the signing hazard (sim.core.decision)
    ties: F8  # (P, C, C)
    tie_totals: F8  # (P, C) total tie weight of each country
    leader_multiplier: F8  # (P,)
    court_rate: F8  # (P,) how readily a courting mediator starts a spell (sim.core.mediator)
    court_persistence: F8  # (P,) the chance a spell goes on a month
    value: F8  # (P, S, C, K) worth of each offer by period; 0 where granted (by the roster) or withheld
    units0: I8  # (P, K) units left at the start
    cost: F8  # (P, K)
    engagement: F8  # (P, T) era level x scale, before event shifts
    salience: F8  # (P,)
    remaining0: I8  # (P, E) months left of dated events already running at the start
    p_talks0: F8  # (P, C) probability that a country outside at the start is in talks (latent)
    event_months: I8  # (P, E) duration
    event_p_monthly: F8  # (P, E) onset probability of a random shock; 0 for dated events
    event_salience: F8  # (P, E, C) shift of salience, zero off target
    event_iran_threat: F8  # (P, E, C) shift of the felt Iran threat, zero off target
    event_engagement: F8  # (P, E) shift of the mediator's engagement
    package: I8  # (P, T, C) type a what-if package offers (mediator.package), or -1
    gate_opens: I8  # (P, G) absolute month a gate opens (a fact or a what-if), or -1: by chance
    gate_p_monthly: F8  # (P, G) chance a month that a closed gate opens (sim.core.gates)


class Rows(NamedTuple):
    """The rows of one kernel call: each a (design point, replicate) pair with its streams."""

    points: I8  # (R,) design point of each row
    country_streams: np.uint64  # (R, C) stream bases
    event_streams: np.uint64  # (R, E)
    gate_streams: np.uint64  # (R, G)


class Milestones(NamedTuple):
    """The kernel's outcome: per row and country, the step of each milestone (sim.engine.outcomes)."""

    talks_month: np.int16  # (R, C)
    join_month: np.int16  # (R, C)
    exit_month: np.int16  # (R, C)
    collapse_month: np.int16  # (R, C) first month talks ended without accession


class Recorders(NamedTuple):
    """What the kernel may record besides the outcomes; empty arrays (size 0) when not asked for.
    Explanation sums are kept per block of rows, so parallel threads never share one."""

    by_month: I8  # (blocks, T, C, N + 3) fixed-point sums while deciding: N terms, events, utility, threshold
    deciding: I8  # (blocks, T, C) replicates deciding
    at_join: I8  # (blocks, C, N + 3) sums in the month of joining
    readiness: F8  # (R, T, C) trace: each deciding country's response r, NaN otherwise
    shocked: B1  # (R, T, C) trace: hit by a talks-collapsing shock
    offers: I8  # (R, T, C) trace: the type offered, or -1
    courting: F8  # (R, T, C) trace: a courting mediator's chance of starting a spell, NaN otherwise
    courted_readiness: (
        F8  # (R, T, C) trace: the response if courted with the best offer, NaN if none
    )
    pending: (
        I8  # (blocks, T, C) deciding months whose standing terms are yet to be added to by_month
    )


def fixed(inputs: NamedTuple) -> NamedTuple:
    """`inputs` with every field as its annotation says: an array of that dtype, C-contiguous,
    or a plain int, float or bool."""
    kinds = type(inputs).__annotations__
    return type(inputs)(*(_as(kinds[name], value) for name, value in zip(inputs._fields, inputs)))


def _as(kind, value):
    if kind in (int, float, bool):
        return kind(value)
    return np.ascontiguousarray(value, dtype=kind)

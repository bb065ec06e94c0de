"""The exact likelihood of an observed accession record under the model (discrete-time event history).

Conditional on the observed history, every input of a country's monthly hazards is known: peer
pressure comes from the observed members, events are the dated record (random shocks are replaced
by it), and the mediator's offers are the record's (a `scripted` mediator). With a `courting`
mediator, the offers known before (or without) an accession are observed courting, each such
month contributing the probability c that the mediator courted then; in every other month the
courting is unobserved and integrated out (sim.engine.month). What stays unobserved besides
is whether a country outside the accord was in talks: a two-state hidden Markov chain (outside,
talks) per country, which the forward algorithm integrates out exactly. Months in which talks are
on the record pin the chain to `talks`; the month a country joined contributes the probability of
signing from talks. At the start each country is in talks with probability `p_talks_at_start`.
Where the signing hazard depends on how long talks have run (`talks_decay`), the talks state is
split by the month its spell began, so the filter integrates over that too; a spell under way
at the start began where the record's span says (sim.engine.world), else at the start.

    L_i = prod_{t: known offer} c_i(t) * sum over latent paths of
          prod_t P(state_t | state_t-1; hazards_i(t)) * [path fits record]

The hazards are exactly those of `sim.core.decision.next_status`, computed by the same compiled
functions as the engines (Berry & Berry 1990's event-history form, with latent talks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

from sim.config.errors import ConfigError
from sim.config.schema import RecordConfig
from sim.config.spans import spans
from sim.core import mediator
from sim.core.calendar import format_month
from sim.core.decision import Rates, talks_factor, talks_signing
from sim.engine.follow import follow_record, follow_records
from sim.engine.gate_table import closed_on_record
from sim.engine.outcomes import NEVER
from sim.engine.world import World


@dataclass(frozen=True)
class Record:
    """The observed record on the world's months: join month per country (NEVER if none), and
    what is known of talks each month: +1 on the record in talks, -1 known not in talks (talks
    ended or broken off), 0 not known."""

    joined: np.ndarray  # (C,) step index of the month it joined, or NEVER
    talks_seen: np.ndarray  # (T, C) int: +1, -1 or 0


def load_record(record: RecordConfig, world: World) -> Record:
    """The record aligned with `world` (same window, same countries), or ConfigError."""
    if (record.start, record.as_of) != (world.start, world.start + world.n_months - 1):
        window = f"{format_month(record.start)} to {format_month(record.as_of)}"
        raise ConfigError("record.start", f"expected the scenario's window, got {window}")
    index = {cid: i for i, cid in enumerate(world.ids)}
    joined = np.full(len(index), NEVER, dtype=np.int64)
    for cid, month in record.joined.items():
        joined[_known(index, cid, "record.joined")] = month - world.start
    no_sign, _ = closed_on_record(world)
    for cid, i in index.items():
        if 0 <= joined[i] < world.n_months and no_sign[joined[i], i]:
            when = format_month(record.joined[cid])
            raise ConfigError("gates", f"{cid} joined on the record in {when} while a gate held it")
    talks_seen = np.zeros((world.n_months, len(index)), dtype=np.int64)
    for key, seen in (("in_talks", 1), ("out_of_talks", -1)):
        for cid, entry in getattr(record, key).items():
            for span in spans(entry):
                first, last = (max(m - world.start, 0) for m in span)
                talks_seen[first : last + 1, _known(index, cid, f"record.{key}")] = seen
    return Record(joined, talks_seen)


class MonthInputs(NamedTuple):
    """The record's months as the model sees them (T, C each): the response r without a latent
    offer (with the known offer, if any), whether a talks-collapsing shock hit, the type offered
    (-1 for none); for a courting mediator, the chance a spell starts and the response if courted
    (NaN where none could be: then the chain never courts)."""

    readiness: np.ndarray
    shocked: np.ndarray
    offers: np.ndarray
    courting: np.ndarray
    courted_readiness: np.ndarray


def month_inputs(world: World, record: Record, point: int = 0) -> MonthInputs:
    """The record's months as the model sees them, for design point `point`."""
    return months_of_points(world, record, np.array([point]))[0]


def months_of_points(world: World, record: Record, points: np.ndarray) -> list[MonthInputs]:
    """`month_inputs` of each design point in `points`, followed in one compiled call."""
    if (world.shared.event_onset < 0).any():
        raise ConfigError(
            "events.random", "the likelihood replaces random shocks by the record: expected none"
        )
    if world.shared.strategy not in (mediator.NONE, mediator.SCRIPTED, mediator.COURTING):
        raise ConfigError(
            "mediator.strategy",
            "the likelihood needs the record's offers: expected scripted, courting or none",
        )
    follow = (
        follow_records if len(points) > 1 else follow_record
    )  # threads cost more than one point's months
    t = follow(world.shared, world.numbers, np.asarray(points, dtype=np.int64), record.joined)
    return [
        MonthInputs(
            t.readiness[k], t.shocked[k], t.offers[k], t.courting[k], t.courted_readiness[k]
        )
        for k in range(len(points))
    ]


def log_likelihood(
    world: World, record: Record, p_talks_at_start: float, scored: np.ndarray | None = None
) -> np.ndarray:
    """Log-likelihood of the record, one entry per country (sum them for the total).

    `scored` (T,) bool leaves months out: in a month not scored nothing is observed, so the chain
    runs on through it with joining allowed (marginalised), and a country seen as a member
    afterwards contributes the probability that it joined somewhere in the gap.
    """
    return _filter(world, record, p_talks_at_start, scored)[0]


def talks_probability(world: World, record: Record, p_talks_at_start: float) -> np.ndarray:
    """(C,) each country's probability of being in talks after the record's last month, given
    everything the record shows (NaN for a member): where an outlook that starts from the record
    starts its latent talks."""
    return _filter(world, record, p_talks_at_start, None)[1]


def talks_probabilities(world: World, record: Record, p_talks_at_start: list[float]) -> np.ndarray:
    """(D, C) `talks_probability` of each design point of `world` (a run's posterior draws), with
    its own share in talks at the start."""
    inputs = months_of_points(world, record, np.arange(world.size))
    return np.stack(
        [_filter(world, record, p, None, d, inputs[d])[1] for d, p in enumerate(p_talks_at_start)]
    )


def one_step_predictions(world: World, record: Record, p_talks_at_start: float) -> np.ndarray:
    """(T, C) probability of joining in each month given the record up to the month before
    (NaN once a country has joined): the forward filter's one-step-ahead predictions."""
    return _filter(world, record, p_talks_at_start, None)[2]


def _filter(
    world: World, record: Record, p_talks_at_start: float, scored, point: int = 0, inputs=None
) -> tuple[np.ndarray, ...]:
    """The forward filter on design point `point` (its `month_inputs`, if known already)."""
    inputs = month_inputs(world, record, point) if inputs is None else inputs
    scored = (
        np.ones(world.n_months, dtype=np.bool_)
        if scored is None
        else np.asarray(scored, dtype=np.bool_)
    )
    talks_end = np.zeros(len(world.ids))
    predicted = np.full(inputs.readiness.shape, np.nan)
    rates, since = world.rates(point), world.shared.talks_since0
    chain = _chain(inputs, rates, world.numbers.court_persistence[point])
    chain = _gated(chain, *closed_on_record(world, point))
    clock = TalksClock(_talks_factors(rates.talks_decay, world.n_months - since.min()), since)
    log_lik = _forward(
        chain,
        record.joined,
        record.talks_seen,
        p_talks_at_start,
        scored,
        talks_end,
        predicted,
        clock,
    )
    return log_lik, talks_end, predicted


class TalksClock(NamedTuple):
    """What time in talks needs: (D,) what d = 0, 1, ... months in talks multiply the signing
    hazard by (empty when talks_decay is 0), and (C,) the month (step, <= 0) the spell of talks
    under way at the start began deciding (sim.engine.world: the record's span, else 0)."""

    factor: np.ndarray
    since: np.ndarray


@njit(cache=True, error_model="numpy")
def _talks_factors(talks_decay: float, n: int) -> np.ndarray:
    """(n,) what d = 0, 1, ... months in talks multiply the signing hazard by, as next_status
    computes it; empty when talks_decay is 0 (the filter then keeps one state of talks)."""
    out = np.empty(n if talks_decay != 0.0 else 0)
    for d in range(len(out)):
        out[d] = talks_factor(talks_decay, d)
    return out


class Chain(NamedTuple):
    """Per country-month (T, C): the transition probabilities without courting and with it
    (outside->talks, talks->member, talks->outside), the chance a courting spell starts and goes
    on, and whether the record shows the mediator courting (a known offer)."""

    opens: np.ndarray  # (2, T, C): index 0 not courted, 1 courted
    sign: np.ndarray
    walk: np.ndarray
    start: np.ndarray
    persist: np.ndarray
    seen_courted: np.ndarray


def _chain(inputs: MonthInputs, rates: Rates, persistence: float) -> Chain:
    """The filter's inputs, as in sim.core.decision.next_status: a talks-collapsing shock ends
    talks with probability q, else they end as in a quiet month, signed at rate_sign * r or
    collapsed at rate_collapse * (1 - r). The quiet month's hazards are computed first, as
    next_status computes them, so that both give the same doubles (tests/test_restatements.py)."""
    courtable = np.isfinite(inputs.courted_readiness)
    r = np.stack(
        [inputs.readiness, np.where(courtable, inputs.courted_readiness, inputs.readiness)]
    )
    q = np.where(inputs.shocked, rates.collapse_on_shock, 0.0)[None]
    sign, walk = rates.sign * r, rates.collapse * (1.0 - r)
    return Chain(
        opens=rates.open * r,
        sign=(1.0 - q) * sign,
        walk=q + (1.0 - q) * walk,
        start=np.where(courtable, np.nan_to_num(inputs.courting), 0.0),
        persist=np.where(courtable, persistence, 0.0),
        seen_courted=courtable & (inputs.offers >= 0) & np.isfinite(inputs.courting),
    )


def _gated(chain: Chain, no_sign: np.ndarray, no_talks: np.ndarray) -> Chain:
    """The chain with the record's closed gates (sim.core.gates): where a gate keeps a country
    from signing (T, C), the signing draws keep it in talks; from opening talks, outside. Only
    where a gate is closed: elsewhere the chain's doubles are untouched."""
    if not (no_sign.any() or no_talks.any()):
        return chain
    return chain._replace(
        sign=np.where(no_sign[None], 0.0, chain.sign),
        opens=np.where(no_talks[None], 0.0, chain.opens),
    )


@njit(cache=True, error_model="numpy")
def _seen(state: np.ndarray, seen: int) -> None:
    """What the record says of talks this month keeps only the paths that fit it: state is
    (outside, talks spells...) x (not courted, courted)."""
    if seen > 0:
        state[0, :] = 0.0
    elif seen < 0:
        state[1:, :] = 0.0


@njit(cache=True, error_model="numpy")
def _forward(chain, joined, talks_seen, p_talks, scored, talks_end, predicted, clock) -> np.ndarray:
    """Per country, the log-probability of its record: the forward algorithm over (outside,
    talks) x (not courted, courted), rescaled each scored month (long records would underflow);
    unscored months pass unobserved, with joining marginalised. Each month the mediator's spell
    moves first (starts, goes on or ends), then the country's status given it. Into `talks_end`
    (C,): the filtered probability of being in talks after the last month (NaN once a country
    has joined); into `predicted` (T, C): the probability of joining each month given the
    record before it.

    Time in talks: with `clock.factor` (D,) (sim.core.decision.talks_factor of d = 0, 1, ...
    months; empty when the signing hazard does not depend on them) the state of talks is split
    by the month the spell began: row 1 the spell under way at the start (its first month of
    deciding in talks `clock.since` (C,), <= 0), row 1 + j the spell whose first month of deciding is j (opened
    in month j - 1), j = 1..T: exact, as no spell is older than the record. A month's signing
    from a spell d months old is min(sign * factor[d], 1 - walk) (sim.core.decision.talks_signing
    after a shock's share). Without it one row of talks holds every spell, the chain of the
    model without time in talks, to the bit."""
    n_months, n_country = talks_seen.shape
    factor, since = clock.factor, clock.since
    durations = len(factor) > 0
    n_spells = n_months + 1 if durations else 1
    out = np.zeros(n_country)
    state, moved = np.zeros((1 + n_spells, 2)), np.zeros((1 + n_spells, 2))
    for i in range(n_country):
        talks_end[i] = np.nan
        if joined[i] < 0:  # a member before the record starts (a founder): nothing to explain
            continue
        state[:] = 0.0
        state[0, 0], state[1, 0] = 1.0 - p_talks, p_talks
        member, log_scale = 0.0, 0.0
        for t in range(n_months):
            live = min(t, n_spells - 1) + 1  # the spells that may be under way: rows 1..live
            fresh = min(t + 1, n_spells - 1)  # the spell talks opened this month join
            start, persist = chain.start[t, i], chain.persist[t, i]
            for s in range(1 + live):  # the spell moves
                off, on = state[s, 0], state[s, 1]
                state[s, 0] = off * (1.0 - start) + on * (1.0 - persist)
                state[s, 1] = off * start + on * persist
            if chain.seen_courted[t, i] and scored[t]:
                state[:, 0] = 0.0  # a known offer: the mediator was courting
            signed = 0.0
            moved[:] = 0.0
            for k in range(2):  # the status moves, given the spell
                opens, sign, walk = chain.opens[k, t, i], chain.sign[k, t, i], chain.walk[k, t, i]
                outside = state[0, k]
                stay_out = outside * (1.0 - opens)
                for j in range(live):
                    talks = state[1 + j, k]
                    if durations:
                        d = t - since[i] if j == 0 else t - j
                        sign = talks_signing(chain.sign[k, t, i], walk, factor[d])
                    signed += talks * sign
                    stay_out = stay_out + talks * walk
                    moved[1 + j, k] = talks * (1.0 - sign - walk)
                moved[0, k] = stay_out
                moved[1 + fresh, k] += outside * opens
            total_before = state.sum()
            predicted[t, i] = signed / total_before if total_before > 0 else np.nan
            state[:] = moved
            member += signed
            if not scored[t]:
                continue
            if t == joined[i]:
                factor_t = signed
            elif t > joined[i]:  # joined in an unscored gap: seen as a member now
                factor_t = member
            else:
                member = 0.0
                _seen(state, talks_seen[t, i])
                factor_t = state.sum()
            if t >= joined[i] or factor_t <= 0.0:
                log_scale += np.log(factor_t) if factor_t > 0.0 else -np.inf
                break
            log_scale += np.log(factor_t)
            state /= factor_t
            if t == n_months - 1:
                talks_end[i] = state[1:].sum() / (state.sum() + member)
        out[i] = log_scale
    return out


def _known(index: dict[str, int], cid: str, key: str) -> int:
    if cid not in index:
        raise ConfigError(f"{key}.{cid}", f"unknown country id {cid!r}")
    return index[cid]

"""The exact likelihood of an observed accession record under the model (discrete-time event history).

Conditional on the observed history, every input of a country's monthly hazards is known: peer
pressure comes from the observed members, events are the dated record (random shocks are replaced
by it), and the mediator's offers are the record's (a `scripted` mediator). What stays unobserved
is whether a country outside the accord was in talks: a two-state hidden Markov chain (outside,
talks) per country, which the forward algorithm integrates out exactly. Months in which talks are
on the record pin the chain to `talks`; the month a country joined contributes the probability of
signing from talks. At the start each country is in talks with probability `p_talks_at_start`.

    L_i = sum over latent paths of  prod_t P(state_t | state_t-1; hazards_i(t)) * [path fits record]

The hazards are exactly those of `sim.core.decision.next_status`, computed by the same compiled
functions as the engines (Berry & Berry 1990's event-history form, with latent talks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.config.errors import ConfigError
from sim.config.schema import RecordConfig
from sim.core import mediator
from sim.core.calendar import parse_month
from sim.core.decision import Rates
from sim.engine.month import follow_record
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
    if (parse_month(record.start), parse_month(record.end)) != (world.start, world.start + world.n_months - 1):
        raise ConfigError("record.start", f"expected the scenario's window, got {record.start} to {record.end}")
    index = {cid: i for i, cid in enumerate(world.ids)}
    joined = np.full(len(index), NEVER, dtype=np.int64)
    for cid, month in record.joined.items():
        joined[_known(index, cid, "record.joined")] = parse_month(month) - world.start
    talks_seen = np.zeros((world.n_months, len(index)), dtype=np.int64)
    for key, seen in (("in_talks", 1), ("out_of_talks", -1)):
        for cid, span in getattr(record, key).items():
            if len(span) != 2:
                raise ConfigError(f"record.{key}.{cid}", f"expected [first month, last month], got {span!r}")
            first, last = (max(parse_month(m) - world.start, 0) for m in span)
            talks_seen[first : last + 1, _known(index, cid, f"record.{key}")] = seen
    return Record(joined, talks_seen)


def readiness_on_record(world: World, record: Record, point: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Each country's monthly response r (T, C) and talks-collapsing shock (T, C) on the record."""
    readiness, shocked, _ = month_inputs(world, record, point)
    return readiness, shocked


def month_inputs(world: World, record: Record, point: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The record's months as the model sees them, for design point `point`: each country's
    response r (T, C), whether a talks-collapsing shock hit it (T, C), and the type offered to it
    (T, C; -1 for none)."""
    if (world.shared.event_onset < 0).any():
        raise ConfigError("events.random", "the likelihood replaces random shocks by the record: expected none")
    if world.shared.strategy not in (mediator.NONE, mediator.SCRIPTED):
        raise ConfigError("mediator.strategy", "the likelihood needs the record's offers: expected scripted or none")
    traced = follow_record(world.shared, world.numbers, point, record.joined)
    return traced.readiness[0], traced.shocked[0], traced.offers[0]


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


def _filter(world: World, record: Record, p_talks_at_start: float, scored) -> tuple[np.ndarray, np.ndarray]:
    readiness, shock = readiness_on_record(world, record)
    scored = np.ones(world.n_months, dtype=np.bool_) if scored is None else np.asarray(scored, dtype=np.bool_)
    talks_end = np.zeros(len(world.ids))
    rates = world.rates()
    log_lik = _forward(readiness, shock, record.joined, record.talks_seen, rates, p_talks_at_start, scored, talks_end)
    return log_lik, talks_end


@njit(cache=True, error_model="numpy")
def _steps(r: float, shocked: bool, rates: Rates) -> tuple[float, float, float, float]:
    """One month's transition probabilities: outside->talks, talks->member, talks->outside,
    talks->talks (as in sim.core.decision.next_status)."""
    q = rates.collapse_on_shock if shocked else 0.0
    sign = (1.0 - q) * rates.sign * r
    walk = q + (1.0 - q) * rates.collapse * (1.0 - r)
    return rates.open * r, sign, walk, 1.0 - sign - walk


def one_step_predictions(world: World, record: Record, p_talks_at_start: float) -> np.ndarray:
    """(T, C) probability of joining in each month given the record up to the month before
    (NaN once a country has joined): the forward filter's one-step-ahead predictions."""
    readiness, shock = readiness_on_record(world, record)
    return _predict(readiness, shock, record.joined, record.talks_seen, world.rates(), p_talks_at_start)


@njit(cache=True, error_model="numpy")
def _predict(readiness, shock, joined, talks_seen, rates, p_talks) -> np.ndarray:
    n_months, n_country = readiness.shape
    out = np.full((n_months, n_country), np.nan)
    for i in range(n_country):
        outside, talks = 1.0 - p_talks, p_talks
        for t in range(n_months):
            opens, sign, walk, stay = _steps(readiness[t, i], shock[t, i], rates)
            out[t, i] = talks * sign
            if t == joined[i]:
                break
            outside, talks = outside * (1.0 - opens) + talks * walk, outside * opens + talks * stay
            outside, talks = _seen(outside, talks, talks_seen[t, i])
            total = outside + talks
            outside, talks = (outside / total, talks / total) if total > 0 else (1.0, 0.0)
    return out


@njit(cache=True, error_model="numpy")
def _seen(outside: float, talks: float, seen: int) -> tuple[float, float]:
    """What the record says of talks this month keeps only the paths that fit it."""
    if seen > 0:
        return 0.0, talks
    if seen < 0:
        return outside, 0.0
    return outside, talks


@njit(cache=True, error_model="numpy")
def _forward(readiness, shock, joined, talks_seen, rates, p_talks, scored, talks_end) -> np.ndarray:
    """Per country, the log-probability of its record: the forward algorithm over (outside,
    talks), rescaled each scored month (long records would underflow); unscored months pass
    unobserved, with joining marginalised. Into `talks_end` (C,): the filtered probability of
    being in talks after the last month, given the record (NaN once a country has joined)."""
    n_months, n_country = readiness.shape
    out = np.zeros(n_country)
    for i in range(n_country):
        outside, talks, member, log_scale = 1.0 - p_talks, p_talks, 0.0, 0.0
        talks_end[i] = np.nan
        for t in range(n_months):
            opens, sign, walk, stay = _steps(readiness[t, i], shock[t, i], rates)
            signed = talks * sign
            outside, talks = outside * (1.0 - opens) + talks * walk, outside * opens + talks * stay
            member += signed
            if not scored[t]:
                continue
            if t == joined[i]:
                factor = signed
            elif t > joined[i]:  # joined in an unscored gap: seen as a member now
                factor = member
            else:
                member = 0.0
                outside, talks = _seen(outside, talks, talks_seen[t, i])
                factor = outside + talks
            if t >= joined[i] or factor <= 0.0:
                log_scale += np.log(factor) if factor > 0.0 else -np.inf
                break
            log_scale += np.log(factor)
            outside, talks = outside / factor, talks / factor
            if t == n_months - 1:
                talks_end[i] = talks / (outside + talks + member)
        out[i] = log_scale
    return out


def _known(index: dict[str, int], cid: str, key: str) -> int:
    if cid not in index:
        raise ConfigError(f"{key}.{cid}", f"unknown country id {cid!r}")
    return index[cid]

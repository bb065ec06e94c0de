"""The decision rule: monthly hazards of opening talks, signing, collapse and exit.

A country outside opens talks with hazard `rate_open * r`, where `r = logistic((U - threshold) /
noise)` rises with utility above its threshold (the discrete-time event-history form of Berry &
Berry 1990). In talks it signs with hazard `rate_sign * r * exp(-talks_decay * d)` or walks away
with `rate_collapse * (1 - r)`, d being the whole months its current talks have run (0 in their
first month; a country that walks away and opens talks again starts from 0); a salience shock
that hits it collapses talks with probability `collapse_on_shock` first.

Time in talks. `talks_decay > 0`: talks that stall sign less as they age (a hazard that halves
every ln 2 / talks_decay months); `< 0`: talks mature, the signing hazard then capped at what
walking away leaves (1 - rate_collapse * (1 - r)) so that the month's chances add to at most 1;
0 (the default): the hazard of the model before it, to the bit. The walking-away hazard does not
depend on d: one parameter, one effect. Tying collapse to the same parameter (stalled talks
breaking down more) would make the record's long spans of talks with neither a signing nor a
breakdown count for and against it at once, and a breakdown would restart the clock, undoing
part of the decay; a duration effect on collapse would need its own parameter, which the record's
few breakdowns could hardly identify. A member leaves with `rate_exit * (1 - r)` only where the scenario enables exit; a country
that left does not return within the horizon (repudiation burns the bridge: our assumption).
Compiled with numba: the Mesa agents and the ensemble kernel call these same functions.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import NamedTuple

from numba import njit

OUTSIDE, TALKS, MEMBER, EXITED = 0, 1, 2, 3


class Status(IntEnum):
    """Where a country stands towards the accord."""

    OUTSIDE = OUTSIDE
    TALKS = TALKS
    MEMBER = MEMBER
    EXITED = EXITED


class Rates(NamedTuple):
    """Maximum monthly hazards (probabilities), the response's noise scale, and how the signing
    hazard changes with each month talks have run (`talks_decay`, per month; 0: it does not)."""

    open: float
    sign: float
    collapse: float
    exit: float
    collapse_on_shock: float
    noise: float
    exit_enabled: bool = False
    talks_decay: float = 0.0


@njit(cache=True, error_model="numpy")
def response(utility: float, threshold: float, noise: float) -> float:
    """Logistic response to utility above threshold, in [0, 1]."""
    x = (utility - threshold) / noise
    if x < -700.0:  # exp would overflow; the response is 0 to double precision
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


@njit(cache=True, error_model="numpy")
def talks_factor(talks_decay: float, months: int) -> float:
    """What `months` whole months in talks multiply the signing hazard by: exp(-talks_decay *
    months)."""
    return math.exp(-talks_decay * months)


@njit(cache=True, error_model="numpy")
def talks_signing(sign: float, walk: float, factor: float) -> float:
    """The signing hazard of talks whose hazard at their start is `sign`, after months that
    multiply it by `factor` (talks_factor); never more than what walking away (`walk`) leaves."""
    return min(sign * factor, 1.0 - walk)


@njit(cache=True, error_model="numpy")
def is_settled(status: int, rates: Rates) -> bool:
    """A status `next_status` keeps whatever the draws: exited, or a member where exit is not
    enabled."""
    return status == EXITED or (status == MEMBER and not rates.exit_enabled)


@njit(cache=True, error_model="numpy")
def favourable_hazard(status: int, readiness: float, rates: Rates, months: int = 0) -> float:
    """Hazard of the next step towards membership: opening talks, or signing after `months` in
    talks (as next_status draws it); 0 otherwise."""
    if status == OUTSIDE:
        return rates.open * readiness
    if status == TALKS:
        sign = rates.sign * readiness
        if rates.talks_decay != 0.0:
            walk = rates.collapse * (1.0 - readiness)
            sign = talks_signing(sign, walk, talks_factor(rates.talks_decay, months))
        return sign
    return 0.0


@njit(cache=True, error_model="numpy")
def next_status(
    status: int,
    readiness: float,
    draw: float,
    rates: Rates,
    shock_hit: bool,
    shock_draw: float,
    months: int = 0,
) -> int:
    """Status after one month, from a uniform `draw` (and `shock_draw`, used only when a
    talks-collapsing shock hits a country in talks); `months`: whole months the country's
    current talks have run (0 in their first month)."""
    if status == OUTSIDE:
        return TALKS if draw < rates.open * readiness else OUTSIDE
    if status == TALKS:
        if shock_hit and shock_draw < rates.collapse_on_shock:
            return OUTSIDE
        sign = rates.sign * readiness
        walk = rates.collapse * (1.0 - readiness)
        if rates.talks_decay != 0.0:  # 0: today's hazard, not even multiplied by exp(0)
            sign = talks_signing(sign, walk, talks_factor(rates.talks_decay, months))
        if draw < sign:
            return MEMBER
        if draw < sign + walk:
            return OUTSIDE
        return TALKS
    if status == MEMBER:
        if rates.exit_enabled and draw < rates.exit * (1.0 - readiness):
            return EXITED
        return MEMBER
    return EXITED

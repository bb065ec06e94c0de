"""The decision rule: monthly hazards of opening talks, signing, collapse and exit.

A country outside opens talks with hazard `rate_open * r`, where `r = logistic((U - threshold) /
noise)` rises with utility above its threshold (the discrete-time event-history form of Berry &
Berry 1990). In talks it signs with hazard `rate_sign * r` or walks away with `rate_collapse *
(1 - r)`; a salience shock that hits it collapses talks with probability `collapse_on_shock`
first. A member leaves with `rate_exit * (1 - r)` only where the scenario enables exit; a country
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
    """Maximum monthly hazards (probabilities) and the response's noise scale."""

    open: float
    sign: float
    collapse: float
    exit: float
    collapse_on_shock: float
    noise: float
    exit_enabled: bool = False


@njit(cache=True, error_model="numpy")
def response(utility: float, threshold: float, noise: float) -> float:
    """Logistic response to utility above threshold, in [0, 1]."""
    x = (utility - threshold) / noise
    if x < -700.0:  # exp would overflow; the response is 0 to double precision
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


@njit(cache=True, error_model="numpy")
def is_settled(status: int, rates: Rates) -> bool:
    """A status `next_status` keeps whatever the draws: exited, or a member where exit is not
    enabled."""
    return status == EXITED or (status == MEMBER and not rates.exit_enabled)


@njit(cache=True, error_model="numpy")
def favourable_hazard(status: int, readiness: float, rates: Rates) -> float:
    """Hazard of the next step towards membership: opening talks, or signing; 0 otherwise."""
    if status == OUTSIDE:
        return rates.open * readiness
    if status == TALKS:
        return rates.sign * readiness
    return 0.0


@njit(cache=True, error_model="numpy")
def next_status(
    status: int, readiness: float, draw: float, rates: Rates, shock_hit: bool, shock_draw: float
) -> int:
    """Status after one month, from a uniform `draw` (and `shock_draw`, used only when a
    talks-collapsing shock hits a country in talks)."""
    if status == OUTSIDE:
        return TALKS if draw < rates.open * readiness else OUTSIDE
    if status == TALKS:
        if shock_hit and shock_draw < rates.collapse_on_shock:
            return OUTSIDE
        sign = rates.sign * readiness
        if draw < sign:
            return MEMBER
        if draw < sign + rates.collapse * (1.0 - readiness):
            return OUTSIDE
        return TALKS
    if status == MEMBER:
        if rates.exit_enabled and draw < rates.exit * (1.0 - readiness):
            return EXITED
        return MEMBER
    return EXITED

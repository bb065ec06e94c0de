"""The decision rule: monthly hazards of opening talks, signing, collapse and exit.

A country outside opens talks with hazard `rate_open * r`, where `r = logistic((U - threshold) /
noise)` rises with utility above its threshold (the discrete-time event-history form of Berry &
Berry 1990). In talks it signs with hazard `rate_sign * r` or walks away with `rate_collapse *
(1 - r)`; a salience shock that hits it collapses talks with probability `collapse_on_shock`
first. A member leaves with `rate_exit * (1 - r)` only where the scenario enables exit; a country
that left does not return within the horizon (repudiation burns the bridge: our assumption).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class Status(IntEnum):
    """Where a country stands towards the accord."""

    OUTSIDE = 0
    TALKS = 1
    MEMBER = 2
    EXITED = 3


@dataclass(frozen=True)
class Rates:
    """Maximum monthly hazards (probabilities) and the response's noise scale."""

    open: float
    sign: float
    collapse: float
    exit: float
    collapse_on_shock: float
    noise: float
    exit_enabled: bool = False


def response(utility: np.ndarray, threshold: np.ndarray, noise: float) -> np.ndarray:
    """Logistic response to utility above threshold, in (0, 1)."""
    if noise <= 0:
        raise ValueError(f"noise must be > 0, got {noise}")
    return 1.0 / (1.0 + np.exp(-(utility - threshold) / noise))


def favourable_hazard(status: np.ndarray, resp: np.ndarray, rates: Rates) -> np.ndarray:
    """Hazard of the next step towards membership: opening talks, or signing; 0 otherwise."""
    return np.where(
        status == Status.OUTSIDE,
        rates.open * resp,
        np.where(status == Status.TALKS, rates.sign * resp, 0.0),
    )


def next_status(
    status: np.ndarray,
    resp: np.ndarray,
    draw: np.ndarray,
    *,
    rates: Rates,
    shock_hit: np.ndarray | bool = False,
    shock_draw: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Status after one month, from uniform draws (`draw` for the transition, `shock_draw` for a
    salience shock's collapse). Broadcasts over any leading axes."""
    status = np.asarray(status)
    sign = rates.sign * resp
    walk = rates.collapse * (1.0 - resp)
    shocked = (status == Status.TALKS) & shock_hit & (shock_draw < rates.collapse_on_shock)
    from_talks = np.where(
        draw < sign, Status.MEMBER, np.where(draw < sign + walk, Status.OUTSIDE, Status.TALKS)
    )
    from_talks = np.where(shocked, Status.OUTSIDE, from_talks)
    from_outside = np.where(draw < rates.open * resp, Status.TALKS, Status.OUTSIDE)
    exits = rates.exit_enabled & (draw < rates.exit * (1.0 - resp))
    from_member = np.where(exits, Status.EXITED, Status.MEMBER)
    new = np.select(
        [status == Status.OUTSIDE, status == Status.TALKS, status == Status.MEMBER],
        [from_outside, from_talks, from_member],
        default=Status.EXITED,
    )
    return new.astype(np.int8)

"""The mediator's policy: engagement by era, and whom to court with which inducement.

The mediator holds a budget of typed inducements (arms, recognition, sanctions relief,
investment, a security guarantee), each with a number of units and a cost, in the spirit of
Henke (2019, International Security 43(4)), "Buying Allies": a pivotal state pays side deals to
recruit partners. Each month it moves first, courting up to `max_targets` countries outside the
accord with one inducement each; an offer is worth `engagement * leverage` to the country, and a
unit is spent only when a courted country signs. An inducement granted without accession (the
Nov 2025 Saudi defence pact and F-35s) zeroes the mediator's leverage of that type over that
country: what has been given cannot be offered again.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

NO_OFFER = -1


class Strategy(IntEnum):
    """How the mediator picks whom to court."""

    NONE = 0  # courts nobody
    PRIORITY = 1  # a fixed priority list, best-valued inducement first
    PERSUADABLE = 2  # largest rise in the next-step hazard per unit cost


def engagement_at(month: int, era_starts: np.ndarray, era_levels: np.ndarray) -> float:
    """Engagement of the era in force at `month` (absolute); 0 before the first era."""
    started = np.flatnonzero(era_starts <= month)
    return float(era_levels[started[-1]]) if started.size else 0.0


def choose_offers(
    strategy: Strategy,
    *,
    gain: np.ndarray,
    leverage: np.ndarray,
    eligible: np.ndarray,
    units: np.ndarray,
    cost: np.ndarray,
    priority_rank: np.ndarray,
    max_targets: int,
) -> np.ndarray:
    """Offered inducement type per country, or NO_OFFER; shape (replicates, countries).

    gain (R, C, K): rise in the country's favourable hazard if offered type k.
    leverage (C, K) or (R, C, K): the country's value of type k, 0 where granted already.
    eligible (R, C): countries outside the accord or in talks. units (R, K): units left.
    priority_rank (C,): position in the priority list, or a large number when unlisted.
    A greedy pick, one country at a time, so the same country is never courted twice.
    """
    n_rep, n_country, n_type = gain.shape
    offers = np.full((n_rep, n_country), NO_OFFER, dtype=np.int8)
    if strategy == Strategy.NONE or max_targets == 0:
        return offers
    if strategy == Strategy.PERSUADABLE:
        score = gain / cost
        valid = gain > 0
    else:
        listed = priority_rank < n_country
        score = (n_country - priority_rank)[:, None] + 1e-3 * leverage
        valid = np.broadcast_to(listed[:, None] & (leverage > 0), gain.shape)
    score = np.where(valid & eligible[..., None], score, -np.inf)
    left = units.astype(np.int64).copy()
    rows = np.arange(n_rep)
    for _ in range(max_targets):
        score = np.where(left[:, None, :] > 0, score, -np.inf)
        flat = score.reshape(n_rep, -1).argmax(axis=1)
        country, kind = np.divmod(flat, n_type)
        picked = np.isfinite(score[rows, country, kind])
        offers[rows[picked], country[picked]] = kind[picked]
        left[rows[picked], kind[picked]] -= 1
        score[rows[picked], country[picked], :] = -np.inf
    return offers


def offered_value(offers: np.ndarray, leverage: np.ndarray, engagement: float) -> np.ndarray:
    """What each country's offer is worth to it this month (0 without an offer), (R, C)."""
    lev = np.broadcast_to(leverage, offers.shape + leverage.shape[-1:])
    kind = np.where(offers >= 0, offers, 0).astype(np.intp)
    value = np.take_along_axis(lev, kind[..., None], axis=-1)[..., 0]
    return np.where(offers >= 0, engagement * value, 0.0)


def spend(units: np.ndarray, offers: np.ndarray, signed: np.ndarray) -> np.ndarray:
    """Units left after the courted countries that signed this month take their inducement."""
    n_type = units.shape[-1]
    taken = (offers[..., None] == np.arange(n_type)) & signed[..., None]
    return units - taken.sum(axis=-2)


def persuasion_gain(
    status: np.ndarray,
    utility: np.ndarray,
    threshold: np.ndarray,
    strength: np.ndarray,
    rates,
) -> np.ndarray:
    """Rise in each country's favourable hazard if offered each type, (..., C, K).

    `utility` (..., C) is without any offer; `strength` (..., C, K) is what each offer would add.
    """
    from sim.core.decision import favourable_hazard, response

    before = favourable_hazard(status, response(utility, threshold, rates.noise), rates)
    after = favourable_hazard(
        status[..., None],
        response(utility[..., None] + strength, threshold[:, None], rates.noise),
        rates,
    )
    return after - before[..., None]

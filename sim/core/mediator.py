"""The mediator's policy: whom to court with which inducement, and paying out.

The mediator holds a budget of typed inducements (arms, recognition, sanctions relief,
investment, a security guarantee), each with a number of units and a cost, in the spirit of
Henke (2019, International Security 43(4)), "Buying Allies": a pivotal state pays side deals to
recruit partners. Each month it moves first, courting up to `max_targets` countries outside the
accord with one inducement each; an offer is worth `engagement * leverage` to the country, and a
unit is spent only when a courted country signs. An inducement granted without accession (the
Nov 2025 Saudi defence pact and F-35s) zeroes the mediator's leverage of that type over that
country: what has been given cannot be offered again. What an offer is worth to a country may
change by date (sim.config.dated): leverage is refilled each month from those values.

The `courting` strategy is the mediator as it behaved on the record, a process whose rates are
fitted (sim.inference.fit). Each month, for each country it could court, a spell of courting
starts with probability

    a_i = 1 - exp(-court_rate * engagement * w_i),   w_i = worth of its best offer to country i

and a spell under way goes on with probability `court_persistence` (so it lasts 1 / (1 - p)
months on average), offering the best type (the most valued type with units left). Courting
more often where it has more to offer is its persuadability score. A spell ends when the
country joins or has nothing left to be offered.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import NamedTuple

import numpy as np
from numba import njit

from sim.core.decision import OUTSIDE, TALKS, Rates, favourable_hazard

NO_OFFER = -1
NONE, PRIORITY, PERSUADABLE, SCRIPTED, COURTING = 0, 1, 2, 3, 4


class Strategy(IntEnum):
    """How the mediator picks whom to court."""

    NONE = NONE  # courts nobody
    PRIORITY = PRIORITY  # a fixed priority list, best-valued inducement first
    PERSUADABLE = PERSUADABLE  # largest rise in the next-step hazard per unit cost
    SCRIPTED = SCRIPTED  # the offers of the record (record.offers), e.g. the 2020 side deals
    COURTING = COURTING  # a random courting process fitted to the record (court_rate)


class Policy(NamedTuple):
    """How the mediator courts: its strategy, how many countries a month, its priority list
    (each country's position, C when unlisted), what each inducement type costs it, and a
    courting mediator's rates (module docstring)."""

    strategy: int
    max_targets: int
    priority_rank: np.ndarray  # (C,)
    cost: np.ndarray  # (K,)
    court_rate: float
    court_persistence: float


# inlined: a call costs a reference count per array
@njit(cache=True, error_model="numpy", inline="always")
def add_package(
    offers: np.ndarray,
    package: np.ndarray,
    status: np.ndarray,
    units: np.ndarray,
    leverage: np.ndarray,
) -> None:
    """A what-if package's offers this month (`package` (C,): a type or NO_OFFER), added to what
    the strategy chose: made while the country may join and the type has units left, where it
    is worth more to the country than the strategy's own offer (one offer a month, as always;
    so a package never takes away). sim.commands.optimize searches these."""
    for i in range(len(offers)):
        k = package[i]
        if k == NO_OFFER or not is_eligible(status[i]) or units[k] <= 0:
            continue
        if leverage[i, k] > (leverage[i, offers[i]] if offers[i] != NO_OFFER else 0.0):
            offers[i] = k


@njit(cache=True, error_model="numpy")
def is_eligible(status: int) -> bool:
    """Countries outside the accord or in talks can be courted."""
    return status == OUTSIDE or status == TALKS


# inlined: a call costs a reference count per array
@njit(cache=True, error_model="numpy", inline="always")
def fill_offer_factors(factor: np.ndarray, strength: np.ndarray, noise: float) -> None:
    """exp(-strength / noise) for each (country, type): what an offer multiplies the odds term of
    the response by. Separate so that an engine can reuse it while engagement and leverage hold."""
    for i in range(factor.shape[0]):
        for k in range(factor.shape[1]):
            factor[i, k] = math.exp(-strength[i, k] / noise)


# inlined: a call costs a reference count per array
@njit(cache=True, error_model="numpy", inline="always")
def fill_persuasion_gain(
    persuasion, status: np.ndarray, threshold: np.ndarray, rates: Rates, since: np.ndarray, t: int
) -> None:
    """Rise in each country's favourable hazard if offered each type, `persuasion.gain` (C, K),
    in month (step) `t`; `since` (C,): the step of each country's first month of deciding in its
    talks. `persuasion` (sim.engine.row.Persuasion): `utility` (C,) without any offer, each
    offer's `strength` and `factor` (C, K), and `gain`.

    With odds = exp(-(U - threshold) / noise) the response is 1 / (1 + odds), and an offer of
    strength s makes it 1 / (1 + odds * exp(-s / noise)): one exponential per country rather
    than one per offer (`factor`: exp(-s / noise)). The hazard at a full response
    (favourable_hazard) times the response: exact but where maturing talks (talks_decay < 0)
    reach the cap of the signing hazard (decision.talks_signing).
    """
    gain, utility = persuasion.gain, persuasion.utility
    factor, strength = persuasion.factor, persuasion.strength
    for i in range(gain.shape[0]):
        if not is_eligible(status[i]):
            gain[i, :] = 0.0
            continue
        rate = favourable_hazard(status[i], 1.0, rates, t - since[i])  # rate_open or sign's
        log_odds = -(utility[i] - threshold[i]) / rates.noise
        far = log_odds > 700.0  # exp would overflow: each offer from its own log-odds (rare)
        odds = 0.0 if far else math.exp(log_odds)
        hazard = 0.0 if far else rate / (1.0 + odds)  # 0 to double precision when far
        for k in range(gain.shape[1]):
            if factor[i, k] == 1.0:  # no leverage: the offer changes nothing
                gain[i, k] = 0.0
            elif far:
                shifted = log_odds - strength[i, k] / rates.noise
                gain[i, k] = 0.0 if shifted > 700.0 else rate / (1.0 + math.exp(shifted))
            else:
                gain[i, k] = rate / (1.0 + odds * factor[i, k]) - hazard


@njit(cache=True, error_model="numpy")
def choose_offers(
    offers: np.ndarray,
    policy: Policy,
    gain: np.ndarray,
    leverage: np.ndarray,
    status: np.ndarray,
    units: np.ndarray,
    script: np.ndarray,
) -> None:
    """Offered inducement type per country, or NO_OFFER, into offers (C,).

    A greedy pick, one country at a time, so a country is never courted twice and no type is
    offered more often than it has units left. Ties go to the earlier country, then the earlier
    type. A scripted mediator offers what `script` (C,) says this month, budget and leverage
    allowing.
    """
    per_cost = 1.0 / policy.cost  # multiply in the loop: divisions are slow
    pick_offers(offers, policy, gain, leverage, status, units.copy(), script, per_cost)


# inlined: a call costs a reference count per array
@njit(cache=True, error_model="numpy", inline="always")
def pick_offers(
    offers: np.ndarray,
    policy: Policy,
    gain: np.ndarray,
    leverage: np.ndarray,
    status: np.ndarray,
    left: np.ndarray,
    script: np.ndarray,
    per_cost: np.ndarray,
) -> None:
    """`choose_offers` into room the caller gives, so that the kernel's month allocates nothing:
    `left` (K,) the units left, counted down as offers are made, and `per_cost` (K,) 1 / cost."""
    offers[:] = NO_OFFER
    scripted = policy.strategy == SCRIPTED
    # loops, not if/elif: branches that end here would keep LLVM from pruning the kernel's
    # reference counts of these arrays (sim.engine.month)
    for i in range(len(offers) if scripted else 0):
        k = script[i]
        if k != NO_OFFER and is_eligible(status[i]) and left[k] > 0 and leverage[i, k] > 0.0:
            offers[i] = k
            left[k] -= 1
    greedy = policy.strategy != NONE and not scripted
    for _ in range(policy.max_targets if greedy else 0):
        i, k = _best_pick(offers, policy, gain, leverage, status, left, per_cost)
        if i >= 0:  # once none is found, none will be
            offers[i] = k
            left[k] -= 1


# inlined: a call costs a reference count per array
@njit(cache=True, error_model="numpy", inline="always")
def _best_pick(offers, policy: Policy, gain, leverage, status, left, per_cost) -> tuple[int, int]:
    """A greedy pick's next offer, (country, type), or (-1, -1) if there is none: the best score
    among countries not yet courted that may be, and types with units left."""
    strategy, priority_rank = policy.strategy, policy.priority_rank
    n_country, n_type = gain.shape
    best, best_country, best_type = -np.inf, -1, -1
    for i in range(n_country):
        if offers[i] != NO_OFFER or not is_eligible(status[i]):
            continue
        if strategy == PRIORITY and priority_rank[i] >= n_country:
            continue
        for k in range(n_type):
            if left[k] <= 0 or leverage[i, k] <= 0.0:
                continue
            if strategy == PERSUADABLE:
                if gain[i, k] <= 0.0:
                    continue
                score = gain[i, k] * per_cost[k]
            else:
                score = (n_country - priority_rank[i]) + 1e-3 * leverage[i, k]
            if score > best:
                best, best_country, best_type = score, i, k
    return best_country, best_type


# inlined: a call costs a reference count per array
@njit(cache=True, error_model="numpy", inline="always")
def best_offer(leverage: np.ndarray, i: int, units: np.ndarray) -> int:
    """The most valued type (earliest on ties) with units left, for country i of the leverage
    (C, K), or NO_OFFER if it has none. Rows are read by index, not as views: in the kernel a
    view costs a reference count, an atomic operation."""
    best, best_type = 0.0, NO_OFFER
    for k in range(leverage.shape[1]):
        if units[k] > 0 and leverage[i, k] > best:
            best, best_type = leverage[i, k], k
    return best_type


@njit(cache=True, error_model="numpy")
def courting_start(worth: float, engagement: float, court_rate: float) -> float:
    """A courting mediator's chance of starting to court a country this month, whose best offer
    is worth `worth` (module docstring)."""
    return 1.0 - math.exp(_courting_exponent(worth, engagement, court_rate))


@njit(cache=True, error_model="numpy")
def _courting_exponent(worth: float, engagement: float, court_rate: float) -> float:
    return -court_rate * max(engagement, 0.0) * worth


class CourtMemo(NamedTuple):
    """What `court` keeps between months of one run, so that a month takes an exponential only
    where its argument changed (engagement and leverage seldom do), looks for each country's
    best offer only when the leverage changed or a type ran out, and allocates nothing unless
    the leverage changed."""

    left: np.ndarray  # (K,) units left as this month's offers are made
    exponent: np.ndarray  # (C,) the exponent each country's start chance was last computed for
    start: np.ndarray  # (C,) that chance
    most_valued: np.ndarray  # (C,) each country's best offer were every type available (best_offer)
    current: (
        np.ndarray
    )  # (1,) bool: most_valued is that of the leverage in use (`leverage_changed`)


@njit(cache=True, error_model="numpy")
def new_court_memo(n_country: int, n_type: int) -> CourtMemo:
    return CourtMemo(
        np.zeros(n_type, dtype=np.int64),
        np.full(n_country, np.nan),
        np.zeros(n_country),
        np.full(n_country, NO_OFFER),
        np.zeros(1, dtype=np.bool_),
    )


@njit(cache=True, error_model="numpy")
def leverage_changed(memo: CourtMemo) -> None:
    """Tell the memo that the leverage it courts with changed (fill_leverage returned True)."""
    memo.current[0] = False


@njit(cache=True, error_model="numpy")
def court(offers, policy: Policy, leverage, status, units, chance, engagement: float) -> None:
    """A courting mediator's offers (C,), updated from last month's in place: a country that can
    be courted gets its best offer when chance[i] (a uniform draw) is below the chance that its
    spell goes on (courted last month) or starts (not). Countries are taken in order, so a type
    whose units run out goes to the earlier country."""
    court_remembering(
        offers, policy, leverage, status, units, chance, engagement, new_court_memo(*leverage.shape)
    )


# inlined: a call costs a reference count per array
@njit(cache=True, error_model="numpy", inline="always")
def court_remembering(
    offers, policy: Policy, leverage, status, units, chance, engagement: float, memo: CourtMemo
) -> None:
    """`court`, keeping `memo` from one month to the next."""
    if not memo.current[0]:
        remember_most_valued(memo, leverage)
    court_from_memo(offers, policy, leverage, status, units, chance, engagement, memo)


# inlined: a call costs a reference count per array
@njit(cache=True, error_model="numpy", inline="always")
def remember_most_valued(memo: CourtMemo, leverage) -> None:
    """Each country's most valued type under `leverage` (C, K), into the memo, now current
    (the ensemble kernel's month calls it whenever it refills the leverage)."""
    left, most_valued = memo.left, memo.most_valued
    left[:] = 1  # every type available (no allocation in the kernel's month)
    for i in range(len(most_valued)):
        most_valued[i] = best_offer(leverage, i, left)
    memo.current[0] = True


# inlined: a call costs a reference count per array
@njit(cache=True, error_model="numpy", inline="always")
def court_from_memo(
    offers, policy: Policy, leverage, status, units, chance, engagement: float, memo: CourtMemo
) -> None:
    """`court`, with `memo` current for `leverage` (remember_most_valued)."""
    left, last_exponent, last_start, most_valued = (
        memo.left,
        memo.exponent,
        memo.start,
        memo.most_valued,
    )
    for k in range(len(units)):  # by element: an array's copy checks its shape, a call
        left[k] = units[k]
    for i in range(len(offers)):
        was_courted = offers[i] != NO_OFFER
        offers[i] = NO_OFFER
        if not is_eligible(status[i]):
            continue
        k = most_valued[
            i
        ]  # best_offer(leverage, i, left) whenever a unit of it is left: the earliest of the largest
        if k != NO_OFFER and left[k] <= 0:
            k = best_offer(leverage, i, left)
        if k == NO_OFFER:
            continue
        if was_courted:
            threshold = policy.court_persistence
        else:  # courting_start, its exponential taken again only for a new argument
            exponent = _courting_exponent(leverage[i, k], engagement, policy.court_rate)
            if exponent != last_exponent[i]:
                last_exponent[i], last_start[i] = exponent, 1.0 - math.exp(exponent)
            threshold = last_start[i]
        if chance[i] < threshold:
            offers[i] = k
            left[k] -= 1


# inlined: a call costs a reference count per array
@njit(cache=True, error_model="numpy", inline="always")
def offer_worth(offer: int, leverage: np.ndarray, i: int, engagement: float) -> float:
    """What an offer of type `offer` is worth to country i of the leverage (C, K) (0 if none)."""
    return engagement * leverage[i, offer] if offer != NO_OFFER else 0.0


# inlined: a call costs a reference count per array
@njit(cache=True, error_model="numpy", inline="always")
def spend(units: np.ndarray, offer: int) -> None:
    """A courted country signed: its inducement is paid out of the budget."""
    if offer != NO_OFFER:
        units[offer] -= 1


# inlined: a call costs a reference count per array
@njit(cache=True, error_model="numpy", inline="always")
def grant(spent: np.ndarray, units: np.ndarray, granted: np.ndarray) -> None:
    """Inducements given without accession (granted (C, K) bool): paid out of the budget, and
    marked `spent` (C, K): no longer leverage."""
    for i in range(granted.shape[0]):
        for k in range(granted.shape[1]):
            if granted[i, k]:
                spent[i, k] = True
                units[k] = max(units[k] - 1, 0)


# inlined: a call costs a reference count per array
@njit(cache=True, error_model="numpy", inline="always")
def fill_leverage(
    leverage: np.ndarray, value: np.ndarray, spent: np.ndarray, candidate: np.ndarray
) -> bool:
    """This month's leverage (C, K): what each offer is worth to each country (`value`, by date),
    0 where spent or where the country is not a candidate. True if any entry changed."""
    changed = False
    for i in range(leverage.shape[0]):
        for k in range(leverage.shape[1]):
            worth = value[i, k] if candidate[i] and not spent[i, k] else 0.0
            if worth != leverage[i, k]:
                leverage[i, k] = worth
                changed = True
    return changed

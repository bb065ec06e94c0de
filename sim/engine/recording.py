"""What a row's months record besides its outcomes (sim.engine.month): the explanation sums of
each deciding country's utility contributions, and the trace of each month's inputs that the
likelihood reads. Each recording is a phase of its own, inlined into the month's loop like the
others and run only when its recorders have room (`Mode`)."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.core import mediator
from sim.core.decision import TALKS, is_settled, response
from sim.core.utility import fill_contributions, fill_standing, fill_terms, is_standing, utility_of
from sim.engine.outcomes import FIXED_POINT

# an explanation row: the N terms, then the events' part, the utility and the threshold
EXPLAINED_EXTRA = 3


@njit(cache=True, error_model="numpy", inline="always")
def explain_month(shared, point, state, row, now) -> None:
    """Each deciding candidate's month in its block's explanation sums: the terms that are not
    standing, the events' part and the utility (the standing terms are counted in `pending` and
    added by add_standing)."""
    n_terms, t = state.terms.shape[1], now.t
    for i in range(len(state.status)):
        if state.status[i] > TALKS or not shared.candidate[now.s, i]:
            continue
        for k in point.varying:
            row.by_month[t, i, k] += _fixed(state.terms[i, k])
        moved = 0.0  # events_part, its loop here: as a call it cost its arrays' counts
        for k in point.moving:
            moved += state.terms[i, k] - state.standing[i, k]
        row.by_month[t, i, n_terms] += _fixed(moved)
        row.by_month[t, i, n_terms + 1] += _fixed(state.utility[i])
        row.pending[t, i] += 1


@njit(cache=True, error_model="numpy", inline="always")
def explain_joins(shared, point, state, row, now) -> None:
    """The month of each country that joined in it, in full, in its block's sums: contributions,
    utility and threshold (joins are rare)."""
    terms, standing, contributions = state.terms, state.standing, state.contributions
    join_month, at_join, threshold = row.milestones.join_month, row.at_join, point.threshold[now.s]
    n_terms, term_index = terms.shape[1], shared.term_index
    for i in range(len(join_month)):
        if join_month[i] == now.t:
            fill_contributions(contributions, terms, standing, i, term_index)
            for k in range(n_terms + 1):
                at_join[i, k] += _fixed(contributions[k])
            at_join[i, n_terms + 1] += _fixed(utility_of(terms, i))
            at_join[i, n_terms + 2] += _fixed(threshold[i])


@njit(cache=True, error_model="numpy", inline="always")
def trace_month(shared, point, state, mode, row, now) -> None:
    """Each deciding country's month inputs, as the likelihood reads them: its response, shock
    and offer; under a courting mediator, the chance a spell starts and the response if courted."""
    r, t, recorders = row.r, now.t, row.recorders
    for i in range(len(state.status)):
        if is_settled(state.status[i], point.rates) and not mode.following:
            continue  # the month skipped it
        offer = state.offers[i]
        recorders.readiness[r, t, i] = state.readiness[i]
        recorders.shocked[r, t, i], recorders.offers[r, t, i] = state.events.hit[i], offer
        if not mode.courting or state.status[i] > TALKS:
            continue
        best = mediator.best_offer(state.leverage, i, state.units)  # what the filter needs
        if best == mediator.NO_OFFER:
            recorders.courting[r, t, i] = 0.0
        else:
            worth, court_rate = state.leverage[i, best], point.policy.court_rate
            recorders.courting[r, t, i] = mediator.courting_start(worth, now.engagement, court_rate)
            courted = _courted_readiness(shared, point, state, now, i, best)
            recorders.courted_readiness[r, t, i] = courted
        if mode.following and offer != mediator.NO_OFFER:  # a known offer: the spell is seen
            recorders.courted_readiness[r, t, i] = state.readiness[i]


@njit(cache=True, error_model="numpy", inline="always")
def _courted_readiness(shared, point, state, now, i, best) -> float:
    """Country i's response were it courted with offer `best` this month."""
    s, offer_term, engagement = now.s, shared.offer_term, now.engagement
    weight = point.weights[s, i, offer_term]
    own = state.terms[i, offer_term]
    state.terms[i, offer_term] = weight * mediator.offer_worth(best, state.leverage, i, engagement)
    courted = utility_of(state.terms, i)  # as the month computes it when courted: bit for bit
    state.terms[i, offer_term] = own  # the month's own offer back
    candidate, threshold, noise = shared.candidate[s, i], point.threshold[s, i], point.rates.noise
    return response(courted, threshold, noise) if candidate else 0.0


@njit(cache=True, error_model="numpy")
def _fixed(value: float) -> np.int64:
    """A value of the explanation sums in fixed point: integer sums are exact in any order."""
    return np.int64(np.rint(value * FIXED_POINT))


@njit(cache=True, error_model="numpy")
def add_standing(shared, numbers, recorders, block, d):
    """Add to a block's explanation sums the standing contributions (terms that stay while the
    facts do; the threshold) and the count of its deciding months counted since the last call,
    all of design point `d`: a month's value times the count, the same integer as adding it
    month by month (`explain_month` adds the peers', the offer's, the events' part and the
    utility itself), at a fraction of the cost."""
    n_country, n_terms = numbers.weights.shape[2], numbers.weights.shape[3]
    pending, sums, deciding = (
        recorders.pending[block],
        recorders.by_month[block],
        recorders.deciding[block],
    )
    terms, standing, row = (
        np.zeros((n_country, n_terms)),
        np.zeros((n_country, n_terms)),
        np.zeros(n_terms + 1),
    )
    zero = np.zeros(n_country)
    for s in range(numbers.weights.shape[1]):
        weights, features = numbers.weights[d, s], numbers.features[d, s]
        fill_terms(
            terms, weights, features, zero, zero, zero, shared.term_index, shared.term_sign
        )  # the standing ones
        fill_standing(
            standing, weights, features, numbers.salience[d], shared.term_index, shared.term_sign
        )
        for i in range(n_country):
            fill_contributions(row, terms, standing, i, shared.term_index)
            threshold = _fixed(numbers.threshold[d, s, i])
            for t in range(len(shared.period)):
                count = pending[t, i]
                if shared.period[t] != s or count == 0:
                    continue
                for k in range(n_terms):
                    if is_standing(shared.term_index[k, 0]):
                        sums[t, i, k] += count * _fixed(row[k])
                sums[t, i, n_terms + 2] += count * threshold
                deciding[t, i] += count
                pending[t, i] = 0

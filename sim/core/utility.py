"""Accession utility: weighted incentives + mediator inducement + peer effect - domestic cost.

    U_i(t) = w_iran  * threat_i(t)                       security threat from Iran
           + w_us    * us_security_i                     security ties to the mediator
           + w_econ  * econ_gain_i                       economic gain from ties with Israel
           + w_ind   * inducement_i(t)                   the mediator's offer this month
           + w_peer  * peer_pressure_i(t)                members among the country's peers
           - w_pub   * (1 - permissiveness_i) * (1 - insulation_i)     public opposition
           - w_pal   * palestine_linkage_i * salience_i(t)             the Palestinian question

These are the Abraham world's terms (conf/terms/abraham.yaml); a world declares its own, each a
kind of computation (sim.core.terms.TERM_KINDS) over the roster's features with a sign, and the
engines read whatever is declared. Every term is kept separately so that a result can say which
term carried a country over its threshold; the utility is their sum. Costs enter with a negative sign. The diffusion terms follow
Berry & Berry (1990, APSR 84): internal motives and obstacles plus neighbours' adoptions; public
opposition only costs a regime that is exposed to it. The felt threat and the salience include
active events' shifts and are kept in [0, 1].
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.core.terms import EXPOSED, FEATURE, OFFER, PEERS, SALIENCE, THREAT


@njit(
    cache=True, error_model="numpy", inline="always"
)  # inlined: a call costs a reference count per array
def fill_terms(
    terms: np.ndarray,
    weights: np.ndarray,
    features: np.ndarray,
    threat_shift: np.ndarray,
    salience: np.ndarray,
    peer_pressure: np.ndarray,
    term_index: np.ndarray,
    term_sign: np.ndarray,
) -> None:
    """Every signed term for every country, the offer's left at 0: terms (C, N), the declared
    terms: `term_index` (N, 3) their kind, feature and second feature, `term_sign` (N,)."""
    n_country = terms.shape[0]
    for k in range(terms.shape[1]):  # a term's kind once, then every country: no branch per country
        kind, a, b, sign = term_index[k, 0], term_index[k, 1], term_index[k, 2], term_sign[k]
        if kind == THREAT:
            for i in range(n_country):  # rows by index, not views (see fill_standing)
                terms[i, k] = (
                    sign * weights[i, k] * min(max(features[i, a] + threat_shift[i], 0.0), 1.0)
                )
        elif kind == FEATURE:
            for i in range(n_country):
                terms[i, k] = sign * weights[i, k] * features[i, a]
        elif kind == EXPOSED:
            for i in range(n_country):
                terms[i, k] = (
                    sign * weights[i, k] * ((1.0 - features[i, a]) * (1.0 - features[i, b]))
                )
        elif kind == SALIENCE:
            for i in range(n_country):
                terms[i, k] = (
                    sign * weights[i, k] * features[i, a] * min(max(salience[i], 0.0), 1.0)
                )
        elif kind == PEERS:
            for i in range(n_country):
                terms[i, k] = sign * weights[i, k] * peer_pressure[i]
        else:  # OFFER: set when the mediator has moved
            for i in range(n_country):
                terms[i, k] = 0.0


@njit(cache=True, error_model="numpy")
def accession_utility(terms: np.ndarray) -> float:
    """Utility as the sum of one country's terms."""
    total = 0.0
    for value in terms:
        total += value
    return total


@njit(
    cache=True, error_model="numpy", inline="always"
)  # inlined: a call costs a reference count per array
def utility_of(terms: np.ndarray, i: int) -> float:
    """`accession_utility` of country i of the terms (C, N), the same sum in the same order. The
    row is read by index, not as a view: in the kernel a view costs a reference count."""
    total = 0.0
    for k in range(terms.shape[1]):
        total += terms[i, k]
    return total


@njit(
    cache=True, error_model="numpy", inline="always"
)  # inlined: a call costs a reference count per array
def fill_contributions(
    out: np.ndarray, terms: np.ndarray, standing: np.ndarray, i: int, term_index: np.ndarray
) -> None:
    """Country i's contributions (N + 1,) from the signed terms this month (terms (C, N), offer
    included): the terms events move (threat, salience) at their standing values (`standing`,
    from fill_standing), and last what the active events add through them."""
    for k in range(terms.shape[1]):
        out[k] = standing[i, k] if moved_by_events(term_index[k, 0]) else terms[i, k]
    out[terms.shape[1]] = events_part(terms, standing, i, term_index)


@njit(
    cache=True, error_model="numpy", inline="always"
)  # inlined: a call costs a reference count per array
def events_part(terms: np.ndarray, standing: np.ndarray, i: int, term_index: np.ndarray) -> float:
    """What the active events add to country i's utility this month, through the terms they move."""
    events = 0.0
    for k in range(terms.shape[1]):
        if moved_by_events(term_index[k, 0]):
            events += terms[i, k] - standing[i, k]
    return events


@njit(
    cache=True, error_model="numpy", inline="always"
)  # inlined: a call costs a reference count per array
def fill_standing(
    standing: np.ndarray,
    weights: np.ndarray,
    features: np.ndarray,
    base_salience: float,
    term_index: np.ndarray,
    term_sign: np.ndarray,
) -> None:
    """The terms events move (threat, salience) without the events' shifts, standing (C, N) (0
    for the other terms): they change only with the facts, so an engine fills them once a period.
    Rows are read by index, not as views: a view of an array the kernel's threads share costs an
    atomic reference count."""
    for i in range(standing.shape[0]):
        for k in range(standing.shape[1]):
            kind, a, sign = term_index[k, 0], term_index[k, 1], term_sign[k]
            if kind == THREAT:
                standing[i, k] = sign * weights[i, k] * min(max(features[i, a], 0.0), 1.0)
            elif kind == SALIENCE:
                standing[i, k] = (
                    sign * weights[i, k] * features[i, a] * min(max(base_salience, 0.0), 1.0)
                )
            else:
                standing[i, k] = 0.0


@njit(cache=True, error_model="numpy")
def moved_by_events(kind: int) -> bool:
    return kind == THREAT or kind == SALIENCE


@njit(cache=True, error_model="numpy")
def is_standing(kind: int) -> bool:
    """A kind whose contribution stays the same while the facts do (events' shifts apart): all
    but the peers' and the offer's."""
    return kind != PEERS and kind != OFFER

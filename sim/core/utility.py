"""Accession utility: weighted incentives + mediator inducement + peer effect - domestic cost.

    U_i(t) = w_iran  * threat_i(t)                       security threat from Iran
           + w_us    * us_security_i                     security ties to the mediator
           + w_econ  * econ_gain_i                       economic gain from ties with Israel
           + w_ind   * inducement_i(t)                   the mediator's offer this month
           + w_peer  * peer_pressure_i(t)                members among the country's peers
           - w_pub   * (1 - permissiveness_i) * (1 - insulation_i)     public opposition
           - w_pal   * palestine_linkage_i * salience_i(t)             the Palestinian question

Every term is kept separately so that a result can say which term carried a country over its
threshold; the utility is their sum. Costs enter with a negative sign. The diffusion terms follow
Berry & Berry (1990, APSR 84): internal motives and obstacles plus neighbours' adoptions; public
opposition only costs a regime that is exposed to it. The felt threat and the salience include
active events' shifts and are kept in [0, 1].
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.core.terms import FEATURES, TERMS

IRAN, US, ECON, INDUCEMENT, PEER, PUBLIC, PALESTINE = range(len(TERMS))
EVENTS = len(TERMS)
F_IRAN, F_US, F_ECON, F_PERMISSIVE, F_INSULATED, F_LINKED = range(len(FEATURES))


@njit(cache=True, error_model="numpy")
def fill_terms(
    terms: np.ndarray,
    weights: np.ndarray,
    features: np.ndarray,
    threat_shift: np.ndarray,
    salience: np.ndarray,
    peer_pressure: np.ndarray,
) -> None:
    """Every signed term for every country, the offer's left at 0: terms (C, len(TERMS))."""
    for i in range(terms.shape[0]):
        w, f = weights[i], features[i]
        threat = min(max(f[F_IRAN] + threat_shift[i], 0.0), 1.0)
        opposition = (1.0 - f[F_PERMISSIVE]) * (1.0 - f[F_INSULATED])
        terms[i, IRAN] = w[IRAN] * threat
        terms[i, US] = w[US] * f[F_US]
        terms[i, ECON] = w[ECON] * f[F_ECON]
        terms[i, INDUCEMENT] = 0.0
        terms[i, PEER] = w[PEER] * peer_pressure[i]
        terms[i, PUBLIC] = -w[PUBLIC] * opposition
        terms[i, PALESTINE] = -w[PALESTINE] * f[F_LINKED] * min(max(salience[i], 0.0), 1.0)


@njit(cache=True, error_model="numpy")
def accession_utility(terms: np.ndarray) -> float:
    """Utility as the sum of one country's terms."""
    total = 0.0
    for value in terms:
        total += value
    return total


@njit(cache=True, error_model="numpy")
def fill_contributions(
    out: np.ndarray, terms: np.ndarray, weights: np.ndarray, features: np.ndarray, base_salience: float
) -> None:
    """One country's contributions (len(CONTRIBUTIONS),) from its signed terms this month (offer
    included): the Iran and Palestine terms split into their standing values and the events' part."""
    iran = weights[IRAN] * min(max(features[F_IRAN], 0.0), 1.0)
    palestine = -weights[PALESTINE] * features[F_LINKED] * min(max(base_salience, 0.0), 1.0)
    out[: len(terms)] = terms
    out[IRAN] = iran
    out[PALESTINE] = palestine
    out[EVENTS] = (terms[IRAN] - iran) + (terms[PALESTINE] - palestine)

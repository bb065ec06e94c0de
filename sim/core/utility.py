"""Accession utility: weighted incentives + mediator inducement + peer effect - domestic cost.

    U_i(t) = w_iran  * threat_i(t)                       security threat from Iran
           + w_us    * us_security_i                     security ties to the mediator
           + w_econ  * econ_gain_i                       economic gain from ties with Israel
           + w_ind   * inducement_i(t)                   the mediator's offer this month
           + w_peer  * peer_pressure_i(t)                members among the country's peers
           - w_pub   * (1 - permissiveness_i) * (1 - insulation_i)     public opposition
           - w_pal   * palestine_linkage_i * salience_i(t)             the Palestinian question

Every term is kept separately (`contributions`) so that a result can say which term carried a
country over its threshold; the utility is their sum. Costs enter with a negative sign. The
diffusion terms follow Berry & Berry (1990, APSR 84): internal motives and obstacles plus
neighbours' adoptions; public opposition only costs a regime that is exposed to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TERMS = (
    "iran_threat",
    "us_security",
    "econ_gain",
    "inducement",
    "peer",
    "public_opposition",
    "palestine",
)
"""Names of the utility terms, in the column order of `contributions` and of a weight vector."""


@dataclass(frozen=True)
class Features:
    """A country's incentive features, each in [0, 1]; arrays broadcast over countries."""

    iran_threat: np.ndarray
    us_security: np.ndarray
    econ_gain: np.ndarray
    public_permissiveness: np.ndarray
    regime_insulation: np.ndarray
    palestine_linkage: np.ndarray


def contributions(
    weights: np.ndarray,
    features: Features,
    *,
    threat_shift: np.ndarray | float,
    salience: np.ndarray | float,
    inducement: np.ndarray | float,
    peer_pressure: np.ndarray | float,
) -> np.ndarray:
    """Each term's signed contribution to utility, shape (..., countries, len(TERMS)).

    `weights` has shape (countries, len(TERMS)); the other inputs broadcast to (..., countries).
    The threat felt and the salience this month include active events' shifts, kept in [0, 1].
    """
    f = features
    threat = np.clip(f.iran_threat + threat_shift, 0.0, 1.0)
    opposition = (1.0 - f.public_permissiveness) * (1.0 - f.regime_insulation)
    terms = np.broadcast_arrays(
        threat,
        f.us_security,
        f.econ_gain,
        inducement,
        peer_pressure,
        -opposition,
        -f.palestine_linkage * np.clip(salience, 0.0, 1.0),
    )
    return np.stack(terms, axis=-1) * weights


def accession_utility(terms: np.ndarray) -> np.ndarray:
    """Utility as the sum of its contributions."""
    return terms.sum(axis=-1)

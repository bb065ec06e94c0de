"""Peer effects on a weighted regional network.

A country's peer pressure is the weighted share of its neighbours that are members; when the
designated leader is a member, its followers' pressure is multiplied. Regional clustering
follows Centola & Macy (2007, AJS 113): costly, controversial adoptions need reinforcement from
several close neighbours. The leader reflects the "when Saudi Arabia goes in, everybody goes in"
argument of the reference facts (a Granovetter-style threshold cascade).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.core.decision import MEMBER


def adjacency(
    regions: list[str], edges: list[tuple[int, int, float]], *, region_weight: float
) -> np.ndarray:
    """Symmetric tie weights: `region_weight` within a region, plus explicit cross-region edges.

    An explicit edge between two countries of the same region replaces the regional weight.
    """
    region = np.array(regions)
    ties = np.where(region[:, None] == region[None, :], region_weight, 0.0)
    for i, j, weight in edges:
        ties[i, j] = ties[j, i] = weight
    np.fill_diagonal(ties, 0.0)
    return ties


@njit(cache=True, error_model="numpy")
def tie_totals(ties: np.ndarray) -> np.ndarray:
    """Each country's total tie weight (the denominator of its peer share)."""
    totals = np.zeros(ties.shape[0])
    for i in range(ties.shape[0]):
        for j in range(ties.shape[1]):
            totals[i] += ties[i, j]
    return totals


@njit(
    cache=True, error_model="numpy", inline="always"
)  # inlined: a call costs a reference count per array
def fill_peer_pressure(
    pressure: np.ndarray,
    ties: np.ndarray,
    totals: np.ndarray,
    status: np.ndarray,
    leader: int,
    is_follower: np.ndarray,
    leader_multiplier: float,
) -> None:
    """Weighted member share of each country's neighbours, boosted for the followers of a member
    leader (`leader` is an index, or -1 for none). `totals` comes from `tie_totals(ties)`."""
    leader_in = leader >= 0 and status[leader] == MEMBER
    for i in range(len(pressure)):
        weight = 0.0
        for j in range(len(pressure)):
            if status[j] == MEMBER:
                weight += ties[i, j]
        share = weight / totals[i] if totals[i] > 0 else 0.0
        pressure[i] = share * leader_multiplier if leader_in and is_follower[i] else share

"""Peer effects on a weighted regional network.

A country's peer pressure is the weighted share of its neighbours that are members; when the
designated leader is a member, its followers' pressure is multiplied. Regional clustering
follows Centola & Macy (2007, AJS 113): costly, controversial adoptions need reinforcement from
several close neighbours. The leader reflects the "when Saudi Arabia goes in, everybody goes in"
argument of the reference facts (a Granovetter-style threshold cascade).
"""

from __future__ import annotations

import numpy as np


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


def peer_pressure(
    ties: np.ndarray,
    is_member: np.ndarray,
    *,
    leader: int,
    is_follower: np.ndarray,
    leader_multiplier: float,
) -> np.ndarray:
    """Weighted member share of each country's neighbours, boosted for followers of a member
    leader. `is_member` has shape (..., countries); `leader` is an index or -1 for none."""
    totals = ties.sum(axis=1)
    share = (is_member.astype(np.float64) @ ties.T) / np.where(totals > 0, totals, 1.0)
    if leader < 0:
        return share
    boosted = is_member[..., leader, None] & is_follower
    return share * np.where(boosted, leader_multiplier, 1.0)

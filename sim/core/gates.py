"""Gates: conditions a country's accession (or its talks) waits on.

A gate is closed until it opens, then open for good. It opens in a given month (a fact, or a
what-if), or, with none, in the first month from its earliest on in which its own keyed draw
falls below its monthly hazard; on the record it opens only on its date (the record shows it
closed otherwise). While a gate blocking accession is closed, a country in talks cannot sign:
a draw that would have signed keeps it in talks, so its talks still end at the usual rate and
nothing else moves. A gate blocking talks keeps a country outside the same way.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.core import streams
from sim.core.decision import MEMBER, OUTSIDE, TALKS

SHUT = np.iinfo(np.int64).max  # the month a gate that never opens opens


@njit(cache=True, error_model="numpy")
def opening_month(opens: int, p_monthly: float, earliest: int, key, first: int, last: int) -> int:
    """The absolute month a gate opens in one replicate: `opens` when given (>= 0), else the
    first month in [max(first, earliest), last] whose draw of stream `key` falls below
    `p_monthly`, else SHUT."""
    if opens >= 0:
        return opens
    if p_monthly > 0.0:
        for month in range(max(first, earliest), last + 1):
            if streams.uniform(key, month, streams.GATE) < p_monthly:
                return month
    return SHUT


@njit(cache=True, error_model="numpy")
def fill_open_from(opened, blocks, open_from) -> None:
    """Per country, the month from which none of the gates in `blocks` (G, C) bool holds it:
    the latest opening month (`opened` (G,)) of its gates, or 0 when it has none."""
    for i in range(len(open_from)):
        open_from[i] = 0
        for g in range(len(opened)):
            if blocks[g, i] and opened[g] > open_from[i]:
                open_from[i] = opened[g]


@njit(cache=True, error_model="numpy", inline="always")
def held(old: int, new: int, month: int, sign_from: int, talks_from: int) -> int:
    """A country's next status with its gates applied: no signing before `sign_from`, no new
    talks before `talks_from` (absolute months)."""
    if new == MEMBER and old == TALKS and month < sign_from:
        return TALKS
    if new == TALKS and old == OUTSIDE and month < talks_from:
        return OUTSIDE
    return new

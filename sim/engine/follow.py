"""Following a record: each design point's months on the record's join months, for the
likelihood (sim.inference.likelihood). The same compiled month as the kernel's
(sim.engine.month), in the mode that follows a record and keeps each month's inputs."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.engine.inputs import Milestones, Recorders, Rows
from sim.engine.month import run_replicate


@njit(cache=True, error_model="numpy")
def follow_record(shared, numbers, points: np.ndarray, joined: np.ndarray) -> Recorders:
    """Each design point's months on a record (`joined` (C,): each country's join step, or
    NEVER): the traced readiness, shocks and offers (P, T, C) of `Recorders`, a row a point."""
    rows, out, recorders = _trace_room(shared, numbers, points, len(joined))
    _follow_rows(shared, numbers, rows, out, recorders, joined, 0, len(points))
    return recorders


def follow_records(shared, numbers, points: np.ndarray, joined: np.ndarray) -> Recorders:
    """`follow_record` for many points (a run's posterior draws), in parallel threads."""
    rows, out, recorders = _trace_room(shared, numbers, points, len(joined))
    _follow_blocks(shared, numbers, rows, out, recorders, joined)
    return recorders


@njit(parallel=True, cache=True, error_model="numpy")
def _follow_blocks(shared, numbers, rows, out, recorders, joined):
    n_rows = len(rows.points)
    n_blocks = min(n_rows, 64)
    for b in prange(n_blocks):  # a block a call, the month inlined there (see sim.engine.kernel)
        _follow_rows(
            shared,
            numbers,
            rows,
            out,
            recorders,
            joined,
            b * n_rows // n_blocks,
            (b + 1) * n_rows // n_blocks,
        )


@njit(cache=True, error_model="numpy")
def _trace_room(shared, numbers, points, n_country):
    """Rows (no streams: following a record draws nothing), milestones and trace recorders for
    `points`, one row each."""
    n_months, n_rows, n_event = numbers.engagement.shape[1], len(points), len(shared.event_onset)
    rows = Rows(
        points.copy(),
        np.zeros((n_rows, n_country), np.uint64),
        np.zeros((n_rows, n_event), np.uint64),
        np.zeros((n_rows, len(shared.gate_earliest)), np.uint64),
    )
    unused = np.zeros((n_rows, n_country), np.int16)
    recorders = Recorders(
        np.zeros((1, 0, 0, 0), np.int64),
        np.zeros((1, 0, 0), np.int64),
        np.zeros((1, 0, 0), np.int64),
        np.full((n_rows, n_months, n_country), np.nan),
        np.zeros((n_rows, n_months, n_country), np.bool_),
        np.full((n_rows, n_months, n_country), -1),
        np.full((n_rows, n_months, n_country), np.nan),
        np.full((n_rows, n_months, n_country), np.nan),
        np.zeros((1, 0, 0), np.int64),
    )
    return rows, Milestones(unused, unused.copy(), unused.copy(), unused.copy()), recorders


@njit(cache=True, error_model="numpy")
def _follow_rows(shared, numbers, rows, out, recorders, joined, first, last):
    for r in range(first, last):
        run_replicate(shared, numbers, rows, r, out, recorders, 0, joined)

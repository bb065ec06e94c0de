"""The ensemble engine: the Mesa model's month, compiled and run for many replicates at once.

Each replicate repeats `WorldModel.step` in the same order with the same compiled functions
(sim.engine.month, sim.core) and the same keyed random draws, so replicate r here follows the
same path as `WorldModel(world, rng=seed, replicate=r)`. Replicates run in parallel threads
(numba `prange`); because every draw is keyed, the result does not depend on the number of
threads or the chunking.

Each row of a call is a (design point, replicate) pair: the design point picks the world's
numbers from the stack, the replicate index picks the random streams. A sensitivity run gives
every design point the same replicate indices (common random numbers).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.core import events, gates, streams
from sim.engine.inputs import Milestones, Recorders, Rows, fixed
from sim.engine.month import SIMULATING, run_replicate
from sim.engine.outcomes import BEFORE, NEVER, ContributionSums, Outcomes
from sim.engine.point import point_events
from sim.engine.recording import EXPLAINED_EXTRA, add_standing
from sim.engine.world import World

BLOCKS = 64  # explanation sums are kept per block of rows, so threads never share one


def run_ensemble(
    world: World, points: np.ndarray, replicates: np.ndarray, seed: int, explain: bool = False
) -> tuple[Outcomes, ContributionSums | None]:
    """Outcomes of rows (design point `points[j]`, replicate `replicates[j]` of `seed`), and,
    with `explain`, the sums of every deciding country's utility contributions."""
    rows = stream_rows(world, points, replicates, seed)
    recorders = new_recorders(world, len(replicates), explain=explain)
    out = _run(world.shared, world.numbers, rows, recorders)
    sums = None
    if explain:
        sums = ContributionSums(*(a.sum(axis=0) for a in recorders[:3]))
    return Outcomes(*out), sums


def run_ensemble_parts(
    world: World,
    points: np.ndarray,
    replicates: np.ndarray,
    seed: int,
    parts: int,
    explain: bool = False,
) -> tuple[Outcomes, list[ContributionSums] | None]:
    """`run_ensemble` over rows that fall in `parts` equal consecutive parts (the points of a
    sweep, one after the other), with each part's explanation sums apart: every block of rows
    lies in one part, and fixed-point sums are exact in any order, so a part's sums are those
    of running it alone."""
    if len(replicates) % parts:
        raise ValueError(f"{len(replicates)} rows do not split into {parts} equal parts")
    per_part = max(BLOCKS // parts, 1)  # blocks per part: threads still share the work
    rows = stream_rows(world, points, replicates, seed)
    recorders = new_recorders(world, len(replicates), explain=explain, blocks=parts * per_part)
    out = _run(world.shared, world.numbers, rows, recorders)
    sums = None
    if explain:
        sums = [
            ContributionSums(
                *(a[p * per_part : (p + 1) * per_part].sum(axis=0) for a in recorders[:3])
            )
            for p in range(parts)
        ]
    return Outcomes(*out), sums


def stream_rows(world: World, points: np.ndarray, replicates: np.ndarray, seed: int) -> Rows:
    key = streams.stream_key(seed)
    reps = np.ascontiguousarray(replicates, dtype=np.int64)
    return fixed(
        Rows(
            points,
            streams.base_streams(key, reps, world.country_keys),
            streams.base_streams(key, reps, world.event_keys),
            streams.base_streams(key, reps, world.gate_keys),
        )
    )


def new_recorders(
    world: World,
    n_rows: int,
    *,
    explain: bool = False,
    trace: bool = False,
    blocks: int | None = None,
) -> Recorders:
    """Room for what a kernel call records: explanation sums (per block of rows: `blocks`, or up
    to BLOCKS) and a trace of each row's month inputs, each empty unless asked for."""
    n_blocks = blocks if blocks is not None else max(min(BLOCKS, n_rows), 1)
    width = len(world.term_names) + EXPLAINED_EXTRA
    shape = (world.n_months, len(world.ids)) if explain else (0, 0)
    traced = (n_rows, world.n_months, len(world.ids)) if trace else (0, 0, 0)
    return fixed(
        Recorders(
            np.zeros((n_blocks, *shape, width)),
            np.zeros((n_blocks, *shape)),
            np.zeros((n_blocks, shape[1], width)),
            np.full(traced, np.nan),
            np.zeros(traced),
            np.full(traced, -1),
            np.full(traced, np.nan),
            np.full(traced, np.nan),
            np.zeros((n_blocks, *shape[:2]), dtype=np.int64),
        )
    )


def traced_run(
    world: World, points: np.ndarray, replicates: np.ndarray, seed: int
) -> tuple[Outcomes, Recorders]:
    """`run_ensemble` keeping each row's month inputs (readiness, shocks, offers): for checks."""
    recorders = new_recorders(world, len(replicates), trace=True)
    out = _run(world.shared, world.numbers, stream_rows(world, points, replicates, seed), recorders)
    return Outcomes(*out), recorders


def shock_onsets(world: World, points: np.ndarray, replicates: np.ndarray, seed: int) -> np.ndarray:
    """(R, E) the first step at which each event started in each row (NEVER: not within the
    horizon; an event already running at the start does not start again), as the kernel's
    months drew it. Events do not depend on what countries do, so their path is recomputed
    from the same keyed streams rather than stored."""
    rows = stream_rows(world, points, replicates, seed)
    out = np.full((len(replicates), len(world.event_names)), NEVER, dtype=np.int16)
    _onsets(world.shared, world.numbers, rows, out)
    return out


def gate_openings(
    world: World, points: np.ndarray, replicates: np.ndarray, seed: int
) -> np.ndarray:
    """(R, G) the step at which each gate opened in each row (BEFORE: before the start; NEVER:
    not within the horizon), as the kernel's rows drew it: from the same keyed streams."""
    rows = stream_rows(world, points, replicates, seed)
    out = np.full((len(replicates), len(world.gate_names)), NEVER, dtype=np.int16)
    _openings(world.shared, world.numbers, rows, out)
    return out


@njit(parallel=True, cache=True, error_model="numpy")
def _openings(shared, numbers, rows, out):
    last = shared.start + len(shared.period) - 1
    for r in prange(len(rows.points)):
        d = rows.points[r]
        for g in range(out.shape[1]):
            month = gates.opening_month(
                numbers.gate_opens[d, g],
                numbers.gate_p_monthly[d, g],
                shared.gate_earliest[g],
                rows.gate_streams[r, g],
                shared.start,
                last,
            )
            if month < shared.start:
                out[r, g] = BEFORE
            elif month <= last:
                out[r, g] = month - shared.start


@njit(parallel=True, cache=True, error_model="numpy")
def _onsets(shared, numbers, rows, out):
    n_months = numbers.engagement.shape[1]
    for r in prange(len(rows.points)):
        d = rows.points[r]
        table = point_events(shared, numbers, d)
        remaining = numbers.remaining0[d].copy()
        started = np.zeros(len(remaining), dtype=np.bool_)
        draws = np.ones(len(remaining))
        for t in range(n_months):
            month = shared.start + t
            for e in range(
                len(draws)
            ):  # as run_replicate draws them, then month_of_events advances
                draws[e] = streams.uniform(rows.event_streams[r, e], month, streams.SHOCK_ONSET)
            events.advance(remaining, month, draws, table, started)
            events.age(remaining)
            for e in range(len(draws)):
                if started[e] and out[r, e] == NEVER:
                    out[r, e] = t


@njit(
    parallel=True, cache=True, error_model="numpy", nogil=True
)  # nogil: a sweep runs it beside Python work
def _run(shared, numbers, rows, recorders) -> Milestones:
    n_rep, n_country = rows.country_streams.shape
    out = Milestones(
        np.full((n_rep, n_country), NEVER, dtype=np.int16),
        np.full((n_rep, n_country), NEVER, dtype=np.int16),
        np.full((n_rep, n_country), NEVER, dtype=np.int16),
        np.full((n_rep, n_country), NEVER, dtype=np.int16),
    )
    n_blocks = len(recorders.deciding)
    for b in prange(n_blocks):
        first, last = b * n_rep // n_blocks, (b + 1) * n_rep // n_blocks
        _block(shared, numbers, rows, out, recorders, b, first, last)
    return out


@njit(cache=True, error_model="numpy")
def _block(shared, numbers, rows, out, recorders, block, first, last):
    """Rows first..last-1, one after the other. One call per block, not per row: a call passes
    every array of its NamedTuple arguments (a reference count each), and the month is inlined
    here, not into the prange loop above, where numba may hoist its allocations out of the loop."""
    explain = recorders.by_month.shape[1] > 0
    for r in range(first, last):
        if explain and r > first and rows.points[r] != rows.points[r - 1]:
            add_standing(shared, numbers, recorders, block, rows.points[r - 1])
        run_replicate(shared, numbers, rows, r, out, recorders, block, SIMULATING)
    if explain and last > first:
        add_standing(shared, numbers, recorders, block, rows.points[last - 1])

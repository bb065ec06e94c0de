"""Engines: turn compiled worlds into Outcomes for many replicates.

`ensemble` (default) runs the compiled kernel over chunks of replicates, so memory stays bounded
whatever the count; `mesa` runs one WorldModel per replicate: the readable reference, and slow. Both draw
from the same keyed streams, so they give the same outcome for the same seed and replicate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.config.schema import ENGINES
from sim.engine.kernel import run_ensemble
from sim.engine.model import WorldModel
from sim.engine.outcomes import ContributionSums, Outcomes
from sim.engine.world import World

Watch = Callable[[str, int, int], None]  # told (what, done, total) after each step of long work
CHUNK = 16384  # replicates per kernel call: ~5 MB of streams and outcomes for 32 countries


def simulate(
    world: World,
    *,
    replicates: int,
    seed: int,
    engine: str = "ensemble",
    chunk: int = CHUNK,
    points: np.ndarray | None = None,
) -> Outcomes:
    """Outcomes of replicates 0..replicates-1 of `seed`; replicate r runs in design point
    `points[r]` of the world (default: all in the first)."""
    return simulate_explained(
        world,
        replicates=replicates,
        seed=seed,
        engine=engine,
        chunk=chunk,
        points=points,
        explain=False,
    )[0]


def simulate_explained(
    world: World,
    *,
    replicates: int,
    seed: int,
    engine: str = "ensemble",
    chunk: int = CHUNK,
    points: np.ndarray | None = None,
    explain: bool = True,
    watch: Watch | None = None,
) -> tuple[Outcomes, ContributionSums | None]:
    """`simulate`, and the sums of the utility contributions that explain it. The explanation
    always comes from the kernel: the Mesa engine follows the same paths replicate by replicate.
    `watch("replicates", done, total)` is told after each chunk (where a run shows progress and
    stops when asked)."""
    points = np.zeros(replicates, dtype=np.int64) if points is None else np.asarray(points)
    if engine not in ENGINES:
        raise ValueError(f"engine: expected one of {', '.join(ENGINES)}, got {engine!r}")
    outcomes, sums = Outcomes.empty(replicates, len(world.ids)), None
    for s in range(0, replicates, chunk):
        rows = np.arange(s, min(s + chunk, replicates))
        if engine == "ensemble" or explain:
            outcome, part = run_ensemble(world, points[rows], rows, seed, explain)
            sums = part if sums is None else sums + part
        if engine == "mesa":  # slow: tell the watch after each replicate
            tell = (
                None
                if watch is None
                else (lambda j, s=s: watch("replicates", s + j + 1, replicates))
            )
            outcome = run_mesa(world, rows, seed, points[rows], tell)
        outcomes.fill(s, outcome)
        if watch is not None:
            watch("replicates", rows[-1] + 1, replicates)
    return outcomes, sums


def run_mesa(
    world: World,
    replicates,
    seed: int,
    points: np.ndarray | None = None,
    done: Callable[[int], None] | None = None,
) -> Outcomes:
    """One Mesa model per replicate, each run to the horizon; `done(j)` after the j-th."""
    parts = []
    for j, replicate in enumerate(replicates):
        point = 0 if points is None else int(points[j])
        model = WorldModel(world.point(point), rng=seed, replicate=int(replicate), collect=False)
        model.run_model()
        parts.append(model.outcome())
        if done is not None:
            done(j)
    return Outcomes.concat(parts)

"""Engines: turn a compiled World into Outcomes for many replicates.

`ensemble` (default) runs the compiled kernel over chunks of replicates, so memory stays bounded
whatever the count; `mesa` runs one AccordModel per replicate: the readable reference, and slow. Both draw
from the same keyed streams, so they give the same outcome for the same seed and replicate.
"""

from __future__ import annotations

import numpy as np

from sim.config import ENGINES
from sim.ensemble import run_ensemble
from sim.model import AccordModel
from sim.outcomes import Outcomes
from sim.world import World

CHUNK = 16384  # replicates per kernel call: ~5 MB of streams and outcomes for 32 countries


def simulate(
    world: World, *, replicates: int, seed: int, engine: str = "ensemble", chunk: int = CHUNK
) -> Outcomes:
    """Outcomes of replicates 0..replicates-1 of `seed`."""
    if engine == "mesa":
        return run_mesa(world, range(replicates), seed)
    if engine == "ensemble":
        starts = range(0, replicates, chunk)
        parts = [run_ensemble(world, np.arange(s, min(s + chunk, replicates)), seed) for s in starts]
        return Outcomes.concat(parts)
    raise ValueError(f"engine: expected one of {', '.join(ENGINES)}, got {engine!r}")


def run_mesa(world: World, replicates: range, seed: int) -> Outcomes:
    """One Mesa model per replicate, each run to the horizon."""
    parts = []
    for replicate in replicates:
        model = AccordModel(world, rng=seed, replicate=replicate, collect=False)
        model.run_model()
        parts.append(model.outcome())
    return Outcomes.concat(parts)

"""Many worlds of one shape: the design points of an uncertainty or sensitivity run, stacked.

A design point is the world compiled from the config with some numbers changed (a parameter, a
roster attribute, an event's size). The kernel reads every number that may vary from a stack
with a leading design-point axis and picks each replicate's row, so thousands of variants run
in one call. What may not vary is the world's shape and wiring (countries, statuses, who a
shock hits, the mediator's strategy): changing those is a different scenario, not a variant.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from sim.core.decision import Rates
from sim.uncertainty import draw, uncertain_inputs
from sim.validate import with_value
from sim.world import World, compile_world

VARYING = (
    "features", "weights", "threshold", "ties", "tie_totals", "leader_multiplier", "leverage0",
    "units0", "cost", "engagement", "salience", "remaining0",
)  # fmt: skip
"""World fields that may differ between design points."""
VARYING_EVENTS = ("months", "p_monthly", "salience", "iran_threat", "engagement")
"""EventTable fields that may differ between design points."""
VARYING_RATES = Rates._fields[:-1]  # every rate but exit_enabled
FIXED = tuple(
    f.name for f in dataclasses.fields(World) if f.name not in (*VARYING, "events", "rates")
)


@dataclass(frozen=True)
class WorldStack:
    """`world` is design point 0 (names, shape); `varying` holds every varying field stacked:
    World fields by name, event fields as "events.NAME", rates as "rates" (P, 6)."""

    world: World
    varying: dict[str, np.ndarray]

    @property
    def size(self) -> int:
        return len(self.varying["threshold"])

    def __getitem__(self, point: int) -> World:
        """The world of one design point (for the Mesa engine)."""
        w, v = self.world, self.varying
        rates = Rates(*(float(x) for x in v["rates"][point]), exit_enabled=w.rates.exit_enabled)
        events = w.events._replace(**{f: v[f"events.{f}"][point] for f in VARYING_EVENTS})
        scalars = {"leader_multiplier": float, "salience": float}
        fields = {f: scalars.get(f, np.asarray)(v[f][point]) for f in VARYING}
        return dataclasses.replace(w, rates=rates, events=events, **fields)


def stack_worlds(worlds: list[World]) -> WorldStack:
    """Stack worlds that differ only in their varying numbers; ValueError names a fixed field
    that differs."""
    first = worlds[0]
    for other in worlds[1:]:
        different = _first_difference(first, other)
        if different:
            raise ValueError(f"design points differ in {different}, which must stay fixed")
    varying = {f: np.stack([np.asarray(getattr(w, f)) for w in worlds]) for f in VARYING}
    for f in VARYING_EVENTS:
        varying[f"events.{f}"] = np.stack([getattr(w.events, f) for w in worlds])
    varying["rates"] = np.array([[getattr(w.rates, f) for f in VARYING_RATES] for w in worlds])
    return WorldStack(first, varying)


def _first_difference(a: World, b: World) -> str | None:
    for f in FIXED:
        if not _same(getattr(a, f), getattr(b, f)):
            return f
    for f in a.events._fields:
        if f not in VARYING_EVENTS and not _same(getattr(a.events, f), getattr(b.events, f)):
            return f"events.{f}"
    if a.rates.exit_enabled != b.rates.exit_enabled:
        return "rates.exit_enabled"
    return None


def _same(x, y) -> bool:
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return np.array_equal(x, y)
    return x == y


def input_design(config, world: World) -> tuple[WorldStack, np.ndarray]:
    """The worlds a run's replicates see, and each replicate's design point: one world when
    every input is a number; with uncertain inputs, one drawn world per group of
    `replicates_per_draw` replicates (sim.uncertainty)."""
    inputs = uncertain_inputs(config)
    if not inputs:
        return stack_worlds([world]), np.zeros(config.replicates, dtype=np.int64)
    group = config.replicates_per_draw
    values = draw(inputs, -(-config.replicates // group), config.seed)
    worlds = []
    for row in values:
        drawn = config
        for key, value in zip(inputs, row):
            drawn = with_value(drawn, key, value)
        worlds.append(compile_world(drawn))
    return stack_worlds(worlds), np.arange(config.replicates, dtype=np.int64) // group

"""Many worlds of one shape: the design points of an uncertainty or sensitivity run, stacked.

A design point is the world compiled from the config with some numbers changed (a parameter, a
roster attribute, an event's size). The kernel reads every number that may vary from
`World.numbers`, whose arrays have a leading design-point axis, and picks each replicate's row,
so thousands of variants run in one call. What may not vary is the world's shape and wiring
(`World.shared` and the labels: countries, statuses, who a shock hits, the mediator's
strategy): changing those is a different scenario, not a variant.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.config.draws import load_draws
from sim.config.load import with_values
from sim.config.uncertainty import Uncertain, uncertain_inputs
from sim.core import streams
from sim.engine.inputs import Numbers
from sim.engine.world import World, compile_world, only_params_differ, stack_params

LABELS = (
    "ids",
    "names",
    "regions",
    "inducement_types",
    "event_names",
    "kinds",
    "term_names",
    "start",
    "n_months",
)


def stack_worlds(worlds: list[World]) -> World:
    """One world whose design points are `worlds`, which may differ only in their numbers;
    ValueError names a fixed field that differs."""
    first = worlds[0]
    for other in worlds[1:]:
        different = _first_difference(first, other)
        if different:
            raise ValueError(f"design points differ in {different}, which must stay fixed")
    if len(worlds) == 1:
        return first
    numbers = Numbers(*(np.concatenate(arrays) for arrays in zip(*(w.numbers for w in worlds))))
    return dataclasses.replace(first, numbers=numbers)


def same_shape(a: World, b: World) -> bool:
    """True when `a` and `b` may be design points of one stack."""
    return _first_difference(a, b) is None


def _first_difference(a: World, b: World) -> str | None:
    for f in LABELS:
        if getattr(a, f) != getattr(b, f):
            return f
    for f, x, y in zip(a.shared._fields, a.shared, b.shared):
        if not np.array_equal(x, y):
            return f
    return None


def input_design(
    config, world: World, prepare=None, watch=None, memo: DrawnConfigs | None = None
) -> tuple[World, np.ndarray]:
    """The worlds a run's replicates see (`world`: compiled from `config`), and each replicate's
    design point: one world when every input is a number; with uncertain inputs or posterior
    draws of the parameters (`params.draws`), one drawn world per group of `replicates_per_draw`
    replicates (sim.config.uncertainty, sim.config.draws). `prepare(configs, worlds)`, if given,
    finishes each design point of `worlds` from its own config (e.g. where its outlook starts);
    `watch("draws", done, total)`, if given, is told after each draw. `memo`: the drawn configs
    of earlier runs (a sweep's points), reused where they apply (DrawnConfigs)."""
    inputs = uncertain_inputs(config)
    posterior = load_draws(config.params.draws) if config.params.draws else None
    if not inputs and posterior is None:
        return (prepare([config], world) if prepare else world), np.zeros(
            config.replicates, dtype=np.int64
        )
    group = group_size(config)
    groups = -(-config.replicates // group)
    values = draw(inputs, groups, config.seed) if inputs else np.zeros((groups, 0))
    rows = _posterior_rows(posterior, groups, config.seed)
    rows = [
        {k: v for k, v in row.items() if k.removeprefix("params.") not in config.params.fixed}
        for row in rows
    ]
    drawn, memo = [], memo if memo is not None else DrawnConfigs()
    for g in range(groups):
        changed = rows[g] | dict(
            zip(inputs, values[g])
        )  # an input the config draws overrides the posterior's
        drawn.append(memo.with_values(config, changed, f"draw {g} of the uncertain inputs"))
        if watch is not None:
            watch("draws", g + 1, groups)
    worlds = compile_draws(drawn, config, world)
    return (prepare(drawn, worlds) if prepare else worlds), np.arange(
        config.replicates, dtype=np.int64
    ) // group


class DrawnConfigs:
    """`with_values` for the draws of a run, remembered for the next runs (the points of a sweep):
    a draw that sets only params gives params that depend on nothing but the config's params and
    what its checks read (the terms, the roster, the eras), so a point that differs from an
    earlier one elsewhere (the mediator's engagement, say) takes that point's drawn params, and a
    sweep of 64 points checks 8 x 100 draws instead of 64 x 100."""

    def __init__(self) -> None:
        self._runs: list[
            tuple[tuple, dict]
        ] = []  # (what the drawn params depend on, draws by values)
        self._last: tuple | None = None  # (the config last asked for, its draws)

    def with_values(self, config, values: dict, origin: str):
        if not all(key.startswith("params.") for key in values):
            return with_values(config, values, origin)
        draws = self._draws(config)
        key = tuple(values.items())
        if key not in draws:
            draws[key] = with_values(config, values, origin).params
        return dataclasses.replace(config, params=draws[key])

    def _draws(self, config) -> dict:
        """The draws of `config`'s kind of point (looked for once a config: a run asks per draw)."""
        if self._last is not None and self._last[0] is config:
            return self._last[1]
        context = (config.params, config.terms, config.roster, config.mediator.eras)
        draws = next((d for c, d in self._runs if _same(c, context)), None)
        if draws is None:
            draws = {}
            self._runs = [*self._runs[-7:], (context, draws)]  # a few kinds of point at a time
        self._last = (config, draws)
        return draws


def _same(a: tuple, b: tuple) -> bool:
    """The params equal, the rest the very same objects (as a sweep's points share them)."""
    return a[0] == b[0] and all(x is y for x, y in zip(a[1:], b[1:]))


def compile_draws(configs: list, base, world: World) -> World:
    """The worlds of `configs` as the design points of one stack: when they differ from `base`
    (compiled into `world`, one design point) only in params, as posterior draws do, only the
    numbers the params enter are computed, for all draws at once (stack_params)."""
    if world.size == 1 and all(only_params_differ(c, base) for c in configs):
        return stack_params(world, base, [c.params for c in configs])
    return stack_worlds([compile_world(c) for c in configs])


MAX_DRAWS = 1000  # a run compiles one world per draw: past this, groups grow instead


def group_size(config) -> int:
    """Replicates per draw: `replicates_per_draw`, or more when that would mean over `MAX_DRAWS`
    draws (a million replicates run 1,000 draws of 1,000, not 50,000 of 20)."""
    return max(config.replicates_per_draw, -(-config.replicates // MAX_DRAWS))


def _posterior_rows(posterior, groups: int, seed: int) -> list[dict[str, float]]:
    """Each group's posterior draw (a row of the table, picked by a keyed uniform of (seed,
    group)) as `params.` values; empty dicts without a table."""
    if posterior is None:
        return [{} for _ in range(groups)]
    bases = streams.base_streams(
        streams.stream_key(seed),
        np.arange(groups, dtype=np.int64),
        streams.name_keys(["params.draws"]),
    )
    picks = np.minimum(
        (streams.uniforms(bases, 0, streams.INPUT)[:, 0] * len(posterior)).astype(np.int64),
        len(posterior) - 1,
    )
    names = [f"params.{c}" for c in posterior.columns]
    table = posterior.to_numpy()
    return [dict(zip(names, map(float, table[i]))) for i in picks]


def draw(inputs: dict[str, Uncertain], draws: int, seed: int) -> np.ndarray:
    """(draws, len(inputs)) values: draw g of input k is a keyed uniform of (seed, g, key)."""
    key = streams.stream_key(seed)
    bases = streams.base_streams(
        key, np.arange(draws, dtype=np.int64), streams.name_keys(list(inputs))
    )
    u = streams.uniforms(bases, 0, streams.INPUT)
    return np.column_stack([dist.quantile(u[:, k]) for k, dist in enumerate(inputs.values())])

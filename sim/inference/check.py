"""Posterior predictive check: does the model, with posterior draws and a mediator that courts as
the fitted process says (not the record's script), reproduce the record's counts?

The record's window is replayed from its start with its dated events, each posterior draw
running `replicates` replicates. As in the likelihood, a country with talks on the record in the
first month starts in talks, one known out of talks starts outside, and every other country
outside starts in talks with the draw's `talks_at_record_start`. The accessions of each period (2020, 2021-2024,
2025 to the record's end) are counted per replicate, and the observed counts are set against
their 90% predictive intervals.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from sim.config.draws import BOOKKEEPING
from sim.config.schema import RunConfig
from sim.core.calendar import month_of
from sim.core.decision import Status
from sim.engine.design import stack_worlds
from sim.engine.outcomes import NEVER
from sim.engine.simulate import simulate
from sim.engine.world import compile_world
from sim.inference.fit import with_params
from sim.inference.likelihood import load_record

PERIODS = {
    "2020": (month_of(2020, 1), month_of(2020, 12)),
    "2021-2024": (month_of(2021, 1), month_of(2024, 12)),
    "2025-": (month_of(2025, 1), month_of(2099, 12)),
}


def predictive_check(
    config: RunConfig, draws: pd.DataFrame, n_draws: int = 200, replicates: int = 50
) -> pd.DataFrame:
    """Per period: the observed count, the predictive mean and 90% interval, and whether the
    observed count falls inside. `config` is the calibration's (the record's window, courting)."""
    picks = np.linspace(0, len(draws) - 1, n_draws).astype(int)  # spread over the kept draws
    parameters = draws.drop(columns=list(BOOKKEEPING), errors="ignore")
    worlds = []
    for row in parameters.iloc[picks].itertuples(index=False):
        drawn = with_params(config, dict(zip(parameters.columns, row)))
        world = compile_world(drawn)
        seen = load_record(config.record, world).talks_seen[
            0
        ]  # +1 on the record, -1 known out, 0 latent
        p_talks = np.where(seen == 0, drawn.params.talks_at_record_start, (seen > 0).astype(float))
        p_talks = np.where(world.status0 == Status.OUTSIDE, p_talks, 0.0)
        worlds.append(
            dataclasses.replace(world, numbers=world.numbers._replace(p_talks0=p_talks[None]))
        )
    stack = stack_worlds(worlds)
    points = np.repeat(np.arange(n_draws), replicates)
    outcomes = simulate(stack, replicates=len(points), seed=config.seed, points=points)
    months = outcomes.join_month.astype(np.int64) + stack.start
    joined = (outcomes.join_month >= 0) & (outcomes.join_month != NEVER)
    record = config.record
    rows = []
    for period, (first, last) in PERIODS.items():
        lo = max(first, record.start)  # members before the start (founders) are not events
        hi = min(last, record.as_of)
        counts = (joined & (months >= lo) & (months <= hi)).sum(axis=1)
        observed = sum(lo <= m <= hi for m in record.joined.values())
        q05, q95 = np.quantile(counts, [0.05, 0.95])
        rows.append(
            {
                "period": period,
                "observed": observed,
                "mean": counts.mean(),
                "q05": q05,
                "q95": q95,
                "inside": bool(q05 <= observed <= q95),
                "counts": counts,
            }
        )
    return pd.DataFrame(rows)

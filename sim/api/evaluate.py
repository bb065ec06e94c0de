"""A fast evaluator for notebooks and for tools that drive the model from outside (EMA Workbench,
Optuna, SALib): built once from overrides, then called with points, each a mapping of dotted
config keys to values.

    from sim.api.evaluate import Evaluator
    model = Evaluator(["replicates=2000", "seed=1"])
    model({"mediator.engagement": 0.5})              # one point: a dict
    model([{"mediator.engagement": e} for e in (0, 0.5, 1)])   # many: a DataFrame, one row each

Results are flat and keyed by country id: each country's probability of being a member at the
horizon (`p_joined_by_horizon`, as `python -m sim` reports it), `new_members` (the mean number of
new members at the horizon, counted as the run counts them) and `members_at_horizon`. A point is
checked like a config file (one-line ConfigError naming the key); a parameter it sets holds in
every posterior draw, as on the command line. Every point of a call runs in one kernel call
(points that change the world's shape, another roster or strategy, run in their own), with the
same random streams as `python -m sim` for the same config and seed, so the numbers are the
same (tested) and differences between points are not noise (common random numbers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pandas as pd

from sim.analysis.tables import member_share_counts
from sim.config.held import hold
from sim.config.load import with_values
from sim.config.schema import RunConfig
from sim.engine.outcomes import BEFORE, Outcomes
from sim.engine.world import World
from sim.hydra.configs import compose_config
from sim.runs.runner import design_all, simulate_many


class Evaluator:
    def __init__(self, overrides: Sequence[str] = (), *, config: RunConfig | None = None):
        self.config = config if config is not None else compose_config(overrides)
        self.ids = list(self.config.roster.countries)

    def __call__(self, points: Mapping | Sequence[Mapping] | pd.DataFrame):
        one = isinstance(points, Mapping)
        if isinstance(points, pd.DataFrame):  # a blank cell: the base config's value
            records = [
                {k: v for k, v in row.items() if not pd.isna(v)}
                for row in points.to_dict("records")
            ]
        else:
            records = [dict(points)] if one else [dict(p) for p in points]
        results = pd.DataFrame(self._run([self.point_config(r, i) for i, r in enumerate(records)]))
        return (
            results.iloc[0].to_dict()
            if one
            else pd.concat([pd.DataFrame(records), results], axis=1)
        )

    def point_config(self, values: dict, index: int = 0) -> RunConfig:
        """The config of one point: the base config with `values`, validated like a file."""
        changed = with_values(self.config, values, origin=f"point {index} given to the evaluator")
        return hold(changed, [k for k in values if k.startswith("params.")])

    def _run(self, configs: list[RunConfig]) -> list[dict[str, float]]:
        """Each config's outputs; configs whose worlds share a shape run in one kernel call."""
        configs = [dataclasses.replace(c, explain=False) for c in configs]
        prepared = design_all(configs)
        results: list[dict | None] = [None] * len(configs)
        for i, outcomes, _ in simulate_many(configs, prepared):
            results[i] = self._outputs(outcomes, prepared[i][0])
        return results

    def _outputs(self, outcomes: Outcomes, world: World) -> dict[str, float]:
        if world.count_stage == "signed":
            outcomes = outcomes.signed(world.signing_lag, world.unsigned, world.n_months)
        p = member_share_counts(outcomes, world.n_months)[-1] / outcomes.replicates
        members = outcomes.is_member(world.n_months - 1)[:, world.counted].sum(
            axis=1
        )  # as the run counts them
        at_start = ((outcomes.join_month == BEFORE) & world.counted).sum(axis=1)
        return {
            **dict(zip(self.ids, map(float, p))),
            "new_members": float((members - at_start).mean()),
            "members_at_horizon": float(members.mean()),
        }

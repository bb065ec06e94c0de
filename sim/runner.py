"""One run end to end, below the entry points: config -> world -> engine -> tables -> files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from sim import store
from sim.config import RunConfig
from sim.engines import simulate
from sim.outcomes import Outcomes
from sim.plots import plot_join_probability, plot_members
from sim.results import Tables, tabulate
from sim.world import World, compile_world


@dataclass(frozen=True)
class RunResult:
    config: RunConfig
    world: World
    outcomes: Outcomes
    tables: Tables

    @property
    def joining_probabilities(self) -> pd.DataFrame:
        return self.tables.joining_probabilities

    @property
    def summary(self) -> pd.DataFrame:
        return self.tables.summary

    @property
    def members(self) -> pd.DataFrame:
        return self.tables.members


def execute(config: RunConfig) -> RunResult:
    """Simulate `config` and tabulate the result."""
    world = compile_world(config)
    outcomes = simulate(
        world, replicates=config.replicates, seed=config.seed, engine=config.engine
    )
    return RunResult(config, world, outcomes, tabulate(outcomes, world))


def write_outputs(result: RunResult, folder: Path, overrides: list[str] = ()) -> list[Path]:
    """Write the tables, figures (unless `plots=false`) and the job record into `folder`; each
    file appears whole or not at all, and job.json, written last, marks the job done."""
    folder.mkdir(parents=True, exist_ok=True)
    t, name = result.tables, result.config.scenario.name
    written = [
        store.atomic_write(folder / "joining_probabilities.csv", lambda p: t.joining_probabilities.to_csv(p, index=False)),
        store.atomic_write(folder / "summary.csv", lambda p: t.summary.to_csv(p, index=False)),
        store.atomic_write(folder / "members.csv", lambda p: t.members.to_csv(p, index=False)),
    ]
    if result.config.plots:
        figures = {
            "joining_probability.png": plot_join_probability(
                t.joining_probabilities,
                max_countries=result.config.plot_countries,
                title=f"{name}: probability of being a member, by month",
            ),
            "members.png": plot_members(t.members, title=f"{name}: members over time"),
        }
        for filename, fig in figures.items():
            written.append(store.atomic_write(folder / filename, lambda p, f=fig: f.savefig(p, dpi=150, format="png")))
            plt.close(fig)
    store.write_job(folder, result.config, list(overrides), result.world.names, result.outcomes)
    return [*written, folder / store.OUTCOMES_FILE, folder / store.JOB_FILE]


def format_summary(summary: pd.DataFrame) -> str:
    """The summary table as the terminal shows it."""
    shown = summary.copy()
    for col in ("p_joined_by_horizon", "ci_low", "ci_high"):
        shown[col] = shown[col].map(lambda v: f"{v:.3f}")
    shown["median_join_month"] = shown["median_join_month"].fillna("-")
    return shown.to_string(index=False)



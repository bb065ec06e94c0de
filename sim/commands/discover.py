"""`python -m sim.discover [overrides]`: which conditions make an outcome happen (scenario discovery).

    python -m sim.discover 'sensitivity.goal={output: saudi_arabia, at_least: 0.3}' sensitivity.samples=512

Samples the study's ranges (the `sensitivity` config group: conf/sensitivity/*.yaml), runs every
sample as a design point of the kernel, and finds with PRIM (sim.analysis.discover, the EMA
Workbench's implementation; `pip install -e '.[ema]'`) the box of inputs where the goal is met.
Like the sensitivity study, it varies its parameters around fixed values: with the posterior,
its mode. Writes discover.csv (the box), trajectory.csv, samples.parquet, discover.png and
discover.md into the Hydra run folder.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from sim.analysis.discover import latin_hypercube, prim_box
from sim.analysis.sensitivity import check, evaluate
from sim.config.errors import ConfigError
from sim.config.schema import RunConfig
from sim.hydra.app import study_command
from sim.output import store
from sim.output.answers import discovery_paragraph, plot_discovery, write_answer


def needs_goal(config: RunConfig) -> None:
    check(config)
    if config.sensitivity.goal is None:
        raise ConfigError(
            "sensitivity.goal",
            "missing required value (e.g. sensitivity.goal='{output: saudi_arabia, at_least: 0.3}')",
        )


def discover(config: RunConfig, watch=None):
    """The samples, each one's outcome, and PRIM's box for the goal."""
    spec = config.sensitivity
    config = dataclasses.replace(
        config, params=dataclasses.replace(config.params, draws=None)
    )  # around the mode
    bounds = [(f.low, f.high) for f in spec.parameters.values()]
    samples = latin_hypercube(bounds, spec.samples, spec.seed)
    country = list(config.roster.countries).index(spec.goal.output)
    values = evaluate(
        dataclasses.replace(config, sensitivity=dataclasses.replace(spec, dummy=False)),
        samples,
        [country],
        watch,
    )[:, 0]
    x = pd.DataFrame(samples, columns=list(spec.parameters))
    return x, values, prim_box(x, values >= spec.goal.at_least, spec.min_density)


def report(found, config: RunConfig, out: Path) -> None:
    x, values, box = found
    spec = config.sensitivity
    goal = f"{config.roster.countries[spec.goal.output].name} >= {spec.goal.at_least:g}"
    table = x.assign(**{f"p_{spec.goal.output}": values})
    store.atomic_write(out / "samples.parquet", lambda p: table.to_parquet(p, index=False))
    store.atomic_write(out / "trajectory.csv", lambda p: box.trajectory.to_csv(p, index=False))
    paragraph = discovery_paragraph(box, goal, len(x), spec.replicates)
    write_answer(out, "discover", box.limits, plot_discovery(box, goal), paragraph)
    print(paragraph)


def main() -> None:
    study_command(needs_goal, discover, report)


if __name__ == "__main__":
    main()

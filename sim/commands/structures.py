"""`python -m sim.structures [overrides]`: fit the model with and without each structure of the
`structures` config group (conf/structures; the calibration config selects the world's: abraham,
or artemis with --config-name calibrate_artemis), score both variants, and write the table
(structures.csv) and its report (structures.md) into the run folder. What is scored, the verdict
rule and what the default does with a structure: sim/inference/structures.py.

    python -m sim.structures                                  the Abraham world, every structure
    python -m sim.structures structures.only=[peers]          one structure
    python -m sim.structures --config-name calibrate_artemis  the Artemis world
"""

from __future__ import annotations

import sys
import time

import pandas as pd

from sim.config.errors import ConfigError
from sim.config.schema import Events
from sim.config.validate import build
from sim.hydra.app import app, job_config_name, job_context
from sim.hydra.configs import config_from_dict, plain_config
from sim.hydra.preflight import bad_input_exits, compose_checked, interrupted_exits, run_checked
from sim.inference.fit import FitConfig, fittable
from sim.inference.structures import (
    Structure,
    parse_structures,
    score_variant,
    structure_rows,
    variant_parameters,
)
from sim.output.store import atomic_write
from sim.output.structures import structures_section
from sim.runs.progress import Watch, stoppable, stopped_quietly

CALIBRATION_ONLY = ("posterior", "questions", "structures")  # keys the run config does not have


def variant(data: dict, overrides: list[str], runtime):
    """(run config, fit settings, forecast events) of a composed calibration config."""
    data = dict(data)
    settings = build(FitConfig, data.pop("fit"), "fit")
    events = build(Events, data.pop("forecast_events"), "forecast_events")
    for key in CALIBRATION_ONLY:
        data.pop(key, None)
    config = config_from_dict(data, overrides, runtime)
    if config.record is None:
        raise ConfigError(
            "record", "missing required value (choose one: record=accessions_2020_2026)"
        )
    return config, settings, events


def plan(structures: list[Structure], base, overrides: list[str], config_name: str) -> dict:
    """Each structure's variant made by its changes: {name: (config, fitted parameters, events)},
    every change checked against the calibration config (ConfigError names the entry)."""
    config, settings, _ = base
    planned = {}
    for s in structures:
        key = f"structures.entries.{s.name}.{s.switch}"
        try:
            cfg = compose_checked(overrides + s.overrides, config_name)
            made = variant(plain_config(cfg), overrides + s.overrides, cfg.hydra.runtime)
        except ConfigError as err:
            raise ConfigError(key, f"{err}") from None
        names = variant_parameters(s, settings.parameters, fittable(made[0]))
        planned[s.name] = (made[0], names, made[2])
    return planned


def _structures(cfg) -> None:
    began = time.perf_counter()
    out, overrides, runtime = job_context()
    data = plain_config(cfg)
    with bad_input_exits(out, data.get("debug") is True):
        spec = parse_structures(data.get("structures"))
        base = variant(data, overrides, runtime)
        planned = plan(spec.chosen(), base, overrides, job_config_name())
    config, settings, events = base
    with stoppable(), interrupted_exits(out), Watch(config.progress) as watch:

        def scores(made):
            return score_variant(
                made[0],
                made[2],
                made[1],
                settings.prior_sd,
                settings.train_end,
                spec.posterior,
                watch,
            )

        at_base = scores((config, settings.parameters, events))
        rows = []
        for n, s in enumerate(spec.chosen()):
            other = scores(planned[s.name])
            with_, without = (other, at_base) if s.switch == "with" else (at_base, other)
            rows += structure_rows(s, with_, without)
            watch("structures", n + 1, len(spec.chosen()))
    table = pd.DataFrame(rows)
    sampler = spec.posterior
    chain = f"{sampler.walkers} walkers x {sampler.steps} steps, {sampler.burn} burned"
    world = f"{job_config_name()}, structures={spec.name}"
    text = structures_section(table, chain, world, time.perf_counter() - began)
    atomic_write(out / "structures.csv", lambda p: table.to_csv(p, index=False))
    atomic_write(out / "structures.md", lambda p: p.write_text(text))
    print(text)
    print(f"results in {out}")


def main() -> None:
    with stopped_quietly():
        run_checked(app("calibrate")(_structures), "calibrate", validate=False)
    sys.exit(0)


if __name__ == "__main__":
    main()

"""Forecasts that know only the past: an outlook from a cut-off, as it could have been run then.

The record is cut at the month before the forecast starts (sim.inference.start.truncate): no
later accessions, talks, offers or dated events; and the roster's values given by date keep only
the months up to then (a later NATO or ILRS accession, a later grant, is not known). The
mediator is the `courting` process with the values given (fitted on the record to the cut-off),
the shocks after the cut-off are the random ones of `events` at their stated rates, and each
country starts in talks with the probability the cut record leaves it (sim.inference.start). A forecast from the record's first month starts from
the talks on the record before it, every other country outside in talks with
`talks_at_record_start`, as the likelihood does.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.config.consistency import check_config
from sim.config.schema import Events, RunConfig
from sim.core.decision import Status
from sim.engine.outcomes import Outcomes
from sim.engine.simulate import simulate
from sim.engine.world import World, compile_world
from sim.inference.fit import with_params
from sim.inference.start import roster_as_known, start_from_record, truncate

REPLICATES = 4000


def forecast_from(
    config: RunConfig,
    events: Events,
    values: dict,
    start: int,
    end: int,
    replicates: int = REPLICATES,
    seed: int | None = None,
) -> tuple[World, Outcomes]:
    """Replicates of the months `start` to `end`, knowing `config.record` up to the month before
    `start` only, with the parameter `values` (names as in the fit). Months are month numbers."""
    cut = start - 1
    past, roster = truncate(config.record, cut), roster_as_known(config.roster, cut)
    scenario = dataclasses.replace(config.scenario, start=start, end=end, latent_talks=True)
    mediator = dataclasses.replace(config.mediator, strategy="courting")
    outlook = dataclasses.replace(
        with_params(config, values),
        record=past,
        roster=roster,
        events=events,
        scenario=scenario,
        mediator=mediator,
    )
    check_config(outlook)
    world = compile_world(outlook)
    if start <= config.record.start:  # nothing filtered yet: the likelihood's start
        p_talks = np.where(
            world.status0 == Status.OUTSIDE, outlook.params.talks_at_record_start, 0.0
        )
        world = dataclasses.replace(world, numbers=world.numbers._replace(p_talks0=p_talks[None]))
    else:
        world = start_from_record(outlook, world)
    return world, simulate(world, replicates=replicates, seed=config.seed if seed is None else seed)

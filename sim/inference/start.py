"""Where an outlook starts: the talks the record leaves latent.

Whether a country outside the accord was in talks is not observed, except where talks are on the
record. The forward filter of the likelihood (sim.inference.likelihood) gives, for each country,
the probability of being in talks after the record's last month given everything the record
shows, under the parameters in use:

    p_i = P(talks_i at the end | record)   (0 for a member; 1 where talks are on the record then)

An outlook with `scenario.latent_talks: true` starts each replicate with every country outside
in talks with probability p_i, drawn from its own keyed stream, so "no accession since
Kazakhstan" and "talks on the record since 2025-07" are what the outlook conditions on.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.config.dated import Dated
from sim.config.schema import Events, RecordConfig, Roster, RunConfig, check_config
from sim.config.spans import cut_spans
from sim.core.calendar import format_month, parse_month
from sim.core.decision import Status
from sim.engine.world import World, compile_like, compile_world, only_params_differ
from sim.inference.likelihood import load_record, talks_probability


def truncate(record: RecordConfig, end: str) -> RecordConfig:
    """The record as it stood at the end of `end`: what had happened, talks and offers up to then
    (their spans cut there), the events that had started (they run on for their stated months).
    Cut before its start, it is the one month `end`, holding the talks on the record before it."""
    last = parse_month(end)
    if last < parse_month(record.start):
        record = dataclasses.replace(record, start=end)
    joined = {c: m for c, m in record.joined.items() if parse_month(m) <= last}
    signed = {c: m for c, m in record.signed.items() if parse_month(m) <= last}
    talks = {c: cut for c, entry in record.in_talks.items() if (cut := cut_spans(entry, end))}
    ended = {c: cut for c, entry in record.out_of_talks.items() if (cut := cut_spans(entry, end))}
    events = {n: e for n, e in record.events.items() if parse_month(e.start) <= last}
    offers = {
        n: dataclasses.replace(o, end=min(o.end, end)) for n, o in record.offers.items() if parse_month(o.start) <= last
    }
    return dataclasses.replace(
        record, end=end, joined=joined, signed=signed, in_talks=talks, out_of_talks=ended, events=events, offers=offers
    )


def roster_as_known(roster: Roster, end: str) -> Roster:
    """The roster as it stood at the end of `end`: each value given by date keeps the months up
    to `end` (the last of them holds on), so a forecast from then does not know, say, a NATO or
    ILRS accession that came later. A value whose every month is later keeps its first."""
    last = parse_month(end)

    def known(value):
        if isinstance(value, Dated):
            kept = [(m, v) for m, v in value.items() if parse_month(m) <= last]
            return Dated(kept or list(value.items())[:1])
        if type(value) is dict:  # values, scores, weights: each may be dated
            return {k: known(v) for k, v in value.items()}
        return value

    countries = {
        cid: dataclasses.replace(c, **{f.name: known(getattr(c, f.name)) for f in dataclasses.fields(c)})
        for cid, c in roster.countries.items()
    }
    return dataclasses.replace(roster, countries=countries)


def record_world(config: RunConfig) -> World:
    """The world of the record's window as the calibration sees it: its months, its events (no
    random shocks, no events of the outlook) and its mediator as a courting process (its offers
    known before an accession observed, the rest integrated out)."""
    past = _past(config)
    check_config(past)  # the one validation every changed config goes through
    return compile_world(past)


def _past(config: RunConfig) -> RunConfig:
    record = config.record
    scenario = dataclasses.replace(config.scenario, start=record.start, end=record.end)
    mediator = dataclasses.replace(config.mediator, strategy="courting")
    return dataclasses.replace(config, scenario=scenario, mediator=mediator, events=Events(name="none"))


def latent_talks(config: RunConfig, world: World) -> np.ndarray:
    """(C,) each country's probability of being in talks at `world`'s start: the filtered
    probability for countries outside, 0 for the others."""
    return RecordStart().latent_talks(config, world)


def start_from_record(config: RunConfig, world: World) -> World:
    """`world` (any number of design points) starting from the talks the record leaves latent,
    when the scenario asks for it and the run starts after the record does. The record is read
    up to the month before the start: an outlook from inside the record knows only its past."""
    return RecordStart()(config, world)


class RecordStart:
    """`start_from_record` for the many configs of one run (its posterior draws): the record's
    world is compiled once, from the first config, and each config that differs from that one
    only in params gets its numbers (sim.engine.world.compile_like), so a draw costs a filter,
    not a compile."""

    def __init__(self) -> None:
        self._past: tuple[RunConfig, World] | None = None  # the first config's record world

    def __call__(self, config: RunConfig, world: World) -> World:
        record = config.record
        if not config.scenario.latent_talks or record is None or world.start <= parse_month(record.start):
            return world
        p_talks = self.latent_talks(config, world)
        numbers = world.numbers._replace(p_talks0=np.broadcast_to(p_talks, world.numbers.p_talks0.shape).copy())
        return dataclasses.replace(world, numbers=numbers)

    def latent_talks(self, config: RunConfig, world: World) -> np.ndarray:
        if world.start - 1 < parse_month(config.record.end):
            config = dataclasses.replace(config, record=truncate(config.record, format_month(world.start - 1)))
        past = _past(config)
        if self._past is None or not only_params_differ(past, self._past[0]):
            check_config(past)  # the one validation every changed config goes through (params: checked already)
            self._past = (past, compile_world(past))
        world_past = compile_like(past, *self._past)
        p_talks = talks_probability(world_past, load_record(config.record, world_past), config.params.talks_at_record_start)
        return np.where(world.status0 == Status.OUTSIDE, np.nan_to_num(p_talks), 0.0)

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

from sim.config.consistency import check_config
from sim.config.dated import Dated
from sim.config.schema import Events, RecordConfig, Roster, RunConfig, params_values
from sim.config.spans import cut_spans
from sim.core.decision import Status
from sim.engine.design import compile_draws
from sim.engine.world import World, compile_world, only_params_differ
from sim.inference.likelihood import Record, load_record, talks_probabilities


def truncate(record: RecordConfig, end: int) -> RecordConfig:
    """The record as it stood at the end of `end`: what had happened, talks and offers up to then
    (their spans cut there), the events that had started (they run on for their stated months).
    Cut before its start, it is the one month `end`, holding the talks on the record before it."""
    if end < record.start:
        record = dataclasses.replace(record, start=end)
    joined = {c: m for c, m in record.joined.items() if m <= end}
    signed = {c: m for c, m in record.signed.items() if m <= end}
    talks = {c: cut for c, entry in record.in_talks.items() if (cut := cut_spans(entry, end))}
    ended = {c: cut for c, entry in record.out_of_talks.items() if (cut := cut_spans(entry, end))}
    events = {n: e for n, e in record.events.items() if e.start <= end}
    offers = {
        n: dataclasses.replace(o, end=min(o.end, end))
        for n, o in record.offers.items()
        if o.start <= end
    }
    return dataclasses.replace(
        record,
        as_of=end,
        joined=joined,
        signed=signed,
        in_talks=talks,
        out_of_talks=ended,
        events=events,
        offers=offers,
    )


def roster_as_known(roster: Roster, end: int) -> Roster:
    """The roster as it stood at the end of `end`: each value given by date keeps the months up
    to `end` (the last of them holds on), so a forecast from then does not know, say, a NATO or
    ILRS accession that came later. A value whose every month is later keeps its first."""

    def known(value):
        if isinstance(value, Dated):
            kept = [item for m, item in zip(value.months, value.items()) if m <= end]
            return Dated(kept or list(value.items())[:1])
        if type(value) is dict:  # values, scores, weights: each may be dated
            return {k: known(v) for k, v in value.items()}
        return value

    countries = {
        cid: dataclasses.replace(
            c, **{f.name: known(getattr(c, f.name)) for f in dataclasses.fields(c)}
        )
        for cid, c in roster.countries.items()
    }
    return dataclasses.replace(roster, countries=countries)


def record_world(config: RunConfig) -> World:
    """The world of the record's window as the calibration sees it: its months, its events (no
    random shocks, no events of the outlook) and its mediator as a courting process (its offers
    known before an accession observed, the rest integrated out) at its eras' levels: the scale
    `mediator.engagement` is a lever of the outlook, so a what-if on it changes the future, not
    what the record says about the present."""
    past = _past(config)
    check_config(past)  # the one validation every changed config goes through
    return compile_world(past)


def _past(config: RunConfig) -> RunConfig:
    record = config.record
    scenario = dataclasses.replace(config.scenario, start=record.start, end=record.as_of)
    mediator = dataclasses.replace(config.mediator, strategy="courting", engagement=1.0)
    return dataclasses.replace(
        config, scenario=scenario, mediator=mediator, events=Events(name="none")
    )


def latent_talks(config: RunConfig, world: World) -> np.ndarray:
    """(C,) each country's probability of being in talks at `world`'s start: the filtered
    probability for countries outside, 0 for the others."""
    return RecordStart().latent_talks([config], world)[0]


def start_from_record(config: RunConfig, world: World) -> World:
    """`world` (any number of design points) starting from the talks the record leaves latent,
    when the scenario asks for it and the run starts after the record does. The record is read
    up to the month before the start: an outlook from inside the record knows only its past."""
    return RecordStart()(config, world)


DRAWS_PER_CALL = 128  # draws whose record worlds are compiled and followed together: bounded memory


class RecordStart:
    """`start_from_record` for the many configs of one run (its posterior draws): the record's
    world is compiled once, from the first config; `draws` starts each design point from its
    own config's filter, the draws' record worlds taking only their params' numbers
    (sim.engine.design.compile_draws) and the record's months of all draws followed in one
    compiled call (sim.inference.likelihood.talks_probabilities)."""

    def __init__(self) -> None:
        self._past: tuple[RunConfig, World] | None = None  # the first config's record world
        self._record: tuple[RecordConfig, tuple, Record] | None = (
            None  # the record on that world's months
        )
        self._filtered: dict[
            tuple, np.ndarray
        ] = {}  # each params' filtered talks on that record world

    def __call__(self, config: RunConfig, world: World) -> World:
        """`world` (any number of design points) starting from `config`'s latent talks."""
        if not _starts_from_record(config, world):
            return world
        p_talks = self.latent_talks([config], world)[0]
        numbers = world.numbers._replace(
            p_talks0=np.broadcast_to(p_talks, world.numbers.p_talks0.shape).copy()
        )
        return dataclasses.replace(world, numbers=numbers)

    def draws(self, configs: list[RunConfig], world: World) -> World:
        """`world` (one design point per config) with each point starting from its own config's
        latent talks."""
        if not _starts_from_record(configs[0], world):
            return world
        numbers = world.numbers._replace(p_talks0=self.latent_talks(configs, world))
        return dataclasses.replace(world, numbers=numbers)

    def latent_talks(self, configs: list[RunConfig], world: World) -> np.ndarray:
        """(len(configs), C) each config's `latent_talks` at `world`'s start."""
        configs = _as_known(configs, world.start - 1)
        first = _past(configs[0])
        if self._past is None or not only_params_differ(first, self._past[0]):
            check_config(
                first
            )  # the one validation every changed config goes through (params: checked already)
            self._past, self._filtered = (first, compile_world(first)), {}
        keys, fresh = (
            [],
            {},
        )  # each config's key: its params (shared by a sweep's points), or its position
        for k, config in enumerate(configs):
            past = (
                None if only_params_differ(config, configs[0]) else _past(config)
            )  # None: as the first's
            if past is None or only_params_differ(
                past, first
            ):  # the past ignores, say, the engagement's scale
                keys.append(_params_key(config))
                if keys[-1] not in self._filtered:
                    fresh[keys[-1]] = dataclasses.replace(
                        self._past[0], params=config.params
                    )  # compares at once
            else:  # an uncertain input drawn outside the params: a record world of its own
                check_config(past)
                keys.append(k)
                fresh[k] = past
        filtered = self._filter(list(fresh), list(fresh.values()))
        self._filtered |= {key: p for key, p in filtered.items() if not isinstance(key, int)}
        p_talks = np.stack(
            [filtered[key] if key in filtered else self._filtered[key] for key in keys]
        )
        return np.where(world.status0 == Status.OUTSIDE, np.nan_to_num(p_talks), 0.0)

    def _filter(self, keys: list, pasts: list[RunConfig]) -> dict:
        """Each past's filtered talks by its key, DRAWS_PER_CALL record worlds at a time."""
        out = {}
        for first in range(0, len(pasts), DRAWS_PER_CALL):
            chunk = pasts[first : first + DRAWS_PER_CALL]
            world_past = compile_draws(chunk, *self._past)
            start = [c.params.talks_at_record_start for c in chunk]
            out |= zip(
                keys[first : first + DRAWS_PER_CALL],
                talks_probabilities(world_past, self._aligned(chunk[0].record, world_past), start),
            )
        return out

    def _aligned(self, record: RecordConfig, world: World) -> Record:
        """`load_record(record, world)`, read once for the draws of one record and window (the
        draws may differ in an event's numbers, never in its months)."""
        window = (world.ids, world.start, world.n_months)
        if self._record is None or self._record[0] is not record or self._record[1] != window:
            self._record = (record, window, load_record(record, world))
        return self._record[2]


def _params_key(config: RunConfig) -> tuple:
    """The numbers of a config's params, as a key (the filter depends on nothing else of a
    config that differs from the record world's only in params)."""
    return tuple(params_values(config.params).items())


def _starts_from_record(config: RunConfig, world: World) -> bool:
    record = config.record
    return bool(config.scenario.latent_talks) and record is not None and world.start > record.start


def _as_known(configs: list[RunConfig], last: int) -> list[RunConfig]:
    """The configs with their record as it stood at the end of month `last` (cut once a record)."""
    cut: dict[int, RecordConfig] = {}
    if last >= configs[0].record.as_of:
        return configs
    for c in configs:
        cut.setdefault(id(c.record), truncate(c.record, last))
    return [dataclasses.replace(c, record=cut[id(c.record)]) for c in configs]

"""AccordModel: the readable reference semantics of one replicate, as a Mesa model.

One step is one calendar month:
  1. events: dated events and random shocks shift salience, Iran threat and engagement;
  2. the situation: peer pressure from members among each country's neighbours, and every
     utility term but the mediator's offer;
  3. the mediator moves first, choosing whom to court with what;
  4. every country decides from the same start-of-month state (simultaneous moves, so the
     result does not depend on the order agents are activated), then all decisions commit.
Random draws come from keyed streams (`sim.core.streams`), replicate `replicate` of seed `rng`,
so this model and the ensemble engine draw the same numbers for the same replicate.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.agents import Country, Mediator
from sim.config import RunConfig
from sim.core import events, streams
from sim.core.decision import Status
from sim.core.peers import peer_pressure
from sim.core.utility import contributions
from sim.core.streams import Purpose
from sim.outcomes import Outcomes
from sim.world import World, compile_world


class AccordModel(mesa.Model):
    """Countries, a mediator and dated shocks over the scenario's months."""

    def __init__(
        self, config: RunConfig | World, *, rng=None, replicate: int = 0, collect: bool = True
    ):
        super().__init__(rng=rng)
        self.world = world = config if isinstance(config, World) else compile_world(config)
        self.month_index = 0
        key = _stream_key(rng, self.rng)
        rep = np.array([replicate])
        self._country_streams = streams.base_streams(key, rep, world.country_keys)
        self._event_streams = streams.base_streams(key, rep, world.event_keys)
        self._events_left = world.remaining0[None, :].copy()
        self.mediator = Mediator(self)
        self.countries = [Country(self, i) for i in range(len(world.ids))]
        self.datacollector = mesa.DataCollector(
            model_reporters={"members": lambda m: sum(c.is_member for c in m.countries)},
            agenttype_reporters={Country: {"status": lambda c: c.status.name.lower()}},
        )
        self.collect = collect  # the ensemble of Mesa runs needs only the outcome
        self.running = world.n_months > 0
        if collect:
            self.datacollector.collect(self)

    @property
    def month(self) -> int:
        """Absolute month number of the current step."""
        return self.world.start + self.month_index

    def step(self) -> None:
        self._apply_events()
        self._update_situation()
        month, bases = self.month, self._country_streams
        self.transition_draws = streams.uniforms(bases, month, Purpose.TRANSITION)[0]
        self.shock_draws = streams.uniforms(bases, month, Purpose.SHOCK_COLLAPSE)[0]
        self.mediator.step()
        country_set = self.agents_by_type[Country]
        country_set.do("step")
        signed = np.array(
            [c.status == Status.TALKS and c.next_status == Status.MEMBER for c in self.countries]
        )
        country_set.do("advance")
        self.mediator.settle(signed)
        if self.collect:
            self.datacollector.collect(self)
        self.month_index += 1
        self.running = self.month_index < self.world.n_months

    def outcome(self) -> Outcomes:
        """This replicate's milestones, shape (1, countries)."""
        get = lambda attr: np.array([[getattr(c, attr) for c in self.countries]], np.int16)  # noqa: E731
        return Outcomes(get("talks_month"), get("join_month"), get("exit_month"))

    def _apply_events(self) -> None:
        table, month = self.world.events, self.month
        draws = streams.uniforms(self._event_streams, month, Purpose.SHOCK_ONSET)
        active, started, self._events_left = events.advance(self._events_left, month, draws, table)
        salience, threat, engagement = events.shifts(active, table)
        self.salience = self.world.salience + salience[0]
        self.threat_shift = threat[0]
        self.engagement = max(self.world.engagement[self.month_index] + engagement[0], 0.0)
        self.shock_hit = events.talks_shock(started, table)[0]
        self.mediator.grant(table.grants[started[0]].any(axis=0))

    def _update_situation(self) -> None:
        """Peer pressure and every utility term but the mediator's offer, for all countries."""
        world = self.world
        is_member = np.array([c.is_member for c in self.countries])
        pressure = peer_pressure(
            world.ties,
            is_member,
            leader=world.leader,
            is_follower=world.is_follower,
            leader_multiplier=world.leader_multiplier,
        )
        self.terms = contributions(
            world.weights,
            world.features,
            threat_shift=self.threat_shift,
            salience=self.salience,
            inducement=0.0,
            peer_pressure=pressure,
        )


def _stream_key(rng, generator: np.random.Generator) -> np.uint64:
    """Seeds (ints, SeedSequences) key the streams directly, so the ensemble can match them;
    anything else (None, a Generator) draws the key from the model's own generator."""
    if isinstance(rng, (int, np.integer, np.random.SeedSequence)):
        return streams.stream_key(int(rng) if isinstance(rng, np.integer) else rng)
    return streams.stream_key(int(generator.integers(2**63)))

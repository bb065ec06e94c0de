"""WorldModel: the readable reference semantics of one replicate, as a Mesa model.

One step is one calendar month:
  1. events: dated events and random shocks shift salience, Iran threat and engagement;
  2. the situation: peer pressure from members among each country's neighbours, and every
     utility term but the mediator's offer;
  3. the mediator moves first, choosing whom to court with what;
  4. every country decides from the same start-of-month state (simultaneous moves, so the
     result does not depend on the order agents are activated), then all decisions commit and
     the mediator pays the inducements of the courted countries that signed.
Random draws come from keyed streams (`sim.core.streams`), replicate `replicate` of seed `rng`,
so this model and the ensemble kernel draw the same numbers for the same replicate.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.config.schema import RunConfig
from sim.core import events, gates, streams
from sim.core.peers import fill_peer_pressure
from sim.core.utility import fill_terms
from sim.engine.agents import Country, Mediator
from sim.engine.outcomes import Outcomes
from sim.engine.world import World, compile_world


class WorldModel(mesa.Model):
    """Countries, a mediator and dated shocks over the scenario's months."""

    def __init__(
        self, config: RunConfig | World, *, rng=None, replicate: int = 0, collect: bool = True
    ):
        """`config` or a compiled world of one design point; replicate `replicate` of seed `rng`."""
        super().__init__(rng=rng)
        self.time = 0  # whole months: Mesa's clock counts in floats unless it starts from an int
        self.world = world = config if isinstance(config, World) else compile_world(config)
        self.numbers, self.rates, self.events = world.values(), world.rates(), world.events()
        self.month_index = 0
        key, rep = _stream_key(rng, self.rng), np.array([replicate])
        country_streams = streams.base_streams(key, rep, world.country_keys)[0]
        self._event_streams = streams.base_streams(key, rep, world.event_keys)[0]
        self.sign_from, self.talks_from = _gates(
            world, streams.base_streams(key, rep, world.gate_keys)[0]
        )
        self._events_left = self.numbers.remaining0.copy()
        n_country, n_event = len(world.ids), len(world.event_keys)
        self._started = np.zeros(n_event, dtype=np.bool_)
        self._granted = np.zeros(world.shared.spent0.shape, dtype=np.bool_)
        self.shock_hit = np.zeros(n_country, dtype=np.bool_)
        self.terms = np.zeros((n_country, len(world.term_names)))
        self.mediator = Mediator(self)
        self.countries = [Country(self, i, country_streams[i]) for i in range(n_country)]
        self.datacollector = mesa.DataCollector(
            model_reporters={"members": lambda m: sum(c.is_member for c in m.countries)},
            agenttype_reporters={
                Country: {
                    "country": lambda c: c.name,
                    "country_id": lambda c: c.country_id,
                    "status": lambda c: c.status.name.lower(),
                }
            },
        )
        self.collect = collect  # an ensemble of Mesa runs needs only the outcome
        self.running = world.n_months > 0
        if collect:
            self.datacollector.collect(self)

    @property
    def month(self) -> int:
        """Absolute month number of the current step."""
        return self.world.start + self.month_index

    def step(self) -> None:
        self.time = int(
            self.time
        )  # whole months (Mesa's event clock runs in floats): integer Step in the frames
        self._apply_events()
        self._update_situation()
        self.mediator.step()
        country_set = self.agents_by_type[Country]
        country_set.do("step")
        country_set.do("advance")
        if self.collect:
            self.datacollector.collect(self)
        self.month_index += 1
        self.running = self.month_index < self.world.n_months

    def outcome(self) -> Outcomes:
        """This replicate's milestones, shape (1, countries)."""
        get = lambda attr: np.array([[getattr(c, attr) for c in self.countries]], np.int16)
        return Outcomes(
            get("talks_month"), get("join_month"), get("exit_month"), get("collapse_month")
        )

    def _apply_events(self) -> None:
        n, month = self.numbers, self.month
        draws = np.array(
            [streams.uniform(b, month, streams.SHOCK_ONSET) for b in self._event_streams]
        )
        self.salience = np.zeros(len(self.world.ids))
        self.threat_shift = np.zeros(len(self.world.ids))
        happened = events.EventState(
            self._events_left,
            self._started,
            self.salience,
            self.threat_shift,
            self.shock_hit,
            self._granted,
        )
        self.engagement = events.month_of_events(
            happened, month, draws, self.events, n.salience, n.engagement[self.month_index]
        )
        self.mediator.grant(self._granted)

    def _update_situation(self) -> None:
        """Peer pressure and every utility term but the mediator's offer, for all countries."""
        n, shared = self.numbers, self.world.shared
        status = np.array([c.status for c in self.countries], dtype=np.int64)
        pressure = np.zeros(len(status))
        fill_peer_pressure(
            pressure,
            n.ties,
            n.tie_totals,
            status,
            shared.leader,
            shared.is_follower,
            n.leader_multiplier,
        )
        s = shared.period[self.month_index]  # facts given by date: this month's period
        fill_terms(
            self.terms,
            n.weights[s],
            n.features[s],
            self.threat_shift,
            self.salience,
            pressure,
            shared.term_index,
            shared.term_sign,
        )


def _gates(world: World, gate_streams: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each country's months from which its gates let it sign and open talks in this replicate
    (sim.core.gates), drawn as the kernel draws them."""
    shared, n = world.shared, world.values()
    last = world.start + world.n_months - 1
    opened = np.array(
        [
            gates.opening_month(opens, p, earliest, key, world.start, last)
            for opens, p, earliest, key in zip(
                n.gate_opens, n.gate_p_monthly, shared.gate_earliest, gate_streams
            )
        ],
        dtype=np.int64,
    )
    sign_from, talks_from = np.zeros((2, len(world.ids)), dtype=np.int64)
    gates.fill_open_from(opened, shared.gate_blocks_sign, sign_from)
    gates.fill_open_from(opened, shared.gate_blocks_talks, talks_from)
    return sign_from, talks_from


def _stream_key(rng, generator: np.random.Generator) -> np.uint64:
    """Seeds (ints, SeedSequences) key the streams directly, so the ensemble can match them;
    anything else (None, a Generator) draws the key from the model's own generator."""
    if isinstance(rng, (int, np.integer, np.random.SeedSequence)):
        return streams.stream_key(int(rng) if isinstance(rng, np.integer) else rng)
    return streams.stream_key(int(generator.integers(2**63)))

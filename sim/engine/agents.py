"""Mesa agents: a Country that weighs its incentives, and the Mediator that courts it.

Thin on purpose: each `step` states the rule and calls `sim.core` for the arithmetic, so the
ensemble kernel applies exactly the same compiled functions to many replicates at once.
The agents read their model through `AccordState`, the part of it they need, so this module
does not import the model that imports it (sim.engine.model.WorldModel has that shape).
"""

from __future__ import annotations

from typing import Protocol

import mesa
import numpy as np

from sim.core import gates, mediator, streams
from sim.core.decision import Rates, Status, next_status, response
from sim.core.utility import accession_utility
from sim.engine.inputs import Numbers
from sim.engine.outcomes import NEVER
from sim.engine.row import Persuasion
from sim.engine.world import World


class AccordState(Protocol):
    """What the agents read of their model (a mesa.Model): the compiled world, this month's
    numbers and situation, and the other agents."""

    world: World
    numbers: Numbers  # one design point's values
    rates: Rates
    terms: np.ndarray  # (countries, terms): every utility term but the mediator's offer
    shock_hit: np.ndarray  # (countries,) bool: hit by a random shock this month
    engagement: float  # the mediator's engagement this month
    month_index: int  # months since the start
    sign_from: np.ndarray  # (countries,) absolute month from which its gates let each sign
    talks_from: np.ndarray  # (countries,) ... and open talks (sim.core.gates)
    countries: list[Country]
    mediator: Mediator

    @property
    def month(self) -> int:
        """Absolute month number of the current step."""
        ...


class Country(mesa.Agent):
    """A country deciding each month whether to move towards the accord."""

    model: AccordState

    def __init__(self, model: AccordState, index: int, stream: np.uint64):
        super().__init__(model)
        world = model.world
        self.index = index
        self.name = world.names[index]
        self.country_id = world.ids[index]
        self.stream = stream  # this country's random stream in this replicate
        self.status = Status(int(world.status0[index]))
        p_talks = model.numbers.p_talks0[index]  # talks no record shows, drawn as the kernel does
        drawn = self.status == Status.OUTSIDE and p_talks > 0
        if drawn and streams.uniform(stream, world.start, streams.START) < p_talks:
            self.status = Status.TALKS
        self.next_status = self.status
        self.talks_since = int(world.shared.talks_since0[index])  # first month deciding in talks
        self.offer = 0.0  # what the mediator's offer is worth to me this month
        self._read_month(0)
        self.talks_month = -1 if self.status in (Status.TALKS, Status.MEMBER) else NEVER
        self.join_month = -1 if self.status == Status.MEMBER else NEVER
        self.exit_month = NEVER
        self.collapse_month = NEVER

    @property
    def is_member(self) -> bool:
        return self.status == Status.MEMBER

    def contributions(self) -> np.ndarray:
        """Each declared utility term this month (the world's term_names), with my offer."""
        terms = self.model.terms[self.index].copy()
        offer = self.model.world.shared.offer_term
        terms[offer] = self.weights[offer] * self.offer
        return terms

    def step(self) -> None:
        """If accession utility clears my threshold, open talks (or sign, if in talks); not
        before I am a candidate."""
        m = self.model
        rates = m.rates
        self._read_month(m.month_index)
        readiness = 0.0
        if self.is_candidate:
            readiness = response(
                accession_utility(self.contributions()), self.threshold, rates.noise
            )
        draw = streams.uniform(self.stream, m.month, streams.TRANSITION)
        shocked = bool(m.shock_hit[self.index])
        shock_draw = (
            streams.uniform(self.stream, m.month, streams.SHOCK_COLLAPSE) if shocked else 1.0
        )
        months = m.month_index - self.talks_since  # in talks, the months they have run
        drawn = next_status(self.status, readiness, draw, rates, shocked, shock_draw, months)
        sign_from, talks_from = m.sign_from[self.index], m.talks_from[self.index]
        self.next_status = Status(gates.held(self.status, drawn, m.month, sign_from, talks_from))

    def _read_month(self, t: int) -> None:
        """My weights, threshold and candidacy this month: facts may change by date."""
        n, shared = self.model.numbers, self.model.world.shared
        s = shared.period[t]
        self.weights = n.weights[s, self.index]
        self.threshold = float(n.threshold[s, self.index])
        self.is_candidate = bool(shared.candidate[s, self.index])

    def advance(self) -> None:
        """Commit this month's decision, remembering when each milestone happened."""
        if self.next_status != self.status:
            month = self.model.month_index
            if self.next_status == Status.TALKS:  # talks opened: decided in from next month
                self.talks_since = month + 1
            if self.next_status == Status.TALKS and self.talks_month == NEVER:
                self.talks_month = month
            elif self.next_status == Status.MEMBER:
                self.join_month = month
                self.model.mediator.paid_by(self)
            elif self.next_status == Status.EXITED:
                self.exit_month = month
            elif self.next_status == Status.OUTSIDE and self.collapse_month == NEVER:
                self.collapse_month = month
        self.status = self.next_status


class Mediator(mesa.Agent):
    """The outside power that courts countries with a budget of typed inducements."""

    model: AccordState

    def __init__(self, model: AccordState):
        super().__init__(model)
        self.name = "mediator"
        self.units = model.numbers.units0.copy()
        self.spent = (
            model.world.shared.spent0.copy()
        )  # granted without accession: no longer leverage
        n_country, n_type = self.spent.shape
        self.leverage = np.zeros((n_country, n_type))
        self.offers = np.full(n_country, mediator.NO_OFFER, dtype=np.int64)
        self._gain = np.zeros((n_country, n_type))
        self._factor = np.ones((n_country, n_type))
        shared = model.world.shared
        n = model.numbers
        self.policy = mediator.Policy(
            shared.strategy,
            shared.max_targets,
            shared.priority_rank,
            n.cost,
            n.court_rate,
            n.court_persistence,
        )

    def step(self) -> None:
        """Court the countries my strategy picks, each with the inducement that moves it most."""
        m, n, shared, t = (
            self.model,
            self.model.numbers,
            self.model.world.shared,
            self.model.month_index,
        )
        s = shared.period[t]
        mediator.fill_leverage(self.leverage, n.value[s], self.spent, shared.candidate[s])
        status = np.array([c.status for c in m.countries], dtype=np.int64)
        utility = np.array([accession_utility(row) for row in m.terms])  # before any offer
        strength = n.weights[s, :, shared.offer_term, None] * m.engagement * self.leverage
        mediator.fill_offer_factors(self._factor, strength, m.rates.noise)
        since = np.array([c.talks_since for c in m.countries], dtype=np.int64)
        offers = Persuasion(utility, strength, self._factor, self._gain)
        mediator.fill_persuasion_gain(offers, status, n.threshold[s], m.rates, since, t)
        if (
            self.policy.strategy == mediator.COURTING
        ):  # each country courted by a draw of its own stream
            chance = np.array(
                [streams.uniform(c.stream, m.month, streams.COURT) for c in m.countries]
            )
            mediator.court(
                self.offers, self.policy, self.leverage, status, self.units, chance, m.engagement
            )
        else:
            mediator.choose_offers(
                self.offers,
                self.policy,
                self._gain,
                self.leverage,
                status,
                self.units,
                shared.script[m.month_index],
            )
        mediator.add_package(
            self.offers, n.package[t], status, self.units, self.leverage
        )  # a what-if package, if any
        for country, offer in zip(m.countries, self.offers):
            country.offer = mediator.offer_worth(offer, self.leverage, country.index, m.engagement)

    def grant(self, granted: np.ndarray) -> None:
        """Inducements given without accession: spent, and no longer leverage (C, K) bool."""
        mediator.grant(self.spent, self.units, granted)

    def paid_by(self, country: Country) -> None:
        """A courted country signed: pay out its inducement."""
        if country.status == Status.TALKS:
            mediator.spend(self.units, self.offers[country.index])

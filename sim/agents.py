"""Mesa agents: a Country that weighs its incentives, and the Mediator that courts it.

Thin on purpose: each `step` states the rule and calls `sim.core` for the arithmetic, so the
vectorised ensemble engine can apply exactly the same functions to many replicates at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.core.decision import Status, next_status, response
from sim.core.mediator import choose_offers, offered_value, persuasion_gain, spend
from sim.core.utility import TERMS, Features, accession_utility
from sim.outcomes import NEVER

if TYPE_CHECKING:
    from sim.model import AccordModel

_INDUCEMENT = TERMS.index("inducement")


class Country(mesa.Agent):
    """A country deciding each month whether to move towards the accord."""

    model: AccordModel

    def __init__(self, model: AccordModel, index: int):
        super().__init__(model)
        world = model.world
        self.index = index
        self.name = world.names[index]
        self.status = Status(int(world.status0[index]))
        self.next_status = self.status
        self.weights = world.weights[index]
        self.threshold = world.threshold[index]
        self.offer = 0.0  # what the mediator's offer is worth to me this month
        started_in_talks = self.status in (Status.TALKS, Status.MEMBER)
        self.talks_month = -1 if started_in_talks else NEVER
        self.join_month = -1 if self.status == Status.MEMBER else NEVER
        self.exit_month = NEVER

    @property
    def is_member(self) -> bool:
        return self.status == Status.MEMBER

    def contributions(self, offer: float = 0.0) -> np.ndarray:
        """Each utility term this month (sim.core.utility.TERMS), given an offer worth `offer`."""
        terms = self.model.terms[self.index].copy()
        terms[_INDUCEMENT] = self.weights[_INDUCEMENT] * offer
        return terms

    def step(self) -> None:
        """If accession utility clears my threshold, open talks (or sign, if in talks)."""
        m, i = self.model, self.index
        utility = accession_utility(self.contributions(self.offer))
        readiness = response(utility, self.threshold, m.world.rates.noise)
        new = next_status(
            self.status,
            readiness,
            m.transition_draws[i],
            rates=m.world.rates,
            shock_hit=m.shock_hit[i],
            shock_draw=m.shock_draws[i],
        )
        self.next_status = Status(int(new))

    def advance(self) -> None:
        """Commit this month's decision, remembering when each milestone happened."""
        if self.next_status != self.status:
            month = self.model.month_index
            if self.next_status == Status.TALKS and self.talks_month == NEVER:
                self.talks_month = month
            elif self.next_status == Status.MEMBER:
                self.join_month = month
            elif self.next_status == Status.EXITED:
                self.exit_month = month
        self.status = self.next_status


class Mediator(mesa.Agent):
    """The outside power that courts countries with a budget of typed inducements."""

    model: AccordModel

    def __init__(self, model: AccordModel):
        super().__init__(model)
        world = model.world
        self.name = "mediator"
        self.units = world.units0.copy()
        self.leverage = world.leverage0.copy()
        self.offers = np.full(len(world.ids), -1, dtype=np.int8)

    def step(self) -> None:
        """Court the countries my strategy picks, each with the inducement that moves it most."""
        m, world = self.model, self.model.world
        countries = m.countries
        status = np.array([c.status for c in countries], dtype=np.int8)
        utility = accession_utility(m.terms)  # before any offer
        strength = world.weights[:, _INDUCEMENT, None] * m.engagement * self.leverage
        gain = persuasion_gain(status, utility, world.threshold, strength, world.rates)
        eligible = (status == Status.OUTSIDE) | (status == Status.TALKS)
        self.offers = choose_offers(
            world.strategy,
            gain=gain[None],
            leverage=self.leverage,
            eligible=eligible[None],
            units=self.units[None],
            cost=world.cost,
            priority_rank=world.priority_rank,
            max_targets=world.max_targets,
        )[0]
        worth = offered_value(self.offers, self.leverage, m.engagement)
        for country, value in zip(countries, worth):
            country.offer = float(value)

    def grant(self, granted: np.ndarray) -> None:
        """Inducements given without accession: spent, and no longer leverage (C, K) bool."""
        self.leverage = np.where(granted, 0.0, self.leverage)
        self.units = np.maximum(self.units - granted.sum(axis=0), 0)

    def settle(self, signed: np.ndarray) -> None:
        """Pay out the inducements of the courted countries that signed this month."""
        self.units = spend(self.units, self.offers, signed)

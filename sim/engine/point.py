"""One design point's hazards and events, read from the stacked inputs (sim.engine.inputs) as
the compiled code takes them: by the Mesa engine (through sim.engine.world) and by the month
of the kernel and the likelihood (sim.engine.month) alike."""

from __future__ import annotations

from numba import njit

from sim.core.decision import Rates
from sim.core.events import EventTable


@njit(cache=True, error_model="numpy")
def point_rates(shared, numbers, d: int) -> Rates:
    """The hazards of design point `d`."""
    return Rates(
        numbers.rate_open[d],
        numbers.rate_sign[d],
        numbers.rate_collapse[d],
        numbers.rate_exit[d],
        numbers.collapse_on_shock[d],
        numbers.noise[d],
        shared.exit_enabled,
        numbers.talks_decay[d],
    )


@njit(cache=True, error_model="numpy")
def point_events(shared, numbers, d: int) -> EventTable:
    """The events of design point `d`, as sim.core.events reads them."""
    return EventTable(
        shared.event_onset,
        numbers.event_months[d],
        numbers.event_p_monthly[d],
        shared.event_hits,
        numbers.event_salience[d],
        numbers.event_iran_threat[d],
        numbers.event_engagement[d],
        shared.event_collapses_talks,
        shared.event_grants,
    )

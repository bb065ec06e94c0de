"""The mediator compiled into arrays: what each offer is worth to each country by period, its
priority list, the offers of the record and of a what-if package month by month, and its
engagement month by month (sim.engine.world puts them together)."""

from __future__ import annotations

import numpy as np

from sim.config.dated import values_at
from sim.config.schema import Params, RunConfig
from sim.engine.periods import by_period


def offer_values(cfg: RunConfig, types_: list[str], periods: np.ndarray) -> np.ndarray:
    """(S, C, K) what each offer is worth to each country in each period: its value (by date),
    0 where the roster says the type was already granted by then, or the mediator withholds it."""
    med, countries = cfg.mediator, cfg.roster.countries
    worth = by_period(
        [[c.values.get(t, med.inducements[t].value) for t in types_] for c in countries.values()],
        periods,
    )
    for i, (cid, c) in enumerate(countries.items()):
        granted = values_at(c.granted, periods)  # the list that holds in each period
        for k, t in enumerate(types_):
            given = np.array([t in g for g in granted], dtype=bool)
            worth[given | (t in med.withheld.get(cid, ())), i, k] = 0.0
    return worth


def priority_rank(priority: list[str], index: dict[str, int]) -> np.ndarray:
    rank = np.full(len(index), len(index), dtype=np.int64)
    for position, cid in enumerate(priority):
        rank[index[cid]] = min(rank[index[cid]], position)
    return rank


def script_table(
    cfg: RunConfig, index: dict[str, int], types_: list[str], start: int, n_months: int
) -> np.ndarray:
    """Month x country table of the offers on the record (-1: none): all of them for a scripted
    mediator; for a courting one, those known before (or without) an accession, which the
    likelihood takes as observed courting (an offer announced with its accession is part of the
    accession, and its courting is integrated out like any other unseen month's)."""
    courting = cfg.mediator.strategy == "courting"
    offers = [
        o
        for o in (cfg.record.offers.values() if cfg.record else ())
        if not (courting and o.known != "before")
    ]
    return offer_table(offers, index, types_, start, n_months)


def offer_table(
    offers, index: dict[str, int], types_: list[str], start: int, n_months: int
) -> np.ndarray:
    """Month x country table of the type each offer makes, within the window (-1: none)."""
    table = np.full((n_months, len(index)), -1, dtype=np.int64)
    for offer in offers:
        first = max(offer.start - start, 0)
        last = min(offer.end - start, n_months - 1)
        if first <= last:
            table[first : last + 1, index[offer.country]] = types_.index(offer.type)
    return table


def engagement_by_month(
    cfg: RunConfig, params: list[Params], start: int, n_months: int
) -> np.ndarray:
    """(len(params), T) the mediator's level each month: its era's (fitted where each params'
    era_engagement says), times its scale."""
    eras = sorted(cfg.mediator.eras.items(), key=lambda item: item[1].start)
    starts = np.array([e.start for _, e in eras] + [np.iinfo(np.int64).max])
    levels = np.array(
        [[p.era_engagement.get(name, e.engagement) for name, e in eras] + [0.0] for p in params]
    )
    months = start + np.arange(n_months)
    era = np.searchsorted(starts, months, side="right") - 1  # -1 before the first era
    return np.where(era >= 0, levels[:, era], 0.0) * cfg.mediator.engagement

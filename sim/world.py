"""A validated `RunConfig` compiled once into the arrays both engines read.

Countries are indexed in roster order; inducement types in the mediator's order. Everything a
month needs that does not depend on chance (the mediator's era, dated events) is precomputed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import RunConfig
from sim.core import streams
from sim.core.calendar import parse_month
from sim.core.decision import Rates, Status
from sim.core.events import EventTable
from sim.core.mediator import Strategy
from sim.core.peers import adjacency, tie_totals
from sim.core.utility import FEATURES, TERMS

_STATUS = {"outside": Status.OUTSIDE, "talks": Status.TALKS, "member": Status.MEMBER}


@dataclass(frozen=True)
class World:
    ids: list[str]
    names: list[str]
    regions: list[str]
    status0: np.ndarray  # (C,) Status at the start
    features: np.ndarray  # (C, len(FEATURES))
    weights: np.ndarray  # (C, len(TERMS))
    threshold: np.ndarray  # (C,)
    rates: Rates
    ties: np.ndarray  # (C, C)
    tie_totals: np.ndarray  # (C,) total tie weight of each country
    leader: int  # index, or -1
    is_follower: np.ndarray  # (C,) bool
    leader_multiplier: float
    inducement_types: list[str]
    leverage0: np.ndarray  # (C, K) value of each offer; 0 where granted already or withheld
    units0: np.ndarray  # (K,) units left at the start
    cost: np.ndarray  # (K,)
    strategy: int  # a sim.core.mediator.Strategy value
    max_targets: int
    priority_rank: np.ndarray  # (C,) position in the priority list, C when unlisted
    script: np.ndarray  # (n_months, C) type offered by a scripted mediator, or -1
    start: int  # absolute month of the first step
    n_months: int
    engagement: np.ndarray  # (n_months,) era level x scale, before event shifts
    salience: float
    events: EventTable
    remaining0: np.ndarray  # (E,) months left of dated events already running at the start
    country_keys: np.ndarray  # (C,) uint64 stream keys
    event_keys: np.ndarray  # (E,) uint64 stream keys

    @property
    def months(self) -> np.ndarray:
        """Absolute month numbers of the steps."""
        return self.start + np.arange(self.n_months)


def compile_world(cfg: RunConfig) -> World:
    """Arrays for `cfg` (already validated by `load_config`)."""
    countries = list(cfg.roster.countries.values())
    ids = list(cfg.roster.countries)
    index = {cid: i for i, cid in enumerate(ids)}
    med, p, sc = cfg.mediator, cfg.params, cfg.scenario
    types_ = list(med.inducements)
    start, end = parse_month(sc.start), parse_month(sc.end)
    n_months = end - start + 1
    table, event_names = _event_table(cfg, index, types_)
    onset_before = (table.onset >= 0) & (table.onset < start)
    remaining0 = np.where(onset_before, np.maximum(table.onset + table.months - start, 0), 0)
    granted = np.array([[t in c.granted for t in types_] for c in countries], dtype=bool)
    granted |= table.grants[onset_before].any(axis=0)
    withheld = np.array([[t in med.withheld.get(cid, ()) for t in types_] for cid in ids], dtype=bool)
    values = np.array([[c.values.get(t, med.inducements[t].value) for t in types_] for c in countries])
    units0 = np.array([med.inducements[t].units for t in types_], dtype=np.int64)
    units0 = np.maximum(units0 - table.grants[onset_before].sum(axis=(0, 1)), 0)
    ties = adjacency(
        [c.region for c in countries],
        [(index[a], index[b], float(w)) for a, b, w in cfg.roster.peers.edges],
        region_weight=p.region_weight,
    )
    return World(
        ids=ids,
        names=[c.name for c in countries],
        regions=[c.region for c in countries],
        status0=np.array([_STATUS[c.status] for c in countries], dtype=np.int8),
        features=np.array([[getattr(c, f) for f in FEATURES] for c in countries], dtype=np.float64),
        weights=np.array(
            [[c.weights.get(t, getattr(p.weights, t)) for t in TERMS] for c in countries],
            dtype=np.float64,
        ),
        threshold=np.array(
            [p.threshold if c.threshold is None else c.threshold for c in countries], dtype=np.float64
        ),
        rates=Rates(
            open=p.rate_open,
            sign=p.rate_sign,
            collapse=p.rate_collapse,
            exit=p.rate_exit,
            collapse_on_shock=p.collapse_on_shock,
            noise=p.noise,
            exit_enabled=bool(sc.exit_enabled),
        ),
        ties=ties,
        tie_totals=tie_totals(ties),
        leader=index.get(cfg.roster.peers.leader, -1),
        is_follower=np.isin(np.arange(len(ids)), [index[f] for f in cfg.roster.peers.followers]),
        leader_multiplier=p.leader_multiplier,
        inducement_types=types_,
        leverage0=np.where(granted | withheld, 0.0, values).astype(np.float64),
        units0=units0,
        cost=np.array([med.inducements[t].cost for t in types_], dtype=np.float64),
        strategy=int(Strategy[med.strategy.upper()]),
        max_targets=med.max_targets,
        priority_rank=_priority_rank(med.priority, index),
        script=_script(med, index, types_, start, n_months),
        start=start,
        n_months=n_months,
        engagement=_engagement(cfg, start, n_months),
        salience=sc.salience,
        events=table,
        remaining0=remaining0.astype(np.int64),
        country_keys=streams.name_keys([c.name for c in countries]),
        event_keys=streams.name_keys(event_names),
    )


def _priority_rank(priority: list[str], index: dict[str, int]) -> np.ndarray:
    rank = np.full(len(index), len(index), dtype=np.int64)
    for position, cid in enumerate(priority):
        rank[index[cid]] = min(rank[index[cid]], position)
    return rank


def _script(med, index: dict[str, int], types_: list[str], start: int, n_months: int) -> np.ndarray:
    """Month x country table of the offers on the record (-1: none)."""
    script = np.full((n_months, len(index)), -1, dtype=np.int64)
    for offer in med.script.values():
        first = max(parse_month(offer.start) - start, 0)
        last = min(parse_month(offer.end) - start, n_months - 1)
        if first <= last:
            script[first : last + 1, index[offer.country]] = types_.index(offer.type)
    return script


def _engagement(cfg: RunConfig, start: int, n_months: int) -> np.ndarray:
    eras = sorted(cfg.mediator.eras.values(), key=lambda e: parse_month(e.start))
    starts = np.array([parse_month(e.start) for e in eras] + [np.iinfo(np.int64).max])
    levels = np.array([e.engagement for e in eras] + [0.0])
    months = start + np.arange(n_months)
    era = np.searchsorted(starts, months, side="right") - 1  # -1 before the first era
    return np.where(era >= 0, levels[era], 0.0) * cfg.mediator.engagement


def _event_table(
    cfg: RunConfig, index: dict[str, int], types_: list[str]
) -> tuple[EventTable, list[str]]:
    regions = np.array([c.region for c in cfg.roster.countries.values()])
    rows, names = [], []
    for kind, events in (("dated", cfg.events.dated), ("random", cfg.events.random)):
        for name, e in events.items():
            if e.enabled:
                rows.append(e)
                names.append(f"{kind}:{name}")
    n_c, n_k = len(index), len(types_)
    hits = np.zeros((len(rows), n_c), dtype=bool)
    grants = np.zeros((len(rows), n_c, n_k), dtype=bool)
    for i, e in enumerate(rows):
        named = np.isin(np.arange(n_c), [index[c] for c in e.countries])
        hits[i] = named | np.isin(regions, e.regions) if e.countries or e.regions else True
        for t in e.grants:
            grants[i, hits[i], types_.index(t)] = True
    table = EventTable(
        onset=np.array([parse_month(e.start) if e.start else -1 for e in rows], dtype=np.int64),
        months=np.array([e.months for e in rows], dtype=np.int64),
        p_monthly=np.array([e.p_monthly or 0.0 for e in rows], dtype=np.float64),
        hits=hits,
        salience=hits * np.array([e.salience for e in rows], dtype=np.float64)[:, None],
        iran_threat=hits * np.array([e.iran_threat for e in rows], dtype=np.float64)[:, None],
        engagement=np.array([e.engagement for e in rows], dtype=np.float64),
        collapses_talks=np.array([e.collapses_talks for e in rows], dtype=bool),
        grants=grants,
    )
    return table, names

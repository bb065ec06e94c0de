"""A validated `RunConfig` compiled once into the arrays every engine reads.

Countries are indexed in roster order; inducement types in the mediator's order. Everything a
month needs that does not depend on chance (the mediator's era, dated events) is precomputed.
The kernel's inputs are two NamedTuples (sim.engine.inputs): `shared` (the world's shape and
wiring) and `numbers` (everything that may vary, with a design-point axis of length 1 here;
sim.engine.design stacks many). Facts given by date are compiled by period in sim.engine.periods,
the mediator's offers and engagement in sim.engine.offers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from sim.config.schema import Params, RunConfig
from sim.config.spans import spans
from sim.config.terms import Terms, build_terms, default_terms
from sim.core import streams
from sim.core.decision import Rates, Status
from sim.core.events import EventTable
from sim.core.mediator import Strategy
from sim.core.peers import adjacency, tie_totals
from sim.core.terms import TERM_KINDS
from sim.engine.gate_table import gate_names, gate_numbers, gate_wiring
from sim.engine.inputs import Numbers, Shared, fixed
from sim.engine.offers import (
    engagement_by_month,
    offer_table,
    offer_values,
    priority_rank,
    script_table,
)
from sim.engine.periods import by_period, period_starts
from sim.engine.point import point_events, point_rates

_STATUS = {"outside": Status.OUTSIDE, "talks": Status.TALKS, "member": Status.MEMBER}


@dataclass(frozen=True)
class World:
    ids: list[str]
    names: list[str]
    regions: list[str]
    inducement_types: list[str]
    event_names: list[str]
    gate_names: list[str]  # conditions accessions wait on (conf/gates)
    term_names: list[str]  # the utility's declared terms (conf/terms), the columns of the weights
    kinds: list[str]  # what each country's accession would be (sim.config.schema.KINDS)
    counted: np.ndarray  # (C,) bool: its accession counts as a new member (config count_kinds)
    start: int  # absolute month of the first step
    n_months: int
    country_keys: np.ndarray  # (C,) uint64 stream keys
    event_keys: np.ndarray  # (E,) uint64 stream keys
    gate_keys: np.ndarray  # (G,) uint64 stream keys
    shared: Shared
    numbers: Numbers  # leading axis: design points
    count_stage: str = "announced"  # what counts as joining in the tables: announced or signed
    signing_lag: int = (
        1  # months from announcement to signing, for accessions in the run (count_stage signed)
    )
    unsigned: np.ndarray | None = (
        None  # (C,) bool: a member at the start whose signing is not on the record
    )

    @property
    def months(self) -> np.ndarray:
        """Absolute month numbers of the steps."""
        return self.start + np.arange(self.n_months)

    @property
    def size(self) -> int:
        """Number of design points."""
        return len(self.numbers.threshold)

    @property
    def status0(self) -> np.ndarray:
        return self.shared.status0

    def point(self, point: int) -> World:
        """The world of one design point (for the Mesa engine and the likelihood)."""
        numbers = Numbers(*(a[point : point + 1] for a in self.numbers))
        return dataclasses.replace(self, numbers=numbers)

    def values(self, point: int = 0) -> Numbers:
        """The numbers of one design point, without the design-point axis."""
        return Numbers(*(a[point] for a in self.numbers))

    def rates(self, point: int = 0) -> Rates:
        return point_rates(self.shared, self.numbers, point)

    def events(self, point: int = 0) -> EventTable:
        return point_events(self.shared, self.numbers, point)


def compile_world(cfg: RunConfig) -> World:
    """Arrays for `cfg` (already validated by `load_config`)."""
    countries = list(cfg.roster.countries.values())
    ids = list(cfg.roster.countries)
    index = {cid: i for i, cid in enumerate(ids)}
    med, sc, terms = cfg.mediator, cfg.scenario, terms_of(cfg)
    term_index, term_sign = term_arrays(terms)
    types_ = list(med.inducements)
    start, end = sc.start, sc.end
    n_months = end - start + 1
    events, event_names = _event_table(cfg, index, types_)
    months = start + np.arange(n_months)
    periods = period_starts(cfg, start, end)
    onset_before = (events.onset >= 0) & (events.onset < start)
    remaining0 = np.where(onset_before, np.maximum(events.onset + events.months - start, 0), 0)
    units0 = np.array([med.inducements[t].units for t in types_], dtype=np.int64)
    shared = Shared(
        status0=_statuses(cfg, start),
        talks_since0=_talks_since(cfg, start),
        period=np.searchsorted(periods, months, side="right") - 1,
        candidate=by_period([c.candidate for c in countries], periods),
        spent0=events.grants[onset_before].any(axis=0),
        is_follower=np.isin(np.arange(len(ids)), [index[f] for f in cfg.roster.peers.followers]),
        leader=index.get(cfg.roster.peers.leader, -1),
        strategy=int(Strategy[med.strategy.upper()]),
        max_targets=med.max_targets,
        priority_rank=priority_rank(med.priority, index),
        script=script_table(cfg, index, types_, start, n_months),
        start=start,
        exit_enabled=sc.exit_enabled,
        event_onset=events.onset,
        event_hits=events.hits,
        event_collapses_talks=events.collapses_talks,
        event_grants=events.grants,
        term_index=term_index,
        term_sign=term_sign,
        offer_term=[t.kind for t in terms.terms.values()].index("offer"),
        **gate_wiring(cfg, index),
    )
    one = {  # every number of the one design point; `Numbers` adds the design-point axis
        "features": by_period(
            [[_feature(c, f) for f in terms.features] for c in countries], periods
        ),
        "value": offer_values(cfg, types_, periods),
        "units0": units0,
        "cost": [med.inducements[t].cost for t in types_],
        "salience": sc.salience,
        "remaining0": remaining0,
        "p_talks0": np.zeros(
            len(countries)
        ),  # no latent talks unless the start is conditioned on a record
        "event_months": events.months,
        "event_p_monthly": events.p_monthly,
        "event_salience": events.salience,
        "event_iran_threat": events.iran_threat,
        "event_engagement": events.engagement,
        "package": offer_table(cfg.mediator.package.values(), index, types_, start, n_months),
        **gate_numbers(cfg),
    }
    numbers = Numbers(
        **_one_point(one), **_param_numbers(cfg, [cfg.params], periods, start, n_months)
    )
    return World(
        ids=ids,
        names=[c.name for c in countries],
        regions=[c.region for c in countries],
        inducement_types=types_,
        event_names=event_names,
        gate_names=gate_names(cfg),
        kinds=[c.kind for c in countries],
        term_names=terms.names,
        counted=np.array([c.kind in cfg.count_kinds for c in countries], dtype=bool),
        start=start,
        n_months=n_months,
        country_keys=streams.name_keys([c.name for c in countries]),
        event_keys=streams.name_keys(event_names),
        gate_keys=streams.name_keys([f"gate:{g}" for g in gate_names(cfg)]),
        shared=fixed(shared),
        numbers=fixed(numbers),
        count_stage=cfg.count_stage,
        signing_lag=cfg.signing_lag,
        unsigned=_unsigned(cfg, shared.status0),
    )


def terms_of(cfg: RunConfig) -> Terms:
    """The config's declared terms (the Abraham world's for a config built without any)."""
    return cfg.terms if cfg.terms is not None else build_terms(default_terms())


def term_arrays(terms: Terms) -> tuple[np.ndarray, np.ndarray]:
    """The terms as the compiled month reads them: (N, 3) kind, feature and second feature
    columns (-1: none), and (N,) signs."""
    column = {f: i for i, f in enumerate(terms.features)}
    index = [
        [TERM_KINDS.index(t.kind), column.get(t.feature, -1), column.get(t.feature2, -1)]
        for t in terms.terms.values()
    ]
    return np.array(index, dtype=np.int64).reshape(-1, 3), np.array(
        [float(t.sign) for t in terms.terms.values()]
    )


def _feature(country, name: str):
    """A country's score of a feature: a field of the roster entry, or one of its `scores`."""
    value = getattr(country, name, None)
    return value if value is not None else country.scores[name]


def _one_point(values: dict) -> dict[str, np.ndarray]:
    """Numbers' fields with the design-point axis (of length one) in front."""
    return {k: np.asarray(v)[None] for k, v in values.items()}


def _param_numbers(
    cfg: RunConfig, params: list[Params], periods: np.ndarray, start: int, n_months: int
) -> dict:
    """The numbers that params enter, for each of `params` (the leading axis), with the roster's
    and mediator's own values from `cfg`: a country's own weight or threshold holds in every draw."""
    countries, declared = list(cfg.roster.countries.values()), terms_of(cfg)
    index = {cid: i for i, cid in enumerate(cfg.roster.countries)}
    regions, edges = (
        [c.region for c in countries],
        [(index[a], index[b], float(w)) for a, b, w in cfg.roster.peers.edges],
    )
    own_weight = by_period(
        [[c.weights.get(t, np.nan) for t in declared.names] for c in countries], periods
    )
    own_threshold = by_period(
        [np.nan if c.threshold is None else c.threshold for c in countries], periods
    )
    weight = np.array(
        [[p.weights.get(t, declared.terms[t].weight) for t in declared.names] for p in params],
        dtype=float,
    )
    threshold = np.array([p.threshold for p in params], dtype=float)
    easier = np.array([[p.kind_effect.get(c.kind, 0.0) for c in countries] for p in params])
    ties = np.stack([adjacency(regions, edges, region_weight=p.region_weight) for p in params])
    numbers = {
        "weights": np.where(np.isnan(own_weight), weight[:, None, None, :], own_weight),
        "threshold": _lowered(
            np.where(np.isnan(own_threshold), threshold[:, None, None], own_threshold), easier
        ),
        "ties": ties,
        "tie_totals": np.stack([tie_totals(t) for t in ties]),
        "engagement": engagement_by_month(cfg, params, start, n_months),
    }
    scalars = (
        "rate_open",
        "rate_sign",
        "rate_collapse",
        "rate_exit",
        "collapse_on_shock",
        "noise",
        "talks_decay",
        "leader_multiplier",
        "court_rate",
        "court_persistence",
    )
    return numbers | {
        name: np.array([getattr(p, name) for p in params], dtype=float) for name in scalars
    }


def _lowered(threshold: np.ndarray, easier: np.ndarray) -> np.ndarray:
    """Thresholds (P, S, C) lowered by the kind effect of each country's accession (P, C); left
    as they are, bit for bit, where it is 0."""
    return np.where(easier[:, None, :] != 0.0, threshold - easier[:, None, :], threshold)


def only_params_differ(a: RunConfig, b: RunConfig) -> bool:
    """True when `a` and `b` are equal but for their params. Field by field, each first by
    identity: a drawn config shares every part it does not change with the config it was drawn
    from (sim.config.validate.with_settings), so hundreds of draws compare at little cost."""
    return all(
        x is y or x == y for name in _NOT_PARAMS for x, y in [(getattr(a, name), getattr(b, name))]
    )


_NOT_PARAMS = [f.name for f in dataclasses.fields(RunConfig) if f.name != "params"]


def stack_params(world: World, cfg: RunConfig, params: list[Params]) -> World:
    """`world` (compiled from `cfg`, one design point) as one design point per entry of `params`:
    what `compile_world` gives each config that differs from `cfg` only in its params (a
    posterior draw), bit for bit (tested), computing only the numbers the params enter, for
    all of them at once. A run of the posterior compiles hundreds of such worlds."""
    periods = world.months[
        np.r_[0, np.flatnonzero(np.diff(world.shared.period)) + 1]
    ]  # each period's first month
    changed = _param_numbers(cfg, params, periods, world.start, world.n_months)
    same = {
        k: np.repeat(v, len(params), axis=0)
        for k, v in world.numbers._asdict().items()
        if k not in changed
    }
    numbers = Numbers(**same, **changed)._replace(p_talks0=np.zeros((len(params), len(world.ids))))
    return dataclasses.replace(world, numbers=fixed(numbers))


def compile_like(cfg: RunConfig, base: RunConfig, world: World) -> World:
    """`compile_world(cfg)`, reusing `world` (compiled from `base`, one design point) when `cfg`
    differs from `base` only in its params (stack_params)."""
    if world.size != 1 or not only_params_differ(cfg, base):
        return compile_world(cfg)
    return stack_params(world, base, [cfg.params])


def _unsigned(cfg: RunConfig, status0: list[int]) -> np.ndarray:
    """(C,) members at the start whose signing is not on the record (all, without a record)."""
    signed = cfg.record.signed if cfg.record else {}
    return np.array(
        [s == Status.MEMBER and cid not in signed for cid, s in zip(cfg.roster.countries, status0)]
    )


def _statuses(cfg: RunConfig, start: int) -> list[int]:
    """Each country's status at the start: from the record when the config has one (joined
    before the start: a member; talks on the record in the month before: in talks), otherwise
    the roster's `status`."""
    if cfg.record is None:
        return [_STATUS[c.status] for c in cfg.roster.countries.values()]
    record, before = cfg.record, start - 1
    out = []
    for cid in cfg.roster.countries:
        talks = spans(record.in_talks.get(cid, []))
        if cid in record.joined and record.joined[cid] <= before:
            out.append(Status.MEMBER)
        elif any(a <= before <= b for a, b in talks):
            out.append(Status.TALKS)
        else:
            out.append(Status.OUTSIDE)
    return out


def _talks_since(cfg: RunConfig, start: int) -> list[int]:
    """(C,) for each country in talks at the start by the record (_statuses), the step (<= 0) of
    the first month it decided in them: the month after its span of talks began (talks on the
    record in month a may have opened in a, so a + 1 is their first month of deciding in talks).
    0 for every other country, latent talks included: talks no record shows start at the start."""
    if cfg.record is None:
        return [0] * len(cfg.roster.countries)
    before, out = start - 1, []
    for cid in cfg.roster.countries:
        talks = spans(cfg.record.in_talks.get(cid, []))
        began = [a for a, b in talks if a <= before <= b]
        out.append(min(began) + 1 - start if began else 0)
    return out


def _event_table(
    cfg: RunConfig, index: dict[str, int], types_: list[str]
) -> tuple[EventTable, list[str]]:
    regions = np.array([c.region for c in cfg.roster.countries.values()])
    rows, names = [], []
    record = (
        cfg.record.events if cfg.record else {}
    )  # past events: what runs into the window, and grants before it
    for kind, events in (
        ("record", record),
        ("dated", cfg.events.dated),
        ("random", cfg.events.random),
    ):
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
        onset=np.array([-1 if e.start is None else e.start for e in rows], dtype=np.int64),
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

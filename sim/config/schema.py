"""The scenario schema: frozen dataclasses, one per config group, validated once.

YAML key = dataclass field = column name. `load_config(dict)` turns the composed Hydra config
(as a plain dict) into a `RunConfig` or raises `ConfigError` naming the key; nothing below the
entry point sees Hydra.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.config.dated import Dated
from sim.config.draws import check_draws
from sim.config.errors import ConfigError
from sim.config.sensitivity import Sensitivity
from sim.config.spans import check_spans
from sim.config.terms import Terms, check_terms, default_terms
from sim.config.validate import DATED, MONTH, UNIT, between, build, one_of, with_settings
from sim.core.calendar import format_month, parse_month
from sim.core.terms import TERMS

STATUSES = ("outside", "talks", "member")
PLOT_FORMATS = ("png", "svg", "pdf")
KINDS = (
    "new_relations",
    "symbolic",
    "unrecognised",
)  # new ties with Israel; old ties (Kazakhstan); unrecognised (Somaliland)
STRATEGIES = ("none", "priority", "persuadable", "scripted", "courting")
OFFER_KNOWN = ("before", "with_accession")
STAGES = ("announced", "signed")  # how far an accession got: the record keeps both months
ENGINES = ("ensemble", "mesa")
SHIFT = between(-1.0, 1.0)
DATED_UNIT = {**UNIT, **DATED}


@dataclass(frozen=True)
class Country:
    """One roster entry. Facts: name, region, status, granted, candidate, source. Judgement: the
    features in [0, 1] the declared terms read (the fields below, or `scores` for others),
    `values`, and any `weights` or `threshold` override. Every number, the
    `granted` list and `candidate` may be given by date (sim.config.dated)."""

    name: str
    region: str
    status: str = field(metadata=one_of(*STATUSES))
    # The Abraham world's features; a world whose terms (conf/terms) do not read them leaves them out.
    iran_threat: float | None = field(default=None, metadata=DATED_UNIT)
    us_security: float | None = field(default=None, metadata=DATED_UNIT)
    econ_gain: float | None = field(default=None, metadata=DATED_UNIT)
    public_permissiveness: float | None = field(default=None, metadata=DATED_UNIT)
    regime_insulation: float | None = field(default=None, metadata=DATED_UNIT)
    palestine_linkage: float | None = field(default=None, metadata=DATED_UNIT)
    values: dict[str, float] = field(default_factory=dict, metadata=DATED_UNIT)
    scores: dict[str, float] = field(
        default_factory=dict, metadata=DATED_UNIT
    )  # features of declared terms beyond the fields above
    granted: list[str] = field(default_factory=list, metadata=DATED)
    weights: dict[str, float] = field(
        default_factory=dict, metadata={**between(0.0, 10.0), **DATED}
    )
    threshold: float | None = field(default=None, metadata={**between(-5.0, 5.0), **DATED})
    candidate: bool = field(
        default=True, metadata=DATED
    )  # false: cannot join (not yet a candidate)
    kind: str = field(default="new_relations", metadata=one_of(*KINDS))
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Peers:
    """Who influences whom beyond the automatic same-region ties."""

    leader: str | None = None
    followers: list[str] = field(default_factory=list)
    edges: list[list[Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Roster:
    name: str
    as_of: str = field(metadata=MONTH)
    countries: dict[str, Country]
    peers: Peers = field(default_factory=Peers)


@dataclass(frozen=True)
class Inducement:
    """A type of inducement in the mediator's budget."""

    units: int = field(metadata=between(0, 1000))
    cost: float = field(metadata=between(1e-6, 1e6))
    value: float = field(metadata=UNIT)  # worth to a country that does not say otherwise


@dataclass(frozen=True)
class Era:
    start: str = field(metadata=MONTH)
    engagement: float = field(metadata=UNIT)


@dataclass(frozen=True)
class ScriptedOffer:
    """An offer on the record: `type` offered to `country` from `start` to `end` (inclusive)."""

    country: str
    type: str
    start: str = field(metadata=MONTH)
    end: str = field(metadata=MONTH)
    known: str = field(
        default="before", metadata=one_of(*OFFER_KNOWN)
    )  # announced with the accession, or known before (or without) it
    source: str = ""


@dataclass(frozen=True)
class Mediator:
    name: str
    strategy: str = field(metadata=one_of(*STRATEGIES))
    max_targets: int = field(metadata=between(0, 100))
    engagement: float = field(metadata=between(0.0, 10.0))  # multiplies every era's level
    eras: dict[str, Era]
    inducements: dict[str, Inducement]
    priority: list[str] = field(default_factory=list)
    withheld: dict[str, list[str]] = field(
        default_factory=dict
    )  # country id -> types never offered
    package: dict[str, ScriptedOffer] = field(
        default_factory=dict
    )  # offers added in the run's window (a what-if; sim.commands.optimize)


@dataclass(frozen=True)
class Scenario:
    name: str
    end: str = field(metadata=MONTH)
    salience: float = field(metadata=UNIT)
    start: str | None = field(default=None, metadata=MONTH)  # none: the month after the record ends
    exit_enabled: bool = False
    latent_talks: bool = (
        False  # start countries outside in talks with the record's filtered probability
    )


@dataclass(frozen=True)
class Event:
    """A dated event (`start`) or a random shock (`p_monthly`); targets all when none named."""

    months: int = field(default=1, metadata=between(1, 600))
    start: str | None = field(default=None, metadata=MONTH)
    p_monthly: float | None = field(default=None, metadata=UNIT)
    countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    salience: float = field(default=0.0, metadata=SHIFT)
    iran_threat: float = field(default=0.0, metadata=SHIFT)
    engagement: float = field(default=0.0, metadata=SHIFT)
    collapses_talks: bool = False
    grants: list[str] = field(default_factory=list)
    enabled: bool = True
    confidence: str = field(default="medium", metadata=one_of("high", "medium", "low"))
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Events:
    name: str
    dated: dict[str, Event] = field(default_factory=dict)
    random: dict[str, Event] = field(default_factory=dict)


@dataclass(frozen=True)
class Params:
    """Behavioural parameters: weights, threshold, hazards, network strengths."""

    name: str
    weights: dict[str, float] = field(
        metadata=between(0.0, 10.0)
    )  # each declared term's weight (conf/terms); countries may override
    threshold: float = field(metadata=between(-5.0, 5.0))
    noise: float = field(metadata=between(1e-3, 10.0))
    rate_open: float = field(metadata=UNIT)
    rate_sign: float = field(metadata=UNIT)
    rate_collapse: float = field(metadata=UNIT)
    rate_exit: float = field(metadata=UNIT)
    collapse_on_shock: float = field(metadata=UNIT)
    region_weight: float = field(metadata=between(0.0, 10.0))
    leader_multiplier: float = field(metadata=between(0.0, 100.0))
    court_rate: float = field(
        metadata=between(0.0, 10.0)
    )  # a `courting` mediator: how readily a spell starts
    court_persistence: float = field(
        metadata=between(0.0, 0.99)
    )  # ... and the chance a spell goes on a month
    talks_at_record_start: float = field(
        metadata=UNIT
    )  # share of countries outside in (latent) talks when the record starts
    era_engagement: dict[str, float] = field(
        default_factory=dict
    )  # fitted levels by era: replace mediator.eras.<era>.engagement
    draws: str | None = (
        None  # posterior draws (Parquet, from sim.commands.calibrate), relative to conf/params: one per group of replicates
    )
    fixed: list[str] = field(
        default_factory=list
    )  # with draws: held at the values above (`params.` overrides join)


@dataclass(frozen=True)
class RecordConfig:
    """What was observed, month by month, to `end`: the month each country joined (announced) and
    signed, the spans of talks on the record, the dated events and the mediator's offers. A run
    with a record takes its statuses at the start, its past events and offers from here."""

    name: str
    start: str = field(metadata=MONTH)
    end: str = field(metadata=MONTH)
    joined: dict[str, str] = field(default_factory=dict, metadata=MONTH)
    signed: dict[str, str] = field(default_factory=dict, metadata=MONTH)  # documentation only
    in_talks: dict[str, Any] = field(
        default_factory=dict
    )  # [first, last] or a list of them (sim.config.spans)
    out_of_talks: dict[str, Any] = field(default_factory=dict)  # talks ended or broken off
    events: dict[str, Event] = field(default_factory=dict)  # dated events of the record
    offers: dict[str, ScriptedOffer] = field(
        default_factory=dict
    )  # what the mediator offered, when


@dataclass(frozen=True)
class RunConfig:
    """Everything one run needs: the four config groups, the parameters and the run knobs."""

    roster: Roster
    mediator: Mediator
    scenario: Scenario
    events: Events
    params: Params
    replicates: int = field(metadata=between(1, 100_000_000))
    seed: int = field(metadata=between(0, 2**63 - 1))
    engine: str = field(default="ensemble", metadata=one_of(*ENGINES))
    replicates_per_draw: int = field(
        default=20, metadata=between(1, 100_000_000)
    )  # per draw of uncertain inputs
    explain: bool = True  # tabulate why countries join (contributions of each utility term)
    chunk: int = field(
        default=16384, metadata=between(1, 10_000_000)
    )  # replicates per kernel call; results do not depend on it
    plot_countries: int = field(default=10, metadata=between(1, 100))
    plots: bool = True
    plot_format: list[str] = field(
        default_factory=lambda: ["png"]
    )  # figure files: any of png, svg, pdf
    sweep_plots: bool = (
        False  # in a multirun, each job's figures too (the comparison's are always drawn)
    )
    count_kinds: list[str] = field(
        default_factory=lambda: list(KINDS)
    )  # kinds of accession counted as new members
    count_stage: str = field(
        default="announced", metadata=one_of(*STAGES)
    )  # the stage counted as joining
    signing_lag: int = field(
        default=1, metadata=between(0, 120)
    )  # months from announcement to signing (count_stage: signed)
    resume: bool = True  # skip a job whose folder holds results of the same config
    debug: bool = False
    progress: bool = True  # a progress bar on stderr, when it is a terminal
    sensitivity: Sensitivity | None = None  # read by python -m sim.sensitivity only
    record: RecordConfig | None = None  # what was observed: the statuses at the start come from it
    terms: Terms | None = (
        None  # the utility's terms (conf/terms); none given: conf/terms/abraham.yaml
    )


def load_config(data: dict, like: tuple[dict, RunConfig] | None = None) -> RunConfig:
    """Validated `RunConfig` from a plain dict, or `ConfigError` naming the first bad key. A
    scenario without a start starts the month after the record ends. `like`: another config's
    (data, config) whose unchanged parts are taken as built (sim.config.validate.build), all
    but the scenario, which is built again for its start to follow this config's record."""
    if like is not None:
        like = ({k: v for k, v in like[0].items() if k != "scenario"}, like[1])
    config = build(
        RunConfig,
        data if data.get("terms") is not None else {**data, "terms": default_terms()},
        like=like,
    )
    if config.scenario.start is None:
        if config.record is None:
            raise ConfigError(
                "scenario.start",
                "missing required value (or choose a record: the month after it ends)",
            )
        start = format_month(parse_month(config.record.end) + 1)
        config = dataclasses.replace(
            config, scenario=dataclasses.replace(config.scenario, start=start)
        )
    check_config(config)
    return config


def with_values(
    config: RunConfig, values: Mapping[str, Any], origin: str | None = None
) -> RunConfig:
    """`config` with each dotted key set to its value, checked as a config file is: each field's
    constraint, then the cross-field rules. The one way to change a config below the entry point
    (page values, sampled points, drawn inputs, fitted parameters). `origin` says what produced
    the values, for the error (e.g. a sensitivity parameter's range)."""
    try:
        config = with_settings(config, values)
        if all(key.startswith("params.") for key in values):
            check_params(
                config, values
            )  # every config is checked when made: only the params' rules can break
        else:
            check_config(config)
    except ConfigError as err:
        raise err if origin is None else err.in_file(origin) from None
    return config


def params_values(params: Params) -> dict[str, float]:
    """Every number of a params option by its name under `params`: 'weights.peer', 'threshold'."""
    values = {f"weights.{k}": v for k, v in params.weights.items()}
    values |= {f"era_engagement.{k}": v for k, v in params.era_engagement.items()}
    return values | {
        f.name: v
        for f in dataclasses.fields(params)
        if isinstance(v := getattr(params, f.name), float)
    }


def check_config(cfg: RunConfig) -> None:
    """Cross-field checks: names that must exist, and orderings."""
    countries = cfg.roster.countries
    if not countries:
        raise ConfigError("roster.countries", "expected at least one country, got none")
    seen: set[str] = set()
    for key, c in countries.items():
        if c.name in seen:
            raise ConfigError(f"roster.countries.{key}.name", f"duplicate country name {c.name!r}")
        seen.add(c.name)
    types_ = set(cfg.mediator.inducements)
    for key, c in countries.items():
        _check_members(f"roster.countries.{key}.values", c.values, types_, "inducement type")
        granted = c.granted.items() if isinstance(c.granted, Dated) else [("", c.granted)]
        for month, given in granted:
            where = f"roster.countries.{key}.granted" + (f".{month}" if month else "")
            _check_members(where, given, types_, "inducement type")
        _check_members(
            f"roster.countries.{key}.weights",
            c.weights,
            set(cfg.terms.names if cfg.terms else TERMS),
            "utility term",
        )
    _check_peers(cfg.roster.peers, set(countries))
    check_params(cfg)
    _check_members("count_kinds", cfg.count_kinds, set(KINDS), "kind of accession")
    _check_members("plot_format", cfg.plot_format, set(PLOT_FORMATS), "figure format")
    if not cfg.plot_format:
        raise ConfigError("plot_format", "expected at least one of png, svg, pdf, got none")
    if cfg.record is not None:
        _check_record(cfg.record, set(countries), {c.region for c in countries.values()}, types_)
    _check_members("mediator.priority", cfg.mediator.priority, set(countries), "country id")
    _check_members("mediator.withheld", cfg.mediator.withheld, set(countries), "country id")
    for cid, withheld in cfg.mediator.withheld.items():
        _check_members(f"mediator.withheld.{cid}", withheld, types_, "inducement type")
    for name, offer in cfg.mediator.package.items():
        _check_members(
            f"mediator.package.{name}.country", [offer.country], set(countries), "country id"
        )
        _check_members(f"mediator.package.{name}.type", [offer.type], types_, "inducement type")
        if parse_month(offer.end) < parse_month(offer.start):
            raise ConfigError(
                f"mediator.package.{name}.end",
                f"expected a month on or after start {offer.start}, got {offer.end!r}",
            )
    for era in cfg.mediator.eras.values():
        parse_month(era.start)
    regions = {c.region for c in countries.values()}
    for kind, events in (("dated", cfg.events.dated), ("random", cfg.events.random)):
        for name, event in events.items():
            _check_event(f"events.{kind}.{name}", event, kind, set(countries), regions, types_)
    start, end = parse_month(cfg.scenario.start), parse_month(cfg.scenario.end)
    if end < start:
        raise ConfigError(
            "scenario.end",
            f"expected a month on or after start {cfg.scenario.start}, got {cfg.scenario.end!r}",
        )


def check_params(cfg: RunConfig, changed: Mapping[str, Any] | None = None) -> None:
    """The cross-field rules the params enter (part of check_config); with `changed`, the keys
    just set in a checked config, the draws table is looked for only if it is one of them (a
    posterior run sets hundreds of draws, each checked here)."""
    if cfg.terms is not None:
        check_terms(cfg.terms, cfg.roster.countries, cfg.params.weights)
    _check_members(
        "params.era_engagement", list(cfg.params.era_engagement), set(cfg.mediator.eras), "era"
    )
    if cfg.params.draws is not None and (changed is None or "params.draws" in changed):
        check_draws(cfg.params.draws)
    _check_members("params.fixed", cfg.params.fixed, set(params_values(cfg.params)), "parameter")
    for name, level in cfg.params.era_engagement.items():
        if not 0.0 <= level <= 1.0:
            raise ConfigError(
                f"params.era_engagement.{name}", f"expected a number in [0.0, 1.0], got {level!r}"
            )
    check_rates(cfg.params.rate_sign, cfg.params.rate_collapse)


def check_rates(rate_sign: float, rate_collapse: float) -> None:
    """Talks end at most once a month: by signing or by collapsing."""
    if rate_sign + rate_collapse > 1:
        got = f"got {rate_sign:.6g} + {rate_collapse:.6g}"
        raise ConfigError("params.rate_collapse", f"expected rate_sign + rate_collapse <= 1, {got}")


def _check_record(record: RecordConfig, ids: set[str], regions: set[str], types_: set[str]) -> None:
    _check_members("record.joined", record.joined, ids, "country id")
    for name, event in record.events.items():
        _check_event(f"record.events.{name}", event, "dated", ids, regions, types_)
    for name, offer in record.offers.items():
        _check_members(f"record.offers.{name}.country", [offer.country], ids, "country id")
        _check_members(f"record.offers.{name}.type", [offer.type], types_, "inducement type")
    for key in ("in_talks", "out_of_talks"):
        _check_members(f"record.{key}", getattr(record, key), ids, "country id")
        for cid, entry in getattr(record, key).items():
            check_spans(f"record.{key}.{cid}", entry)
    if parse_month(record.end) < parse_month(record.start):
        raise ConfigError(
            "record.end", f"expected a month on or after start {record.start}, got {record.end!r}"
        )


def _check_peers(peers: Peers, ids: set[str]) -> None:
    if peers.leader is not None and peers.leader not in ids:
        raise ConfigError("roster.peers.leader", f"unknown country id {peers.leader!r}")
    _check_members("roster.peers.followers", peers.followers, ids, "country id")
    for i, edge in enumerate(peers.edges):
        key = f"roster.peers.edges[{i}]"
        ok = len(edge) == 3 and all(isinstance(e, str) for e in edge[:2])
        if not ok or isinstance(edge[2], bool) or not isinstance(edge[2], (int, float)):
            raise ConfigError(key, f"expected [country_id, country_id, weight], got {edge!r}")
        _check_members(key, edge[:2], ids, "country id")
        if not 0 <= edge[2] <= 10:
            raise ConfigError(key, f"expected a weight in [0, 10], got {edge[2]}")


def _check_event(key, event: Event, kind, ids, regions, types_) -> None:
    if kind == "dated" and event.start is None:
        raise ConfigError(f"{key}.start", "missing required value for a dated event")
    if kind == "random" and event.p_monthly is None:
        raise ConfigError(f"{key}.p_monthly", "missing required value for a random shock")
    if kind == "random" and event.grants:
        raise ConfigError(f"{key}.grants", "only dated events can grant inducements")
    _check_members(f"{key}.countries", event.countries, ids, "country id")
    _check_members(f"{key}.regions", event.regions, regions, "region")
    _check_members(f"{key}.grants", event.grants, types_, "inducement type")


def _check_members(key: str, given, known: set[str], what: str) -> None:
    for item in given:
        if item not in known:
            raise ConfigError(key, f"unknown {what} {item!r} (known: {', '.join(sorted(known))})")

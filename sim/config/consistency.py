"""A config's cross-field rules: every name it refers to exists, and its months are in order.

Each field is checked alone while the config is built (sim.config.validate); these rules read
several at once: the inducement types, terms, countries, regions and eras that rosters, events,
the mediator and the record name; the params' draws and fixed keys; the talks' monthly rates;
and the start and end of the scenario, the record and scripted offers. The first broken rule
raises `ConfigError` naming its key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.config.dated import Dated
from sim.config.draws import check_draws
from sim.config.errors import ConfigError
from sim.config.schema import (
    KINDS,
    PLOT_FORMATS,
    Event,
    Peers,
    RecordConfig,
    RunConfig,
    params_values,
)
from sim.config.terms import check_terms
from sim.core.calendar import format_month
from sim.core.terms import TERMS


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
        if offer.end < offer.start:
            raise ConfigError(f"mediator.package.{name}.end", _not_before(offer.start, offer.end))
    regions = {c.region for c in countries.values()}
    for kind, events in (("dated", cfg.events.dated), ("random", cfg.events.random)):
        for name, event in events.items():
            _check_event(f"events.{kind}.{name}", event, kind, set(countries), regions, types_)
    for name, gate in cfg.gates.gates.items():
        unknown = [c for c in gate.countries if c not in countries]
        if unknown:
            raise ConfigError(
                f"gates.gates.{name}.countries",
                f"unknown country id {unknown[0]!r} in gates option {cfg.gates.name!r}"
                " (another world's roster? choose its gates, or gates=none)",
            )
    if cfg.scenario.end < cfg.scenario.start:
        raise ConfigError("scenario.end", _not_before(cfg.scenario.start, cfg.scenario.end))


def check_params(cfg: RunConfig, changed: Mapping[str, Any] | None = None) -> None:
    """The cross-field rules the params enter (part of check_config); with `changed`, the keys
    just set in a checked config, the draws table is looked for only if it is one of them (a
    posterior run sets hundreds of draws, each checked here)."""
    if cfg.terms is not None:
        check_terms(cfg.terms, cfg.roster.countries, cfg.params.weights)
    _check_members(
        "params.era_engagement", list(cfg.params.era_engagement), set(cfg.mediator.eras), "era"
    )
    _check_members("params.kind_effect", cfg.params.kind_effect, set(KINDS), "kind of accession")
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
    for key in ("in_talks", "out_of_talks"):  # each span was checked as it was read
        _check_members(f"record.{key}", getattr(record, key), ids, "country id")
    if record.as_of < record.start:
        raise ConfigError("record.as_of", _not_before(record.start, record.as_of))


def _not_before(start: int, end: int) -> str:
    return f"expected a month on or after start {format_month(start)}, got {format_month(end)!r}"


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

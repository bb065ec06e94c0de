"""Shared builders and Hypothesis generators for small scenarios (Axelrod's tests/property.py)."""

from __future__ import annotations

import copy

from hypothesis import strategies as st

from sim.config.load import load_config
from sim.config.schema import RunConfig
from sim.core.terms import FEATURES

PARAMS = {
    "name": "test",
    "weights": {
        "iran_threat": 0.6,
        "us_security": 0.5,
        "econ_gain": 0.5,
        "inducement": 1.0,
        "peer": 0.5,
        "public_opposition": 1.0,
        "palestine": 1.0,
    },
    "threshold": 0.6,
    "noise": 0.25,
    "rate_open": 0.1,
    "rate_sign": 0.1,
    "rate_collapse": 0.05,
    "rate_exit": 0.02,
    "collapse_on_shock": 0.5,
    "region_weight": 1.0,
    "leader_multiplier": 2.0,
    "court_rate": 0.5,
    "court_persistence": 0.8,
    "talks_at_record_start": 0.05,
    "talks_decay": 0.0,
}

MEDIATOR = {
    "name": "test mediator",
    "strategy": "persuadable",
    "max_targets": 1,
    "engagement": 1.0,
    "eras": {"only": {"start": "2020-01", "engagement": 1.0}},
    "inducements": {
        "arms": {"units": 2, "cost": 1.0, "value": 0.3},
        "investment": {"units": 3, "cost": 0.5, "value": 0.2},
    },
}


def country(
    name: str, region: str = "North", status: str = "outside", level: float = 0.5, **kw
) -> dict:
    """A roster entry with every feature at `level` unless given."""
    entry = {"name": name, "region": region, "status": status}
    entry.update(dict.fromkeys(FEATURES, level))
    entry.update(kw)
    return entry


def config_dict(
    countries: dict,
    *,
    peers: dict | None = None,
    mediator: dict | None = None,
    scenario: dict | None = None,
    events: dict | None = None,
    params: dict | None = None,
    replicates: int = 400,
    seed: int = 1,
    engine: str = "ensemble",
    record: dict | None = None,
    gates: dict | None = None,
) -> dict:
    """A complete run config as plain data; the nested dicts replace whole groups' fields."""
    extra = {"record": record} if record else {}
    extra |= {"gates": {"name": "test", "gates": gates}} if gates else {}
    return {
        **extra,
        "roster": {
            "name": "test",
            "as_of": "2020-01",
            "countries": countries,
            "peers": peers or {},
        },
        "mediator": _merged(MEDIATOR, mediator),
        "scenario": _merged(
            {"name": "test", "start": "2020-01", "end": "2021-12", "salience": 0.5}, scenario
        ),
        "events": _merged({"name": "test", "dated": {}, "random": {}}, events),
        "params": _merged(PARAMS, params),
        "replicates": replicates,
        "seed": seed,
        "engine": engine,
    }


def build(countries: dict, **kw) -> RunConfig:
    return load_config(config_dict(countries, **kw))


def _merged(base: dict, update: dict | None) -> dict:
    out = copy.deepcopy(base)
    for key, value in (update or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "eras":
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


unit = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def countries(draw, min_size: int = 2, max_size: int = 6) -> dict:
    """Roster entries over two regions with random features and statuses."""
    n = draw(st.integers(min_size, max_size))
    out = {}
    for i in range(n):
        entry = country(
            f"Country {i}",
            region=draw(st.sampled_from(["North", "South"])),
            status=draw(st.sampled_from(["outside", "outside", "talks", "member"])),
        )
        entry.update({f: draw(unit) for f in FEATURES})
        entry["values"] = {"arms": draw(unit)}
        out[f"c{i}"] = entry
    return out


@st.composite
def scenarios(draw, decay: bool = False, **kw) -> dict:
    """A small complete config dict: random roster, params, mediator, events and horizon; with
    `decay`, a signing hazard that changes with time in talks (params.talks_decay)."""
    roster = draw(countries())
    ids = list(roster)
    start_year = draw(st.integers(2020, 2030))
    months = draw(st.integers(1, 24))
    end = start_year * 12 + months - 1
    params = {
        "threshold": draw(st.floats(-0.5, 1.5)),
        "noise": draw(st.floats(0.05, 0.5)),
        "rate_open": draw(st.floats(0.0, 0.5)),
        "rate_sign": draw(st.floats(0.0, 0.5)),
        "rate_collapse": draw(st.floats(0.0, 0.5)),
        "leader_multiplier": draw(st.floats(1.0, 4.0)),
        "court_rate": draw(st.floats(0.0, 3.0)),
        "court_persistence": draw(st.floats(0.0, 0.99)),
    }
    if decay:
        params["talks_decay"] = draw(st.floats(-0.3, 0.5).filter(lambda k: k != 0.0))
    shock = {
        "p_monthly": draw(st.floats(0.0, 0.3)),
        "months": draw(st.integers(1, 6)),
        "salience": draw(st.floats(-0.5, 0.5)),
        "iran_threat": draw(st.floats(-0.5, 0.5)),
        "collapses_talks": draw(st.booleans()),
    }
    dated = {
        "start": f"{start_year}-{draw(st.integers(1, 12)):02d}",
        "months": draw(st.integers(1, 12)),
        "countries": [draw(st.sampled_from(ids))],
        "salience": draw(st.floats(-0.5, 0.5)),
        "engagement": draw(st.floats(-0.5, 0.5)),
        "grants": draw(st.sampled_from([[], ["arms"]])),
    }
    waiting = [cid for cid, c in roster.items() if c["status"] != "member"]  # the record agrees
    gate = {
        "countries": [draw(st.sampled_from(waiting))] if waiting else [],
        "blocks": draw(st.sampled_from(["accession", "talks"])),
        "opens": draw(st.sampled_from([None, f"{start_year}-{draw(st.integers(1, 12)):02d}"])),
        "p_monthly": draw(st.floats(0.0, 0.5)),
        "earliest": f"{start_year}-{draw(st.integers(1, 12)):02d}",
    }
    return config_dict(
        roster,
        gates={"g": gate},
        peers={"leader": draw(st.sampled_from([None, *ids])), "followers": ids[:1]},
        mediator={
            "strategy": draw(
                st.sampled_from(["none", "priority", "persuadable", "scripted", "courting"])
            ),
            "max_targets": draw(st.integers(0, 3)),
            "priority": ids[::-1],
        },
        scenario={
            "start": f"{start_year}-01",
            "end": f"{end // 12}-{end % 12 + 1:02d}",
            "exit_enabled": draw(st.booleans()),
        },
        events={"dated": {"d": dated}, "random": {"r": shock}},
        params=params,
        record=_record_of(roster, start_year, draw(st.integers(1, 12))),
        **kw,
    )


def _record_of(roster: dict, year: int, offer_until: int) -> dict:
    """A record of the year before `year` that leaves the roster's statuses at its end (members
    joined, talks on the record), and an offer of arms to the first country in `year`."""
    first, last = f"{year - 1}-01", f"{year - 1}-12"
    return {
        "name": "test",
        "start": first,
        "as_of": last,
        "joined": {cid: first for cid, c in roster.items() if c["status"] == "member"},
        "in_talks": {cid: [first, last] for cid, c in roster.items() if c["status"] == "talks"},
        "offers": {
            "deal": {
                "country": next(iter(roster)),
                "type": "arms",
                "start": f"{year}-01",
                "end": f"{year}-{offer_until:02d}",
            }
        },
    }

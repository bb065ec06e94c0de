"""Forecasts that know only the past: what the record shows after a forecast's start cannot
change it, what it shows before does."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.config.errors import ConfigError
from sim.config.schema import Event, ScriptedOffer
from sim.config.spans import cut_spans, read_spans, spans
from sim.core.calendar import parse_month
from sim.core.decision import Status
from sim.engine.outcomes import BEFORE
from sim.inference.forecast import forecast_from
from sim.inference.likelihood import load_record
from sim.inference.start import record_world

from .conftest import calibration_config


def window(first: str, last: str) -> tuple[int, int]:
    """Two months as the validated config holds them (month numbers)."""
    return parse_month(first), parse_month(last)


def with_facts(config, month: str, span: list[str]):
    """The record with an accession, talks, an offer and a shock added at `month`."""
    month, span = parse_month(month), [parse_month(m) for m in span]
    record = config.record
    record = dataclasses.replace(
        record,
        joined={**record.joined, "oman": month},
        in_talks={**record.in_talks, "qatar": span},
        offers={
            **record.offers,
            "extra": ScriptedOffer(country="kuwait", type="arms", start=span[0], end=span[1]),
        },
        events={
            **record.events,
            "extra": Event(start=month, months=6, salience=-0.5, enabled=True),
        },
    )
    return dataclasses.replace(config, record=record)


def test_a_forecast_knows_nothing_of_the_record_after_its_start_and_all_of_it_before():
    config, events, _ = calibration_config()
    ids = list(config.roster.countries)
    _, plain = forecast_from(config, events, {}, *window("2023-01", "2026-06"))
    _, later = forecast_from(
        with_facts(config, "2023-03", ["2023-02", "2023-09"]),
        events,
        {},
        *window("2023-01", "2026-06"),
    )
    np.testing.assert_array_equal(
        plain.join_month, later.join_month
    )  # bit for bit: nothing after the cut leaks
    ahead, earlier = forecast_from(
        with_facts(config, "2022-06", ["2022-06", "2022-12"]),
        events,
        {},
        *window("2023-01", "2026-06"),
    )
    assert (earlier.join_month[:, ids.index("oman")] == BEFORE).all()
    assert (
        ahead.status0[ids.index("qatar")] == Status.TALKS
    )  # talks on the record in the month before
    assert not np.array_equal(plain.join_month, earlier.join_month)


def test_a_forecast_from_the_records_first_month_starts_from_the_talks_before_it():
    config, events, _ = calibration_config()
    world, _ = forecast_from(config, events, {}, config.record.start, parse_month("2020-12"))
    talks = {cid for cid, s in zip(world.ids, world.status0) if s == Status.TALKS}
    assert talks == {
        "bahrain",
        "sudan",
        "morocco",
        "oman",
    }  # spans begun before 2020-06; the UAE's op-ed is of 2020-06
    outside = world.status0 == Status.OUTSIDE
    p_talks = world.numbers.p_talks0[0]
    assert (
        np.allclose(p_talks[outside], config.params.talks_at_record_start)
        and (p_talks[~outside] == 0).all()
    )


def test_a_country_may_have_several_spans_of_talks_on_the_record():
    entry = read_spans([["2020-11", "2021-01"], ["2023-05", "2024-06"]], "record.in_talks.x")
    assert entry == [list(window("2020-11", "2021-01")), list(window("2023-05", "2024-06"))]
    one = read_spans(["2020-01", "2020-03"], "record.in_talks.x")  # the shape it was given
    assert one == list(window("2020-01", "2020-03")) and spans(one) == [
        window("2020-01", "2020-03")
    ]
    assert spans([]) == [] and read_spans([], "record.in_talks.x") == []
    assert cut_spans(entry, parse_month("2023-12")) == [
        list(window("2020-11", "2021-01")),
        list(window("2023-05", "2023-12")),
    ]
    assert (
        cut_spans(entry, parse_month("2020-12")) == [list(window("2020-11", "2020-12"))]
        and cut_spans(entry, parse_month("2020-10")) == []
    )
    with pytest.raises(
        ConfigError, match=r"record.in_talks.x: expected \[first month, last month\]"
    ):
        read_spans([["2021-01", "2020-01"]], "record.in_talks.x")
    with pytest.raises(
        ConfigError, match=r"record.in_talks.x: expected a month as 'YYYY-MM', got '2021-13'"
    ):
        read_spans(["2021-01", "2021-13"], "record.in_talks.x")
    config, _, _ = calibration_config()
    world = record_world(config)
    seen = load_record(config.record, world).talks_seen[:, world.ids.index("saudi_arabia")]
    at = lambda month: seen[parse_month(month) - world.start]
    assert (at("2020-12"), at("2022-01"), at("2023-06"), at("2025-01")) == (1, 0, 1, -1)


def test_a_forecast_knows_the_rosters_dated_facts_up_to_its_start_only():
    """Thailand joined the rival bloc (ILRS) in 2024-04: a forecast from 2024-01 is bit for bit
    the one of a roster where it never did; the same fact dated 2023-06 changes it."""
    from sim.config.dated import Dated

    config, events, _ = calibration_config("calibrate_artemis")

    def thailand_joins_ilrs(months: dict):
        countries = dict(config.roster.countries)
        thailand = countries["thailand"]
        countries["thailand"] = dataclasses.replace(
            thailand, scores={**thailand.scores, "rival_bloc": Dated(months)}
        )
        return dataclasses.replace(
            config, roster=dataclasses.replace(config.roster, countries=countries)
        )

    _, real = forecast_from(config, events, {}, *window("2024-01", "2025-12"))
    _, never = forecast_from(
        thailand_joins_ilrs({"2020-10": 0.0}), events, {}, *window("2024-01", "2025-12")
    )
    _, earlier = forecast_from(
        thailand_joins_ilrs({"2020-10": 0.0, "2023-06": 1.0}),
        events,
        {},
        *window("2024-01", "2025-12"),
    )
    np.testing.assert_array_equal(real.join_month, never.join_month)
    assert not np.array_equal(real.join_month, earlier.join_month)

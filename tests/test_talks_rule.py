"""The record's talks rule, checked on the record itself (fast tier).

The rule is written in the header of conf/record/accessions_2020_2026.yaml: a span of talks starts
at the first month a sourced report dates talks to and ends at the last (no lag), or the month
before a dated event that ends it (an event of the record, or the country's accession); a refusal
(out of talks) starts at its month (the month after, if talks are on the record then) and runs to
`as_of` unless a later report of talks ends it. Each span lists its reports under `reports`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.core.calendar import parse_month

RECORD = Path(__file__).parent.parent / "conf" / "record" / "accessions_2020_2026.yaml"
LAG = 0  # months a span runs on after its last report (the header says why none)


def _spans(entry) -> list[tuple[int, int]]:
    pairs = entry if all(isinstance(e, list) for e in entry) else [entry]
    return [(parse_month(a), parse_month(b)) for a, b in pairs]


@pytest.fixture(scope="module")
def record() -> dict:
    return yaml.safe_load(RECORD.read_text())


def _ended_by(record: dict, cid: str, name: str) -> int:
    """The month a dated end falls in: the country's accession, or an event's start."""
    if name == "accession":
        return parse_month(record["joined"][cid])
    return parse_month(record["events"][name]["start"])


def test_every_talks_span_runs_from_its_first_report_to_its_last_or_a_dated_end(record):
    as_of = parse_month(record["as_of"])
    reports = record["reports"]["in_talks"]
    assert set(reports) == set(record["in_talks"]), "every country with talks lists its reports"
    for cid, entry in record["in_talks"].items():
        spans = _spans(entry)
        assert len(reports[cid]) == len(spans), cid
        for (first, last), span in zip(spans, reports[cid], strict=True):
            months = [parse_month(r["month"]) for r in span["reports"]]
            assert all(r.get("source") for r in span["reports"]), (cid, "a report without source")
            assert first == min(months), (cid, "starts at its first report")
            if "ended_by" in span:
                end = _ended_by(record, cid, span["ended_by"]) - 1
                assert last == end and max(months) <= end, (cid, "ends the month before its end")
            elif as_of - max(months) <= LAG:
                assert last == as_of, (cid, "open at as_of: runs to it")
            else:
                assert last == max(months) + LAG, (cid, "ends at its last report")
            assert last <= as_of, cid
        ordered = sorted(spans)
        assert all(a[1] < b[0] for a, b in zip(ordered, ordered[1:])), (cid, "spans overlap")


def test_a_span_followed_by_an_accession_ends_the_month_before_it(record):
    for cid, joined in record["joined"].items():
        spans = _spans(record["in_talks"].get(cid, []))
        for (_, last), span in zip(spans, record["reports"]["in_talks"].get(cid, []), strict=True):
            if last == parse_month(joined) - 1:
                assert span.get("ended_by") == "accession", cid
            assert last < parse_month(joined), (cid, "talks after the accession")


def test_every_refusal_runs_to_as_of_unless_later_talks_end_it(record):
    as_of = parse_month(record["as_of"])
    reports = record["reports"]["out_of_talks"]
    assert set(reports) == set(record["out_of_talks"])
    for cid, entry in record["out_of_talks"].items():
        talks = _spans(record["in_talks"].get(cid, []))
        for (first, last), span in zip(_spans(entry), reports[cid], strict=True):
            months = [parse_month(r["month"]) for r in span["reports"]]
            month = min(months)
            assert first == (month + 1 if any(a <= month <= b for a, b in talks) else month), cid
            later = [a for a, _ in talks if a > first]
            if "ended_by" in span:
                assert last == _ended_by(record, cid, span["ended_by"]) - 1, cid
            else:
                assert last == (min(later) - 1 if later else as_of), (cid, "a refusal holds")
            assert not any(a <= last and first <= b for a, b in talks), (cid, "overlaps talks")


def test_the_record_runs_to_the_last_month_its_sources_cover(record):
    """Corrections 2026-12-07, item 12: nothing on an accession was found in 2026-07..2026-11."""
    assert record["as_of"] == "2026-11" and "end" not in record
    assert all(parse_month(m) <= parse_month(record["as_of"]) for m in record["joined"].values())

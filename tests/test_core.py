"""Property tests of the pure arithmetic in sim.core."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.core import streams
from sim.core.calendar import format_month, parse_month
from sim.core.decision import Rates, Status, next_status, response
from sim.core.mediator import NO_OFFER, Strategy, choose_offers, spend
from sim.core.peers import adjacency, peer_pressure
from sim.core.utility import TERMS, Features, accession_utility, contributions

RATES = Rates(open=0.3, sign=0.4, collapse=0.3, exit=0.2, collapse_on_shock=0.5, noise=0.2)
ALLOWED = {  # status -> statuses reachable in one month
    Status.OUTSIDE: {Status.OUTSIDE, Status.TALKS},
    Status.TALKS: {Status.TALKS, Status.MEMBER, Status.OUTSIDE},
    Status.MEMBER: {Status.MEMBER, Status.EXITED},
    Status.EXITED: {Status.EXITED},
}


def is_valid_transition(before: np.ndarray, after: np.ndarray) -> bool:
    """Verifier: every country moved at most one step along an allowed edge."""
    return all(Status(int(a)) in ALLOWED[Status(int(b))] for b, a in zip(before.ravel(), after.ravel()))


floats = st.floats(-5, 5, allow_nan=False)
unit_arrays = hnp.arrays(np.float64, 8, elements=st.floats(0, 1, allow_nan=False, exclude_max=True))


@given(u1=floats, u2=floats, threshold=floats, noise=st.floats(0.01, 5))
def test_response_is_a_probability_rising_in_utility(u1, u2, threshold, noise):
    r1, r2 = response(np.array(u1), threshold, noise), response(np.array(u2), threshold, noise)
    assert 0 <= r1 <= 1 and 0 <= r2 <= 1
    if u1 <= u2:
        assert r1 <= r2


@given(
    status=hnp.arrays(np.int8, 8, elements=st.sampled_from(list(Status))),
    resp=unit_arrays,
    draw=unit_arrays,
    shock_draw=unit_arrays,
    hit=hnp.arrays(bool, 8),
    exit_enabled=st.booleans(),
)
def test_next_status_moves_only_along_allowed_edges(status, resp, draw, shock_draw, hit, exit_enabled):
    rates = Rates(**{**RATES.__dict__, "exit_enabled": exit_enabled})
    after = next_status(status, resp, draw, rates=rates, shock_hit=hit, shock_draw=shock_draw)
    assert is_valid_transition(status, after)
    if not exit_enabled:
        assert not np.any((status == Status.MEMBER) & (after != Status.MEMBER))


def test_next_status_frequencies_match_the_hazards():
    n = 200_000
    draws = np.random.default_rng(0).random(n)
    talks = np.full(n, Status.TALKS, dtype=np.int8)
    after = next_status(talks, np.full(n, 0.5), draws, rates=RATES)
    assert np.mean(after == Status.MEMBER) == pytest.approx(0.4 * 0.5, abs=0.005)
    assert np.mean(after == Status.OUTSIDE) == pytest.approx(0.3 * 0.5, abs=0.005)
    shocked = next_status(talks, np.full(n, 0.5), draws, rates=RATES, shock_hit=True, shock_draw=draws)
    assert np.mean(shocked == Status.OUTSIDE) >= 0.5 - 0.005


@given(
    weights=hnp.arrays(np.float64, (3, len(TERMS)), elements=st.floats(0, 3)),
    feats=hnp.arrays(np.float64, (6, 3), elements=st.floats(0, 1)),
    shift=st.floats(-1, 1),
    salience=st.floats(0, 1),
)
def test_contributions_sum_to_utility_and_costs_are_negative(weights, feats, shift, salience):
    terms = contributions(
        weights, Features(*feats), threat_shift=shift, salience=salience, inducement=0.2, peer_pressure=0.1
    )
    assert terms.shape == (3, len(TERMS))
    np.testing.assert_allclose(accession_utility(terms), terms.sum(axis=1))
    for cost in ("public_opposition", "palestine"):
        assert np.all(terms[:, TERMS.index(cost)] <= 0)
    assert np.all(terms[:, TERMS.index("iran_threat")] >= 0)


def test_streams_are_uniform_keyed_and_reproducible():
    key = streams.stream_key(42)
    bases = streams.base_streams(key, np.arange(2000), streams.name_keys(["a", "b", "c"]))
    u = streams.uniforms(bases, 24_300, streams.Purpose.TRANSITION)
    assert u.shape == (2000, 3) and u.min() >= 0 and u.max() < 1
    counts = np.histogram(u, bins=10, range=(0, 1))[0]
    chi2 = ((counts - u.size / 10) ** 2 / (u.size / 10)).sum()
    assert chi2 < 27.9  # 99.9% quantile of chi-square with 9 degrees of freedom
    again = streams.uniforms(streams.base_streams(key, np.arange(5, 10), streams.name_keys(["b"])), 24_300, 1)
    np.testing.assert_array_equal(again[:, 0], u[5:10, 1])  # keyed: any subset, any order
    other_month = streams.uniforms(bases, 24_301, streams.Purpose.TRANSITION)
    other_purpose = streams.uniforms(bases, 24_300, streams.Purpose.SHOCK_COLLAPSE)
    for other in (other_month, other_purpose):
        assert abs(np.corrcoef(u.ravel(), other.ravel())[0, 1]) < 0.05
    assert streams.stream_key(42) == key and streams.stream_key(43) != key


@given(month=st.integers(0, 9999 * 12 + 11))
def test_month_round_trip(month):
    assert parse_month(format_month(month)) == month


@pytest.mark.parametrize("bad", ["2026-13", "2026-7", "26-07", "July 2026", ""])
def test_parse_month_rejects_bad_text(bad):
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month(bad)


@given(
    members=hnp.arrays(bool, (4, 5)),
    leader=st.integers(-1, 4),
    multiplier=st.floats(1, 5),
)
def test_peer_pressure_is_a_boosted_share(members, leader, multiplier):
    ties = adjacency(["a", "a", "b", "b", "b"], [(0, 2, 0.5), (3, 4, 0.0)], region_weight=1.0)
    assert np.allclose(ties, ties.T) and np.all(np.diag(ties) == 0) and ties[3, 4] == 0
    follower = np.array([True, False, True, False, False])
    pressure = peer_pressure(ties, members, leader=leader, is_follower=follower, leader_multiplier=multiplier)
    assert np.all(pressure >= 0) and np.all(pressure <= multiplier + 1e-12)
    plain = peer_pressure(ties, members, leader=-1, is_follower=follower, leader_multiplier=multiplier)
    assert np.all(plain <= 1 + 1e-12)
    assert np.all(pressure[~members.any(axis=1)] == 0)
    assert np.all(pressure >= plain - 1e-12)


@settings(max_examples=200)
@given(
    gain=hnp.arrays(np.float64, (3, 5, 2), elements=st.floats(-0.1, 0.5)),
    eligible=hnp.arrays(bool, (3, 5)),
    units=hnp.arrays(np.int64, (3, 2), elements=st.integers(0, 3)),
    max_targets=st.integers(0, 6),
    strategy=st.sampled_from(list(Strategy)),
)
def test_offers_respect_eligibility_capacity_and_budget(gain, eligible, units, max_targets, strategy):
    leverage = np.full((5, 2), 0.5)
    offers = choose_offers(
        strategy,
        gain=gain,
        leverage=leverage,
        eligible=eligible,
        units=units,
        cost=np.array([1.0, 0.5]),
        priority_rank=np.array([0, 1, 2, 5, 5]),
        max_targets=max_targets,
    )
    courted = offers != NO_OFFER
    assert np.all(courted.sum(axis=1) <= max_targets)
    assert not np.any(courted & ~eligible)
    for k in range(2):
        assert np.all((offers == k).sum(axis=1) <= units[:, k])
    if strategy == Strategy.NONE:
        assert not courted.any()
    if strategy == Strategy.PRIORITY:
        assert not courted[:, 3:].any()  # unlisted countries are never courted
    if strategy == Strategy.PERSUADABLE:
        chosen_gain = np.take_along_axis(gain, np.maximum(offers, 0)[..., None], axis=2)[..., 0]
        assert np.all(chosen_gain[courted] > 0)
    signed = courted & (np.arange(5) % 2 == 0)
    left = spend(units, offers, signed)
    assert np.all(left >= 0) and np.all(units - left == np.stack([(offers == k) & signed for k in range(2)], -1).sum(1))

"""Property tests of the compiled arithmetic in sim.core."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.config.terms import build_terms, default_terms
from sim.core import streams
from sim.core.calendar import format_month, parse_month
from sim.core.decision import Rates, Status, next_status, response
from sim.core.mediator import (
    NO_OFFER,
    Policy,
    Strategy,
    best_offer,
    choose_offers,
    court,
    court_remembering,
    courting_start,
    fill_leverage,
    fill_offer_factors,
    fill_persuasion_gain,
    grant,
    leverage_changed,
    new_court_memo,
    spend,
)
from sim.core.peers import adjacency, fill_peer_pressure, tie_totals
from sim.core.terms import FEATURES, TERMS
from sim.core.utility import accession_utility, fill_terms
from sim.engine.row import Persuasion
from sim.engine.world import term_arrays

RATES = Rates(open=0.3, sign=0.4, collapse=0.3, exit=0.2, collapse_on_shock=0.5, noise=0.2)
ALLOWED = {  # status -> statuses reachable in one month
    Status.OUTSIDE: {Status.OUTSIDE, Status.TALKS},
    Status.TALKS: {Status.TALKS, Status.MEMBER, Status.OUTSIDE},
    Status.MEMBER: {Status.MEMBER, Status.EXITED},
    Status.EXITED: {Status.EXITED},
}

finite = st.floats(-5, 5, allow_nan=False)
unit = st.floats(0, 1, allow_nan=False, exclude_max=True)


def is_valid_transition(before: int, after: int) -> bool:
    """Verifier: a country moved at most one step along an allowed edge."""
    return Status(after) in ALLOWED[Status(before)]


@settings(deadline=None)  # the first call loads the compiled function, slowly on a busy machine
@given(u1=finite, u2=finite, threshold=finite, noise=st.floats(0.001, 5))
def test_response_is_a_probability_rising_in_utility(u1, u2, threshold, noise):
    r1, r2 = response(u1, threshold, noise), response(u2, threshold, noise)
    assert 0 <= r1 <= 1 and 0 <= r2 <= 1
    if u1 <= u2:
        assert r1 <= r2
    assert response(threshold, threshold, noise) == 0.5


@given(
    status=st.sampled_from(list(Status)),
    readiness=unit,
    draw=unit,
    shock_draw=unit,
    hit=st.booleans(),
    exit_enabled=st.booleans(),
)
def test_next_status_moves_only_along_allowed_edges(
    status, readiness, draw, shock_draw, hit, exit_enabled
):
    rates = RATES._replace(exit_enabled=exit_enabled)
    after = next_status(int(status), readiness, draw, rates, hit, shock_draw)
    assert is_valid_transition(status, after)
    if not exit_enabled:
        assert not (status == Status.MEMBER and after != Status.MEMBER)


def next_status_before_time_in_talks(status, readiness, draw, rates, shock_hit, shock_draw):
    """sim.core.decision.next_status as it was before talks_decay, copied verbatim."""
    if status == Status.OUTSIDE:
        return Status.TALKS if draw < rates.open * readiness else Status.OUTSIDE
    if status == Status.TALKS:
        if shock_hit and shock_draw < rates.collapse_on_shock:
            return Status.OUTSIDE
        sign = rates.sign * readiness
        if draw < sign:
            return Status.MEMBER
        if draw < sign + rates.collapse * (1.0 - readiness):
            return Status.OUTSIDE
        return Status.TALKS
    if status == Status.MEMBER:
        if rates.exit_enabled and draw < rates.exit * (1.0 - readiness):
            return Status.EXITED
        return Status.MEMBER
    return Status.EXITED


@st.composite
def near_the_cuts(draw, rates: Rates, readiness: float) -> float:
    """A draw anywhere in [0, 1), or on either side of a cut of the rule: where the two rules
    would first part if their hazards differed in the last bit."""
    sign = rates.sign * readiness
    cuts = [rates.open * readiness, sign, sign + rates.collapse * (1.0 - readiness)]
    cut = draw(st.sampled_from(cuts))
    return draw(unit | st.sampled_from([cut, np.nextafter(cut, 0.0), np.nextafter(cut, 1.0)]))


@settings(max_examples=400, deadline=None)
@given(
    data=st.data(),
    rates=st.builds(
        Rates,
        open=unit,
        sign=st.floats(0, 0.5),
        collapse=st.floats(0, 0.5),
        exit=unit,
        collapse_on_shock=unit,
        noise=st.just(0.2),
        exit_enabled=st.booleans(),
        talks_decay=st.just(0.0),
    ),
)
def test_next_status_without_time_in_talks_is_the_rule_before_it_bit_for_bit(data, rates):
    status = data.draw(st.sampled_from(list(Status)))
    readiness = data.draw(unit | st.sampled_from([0.0, 1.0]))
    draw = data.draw(near_the_cuts(rates, readiness))
    hit, shock_draw = data.draw(st.booleans()), data.draw(unit)
    months = data.draw(st.integers(-12, 10_000))  # whatever the clock says, talks_decay = 0
    assert rates.talks_decay == 0.0
    assert next_status(int(status), readiness, draw, rates, hit, shock_draw, months) == (
        next_status_before_time_in_talks(status, readiness, draw, rates, hit, shock_draw)
    )


@settings(max_examples=200, deadline=None)
@given(
    readiness=unit,
    draw=unit,
    decay=st.floats(-1, 1).filter(lambda k: k != 0.0),
    months=st.integers(0, 120),
)
def test_time_in_talks_moves_only_the_signing_hazard(readiness, draw, decay, months):
    # Stalled talks (decay > 0) sign less with every month, maturing ones more; walking away
    # keeps its hazard: a draw past signing-or-walking under the rule before keeps the talks
    # going exactly when the signing hazard fell, and below it nothing but signing changes.
    rates = RATES._replace(talks_decay=decay)
    after = next_status(Status.TALKS, readiness, draw, rates, False, 1.0, months)
    before = next_status(Status.TALKS, readiness, draw, RATES, False, 1.0, months)
    sign = RATES.sign * readiness
    walk = RATES.collapse * (1.0 - readiness)
    decayed = min(sign * np.exp(-decay * months), 1.0 - walk)
    if draw < decayed:
        assert after == Status.MEMBER
    elif draw < decayed + walk:
        assert after == Status.OUTSIDE
    else:
        assert after == Status.TALKS
    if months == 0:
        assert after == before


def test_next_status_frequencies_match_the_hazards():
    n = 40_000
    draws = np.random.default_rng(0).random(n)
    after = np.array([next_status(Status.TALKS, 0.5, d, RATES, False, 1.0) for d in draws])
    assert np.mean(after == Status.MEMBER) == pytest.approx(0.4 * 0.5, abs=0.008)
    assert np.mean(after == Status.OUTSIDE) == pytest.approx(0.3 * 0.5, abs=0.008)
    shocked = np.array([next_status(Status.TALKS, 0.5, d, RATES, True, d) for d in draws])
    assert np.mean(shocked == Status.OUTSIDE) == pytest.approx(0.5, abs=0.008)
    outside = np.array([next_status(Status.OUTSIDE, 0.5, d, RATES, False, 1.0) for d in draws])
    assert np.mean(outside == Status.TALKS) == pytest.approx(0.3 * 0.5, abs=0.008)


@given(
    weights=hnp.arrays(np.float64, (3, len(TERMS)), elements=st.floats(0, 3)),
    features=hnp.arrays(np.float64, (3, len(FEATURES)), elements=st.floats(0, 1)),
    shift=hnp.arrays(np.float64, 3, elements=st.floats(-1, 1)),
    salience=hnp.arrays(np.float64, 3, elements=st.floats(-1, 2)),
    peer=hnp.arrays(np.float64, 3, elements=st.floats(0, 3)),
)
def test_terms_sum_to_utility_and_costs_are_negative(weights, features, shift, salience, peer):
    index, sign = term_arrays(build_terms(default_terms()))  # the Abraham world's declared terms
    terms = np.zeros((3, len(TERMS)))
    fill_terms(terms, weights, features, shift, salience, peer, index, sign)
    for i in range(3):
        assert accession_utility(terms[i]) == pytest.approx(terms[i].sum(), abs=1e-12)
    iran, public, palestine = (
        TERMS.index(t) for t in ("iran_threat", "public_opposition", "palestine")
    )
    assert np.all(terms[:, [public, palestine]] <= 0)
    assert np.all(terms[:, iran] >= 0) and np.all(terms[:, iran] <= weights[:, iran])


def draw(bases: np.ndarray, month: int, purpose: int) -> np.ndarray:
    return np.array([[streams.uniform(b, month, purpose) for b in row] for row in bases])


def test_streams_are_uniform_keyed_and_reproducible():
    key = streams.stream_key(42)
    bases = streams.base_streams(key, np.arange(2000), streams.name_keys(["a", "b", "c"]))
    u = draw(bases, 24_300, streams.TRANSITION)
    assert u.shape == (2000, 3) and u.min() >= 0 and u.max() < 1
    counts = np.histogram(u, bins=10, range=(0, 1))[0]
    chi2 = ((counts - u.size / 10) ** 2 / (u.size / 10)).sum()
    assert chi2 < 27.9  # 99.9% quantile of chi-square with 9 degrees of freedom
    subset = streams.base_streams(key, np.arange(5, 10), streams.name_keys(["b"]))
    np.testing.assert_array_equal(draw(subset, 24_300, streams.TRANSITION)[:, 0], u[5:10, 1])
    for other in (
        draw(bases, 24_301, streams.TRANSITION),
        draw(bases, 24_300, streams.SHOCK_COLLAPSE),
    ):
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
    status=hnp.arrays(np.int64, 5, elements=st.sampled_from(list(map(int, Status)))),
    leader=st.integers(-1, 4),
    multiplier=st.floats(1, 5),
)
def test_peer_pressure_is_a_boosted_share(status, leader, multiplier):
    ties = adjacency(["a", "a", "b", "b", "b"], [(0, 2, 0.5), (3, 4, 0.0)], region_weight=1.0)
    assert np.allclose(ties, ties.T) and np.all(np.diag(ties) == 0) and ties[3, 4] == 0
    follower = np.array([True, False, True, False, False])
    totals = tie_totals(ties)
    boosted, plain = np.zeros(5), np.zeros(5)
    fill_peer_pressure(boosted, ties, totals, status, leader, follower, multiplier)
    fill_peer_pressure(plain, ties, totals, status, -1, follower, multiplier)
    members = status == Status.MEMBER
    expected = (ties @ members) / totals
    np.testing.assert_allclose(plain, expected, atol=1e-12)
    assert np.all(boosted >= plain - 1e-12) and np.all(boosted <= multiplier * plain + 1e-12)
    if leader < 0 or not members[leader]:
        np.testing.assert_array_equal(boosted, plain)


@settings(max_examples=200)
@given(
    utility=hnp.arrays(np.float64, 5, elements=st.floats(-2, 2)),
    status=hnp.arrays(np.int64, 5, elements=st.sampled_from(list(map(int, Status)))),
    leverage=hnp.arrays(np.float64, (5, 2), elements=st.floats(0, 1)),
    units=hnp.arrays(np.int64, 2, elements=st.integers(0, 3)),
    max_targets=st.integers(0, 6),
    strategy=st.sampled_from([s for s in Strategy if s != Strategy.COURTING]),  # courting: below
    engagement=st.floats(0, 2),
)
def test_offers_respect_eligibility_capacity_and_budget(
    utility, status, leverage, units, max_targets, strategy, engagement
):
    threshold = np.full(5, 0.3)
    factor, gain, strength = np.zeros((5, 2)), np.zeros((5, 2)), engagement * leverage
    fill_offer_factors(factor, strength, RATES.noise)
    since = np.zeros(5, np.int64)
    offers = Persuasion(utility, strength, factor, gain)
    fill_persuasion_gain(offers, status, threshold, RATES, since, 0)
    eligible = (status == Status.OUTSIDE) | (status == Status.TALKS)
    assert np.all(gain >= -1e-15) and np.all(gain[~eligible] == 0)
    offers = np.zeros(5, dtype=np.int64)
    rank = np.array([0, 1, 2, 5, 5])
    script = np.array([0, 1, -1, 0, 1])
    policy = Policy(int(strategy), max_targets, rank, np.array([1.0, 0.5]), 0.0, 0.0)
    choose_offers(offers, policy, gain, leverage, status, units, script)
    courted = offers != NO_OFFER
    assert not np.any(courted & ~eligible)
    assert all((offers == k).sum() <= units[k] for k in range(2))
    assert np.all(leverage[courted, offers[courted]] > 0)
    if strategy == Strategy.NONE:
        assert not courted.any()
    if strategy == Strategy.PRIORITY:
        assert not courted[3:].any()  # unlisted countries are never courted
    if strategy == Strategy.PERSUADABLE:
        assert np.all(gain[courted, offers[courted]] > 0)
    if strategy == Strategy.SCRIPTED:
        assert np.all(offers[courted] == script[courted])  # only what the record says
    else:
        assert courted.sum() <= max_targets
    left = units.copy()
    for offer in offers:
        spend(left, offer)
    assert np.all(left >= 0) and left.sum() == units.sum() - courted.sum()


@settings(max_examples=200)
@given(
    status=hnp.arrays(np.int64, 5, elements=st.sampled_from(list(map(int, Status)))),
    leverage=hnp.arrays(np.float64, (5, 2), elements=st.floats(0, 1)),
    units=hnp.arrays(np.int64, 2, elements=st.integers(0, 3)),
    last=hnp.arrays(np.int64, 5, elements=st.integers(-1, 1)),
    chance=hnp.arrays(np.float64, 5, elements=st.floats(0, 0.999)),
    rate=st.floats(0, 5),
    persistence=st.floats(0, 0.99),
)
def test_a_courting_mediator_starts_and_continues_spells_within_the_budget(
    status, leverage, units, last, chance, rate, persistence
):
    policy = Policy(int(Strategy.COURTING), 0, np.zeros(5, np.int64), np.ones(2), rate, persistence)
    offers = last.copy()
    court(offers, policy, leverage, status, units, chance, 1.0)
    courted = offers != NO_OFFER
    eligible = (status == Status.OUTSIDE) | (status == Status.TALKS)
    assert not np.any(courted & ~eligible)
    assert all((offers == k).sum() <= units[k] for k in range(2))
    left = units.copy()
    for i in range(5):
        k = best_offer(leverage, i, left)
        if not eligible[i] or k == NO_OFFER:
            assert offers[i] == NO_OFFER
            continue
        threshold = (
            persistence if last[i] != NO_OFFER else courting_start(leverage[i, k], 1.0, rate)
        )
        assert courted[i] == (
            chance[i] < threshold
        )  # a spell goes on, or starts, by its own chance
        if courted[i]:
            assert (
                offers[i] == k and leverage[i, k] == leverage[i][left > 0].max()
            )  # the best offer left
            left[k] -= 1


@settings(max_examples=100, deadline=None)  # the first example compiles the memo's functions
@given(
    months=st.lists(
        st.tuples(
            hnp.arrays(
                np.int64,
                4,
                elements=st.sampled_from(
                    [int(Status.OUTSIDE), int(Status.TALKS), int(Status.MEMBER)]
                ),
            ),
            hnp.arrays(np.float64, 4, elements=st.floats(0, 0.999)),
            st.sampled_from([0.0, 0.5, 1.0]),  # engagement: repeats, so the memo is reused
            st.sampled_from(
                [0, 0, 1]
            ),  # which leverage: it changes now and then, as facts and grants change it
        ),
        min_size=1,
        max_size=8,
    ),
    values=st.lists(
        hnp.arrays(np.float64, (4, 2), elements=st.sampled_from([0.0, 0.3, 0.9])),
        min_size=2,
        max_size=2,
    ),
)
def test_a_courting_memo_kept_across_months_changes_no_offer(months, values):
    """The memo (start chances, each country's most valued type) told of every change of
    leverage, as the kernel's month tells it: the same offers as courting afresh each month,
    types running out included (three units for four countries)."""
    policy = Policy(int(Strategy.COURTING), 0, np.zeros(4, np.int64), np.ones(2), 1.3, 0.6)
    units = np.array([2, 1])
    fresh, kept = np.full(4, NO_OFFER), np.full(4, NO_OFFER)
    memo, leverage = new_court_memo(4, 2), np.zeros((4, 2))
    for status, chance, engagement, which in months:
        if fill_leverage(
            leverage, values[which], np.zeros((4, 2), dtype=bool), np.ones(4, dtype=bool)
        ):
            leverage_changed(memo)
        court(fresh, policy, leverage, status, units, chance, engagement)
        court_remembering(kept, policy, leverage, status, units, chance, engagement, memo)
        assert np.array_equal(fresh, kept)


def test_a_grant_without_accession_spends_leverage_and_budget():
    spent = np.zeros((3, 2), dtype=bool)
    units = np.array([2, 1])
    granted = np.array([[True, False], [False, False], [True, True]])
    grant(spent, units, granted)
    assert np.array_equal(spent, granted)
    assert list(units) == [0, 0]
    leverage, value = np.zeros((3, 2)), np.full((3, 2), 0.5)
    assert fill_leverage(leverage, value, spent, np.array([True, True, False]))
    assert np.array_equal(leverage, [[0, 0.5], [0.5, 0.5], [0, 0]])  # spent, or not a candidate
    assert not fill_leverage(leverage, value, spent, np.array([True, True, False]))  # unchanged

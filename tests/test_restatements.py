"""Arithmetic the code restates for speed, pinned to the rule it restates.

Where the code computes again, in a faster form, what a readable rule already says, a change to
one side alone would show only in the slow tier's tests in distribution, if at all. Each test
here compares the two value for value, in the fast tier:

- the likelihood's transition probabilities (sim.inference.likelihood._chain) with the draws of
  sim.core.decision.next_status: the same doubles, and with time in talks, a spell's signing
  after d months with next_status's after `months` = d;
- the persuadable mediator's gains in bulk (sim.core.mediator.fill_persuasion_gain) with
  `response`, one offer at a time: to rounding (the bulk form takes exp(a + b) as exp(a) * exp(b));
- the ensemble kernel's what-if package (sim.engine.month) with the Mesa mediator's, month by
  month, and both with what the config's mediator.package asks for: the same offers;
- the fit's numbers (sim.inference.fit._numbers) with compile_world's: the same doubles.
"""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.config.load import load_config
from sim.core.calendar import format_month, parse_month
from sim.core.decision import (
    MEMBER,
    OUTSIDE,
    TALKS,
    Rates,
    Status,
    favourable_hazard,
    next_status,
    response,
    talks_signing,
)
from sim.core.mediator import fill_offer_factors, fill_persuasion_gain, offer_worth
from sim.core.utility import accession_utility
from sim.engine.kernel import traced_run
from sim.engine.model import WorldModel
from sim.engine.row import Persuasion
from sim.engine.world import World, compile_world
from sim.inference.fit import Problem, _allowed, _numbers, fittable, with_params
from sim.inference.likelihood import MonthInputs, _chain, _talks_factors

from .conftest import calibration_config, mesa_deciding
from .strategies import build, country, scenarios

ONE_BITS = np.float64(1.0).view(np.int64)


def first_draw_outside(decide, outcomes: set[int]) -> float:
    """The smallest draw in [0, 1] for which `decide(draw)` is not in `outcomes` (1.0 if none):
    where a rule of the form `draw < hazard` stops giving them, found by bisection over the
    doubles (non-negative doubles are ordered as their bit patterns), so the probability of
    those outcomes comes from the rule itself, not from a formula restated here."""
    low, high = 0, ONE_BITS  # the answer lies in [low, high]
    if decide(1.0) in outcomes:
        return 1.0
    while low < high:
        middle = (low + high) // 2
        if decide(np.int64(middle).view(np.float64)) in outcomes:
            low = middle + 1
        else:
            high = middle
    return float(np.int64(low).view(np.float64))


def draw_cuts(r: float, rates: Rates) -> tuple[float, float, float]:
    """Where next_status's draw stops opening talks (from outside), stops signing and stops
    walking away (from talks) for a country with response r, in a month without shocks: the
    probabilities of opening and signing, and of signing or walking away."""

    def from_outside(draw: float) -> int:
        return next_status(OUTSIDE, r, draw, rates, False, 1.0)

    def from_talks(draw: float) -> int:
        return next_status(TALKS, r, draw, rates, False, 1.0)

    return (
        first_draw_outside(from_outside, {TALKS}),
        first_draw_outside(from_talks, {MEMBER}),
        first_draw_outside(from_talks, {MEMBER, OUTSIDE}),
    )


def shock_cut(r: float, rates: Rates) -> float:
    """Where the shock's draw stops collapsing talks: the draw at 1.0 would keep them going."""
    return first_draw_outside(lambda s: next_status(TALKS, r, 1.0, rates, True, s), {OUTSIDE})


@st.composite
def talks_rates(draw) -> Rates:
    """Hazards the config allows: rates in [0, 1] with rate_sign + rate_collapse <= 1."""
    sign = draw(st.floats(0, 1))
    return Rates(
        open=draw(st.floats(0, 1)),
        sign=sign,
        collapse=draw(st.floats(0, 1 - sign)),
        exit=0.0,
        collapse_on_shock=draw(st.floats(0, 1)),
        noise=0.25,
    )


responses = st.floats(0, 1)
months = hnp.array_shapes(min_dims=2, max_dims=2, max_side=3)


@st.composite
def month_inputs(draw) -> MonthInputs:
    """The likelihood's month inputs (T, C): responses, shocks, and a response if courted where
    a courting spell could be (NaN where none)."""
    shape = draw(months)
    courted = draw(hnp.arrays(np.float64, shape, elements=responses | st.just(np.nan)))
    return MonthInputs(
        readiness=draw(hnp.arrays(np.float64, shape, elements=responses)),
        shocked=draw(hnp.arrays(np.bool_, shape)),
        offers=np.full(shape, -1),
        courting=np.where(np.isnan(courted), np.nan, 0.5),
        courted_readiness=courted,
    )


@settings(max_examples=60, deadline=None)
@given(inputs=month_inputs(), rates=talks_rates())
def test_the_likelihoods_transitions_are_those_of_the_decision_rules_draws(inputs, rates):
    # A quiet month: opening and signing are the draw's cuts, and signing plus walking away ends
    # where its walking away does (as next_status adds them). A shocked month: the shock's draw
    # comes first, so the quiet month's chances apply to the rest (1 - q) of its draws.
    chain = _chain(inputs, rates, 0.5)
    quiet = _chain(inputs._replace(shocked=np.zeros_like(inputs.shocked)), rates, 0.5)
    courted = np.isfinite(inputs.courted_readiness)
    for k, readiness in enumerate(
        [inputs.readiness, np.where(courted, inputs.courted_readiness, inputs.readiness)]
    ):
        for (t, i), r in np.ndenumerate(readiness):
            at = k, t, i
            opens, sign, sign_or_walk = draw_cuts(float(r), rates)
            assert chain.opens[at] == opens == quiet.opens[at], at
            assert quiet.sign[at] == sign and quiet.sign[at] + quiet.walk[at] == sign_or_walk, at
            q = shock_cut(float(r), rates) if inputs.shocked[t, i] else 0.0
            assert chain.sign[at] == (1.0 - q) * quiet.sign[at], at
            assert chain.walk[at] == q + (1.0 - q) * quiet.walk[at], at


@settings(max_examples=60, deadline=None)
@given(
    inputs=month_inputs(),
    rates=talks_rates(),
    decay=st.floats(-1, 1).filter(lambda k: k != 0.0),
    since=st.integers(-40, 0),
)
def test_the_likelihoods_spells_of_talks_sign_as_the_decision_rules_draws(
    inputs, rates, decay, since
):
    # With time in talks the filter splits talks by the month their spell began and signs from a
    # spell d months old at talks_signing(sign, walk, factor[d]) (sim.inference.likelihood
    # ._forward): in a quiet month, the same doubles as next_status's draw with `months` = d; in
    # a shocked month, the quiet month's chance on the rest (1 - q) of the draws, to rounding
    # (the filter caps the shocked month's hazards, not the quiet ones: 1 - walk cancels).
    rates = rates._replace(talks_decay=decay)
    n_months = inputs.readiness.shape[0]
    factor = _talks_factors(decay, n_months - since)
    chain = _chain(inputs, rates, 0.5)
    quiet = _chain(inputs._replace(shocked=np.zeros_like(inputs.shocked)), rates, 0.5)
    for (t, i), r in np.ndenumerate(inputs.readiness):
        for d in {t - since, max(t - 1, 0), 0}:  # the spell under way at the start, later ones
            at = 0, t, i

            def from_talks(draw, d=d, r=r):
                return next_status(TALKS, float(r), draw, rates, False, 1.0, d)

            sign = first_draw_outside(from_talks, {MEMBER})
            sign_or_walk = first_draw_outside(from_talks, {MEMBER, OUTSIDE})
            signed = talks_signing(quiet.sign[at], quiet.walk[at], factor[d])
            assert signed == sign and signed + quiet.walk[at] == sign_or_walk, (at, d)
            q = shock_cut(float(r), rates) if inputs.shocked[t, i] else 0.0
            shocked = talks_signing(chain.sign[at], chain.walk[at], factor[d])
            assert shocked == pytest.approx((1.0 - q) * signed, rel=1e-12, abs=1e-15), (at, d)


OFFER = 2  # the offer's column among a country's three utility terms
LOG_ODDS = 700.0  # beyond it exp overflows: the bulk form takes each offer's own log-odds


@st.composite
def courted_countries(draw) -> dict:
    """Countries (C) and inducement types (K) as the mediator sees them before its offers: each
    country's utility terms (the offer's at 0), status, threshold and weight of the offer, the
    leverage of each type, the engagement and the hazards. Drawn through the log-odds of not
    responding, (threshold - U) / noise: without an offer anywhere in [-LOG_ODDS, 3 LOG_ODDS]
    (beyond exp's range too: far below the threshold, or a small noise), with each from there
    down to -LOG_ODDS, the ends included."""
    n_country, n_type = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    noise = draw(st.floats(1e-3, 10))  # the config's range
    terms = draw(hnp.arrays(np.float64, (n_country, 3), elements=st.floats(-2, 2)))
    terms[:, OFFER] = 0.0
    log_odds = draw(hnp.arrays(np.float64, n_country, elements=st.floats(-LOG_ODDS, 3 * LOG_ODDS)))
    share = draw(hnp.arrays(np.float64, (n_country, n_type), elements=st.floats(0, 1)))
    strength = share * (log_odds + LOG_ODDS)[:, None] * noise  # the offer moves U by this
    weight = draw(hnp.arrays(np.float64, n_country, elements=st.floats(0.1, 10)))
    engagement = draw(st.floats(0.1, 2))
    return {
        "terms": terms,
        "status": draw(hnp.arrays(np.int64, n_country, elements=st.sampled_from(list(Status)))),
        "threshold": terms.sum(axis=1) + noise * log_odds,
        "offer_weight": weight,
        "leverage": strength / (weight[:, None] * engagement),
        "engagement": engagement,
        "rates": Rates(draw(st.floats(0, 1)), draw(st.floats(0, 1)), 0.1, 0.0, 0.5, noise),
    }


def gain_one_offer_at_a_time(c: dict) -> np.ndarray:
    """(C, K) the rise in each country's favourable hazard, each offer put into its utility
    terms as the month does and taken through `response`."""
    rates, (n_country, n_type) = c["rates"], c["leverage"].shape
    gain = np.zeros((n_country, n_type))
    for i in range(n_country):
        before = response(accession_utility(c["terms"][i]), c["threshold"][i], rates.noise)
        for k in range(n_type):
            terms = c["terms"][i].copy()
            worth = offer_worth(k, c["leverage"], i, c["engagement"])
            terms[OFFER] = c["offer_weight"][i] * worth
            after = response(accession_utility(terms), c["threshold"][i], rates.noise)
            gain[i, k] = favourable_hazard(c["status"][i], after, rates) - favourable_hazard(
                c["status"][i], before, rates
            )
    return gain


def gain_in_bulk(c: dict) -> np.ndarray:
    """(C, K) the same, as the engines compute it: one exponential per country and offer
    factors exp(-strength / noise)."""
    rates, shape = c["rates"], c["leverage"].shape
    utility = np.array([accession_utility(row) for row in c["terms"]])
    strength = c["offer_weight"][:, None] * c["engagement"] * c["leverage"]
    factor, gain = np.ones(shape), np.zeros(shape)
    fill_offer_factors(factor, strength, rates.noise)
    since = np.zeros(len(utility), dtype=np.int64)  # every spell of talks in its first month
    offers = Persuasion(utility, strength, factor, gain)
    fill_persuasion_gain(offers, c["status"], c["threshold"], rates, since, 0)
    return gain


@settings(max_examples=200, deadline=None)
@given(countries=courted_countries())
def test_the_persuasion_gain_in_bulk_is_the_responses_one_offer_at_a_time(countries):
    # Equal to rounding, not to the double: the bulk form takes exp(a + b) as exp(a) * exp(b),
    # a few ulps of a log-odds of at most LOG_ODDS, so within 1e-12 of a hazard in [0, 1] (a
    # change to the rule moves some gain far more). Beyond LOG_ODDS without an offer (where an
    # exp stopped at LOG_ODDS once made any offer that brings a country near look as if it
    # would carry it) each offer's response comes from its own log-odds.
    np.testing.assert_allclose(
        gain_in_bulk(countries), gain_one_offer_at_a_time(countries), rtol=0, atol=1e-12
    )


TYPES = ["arms", "investment"]  # the inducements of tests/strategies.py, in the mediator's order


@st.composite
def packages(draw, ids: list[str], start: int, n_months: int) -> dict:
    """A what-if package (mediator.package) for some of `ids`, one offer each: any type, months
    from before the window to after it (the window starts at absolute month `start`)."""
    package = {}
    for n, cid in enumerate(draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))):
        first = draw(st.integers(-2, n_months - 1))
        last = draw(st.integers(first, n_months + 1))
        package[f"p{n}"] = {
            "country": cid,
            "type": draw(st.sampled_from(TYPES)),
            "start": format_month(start + first),
            "end": format_month(start + last),
        }
    return package


@st.composite
def scenarios_with_a_package(draw) -> dict:
    """A small scenario of any strategy (tests/strategies.py) with a package over its offers."""
    data = draw(scenarios(replicates=4))
    start = parse_month(data["scenario"]["start"])
    n_months = parse_month(data["scenario"]["end"]) - start + 1
    ids = list(data["roster"]["countries"])
    data["mediator"]["package"] = draw(packages(ids, start, n_months))
    return data


MILESTONES = ("talks_month", "join_month", "exit_month", "collapse_month")


def traced(world: World, replicates: int, seed: int):
    return traced_run(world, np.zeros(replicates, dtype=np.int64), np.arange(replicates), seed)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scenarios_with_a_package())
def test_the_kernels_package_is_the_mesa_mediators_month_by_month(data):
    # The Mesa mediator adds the package every month; the kernel only where the point has one,
    # and after its own strategy's month (sim.engine.month): the same offers, replicate by
    # replicate, month by month, and so the same outcomes.
    world = compile_world(load_config(data))
    outcomes, trace = traced(world, 4, data["seed"])
    for r in range(4):
        model = WorldModel(world, rng=data["seed"], replicate=r, collect=False)
        for t in range(world.n_months):
            model.step()
            assert np.array_equal(model.mediator.offers, trace.offers[r, t]), (r, t)
        mesa = model.outcome()
        for field in MILESTONES:
            assert np.array_equal(getattr(mesa, field)[0], getattr(outcomes, field)[r]), field


def offers_asked_for(offers: dict, ids: list[str], start: int, n_months: int) -> np.ndarray:
    """(T, C) the type index each country is offered each month by `offers` (record.offers or
    mediator.package), -1 for none."""
    table = np.full((n_months, len(ids)), -1)
    for offer in offers.values():
        months = np.arange(n_months) + start
        within = (months >= parse_month(offer["start"])) & (months <= parse_month(offer["end"]))
        table[within, ids.index(offer["country"])] = TYPES.index(offer["type"])
    return table


# what arms and investment are worth to each country: one prefers each, one ties, one has no
# use for investment (so it is never offered)
VALUES = {"c0": (0.2, 0.6), "c1": (0.6, 0.2), "c2": (0.4, 0.4), "c3": (0.5, 0.0)}
ROSTER = {
    cid: country(f"Country {cid}", level=0.3, values=dict(zip(TYPES, v)))  # slow to join
    for cid, v in VALUES.items()
}
PLENTY = {t: {"units": 1000} for t in TYPES}  # a budget that never runs out
WINDOW = {"start": "2020-01", "end": "2021-12"}
MONTHS = parse_month(WINDOW["end"]) - parse_month(WINDOW["start"]) + 1


def offered_worth(table: np.ndarray) -> np.ndarray:
    """(T, C) what each month's offer in `table` is worth to its country (0 for none)."""
    values = np.array(list(VALUES.values()))
    return np.where(table >= 0, values[np.arange(len(VALUES)), table], 0.0)


def expected_offers(script: dict, package: dict) -> np.ndarray:
    """(T, C) the offers the config asks for: the scripted mediator's (those worth something),
    replaced by the package's where that is worth more to the country."""
    ids, start = list(ROSTER), parse_month(WINDOW["start"])
    scripted = offers_asked_for(script, ids, start, MONTHS)
    scripted = np.where(offered_worth(scripted) > 0, scripted, -1)
    packaged = offers_asked_for(package, ids, start, MONTHS)
    return np.where(offered_worth(packaged) > offered_worth(scripted), packaged, scripted)


def scripted_with_a_package(script: dict, package: dict) -> World:
    return compile_world(
        build(
            ROSTER,
            mediator={"strategy": "scripted", "inducements": PLENTY, "package": package},
            scenario=WINDOW,
            record={"name": "script", "start": "2019-01", "as_of": "2019-12", "offers": script},
        )
    )


window_offers = packages(list(ROSTER), parse_month(WINDOW["start"]), MONTHS)


@settings(max_examples=30, deadline=None)
@given(script=window_offers, package=window_offers)
def test_a_package_adds_to_the_strategys_offers_as_the_config_asks_offer_by_offer(script, package):
    # A scripted mediator with a budget that never runs out makes the record's offers: each
    # month, every country still deciding gets the package's type where it is worth more to it
    # than the script's (a tie or nothing worth keeps the script's), in both engines.
    world = scripted_with_a_package(script, package)
    asked = expected_offers(script, package)
    _, trace = traced(world, 8, seed=1)
    deciding = ~np.isnan(trace.readiness)  # outside or in talks at the month's start
    assert np.array_equal(trace.offers[deciding], np.broadcast_to(asked, deciding.shape)[deciding])
    assert (trace.offers[~deciding] == -1).all()
    for _, t, model, c in mesa_deciding(world, 2, seed=1):
        assert model.mediator.offers[c.index] == asked[t, c.index], (t, c.name)
    assert deciding.mean() > 0.5  # most country-months were compared: few join


def silent_era_at_a_scale(config):
    """`config` with the mediator's engagement at 0.7 and its Biden era's level at 0: an
    entry of the numbers that is the parameter times a factor other than 1, at 0."""
    eras = dict(config.mediator.eras)
    eras["biden"] = dataclasses.replace(eras["biden"], engagement=0.0)
    mediator = dataclasses.replace(config.mediator, engagement=0.7, eras=eras)
    return dataclasses.replace(config, mediator=mediator)


CONFIGS = {
    "calibrate": lambda: calibration_config("calibrate")[0],
    "calibrate_artemis": lambda: calibration_config("calibrate_artemis")[0],
    "silent_era_at_a_scale": lambda: silent_era_at_a_scale(calibration_config("calibrate")[0]),
}


@cache
def every_parameter_fitted(name: str) -> Problem:
    config = CONFIGS[name]()
    return Problem(config, config.record, sorted(fittable(config)), prior_sd=1.0)


def valid_value(name: str) -> st.SearchStrategy[float]:
    """Anywhere the config allows; rate_sign and rate_collapse up to 0.5 (their sum <= 1)."""
    low, high = _allowed(name)
    return st.floats(low, 0.5 if name in ("rate_sign", "rate_collapse") else high)


@pytest.mark.parametrize("config", CONFIGS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_the_fits_numbers_are_compile_worlds(config, data):
    # The fit sets the entries each parameter moves instead of compiling a world per point;
    # compiling that point must give the same doubles.
    problem = every_parameter_fitted(config)
    values = {n: data.draw(valid_value(n), label=n) for n in problem.names}
    got = _numbers(problem.world.numbers, problem.entries, values)
    want = compile_world(with_params(problem.config, values)).numbers
    for field, a, b in zip(want._fields, got, want):
        np.testing.assert_array_equal(a, b, err_msg=field)

"""The event-history likelihood: a hand-computed case, and agreement with simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from sim.config.errors import ConfigError
from sim.config.schema import RecordConfig
from sim.config.spans import spans
from sim.config.validate import build
from sim.core.decision import Rates, Status, talks_factor
from sim.engine.kernel import traced_run
from sim.engine.outcomes import NEVER
from sim.engine.world import compile_world
from sim.hydra.configs import compose_config
from sim.inference.fit import with_params
from sim.inference.likelihood import (
    MonthInputs,
    Record,
    TalksClock,
    _chain,
    _forward,
    _talks_factors,
    load_record,
    log_likelihood,
    month_inputs,
)

from .conftest import ROOT, calibration_config

RATES = Rates(open=0.5, sign=0.5, collapse=0.2, exit=0.0, collapse_on_shock=0.6, noise=0.1)


def record_config() -> RecordConfig:
    return build(
        RecordConfig, yaml.safe_load((ROOT / "conf/record/accessions_2020_2026.yaml").read_text())
    )


def chain_of(
    readiness, *, shock=None, courted=None, start=0.0, persist=0.0, known=None, rates=RATES
):
    """The filter's inputs for one country: responses without (and, if given, with) courting."""
    r = np.array(readiness, dtype=float)[:, None]
    inputs = MonthInputs(
        readiness=r,
        shocked=np.zeros_like(r, dtype=bool) if shock is None else np.array(shock)[:, None],
        offers=np.full(r.shape, -1) if known is None else np.where(np.array(known)[:, None], 0, -1),
        courting=np.full(r.shape, start),
        courted_readiness=np.full(r.shape, np.nan)
        if courted is None
        else np.array(courted, dtype=float)[:, None],
    )
    return _chain(inputs, rates, persist)


NO_TIME = np.zeros(0)  # the filter's factors of time in talks when talks_decay is 0


def forward(
    readiness, joined, *, shock=None, in_talks=None, p_talks=0.0, decay=0.0, since=0, **courting
) -> float:
    """The filter's log-likelihood of one country's record; with `decay`, time in talks (the
    spell under way at the start began deciding in month `since`, <= 0)."""
    chain = chain_of(readiness, shock=shock, rates=RATES._replace(talks_decay=decay), **courting)
    n = len(readiness)
    known = (
        np.zeros((n, 1), dtype=np.int64)
        if in_talks is None
        else np.array(in_talks, dtype=np.int64)[:, None]
    )
    out = np.full((n, 1), np.nan)
    clock = TalksClock(_talks_factors(decay, n - since), np.array([since]))
    scored, talks_end = np.ones(n, dtype=bool), np.zeros(1)
    return float(
        _forward(chain, np.array([joined]), known, p_talks, scored, talks_end, out, clock)[0]
    )


def filtered_talks(readiness, joined, p_talks=0.0) -> float:
    n, talks_end = len(readiness), np.zeros(1)
    seen = np.zeros((n, 1), dtype=np.int64)
    _forward(
        chain_of(readiness),
        np.array([joined]),
        seen,
        p_talks,
        np.ones(n, dtype=bool),
        talks_end,
        np.zeros((n, 1)),
        TalksClock(NO_TIME, np.zeros(1, dtype=np.int64)),
    )
    return float(talks_end[0])


def test_a_hand_computed_record():
    # r = 0.5 each month: open 0.25; sign 0.25, walk 0.1, stay 0.65.
    # After month 0: outside 0.75, talks 0.25. After month 1: outside 0.75*0.75 + 0.25*0.1 = 0.5875,
    # talks 0.75*0.25 + 0.25*0.65 = 0.35. Joining in month 2: 0.35 * 0.25 = 0.0875.
    assert forward([0.5, 0.5, 0.5], 2) == pytest.approx(math.log(0.0875), abs=1e-12)
    # Never joining in two months: outside + talks = 0.5875 + 0.35.
    assert forward([0.5, 0.5], NEVER) == pytest.approx(math.log(0.9375), abs=1e-12)
    # Talks on the record in month 0 keep only the talks path: 0.25, then joining: 0.25 * 0.25.
    assert forward([0.5, 0.5], 1, in_talks=[True, False]) == pytest.approx(
        math.log(0.0625), abs=1e-12
    )
    # Starting in talks: after month 0, talks 0.65 (outside 0.1). A talks-collapsing shock in
    # month 1 cuts signing to (1 - 0.6) * 0.25 = 0.1, so joining then: 0.65 * 0.1.
    assert forward([0.5, 0.5], 1, shock=[False, True], p_talks=1.0) == pytest.approx(
        math.log(0.065), abs=1e-12
    )
    # The filter after two quiet months: talks 0.35 of 0.9375; a country that joined has no talks left.
    assert filtered_talks([0.5, 0.5], NEVER) == pytest.approx(0.35 / 0.9375, abs=1e-12)
    assert np.isnan(filtered_talks([0.5, 0.5, 0.5], 2))
    # Starting in talks, known NOT to be in talks after month 0 (talks ended): only the walk-away
    # path, 0.1; then outside must open talks again (0.25 in month 1) before signing in month 2
    # (0.25): 0.1 * 1 * (0.25 * 0.25). Joining in month 1 is impossible.
    assert forward([0.5, 0.5], 1, in_talks=[-1, 0], p_talks=1.0) == -math.inf
    assert forward([0.5, 0.5, 0.5], 2, in_talks=[-1, 0, 0], p_talks=1.0) == pytest.approx(
        math.log(0.1 * 0.0625), abs=1e-12
    )
    # Joining in the first month needs talks at the start.
    assert forward([0.5], 0, p_talks=0.0) == -math.inf
    assert forward([0.5], 0, p_talks=0.4) == pytest.approx(math.log(0.1), abs=1e-12)


def test_a_hand_computed_record_with_latent_and_known_courting():
    # In talks at the start; sign 0.5 * r: 0.25 if courted (r = 0.5), 0.1 if not (r = 0.2); a
    # spell starts with 0.5. Joining in month 0, courting unknown: 0.5 * 0.25 + 0.5 * 0.1.
    spell = {"courted": [0.5, 0.5], "start": 0.5, "persist": 0.9}
    assert forward([0.2], 0, p_talks=1.0, **spell | {"courted": [0.5]}) == pytest.approx(
        math.log(0.175), abs=1e-12
    )
    # A known offer in month 0: the mediator courted (0.5), and then signing 0.25.
    known = spell | {"courted": [0.5], "known": [True]}
    assert forward([0.2], 0, p_talks=1.0, **known) == pytest.approx(math.log(0.125), abs=1e-12)
    # Joining in month 1: after month 0 talks go on with 0.65 (courted; walk 0.2 * 0.5 = 0.1) or
    # 0.74 (not; walk 0.2 * 0.8 = 0.16): 0.325 and 0.37. The spell goes on (0.9) or starts (0.5):
    # courted talks 0.37 * 0.5 + 0.325 * 0.9 = 0.4775, not 0.37 * 0.5 + 0.325 * 0.1 = 0.2175.
    assert forward([0.2, 0.2], 1, p_talks=1.0, **spell) == pytest.approx(
        math.log(0.4775 * 0.25 + 0.2175 * 0.1), abs=1e-12
    )


def by_enumeration(case: dict) -> float:
    """The log-probability of one country's record, summed over every path of statuses and
    courting spells, month by month as the docstring of sim.core.decision states the hazards:
    a spell of courting starts or goes on first; a shock collapses talks with q; in talks d
    months old (d = t - the month the spell began deciding) signing rate_sign * r * exp(-decay
    * d), at most 1 - rate_collapse * (1 - r), walking away rate_collapse * (1 - r)."""
    rates = RATES._replace(talks_decay=case["decay"])
    n, joined, seen = len(case["readiness"]), case["joined"], case["seen"]

    def paths(t: int, status: int, since: int, courted: bool) -> float:
        if t == n:
            return 1.0
        total = 0.0
        on = case["persist"] if courted else case["start"]
        for spell, p_spell in ((True, on), (False, 1.0 - on)):
            if p_spell == 0.0 or (case["known"][t] and not spell):
                continue
            r = case["courted"][t] if spell else case["readiness"][t]
            if status == 0:
                moves = [(1, rates.open * r, t + 1), (0, 1.0 - rates.open * r, since)]
            else:
                q = rates.collapse_on_shock if case["shock"][t] else 0.0
                walk = rates.collapse * (1.0 - r)
                sign = min(rates.sign * r * math.exp(-rates.talks_decay * (t - since)), 1 - walk)
                stay = 1.0 - sign - walk
                moves = [(2, (1 - q) * sign, since), (0, q + (1 - q) * walk, since)]
                moves.append((1, (1 - q) * stay, since))
            for after, p, began in moves:
                fits = (after == 2) == (t == joined) and not (
                    (seen[t] > 0 and after == 0) or (seen[t] < 0 and after == 1)
                )
                if p > 0.0 and fits:
                    rest = 1.0 if after == 2 else paths(t + 1, after, began, spell)
                    total += p_spell * p * rest
        return total

    p = case["p_talks"]
    found = (1 - p) * paths(0, 0, 0, False) + p * paths(0, 1, case["since"], False)
    return math.log(found) if found > 0 else -math.inf


def test_the_filter_with_time_in_talks_is_the_sum_over_every_path():
    # Tiny records (one country, up to five months) with talks on the record or known ended,
    # shocks, latent and known courting, a spell under way at the start that began before it,
    # and talks that stall (decay > 0) or mature (< 0, up to the cap): the filter over spells
    # by their first month equals the enumeration of every path, to rounding.
    rng = np.random.default_rng(30)
    compared = 0
    for _ in range(60):
        n = int(rng.integers(1, 6))
        case = {
            "readiness": rng.uniform(0, 1, n),
            "courted": rng.uniform(0, 1, n),
            "shock": rng.uniform(size=n) < 0.3,
            "known": rng.uniform(size=n) < 0.2,
            "seen": rng.choice([-1, 0, 0, 1], n),
            "joined": int(rng.choice([NEVER, *range(n)])),
            "p_talks": float(rng.choice([0.0, 0.3, 1.0])),
            "since": int(rng.integers(-6, 1)),
            "decay": float(rng.choice([-0.8, -0.2, 0.3, 1.0])),
            "start": float(rng.uniform(0, 1)),
            "persist": float(rng.uniform(0, 1)),
        }
        got = forward(
            case["readiness"],
            case["joined"],
            shock=case["shock"],
            in_talks=case["seen"],
            p_talks=case["p_talks"],
            decay=case["decay"],
            since=case["since"],
            courted=case["courted"],
            start=case["start"],
            persist=case["persist"],
            known=case["known"],
        )
        want = by_enumeration(case)
        assert got == pytest.approx(want, abs=1e-12) or got == want == -math.inf, case
        compared += math.isfinite(want)
    assert compared > 30


GOLDEN_TOTAL = -85.08454358606333  # the default record (as_of 2026-11), judgement params, no
# gates, as the likelihood before talks_decay computed it (the clock branch, 50d53fa);
# -75.6992197816806 on the record to 2026-06
GOLDEN_FIRST = [-5.86000713873256, -6.007097806898722, -7.130308678683026, -7.824725750498171]


def test_without_time_in_talks_the_likelihood_is_the_one_before_it():
    # talks_decay = 0 is the model before it: the default record's log-likelihood, as computed
    # before time in talks existed, to the bit; and the filter over spells by their first month,
    # forced by a decay too small to move any factor from 1, to 1e-12. Without gates, as then.
    config, _, _ = calibration_config(overrides=("gates=none",))
    world = compile_world(config)
    record = load_record(config.record, world)
    p_talks = config.params.talks_at_record_start
    per_country = log_likelihood(world, record, p_talks)
    assert float(per_country.sum()) == GOLDEN_TOTAL
    assert [float(x) for x in per_country[:4]] == GOLDEN_FIRST
    assert talks_factor(1e-300, world.n_months) == 1.0
    split = compile_world(with_params(config, {"talks_decay": 1e-300}))
    np.testing.assert_allclose(log_likelihood(split, record, p_talks), per_country, atol=1e-12)
    stalled = compile_world(with_params(config, {"talks_decay": 0.1}))
    assert abs(float(log_likelihood(stalled, record, p_talks).sum()) - GOLDEN_TOTAL) > 1e-3


def test_talks_on_the_record_at_the_start_have_run_since_their_span_began():
    # The outlook's countries in talks at its start have run them since the month after their
    # span began (talks on the record in month a may have opened in a); every other country,
    # latent talks included, starts its clock at the start.
    # Since the talks rule no span runs to the record's as_of, so the run starts in 2025-07,
    # inside Azerbaijan's span (2025-03..2025-08).
    config = compose_config(["scenario.start=2025-07"])
    world = compile_world(config)
    for i, cid in enumerate(world.ids):
        if world.status0[i] == Status.TALKS:
            began = [a for a, b in spans(config.record.in_talks[cid]) if b >= world.start - 1]
            assert world.shared.talks_since0[i] == began[0] + 1 - world.start < 0, cid
        else:
            assert world.shared.talks_since0[i] == 0, cid
    assert world.status0[world.ids.index("azerbaijan")] == Status.TALKS


def test_the_likelihood_sees_a_courting_mediators_months_as_the_kernel_drew_them():
    # A courting mediator draws its spells in the kernel; following the same joins, the
    # likelihood's inputs are, for every deciding country-month, the response without courting
    # where the kernel did not court and the response with the best offer where it did, with the
    # same chance of a spell starting. (Budgets large enough never to run out, no known offers:
    # the kernel pays only courted joiners, the likelihood takes every joiner as courted.)
    types_ = compose_config([]).mediator.inducements
    config = compose_config(
        [
            "+experiment=history",
            "mediator.strategy=courting",
            "params.court_rate=3",
            "params.court_persistence=0.7",
            *(f"mediator.inducements.{t}.units=99" for t in types_),
            *(
                f"++record.offers.{name}.known=with_accession"
                for name in compose_config([]).record.offers
            ),
        ]
    )
    world = compile_world(config)
    outcomes, trace = traced_run(world, np.zeros(40, dtype=np.int64), np.arange(40), seed=5)
    courted_months = 0
    for r in range(40):
        record = Record(
            outcomes.join_month[r].astype(np.int64),
            np.zeros((world.n_months, len(world.ids)), dtype=int),
        )
        inputs = month_inputs(world, record)
        seen = ~np.isnan(trace.readiness[r])
        courted = seen & (trace.offers[r] >= 0)
        assert np.array_equal(
            inputs.readiness[seen & ~courted], trace.readiness[r][seen & ~courted]
        )
        assert np.array_equal(inputs.courted_readiness[courted], trace.readiness[r][courted])
        assert np.array_equal(inputs.courting[seen], trace.courting[r][seen], equal_nan=True)
        assert (inputs.offers[seen] == -1).all()  # nothing known: every spell is latent
        courted_months += courted.sum()
    assert courted_months > 200


def test_the_likelihood_sees_exactly_the_months_the_kernel_simulated():
    # Each simulated replicate of the history is a record: its join months. Following that record,
    # the likelihood's month inputs (response r, talks-collapsing shocks, offers) must equal, bit
    # for bit, what the kernel computed for every country still deciding in that replicate.
    config = compose_config(["+experiment=history"])
    world = compile_world(config)
    outcomes, trace = traced_run(world, np.zeros(60, dtype=np.int64), np.arange(60), seed=4)
    compared = joins = 0
    for r in range(60):
        joined = outcomes.join_month[r].astype(np.int64)
        record = Record(joined, np.zeros((world.n_months, len(world.ids)), dtype=int))
        readiness, shocked, offers, _, _ = month_inputs(world, record)
        seen = ~np.isnan(trace.readiness[r])  # the kernel skips members: nothing to compare there
        assert np.array_equal(readiness[seen], trace.readiness[r][seen])
        assert np.array_equal(shocked[seen], trace.shocked[r][seen])
        assert np.array_equal(offers[seen], trace.offers[r][seen])
        compared += seen.sum()
        joins += (joined != NEVER).sum()
    assert compared > 60 * world.n_months * 20 and joins > 30  # peers' joins feed back into r
    assert (trace.offers >= 0).sum() > 0 and trace.shocked.any()  # offers and shocks were compared


def test_the_record_scores_better_than_a_record_of_other_accessions():
    config = compose_config(["+experiment=history"])
    world = compile_world(config)
    true = log_likelihood(world, load_record(record_config(), world), 0.05).sum()
    swapped = dict(record_config().joined)
    swapped["algeria"], swapped["indonesia"] = (
        swapped.pop("united_arab_emirates"),
        swapped.pop("bahrain"),
    )
    other = RecordConfig(**{**record_config().__dict__, "joined": swapped})
    false = log_likelihood(world, load_record(other, world), 0.05).sum()
    assert np.isfinite(true) and true > false + 10


def test_a_record_for_another_window_is_refused():
    world = compile_world(compose_config([]))
    with pytest.raises(ConfigError, match="record.start: expected the scenario's window"):
        load_record(record_config(), world)


def test_leaving_no_month_out_changes_nothing_and_a_gap_marginalises_joins():
    config = compose_config(["+experiment=history"])
    world = compile_world(config)
    record = load_record(record_config(), world)
    whole = log_likelihood(world, record, 0.05)
    np.testing.assert_array_equal(
        whole, log_likelihood(world, record, 0.05, np.ones(world.n_months, bool))
    )
    gap = np.ones(world.n_months, bool)
    gap[:7] = False  # 2020-06 to 2020-12 unobserved
    gapped = log_likelihood(world, record, 0.05, gap)
    uae = world.ids.index("united_arab_emirates")
    # joining somewhere in the gap is likelier than joining in the exact month observed
    assert gapped[uae] > whole[uae]
    assert np.all(np.isfinite(gapped))

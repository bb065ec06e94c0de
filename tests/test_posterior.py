"""The posterior: the sampler, intervals across draws, and runs that carry parameter uncertainty."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import run
from sim.analysis.tables import across_draws, grouped_member_counts, member_share_counts
from sim.config.errors import ConfigError
from sim.config.schema import RecordConfig
from sim.config.validate import build
from sim.core.calendar import parse_month
from sim.engine.design import input_design
from sim.engine.outcomes import NEVER, Outcomes
from sim.engine.simulate import simulate
from sim.engine.world import compile_world
from sim.hydra.configs import compose_config
from sim.inference.fit import Problem, mode, with_params
from sim.inference.posterior import SamplerConfig, sample

from .test_calibrate import TRUTH, synthetic_config


def test_the_sampler_covers_the_truth_of_a_simulated_record_and_converges():
    config = synthetic_config()
    world = compile_world(config)
    outcome = simulate(world, replicates=1, seed=2024)
    joined = {
        cid: world.start + int(m) for cid, m in zip(world.ids, outcome.join_month[0]) if m != NEVER
    }
    record = RecordConfig(
        name="synthetic", start=parse_month("2020-01"), as_of=parse_month("2029-12"), joined=joined
    )
    start = with_params(
        config,
        {"threshold": 0.9, "rate_open": 0.03, "rate_sign": 0.08, "talks_at_record_start": 1e-6},
    )
    problem = Problem(start, record, list(TRUTH), prior_sd=1.0)
    post = sample(problem, mode(problem), SamplerConfig(walkers=16, steps=700, burn=200, seed=1))
    summary = post.summary().set_index("parameter")
    for name, true in TRUTH.items():
        assert summary.loc[name, "low95"] <= true <= summary.loc[name, "high95"], (
            name,
            summary.loc[name],
        )
    assert max(post.rhat.values()) < 1.05 and min(post.ess.values()) > 200
    assert post.steps == 500 and len(post.draws) == 16 * 250  # thinned to 200-odd steps a walker
    assert set(post.draws.columns) == {"walker", "step", *TRUTH}


def test_a_burn_in_as_long_as_the_chain_is_one_line():
    with pytest.raises(ConfigError) as err:
        build(SamplerConfig, {"steps": 100, "burn": 100}, "posterior")
    assert str(err.value) == "posterior.burn: expected fewer than steps (100), got 100"


def test_the_range_across_draws_removes_chance_and_keeps_real_spread():
    rng = np.random.default_rng(0)
    n_groups, size = 400, 25

    def outcomes(p_by_group):
        joined = rng.random((n_groups, size)) < np.asarray(p_by_group)[:, None]
        month = np.where(joined, 0, NEVER).reshape(-1, 1).astype(np.int16)
        return Outcomes(month, month, np.full_like(month, NEVER), np.full_like(month, NEVER))

    same_low, same_high = across_draws(outcomes(np.full(n_groups, 0.3)), 1, size)
    assert same_high[0, 0] - same_low[0, 0] < 0.12  # chance alone: raw shares would span ~0.35
    spread = np.where(np.arange(n_groups) % 2 == 0, 0.1, 0.6)  # two parameter values
    low, high = across_draws(outcomes(spread), 1, size)
    assert low[0, 0] < 0.2 and high[0, 0] > 0.5


@settings(max_examples=50, deadline=None)
@given(
    months=hnp.arrays(np.int16, (36, 3), elements=st.sampled_from([-1, 0, 1, 5, 11, NEVER])),
    exits=hnp.arrays(np.int16, (36, 3), elements=st.sampled_from([0, 4, 11, NEVER])),
    size=st.sampled_from([1, 2, 3, 4, 5, 9, 12]),
    chunk=st.sampled_from([5, 8, 65536]),  # replicates a slice: several slices, and one
)
def test_members_counted_for_all_draws_at_once_equal_each_draw_counted_alone(
    months, exits, size, chunk
):
    from unittest.mock import patch

    from sim.analysis import tables

    outcomes = Outcomes(months, months, exits, months)
    each = [
        member_share_counts(outcomes.rows(g * size, (g + 1) * size), 12) for g in range(36 // size)
    ]
    with patch.object(tables, "TABLE_CHUNK", chunk):
        assert np.array_equal(grouped_member_counts(outcomes, 12, size), np.stack(each))


# Countries whose chance rests on the parameters: Saudi Arabia's and Somaliland's now rest on
# their gates' chance of opening, which the posterior does not move (share from inputs 0.02-0.05)
@pytest.mark.parametrize("country", ["Egypt", "Uzbekistan"])
def test_posterior_intervals_are_wider_than_the_modes(country):
    posterior = run(["replicates=2000", "seed=11", "plots=false"]).tables.summary.set_index(
        "country"
    )
    at_mode = run(
        ["replicates=2000", "seed=11", "plots=false", "params=calibrated"]
    ).tables.summary.set_index("country")
    width = lambda t: t.loc[country, "ci_high"] - t.loc[country, "ci_low"]
    assert width(posterior) > 3 * width(at_mode)
    # the parameters carry part of the spread (a smaller part since the record's talks rule:
    # Somaliland's talks are latent after 2026-01, so whether it starts in talks is a draw of
    # each replicate, chance, where it was in talks in every replicate before: 0.09, was 0.17)
    assert posterior.loc[country, "share_from_inputs"] > 0.05


def test_two_scenarios_with_one_seed_share_their_posterior_draws():
    a = compose_config(["replicates=200", "seed=3"])
    b = compose_config(["replicates=200", "seed=3", "mediator.engagement=0.5"])
    designs_a, _ = input_design(a, compile_world(a))
    designs_b, _ = input_design(b, compile_world(b))
    assert designs_a.size == 10
    for field in ("weights", "threshold", "rate_open", "court_rate", "court_persistence"):
        assert np.array_equal(
            getattr(designs_a.numbers, field), getattr(designs_b.numbers, field)
        ), field
    assert not np.array_equal(
        designs_a.numbers.weights[0], designs_a.numbers.weights[1]
    )  # draws differ


def test_the_points_of_a_sweep_share_their_drawn_configs_and_get_what_each_draws_alone():
    """DrawnConfigs: a point that differs from an earlier one outside the params takes its drawn
    params; one whose params differ draws its own; each equals drawing it without the memo."""
    from sim.config.held import hold
    from sim.config.load import with_values
    from sim.engine.design import DrawnConfigs

    base = compose_config(
        ["replicates=100", "seed=3"]
    )  # hold: a weight set by hand holds in every draw
    points = [
        hold(with_values(base, values), list(values))
        for values in (
            {"mediator.engagement": 0.5},
            {"mediator.engagement": 1.5},
            {"params.weights.peer": 0.2, "mediator.engagement": 0.5},
        )
    ]
    memo, seen = DrawnConfigs(), []
    for config in points:
        shared, _ = input_design(config, compile_world(config), memo=memo)
        alone, _ = input_design(config, compile_world(config))
        assert all(np.array_equal(x, y) for x, y in zip(shared.numbers, alone.numbers))
        seen.append(shared)
    assert np.array_equal(
        seen[0].numbers.engagement * 3, seen[1].numbers.engagement
    )  # its own mediator
    assert not np.array_equal(
        seen[0].numbers.weights, seen[2].numbers.weights
    )  # its own params' draws


def test_a_parameter_set_on_the_command_line_holds_in_every_draw_and_the_rest_still_vary():
    held = compose_config(
        ["replicates=200", "seed=3", "params.leader_multiplier=7", "params.weights.peer=1.5"]
    )
    assert held.params.fixed == ["leader_multiplier", "weights.peer"]
    designs, _ = input_design(held, compile_world(held))
    assert (designs.numbers.leader_multiplier == 7).all()
    assert (
        len(np.unique(designs.numbers.threshold)) == designs.size > 1
    )  # the other parameters are drawn
    free = compose_config(["replicates=200", "seed=3"])
    drawn, _ = input_design(free, compile_world(free))
    assert len(np.unique(drawn.numbers.leader_multiplier)) > 1 and free.params.fixed == []
    with pytest.raises(ConfigError, match="params.fixed: unknown parameter 'charm'"):
        compose_config(["params.fixed=[charm]"])


def test_a_weight_moved_on_the_page_holds_in_every_posterior_draw():
    import dataclasses

    from sim.api.page import configure, defaults
    from sim.core.terms import TERMS

    moved = configure({**defaults(), "w_inducement": 0.2})
    assert (
        moved.params.fixed == ["weights.inducement"] and moved.params.draws
    )  # still the posterior
    designs, _ = input_design(dataclasses.replace(moved, replicates=200), compile_world(moved))
    inducement = designs.numbers.weights[
        ..., TERMS.index("inducement")
    ]  # (draws, periods, countries)
    assert designs.size > 1 and (inducement == inducement[:1]).all()  # the same in every draw
    assert np.isclose(
        inducement, 0.2
    ).any()  # the slider's value (countries with their own weight keep it)
    assert len(np.unique(designs.numbers.threshold)) == designs.size  # the rest are drawn


def test_a_drawn_world_reuses_the_compiled_one_and_is_the_same_bit_for_bit():
    """compile_like (a posterior draw: only its params' numbers computed again) equals
    compile_world, for the outlook's world and the record's, over every fitted parameter; a
    config that differs in more than params is compiled afresh."""
    from sim.config.draws import load_draws
    from sim.config.load import with_values
    from sim.engine.design import compile_draws, stack_worlds
    from sim.engine.world import compile_like
    from sim.inference.start import _past

    config = compose_config([])
    table = load_draws(config.params.draws)
    rng = np.random.default_rng(7)
    for base in (config, _past(config)):
        world = compile_world(base)
        for i in rng.choice(len(table), 8, replace=False):
            drawn = with_values(base, {f"params.{k}": float(v) for k, v in table.iloc[i].items()})
            fast, slow = compile_like(drawn, base, world), compile_world(drawn)
            assert fast.shared is world.shared  # reused, not compiled again
            for field, a, b in zip(slow.numbers._fields, fast.numbers, slow.numbers):
                assert a.dtype == b.dtype and np.array_equal(a, b), field
        drawn = [
            with_values(base, {f"params.{k}": float(v) for k, v in table.iloc[i].items()})
            for i in (3, 30, 300)
        ]
        together, alone = (
            compile_draws(drawn, base, world),
            stack_worlds([compile_world(d) for d in drawn]),
        )
        for field, a, b in zip(
            alone.numbers._fields, together.numbers, alone.numbers
        ):  # every draw at once
            assert a.dtype == b.dtype and np.array_equal(a, b), field
    other = with_values(config, {"mediator.engagement": 0.3, "params.threshold": 1.0})
    world = compile_world(config)
    again = compile_like(other, config, world)
    assert again.shared is not world.shared and np.array_equal(
        again.numbers.engagement, compile_world(other).numbers.engagement
    )


def test_a_what_if_on_the_mediators_engagement_changes_the_future_not_the_inferred_present():
    """The scale `mediator.engagement` is a lever of the outlook: the record's months keep the
    eras' levels, so the latent talks the outlook starts from are those of the baseline, while
    what happens afterwards moves with the scale."""
    runs = {
        e: run([f"mediator.engagement={e}", "replicates=2000", "plots=false", "explain=false"])
        for e in (0.5, 1.0, 1.5)
    }
    starts = {
        e: r.summary.set_index("country")["p_talks_at_start"].sort_index() for e, r in runs.items()
    }
    assert starts[0.5].equals(starts[1.0]) and starts[1.5].equals(starts[1.0])
    assert (starts[1.0] > 0).sum() > 10  # many countries may be in talks the record does not show
    assert (
        runs[0.5].new_members.iloc[-1]
        < runs[1.0].new_members.iloc[-1]
        < runs[1.5].new_members.iloc[-1]
    )

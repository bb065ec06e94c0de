"""The Mesa model tested on outcomes, and the ensemble engine against it."""

from __future__ import annotations

import mesa
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from sim.analysis.tables import member_share_counts
from sim.engine.model import WorldModel
from sim.engine.outcomes import NEVER, Outcomes
from sim.engine.simulate import simulate
from sim.engine.world import compile_world
from sim.hydra.configs import compose_config

from .strategies import build, country, scenarios


def p_by_horizon(config, **kw) -> dict[str, float]:
    world = compile_world(config)
    out = simulate(world, replicates=config.replicates, seed=config.seed, **kw)
    final = member_share_counts(out, world.n_months)[-1] / out.replicates
    return dict(zip(world.ids, final))


def test_overwhelming_incentives_join_and_none_never_do():
    eager = country("Eager", level=1.0, public_permissiveness=1.0, palestine_linkage=0.0)
    unwilling = country(
        "Unwilling",
        level=0.0,
        public_permissiveness=0.0,
        regime_insulation=0.0,
        palestine_linkage=1.0,
    )
    config = build(
        {"eager": eager, "unwilling": unwilling},
        params={"noise": 0.02, "rate_open": 0.9, "rate_sign": 0.9, "rate_collapse": 0.05},
        mediator={"strategy": "none"},
        replicates=500,
    )
    p = p_by_horizon(config)
    assert p["eager"] == 1.0
    assert p["unwilling"] == 0.0


def test_a_leaders_accession_raises_its_followers_probabilities():
    def scenario(leader_status: str, multiplier: float):
        roster = {
            "leader": country("Leader", status=leader_status, level=0.2),
            "follower": country("Follower", level=0.4),
            "bystander": country("Bystander", level=0.4, region="South"),
        }
        return build(
            roster,
            peers={
                "leader": "leader",
                "followers": ["follower"],
                "edges": [["leader", "bystander", 1.0]],
            },
            params={"leader_multiplier": multiplier, "weights": {"peer": 1.0}},
            mediator={"strategy": "none"},
            replicates=4000,
        )

    outside = p_by_horizon(scenario("outside", 3.0))
    member = p_by_horizon(scenario("member", 3.0))
    member_no_boost = p_by_horizon(scenario("member", 1.0))
    assert member["follower"] > outside["follower"] + 0.1
    assert member["follower"] > member_no_boost["follower"] + 0.05
    # the bystander is tied to the leader as strongly but is not a follower: no multiplier
    assert member["bystander"] == pytest.approx(member_no_boost["bystander"], abs=1e-12)


def paired_drop_z(low: Outcomes, high: Outcomes, n_months: int) -> np.ndarray:
    """Per country, z of the paired mean change in 'member at the horizon' (high - low)."""
    diff = low.is_member(n_months - 1).astype(float) * -1 + high.is_member(n_months - 1)
    se = diff.std(axis=0, ddof=1) / np.sqrt(len(diff))
    return np.where(se > 0, diff.mean(axis=0) / np.where(se > 0, se, 1), 0.0)


def test_stronger_engagement_never_lowers_a_probability_on_the_default_scenario():
    # Courting capacity made non-binding: with a tight budget, courting one country harder can
    # cost another its offer (rivalrous courting), which is a property of the model, not noise.
    ample = ["mediator.max_targets=40"] + [
        f"mediator.inducements.{k}.units=1000"
        for k in ("arms", "recognition", "sanctions_relief", "investment", "security_guarantee")
    ]
    runs = []
    for engagement in (0.5, 1.0):
        cfg = compose_config([*ample, f"mediator.engagement={engagement}", "replicates=4000"])
        world = compile_world(cfg)
        runs.append(simulate(world, replicates=cfg.replicates, seed=cfg.seed))
    z = paired_drop_z(*runs, world.n_months)
    assert z.min() > -4, dict(zip(world.ids, z.round(1)))
    assert z.max() > 4  # engagement matters for someone


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scenarios(replicates=800))
def test_stronger_engagement_never_lowers_a_probability_with_a_fixed_priority(data):
    data["mediator"]["strategy"] = "priority"
    for item in data["mediator"]["inducements"].values():
        item["units"] = 1000
    runs = []
    for engagement in (0.3, 1.0):
        data["mediator"]["engagement"] = engagement
        config = build_from(data)
        world = compile_world(config)
        runs.append(simulate(world, replicates=config.replicates, seed=config.seed))
    assert paired_drop_z(*runs, world.n_months).min() > -4.5


def build_from(data: dict):
    from sim.config.load import load_config

    return load_config(data)


def test_identical_countries_get_the_same_probability():
    twins = {f"t{i}": country(f"Twin {i}", level=0.55) for i in range(2)}
    config = build(twins, mediator={"max_targets": 2}, replicates=6000)
    p = p_by_horizon(config)
    pooled = (p["t0"] + p["t1"]) / 2
    se = np.sqrt(2 * pooled * (1 - pooled) / config.replicates)
    assert 0.05 < pooled < 0.95
    assert abs(p["t0"] - p["t1"]) < 4 * se


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scenarios(replicates=6))
def test_mesa_and_ensemble_agree_replicate_by_replicate(data):
    world = compile_world(build_from(data))
    mesa_out = simulate(world, replicates=6, seed=data["seed"], engine="mesa")
    ensemble_out = simulate(world, replicates=6, seed=data["seed"], engine="ensemble", chunk=4)
    for field in ("talks_month", "join_month", "exit_month", "collapse_month"):
        np.testing.assert_array_equal(getattr(mesa_out, field), getattr(ensemble_out, field))


def test_mesa_and_ensemble_agree_on_the_default_scenario():
    world = compile_world(compose_config([]))
    a = simulate(world, replicates=12, seed=3, engine="mesa")
    b = simulate(world, replicates=12, seed=3, engine="ensemble")
    np.testing.assert_array_equal(a.join_month, b.join_month)
    np.testing.assert_array_equal(a.talks_month, b.talks_month)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scenarios(replicates=6, decay=True))
def test_mesa_and_ensemble_agree_replicate_by_replicate_with_time_in_talks(data):
    # Talks that stall or mature: each engine keeps its own clock of every country's talks (the
    # record's spans at the start, each spell opened since), and both draw the same futures.
    world = compile_world(build_from(data))
    assert world.numbers.talks_decay[0] != 0.0
    mesa_out = simulate(world, replicates=6, seed=data["seed"], engine="mesa")
    ensemble_out = simulate(world, replicates=6, seed=data["seed"], engine="ensemble", chunk=4)
    for field in ("talks_month", "join_month", "exit_month", "collapse_month"):
        np.testing.assert_array_equal(getattr(mesa_out, field), getattr(ensemble_out, field))


@pytest.mark.parametrize("decay", [0.15, -0.1])
def test_mesa_and_ensemble_agree_on_the_default_scenario_with_time_in_talks(decay):
    # The default outlook, whose talks on the record began months before it starts: stalled
    # talks change the futures drawn, the same in both engines.
    world = compile_world(compose_config([f"params.talks_decay={decay}"]))
    a = simulate(world, replicates=40, seed=3, engine="mesa")
    b = simulate(world, replicates=40, seed=3, engine="ensemble")
    np.testing.assert_array_equal(a.join_month, b.join_month)
    np.testing.assert_array_equal(a.talks_month, b.talks_month)
    np.testing.assert_array_equal(a.collapse_month, b.collapse_month)
    today = simulate(compile_world(compose_config([])), replicates=40, seed=3, engine="ensemble")
    assert not np.array_equal(b.join_month, today.join_month)


@settings(max_examples=30, deadline=None)
@given(data=scenarios(replicates=50))
def test_outcomes_are_consistent_and_curves_never_fall_without_exit(data):
    config = build_from(data)
    world = compile_world(config)
    out = simulate(world, replicates=50, seed=config.seed, chunk=16)
    share = member_share_counts(out, world.n_months) / 50
    assert np.all((share >= 0) & (share <= 1))
    joined = out.join_month != NEVER
    assert np.all(out.talks_month[joined] <= out.join_month[joined])  # talks come first
    assert np.all(out.exit_month[out.exit_month != NEVER] > out.join_month[out.exit_month != NEVER])
    counts = out.member_counts(world.n_months)
    np.testing.assert_array_equal(counts[:, -1], out.is_member(world.n_months - 1).sum(axis=1))
    if not config.scenario.exit_enabled:
        assert np.all(np.diff(share, axis=0) >= 0)
        assert np.all(out.exit_month == NEVER)


def test_same_seed_same_result_any_chunk_and_different_seed_differs():
    world = compile_world(compose_config([]))
    a = simulate(world, replicates=300, seed=11, chunk=300)
    b = simulate(world, replicates=300, seed=11, chunk=7)
    c = simulate(world, replicates=300, seed=12)
    np.testing.assert_array_equal(a.join_month, b.join_month)
    assert not np.array_equal(a.join_month, c.join_month)


def test_data_collector_tracks_members_and_statuses():
    config = compose_config(["replicates=1"])
    model = WorldModel(config, rng=5)
    model.run_model()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == model.world.n_months + 1  # the start and every month
    assert frame["members"].iloc[0] == 5  # UAE, Bahrain, Morocco, Sudan, Kazakhstan
    assert frame["members"].is_monotonic_increasing
    statuses = model.datacollector.get_agenttype_vars_dataframe(type(model.countries[0]))
    last = statuses.xs(statuses.index.get_level_values(0).max(), level=0)
    assert (last["status"] == "member").sum() == frame["members"].iloc[-1]
    outcome = model.outcome()
    assert (outcome.join_month != NEVER).sum() == frame["members"].iloc[-1]


def test_batch_run_runs_the_model_unchanged():
    config = compose_config(["replicates=1"])
    n_months = compile_world(config).n_months
    results = mesa.batch_run(
        WorldModel,
        parameters={"config": config},
        rng=[1, 2],
        max_steps=n_months,
        number_processes=1,
        display_progress=False,
    )
    n_countries = len(config.roster.countries)
    assert len(results) == 2 * n_countries  # one row per country and run (agent-type reporters)
    for run_id, seed in enumerate((1, 2)):
        rows = [r for r in results if r["RunId"] == run_id]
        model = WorldModel(config, rng=seed)
        model.run_model()
        assert {r["members"] for r in rows} == {sum(c.is_member for c in model.countries)}
        assert {r["Step"] for r in rows} == {n_months}
        assert sorted(r["status"] for r in rows) == sorted(
            c.status.name.lower() for c in model.countries
        )


def test_same_result_on_one_thread_and_on_all():
    import numba

    world = compile_world(compose_config([]))
    everyone = simulate(world, replicates=500, seed=4)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        single = simulate(world, replicates=500, seed=4)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(everyone.join_month, single.join_month)
    np.testing.assert_array_equal(everyone.talks_month, single.talks_month)

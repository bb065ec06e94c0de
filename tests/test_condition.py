"""Conditional outcomes (sim.commands.condition): read off a run's replicates, no new simulation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim import run
from sim.analysis.condition import Setting, advice, conditional_table
from sim.config.errors import ConfigError
from sim.core.decision import Status

from .conftest import cli


@pytest.fixture(scope="module")
def default_run():
    return run(["replicates=20000", "plots=false"])


def setting_of(result) -> Setting:
    w = result.world
    return Setting(w.ids, w.names, w.start, w.n_months, w.counted)


def test_a_condition_that_always_holds_gives_the_unconditional_numbers_exactly(default_run):
    table, summary = conditional_table(
        default_run.outcomes, setting_of(default_run), "at least 0 new members by 2029-12", 12
    )
    assert summary["kept"] == summary["replicates"] == 20000
    assert (table["p_if"] == table["p_joined_by_horizon"]).all() and (table["delta"] == 0).all()
    stored = default_run.summary.set_index("country")["p_joined_by_horizon"]
    assert np.array_equal(
        table.set_index("country")["p_if"].to_numpy(), stored.reindex(table["country"]).to_numpy()
    )


def test_a_leaders_accession_raises_its_followers_chances(default_run):
    """Saudi Arabia leads Qatar, Kuwait, Oman and Pakistan in the roster's peer ties."""
    table, summary = conditional_table(
        default_run.outcomes, setting_of(default_run), "saudi_arabia joins by 2028-12", 12
    )
    assert 200 < summary["kept"] < 20000
    rows = table.set_index("id")
    for follower in ("qatar", "kuwait", "oman"):
        assert rows.loc[follower, "if_ci_low"] > rows.loc[follower, "ci_high"], rows.loc[follower]
    assert rows.loc["saudi_arabia", "p_if"] == 1.0


def test_and_or_not_combine_as_logic(default_run):
    setting, outcomes = setting_of(default_run), default_run.outcomes
    a = conditional_table(outcomes, setting, "azerbaijan joins by 2027-12", 12)[1]["kept"]
    b = conditional_table(outcomes, setting, "somaliland joins by 2028-06", 12)[1]["kept"]
    both = conditional_table(
        outcomes, setting, "azerbaijan joins by 2027-12 and somaliland joins by 2028-06", 12
    )[1]["kept"]
    either = conditional_table(
        outcomes, setting, "(azerbaijan joins by 2027-12) or somaliland joins by 2028-06", 12
    )[1]["kept"]
    neither = conditional_table(
        outcomes, setting, "not azerbaijan joins by 2027-12 and not somaliland joins by 2028-06", 12
    )[1]["kept"]
    assert either == a + b - both and neither == 20000 - either and 0 < both < min(a, b)


def test_a_condition_that_never_holds_says_so_and_suggests_more_replicates(default_run):
    never = "saudi_arabia joins by 2027-01 and not saudi_arabia joins"  # joined by 2027-01 but not by the horizon
    table, summary = conditional_table(default_run.outcomes, setting_of(default_run), never, 12)
    assert summary["kept"] == 0 and table["p_if"].isna().all()
    assert "none of 20,000 replicates" in advice(summary)
    rare = conditional_table(
        default_run.outcomes, setting_of(default_run), "at least 2 new members by 2027-06", 12
    )[1]
    assert rare["kept"] < 200 and "replicates=" in advice(rare)


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("saudia joins", "condition: expected a country id of the roster (closest: saudi_arabia)"),
        (
            "saudi_arabia joins by 2031-12",
            "condition: expected a month in the run's window 2026-12 to 2029-12, got '2031-12'",
        ),
        ("saudi_arabia joins by soon", "condition: expected a month as YYYY-MM after 'by'"),
        (
            "saudi_arabia joins by 2027-13",
            "condition: expected a month as 'YYYY-MM', got '2027-13'",
        ),
        (
            "saudi_arabia joins and",
            "condition: expected a country id of the roster, 'not', 'at least N new members' or '(', got 'the end'",
        ),
        ("(saudi_arabia joins", "condition: expected ')', got 'the end'"),
        (
            "saudi_arabia signs",
            "condition: expected 'joins' or 'leaves' or 'in' or 'talks', got 'signs'",
        ),
        ("", "condition: expected a condition"),
    ],
)
def test_bad_conditions_are_one_line_errors(default_run, condition, message):
    with pytest.raises(ConfigError) as caught:
        conditional_table(default_run.outcomes, setting_of(default_run), condition, 12)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


@pytest.mark.slow
def test_the_command_reads_a_stored_run_and_writes_its_answer(tmp_path):
    folder = tmp_path / "run"
    assert cli("replicates=3000", "plots=false", f"hydra.run.dir={folder}").returncode == 0
    done = cli(
        "--if",
        "saudi_arabia joins by 2028-12",
        "--run",
        str(folder),
        "--within",
        "6",
        module="sim.condition",
    )
    assert done.returncode == 0, done.stderr
    assert {"condition.csv", "condition.png", "condition.md"} <= {p.name for p in folder.iterdir()}
    assert "p_within_6_months_after" in (folder / "condition.csv").read_text().splitlines()[0]
    bad = cli(
        "--if",
        "saudi_arabia joins by 2031-12",
        "--run",
        str(folder),
        "--out",
        str(tmp_path / "bad"),
        module="sim.condition",
    )
    assert (
        bad.returncode == 2
        and bad.stderr.count("\n") == 1
        and bad.stderr.startswith("error: condition:")
    )
    assert not (tmp_path / "bad").exists()


def test_shock_onsets_drawn_again_are_the_kernels():
    """A talks-collapsing shock's first onset, recomputed from the streams, is the first month
    the kernel's trace shows its targets hit (the earliest of the collapsing events that hit them)."""
    from sim.engine.kernel import shock_onsets, traced_run
    from sim.engine.world import compile_world
    from sim.hydra.configs import compose_config

    world = compile_world(compose_config(["params=calibrated"]))
    points, replicates = np.zeros(400, dtype=np.int64), np.arange(400)
    outcomes, recorders = traced_run(world, points, replicates, 11)
    onsets = shock_onsets(world, points, replicates, 11).astype(np.int64)
    collapsing = np.flatnonzero(world.shared.event_collapses_talks)
    assert len(collapsing) and (onsets[:, collapsing] < 1000).any()
    compared = 0
    for i in np.flatnonzero(
        world.status0 != Status.MEMBER
    ):  # the trace records a country while it decides
        hitting = [e for e in collapsing if world.shared.event_hits[e, i]]
        if not hitting:
            continue
        expected = onsets[:, hitting].min(axis=1)
        deciding = outcomes.join_month[:, i].astype(np.int64) > np.minimum(
            expected, 1000
        )  # not yet a member then
        shocked = recorders.shocked[:, :, i]
        first = np.where(shocked.any(axis=1), shocked.argmax(axis=1), 32767)
        np.testing.assert_array_equal(first[deciding], np.minimum(expected, 32767)[deciding])
        compared += deciding.sum()
    assert compared > 1000


def test_conditions_on_shocks_and_collapsed_talks(default_run):
    from sim.engine.kernel import shock_onsets
    from sim.runs.runner import design

    _, designs, points = design(default_run.config)
    setting = Setting(
        *dataclasses.astuple(setting_of(default_run))[:5],
        tuple(designs.event_names),
        shock_onsets(designs, points, np.arange(20000), default_run.config.seed),
    )
    war = conditional_table(default_run.outcomes, setting, "shock gaza_war_resumes by 2029-12", 12)[
        1
    ]
    p = default_run.config.events.random["gaza_war_resumes"].p_monthly
    chance = 1 - (1 - p) ** designs.n_months  # about: a running war cannot start again
    assert abs(war["share_kept"] - chance) < 0.05 and war["kept"] > 1000
    collapsed = conditional_table(
        default_run.outcomes, setting, "oman talks collapse by 2029-12", 12
    )
    opened = conditional_table(default_run.outcomes, setting, "oman in talks by 2029-12", 12)[1][
        "kept"
    ]
    assert 0 < collapsed[1]["kept"] <= opened  # only talks that opened can collapse
    with pytest.raises(ConfigError, match="expected an event of the run"):
        conditional_table(default_run.outcomes, setting, "shock tsunami by 2028-01", 12)

"""Facts as of their date: the replay reads each month's values, on both engines and in the likelihood."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import run
from sim.config.errors import ConfigError
from sim.config.schema import RecordConfig
from sim.config.validate import build
from sim.core.calendar import parse_month
from sim.core.decision import Status, response
from sim.core.utility import accession_utility
from sim.engine.kernel import traced_run
from sim.engine.outcomes import BEFORE, NEVER
from sim.engine.simulate import simulate
from sim.engine.world import compile_world
from sim.hydra.configs import compose_config
from sim.inference.likelihood import Record, load_record, month_inputs, talks_probability

from .conftest import ROOT, cli, mesa_deciding

OMAN = "roster.countries.oman"
DATED = [
    f"{OMAN}.palestine_linkage={{2020-06: 0.2, 2023-01: 0.9}}",
    f"{OMAN}.us_security={{2020-06: 0.3, 2023-01: 0.9}}",
]


def history(*overrides: str):
    return compile_world(compose_config(["+experiment=history", *overrides]))


def no_joins(world) -> Record:
    return Record(
        np.full(len(world.ids), NEVER, dtype=np.int64),
        np.zeros((world.n_months, len(world.ids)), bool),
    )


def test_the_likelihood_reads_each_months_value():
    dated, before, after = (
        history(*DATED),
        history(f"{OMAN}.palestine_linkage=0.2", f"{OMAN}.us_security=0.3"),
        history(f"{OMAN}.palestine_linkage=0.9", f"{OMAN}.us_security=0.9"),
    )
    i, change = dated.ids.index("oman"), parse_month("2023-01") - dated.start
    r_dated = month_inputs(dated, no_joins(dated))[0][:, i]
    assert np.array_equal(r_dated[:change], month_inputs(before, no_joins(before))[0][:change, i])
    assert np.array_equal(r_dated[change:], month_inputs(after, no_joins(after))[0][change:, i])
    assert r_dated[change] != r_dated[change - 1]  # the hazard moves the month the fact does


def test_the_kernel_and_the_mesa_agents_read_the_same_dated_values():
    world = history(
        *DATED, "+roster.countries.somaliland.candidate={2020-06: false, 2025-12: true}"
    )
    outcomes, trace = traced_run(world, np.zeros(20, dtype=np.int64), np.arange(20), seed=3)
    i, change = world.ids.index("oman"), parse_month("2023-01") - world.start
    assert not np.isnan(trace.readiness[:, change - 1 : change + 1, i]).any()
    somaliland, candidate_from = world.ids.index("somaliland"), parse_month("2025-12") - world.start
    assert (trace.readiness[:, :candidate_from, somaliland] == 0).all()  # not yet a candidate
    assert (trace.offers[:, :candidate_from, somaliland] == -1).all()
    assert (trace.readiness[:, candidate_from:, somaliland] > 0).all()
    for r, t, model, c in mesa_deciding(world, 20, seed=3):
        u = accession_utility(c.contributions())
        r_mesa = response(u, c.threshold, model.rates.noise) if c.is_candidate else 0.0
        assert r_mesa == trace.readiness[r, t, c.index], (r, t, c.name)
    for r in range(20):
        record = Record(
            outcomes.join_month[r].astype(np.int64),
            np.zeros((world.n_months, len(world.ids)), bool),
        )
        seen = ~np.isnan(trace.readiness[r])
        assert np.array_equal(month_inputs(world, record)[0][seen], trace.readiness[r][seen])


def test_a_type_granted_by_date_is_no_longer_offered_from_that_month():
    # a list on the command line becomes a mapping by date with ~ then + (in a YAML file, just write it)
    granted = "roster.countries.saudi_arabia.granted"
    world = history(f"~{granted}", f"+{granted}={{2020-06: [], 2023-07: [defence_treaty]}}")
    saudi, k = world.ids.index("saudi_arabia"), world.inducement_types.index("defence_treaty")
    from_month = parse_month("2023-07") - world.start
    value = world.values().value[world.shared.period]  # by month
    assert value[from_month - 1, saudi, k] > 0 and (value[from_month:, saudi, k] == 0).all()
    assert (
        world.shared.period[from_month] == world.shared.period[from_month - 1] + 1
    )  # a new period
    offers = month_inputs(world, no_joins(world))[2][:, saudi]
    offered = np.flatnonzero(offers == k)
    assert len(offered) and offered.max() < from_month  # the scripted 2023 talks stop at the grant


@pytest.mark.parametrize(
    "override, message",
    [
        (
            f"{OMAN}.palestine_linkage={{2024-12: 0.3, 2020-06: 0.5}}",
            f"{OMAN}.palestine_linkage: expected months in increasing order, got 2020-06 after 2024-12",
        ),
        (
            f"{OMAN}.palestine_linkage={{2020-06: 0.5, 2024-13: 0.3}}",
            f"{OMAN}.palestine_linkage.2024-13: expected a month as 'YYYY-MM', got '2024-13'",
        ),
        (
            f"{OMAN}.palestine_linkage={{2020-06: 0.5, 2024-12: 1.3}}",
            f"{OMAN}.palestine_linkage.2024-12: expected a number in [0.0, 1.0], got 1.3",
        ),
        (
            (f"~{OMAN}.granted", f"+{OMAN}.granted={{2020-06: [], 2024-12: [charm]}}"),
            f"{OMAN}.granted.2024-12: unknown inducement type 'charm'",
        ),
    ],
)
def test_bad_dated_values_are_one_line_errors_naming_country_key_and_date(
    override, message, tmp_path
):
    overrides = list(override) if isinstance(override, tuple) else [override]
    with pytest.raises(ConfigError) as err:
        compose_config(overrides)
    assert str(err.value).startswith(message)
    done = cli(*overrides, f"hydra.run.dir={tmp_path / 'run'}")
    assert done.returncode == 2 and done.stderr.startswith(f"error: {message}"), done.stderr
    assert done.stderr.count("\n") == 1 and not (tmp_path / "run").exists()


def test_an_outlook_can_start_from_the_talks_the_record_leaves_latent():
    past = history()
    record = load_record(
        build(
            RecordConfig,
            yaml.safe_load((ROOT / "conf/record/accessions_2020_2026.yaml").read_text()),
        ),
        past,
    )
    p_talks = talks_probability(past, record, 0.05)
    joined = record.joined != NEVER
    ended = [past.ids.index(c) for c in ("saudi_arabia", "iraq", "libya")]  # out of talks to as_of
    assert np.isnan(p_talks[joined]).all() and (p_talks[ended] == 0).all()
    assert (np.delete(p_talks, ended)[~np.delete(joined, ended)] > 0).all()
    last_reported = [
        past.ids.index(c) for c in ("azerbaijan", "somaliland")
    ]  # talks on the record to their last report (2025-08, 2026-01), latent since
    assert ((p_talks[last_reported] > 0) & (p_talks[last_reported] < 1)).all()
    world = compile_world(compose_config([]))
    assert world.ids == past.ids
    start = np.where(world.status0 == Status.OUTSIDE, np.nan_to_num(p_talks), 0.0)
    world = dataclasses.replace(world, numbers=world.numbers._replace(p_talks0=start[None]))
    kernel = simulate(world, replicates=30, seed=8)
    mesa = simulate(world, replicates=30, seed=8, engine="mesa")
    assert np.array_equal(kernel.talks_month, mesa.talks_month) and np.array_equal(
        kernel.join_month, mesa.join_month
    )
    many = simulate(world, replicates=20_000, seed=8)
    share = (many.talks_month == BEFORE).mean(axis=0)
    outside = world.status0 == Status.OUTSIDE
    se = np.sqrt(start * (1 - start) / 20_000) + 1e-9
    assert (np.abs(share[outside] - start[outside]) < 5 * se[outside] + 1e-12).all()


def test_counting_by_kind_changes_the_member_counts_not_the_probabilities():
    every = run(["replicates=600", "plots=false", "explain=false"])
    new_only = run(
        ["replicates=600", "plots=false", "explain=false", "count_kinds=[new_relations]"]
    )
    assert every.summary.equals(
        new_only.summary
    )  # each country's own numbers do not depend on the rule
    kinds = every.summary.set_index("country")["kind"]
    assert (
        kinds["Kazakhstan"] == "symbolic"
        and kinds["Somaliland"] == "unrecognised"
        and kinds["Oman"] == "new_relations"
    )
    members = every.summary["status_at_start"] == "member"
    assert every.members["median"].iloc[0] == members.sum()
    assert (
        new_only.members["median"].iloc[0]
        == (members & (every.summary["kind"] == "new_relations")).sum()
    )
    assert (new_only.members["mean"] <= every.members["mean"]).all()
    with pytest.raises(ConfigError, match=r"^count_kinds: unknown kind of accession 'vibes'"):
        compose_config(["count_kinds=[vibes]"])


def test_a_users_record_entry_sets_the_outlooks_statuses(tmp_path):
    # One entry in one file: an accession added to the record, in the user's own config folder.
    (tmp_path / "record").mkdir()
    (tmp_path / "record" / "mine.yaml").write_text(
        'defaults:\n  - accessions_2020_2026\n  - _self_\nname: mine\njoined:\n  oman: "2026-05"\n'
    )
    done = cli(
        "--config-dir",
        str(tmp_path),
        "record=mine",
        "scenario.latent_talks=false",
        "replicates=300",
        "plots=false",
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = pd.read_csv(tmp_path / "run" / "summary.csv").set_index("country")
    assert summary.loc["Oman", "status_at_start"] == "member"
    assert (
        summary.loc["Kazakhstan", "status_at_start"] == "member"
        and summary.loc["Azerbaijan", "status_at_start"] == "outside"
    )  # its talks end at their last report (2025-08), months before as_of
    assert summary.loc["Saudi Arabia", "status_at_start"] == "outside"
    assert set(summary["p_talks_at_start"]) <= {0.0, 1.0}  # talks on the record only
    # conditioned on the record: every country outside may be in talks no record shows
    done = cli(
        "--config-dir",
        str(tmp_path),
        "record=mine",
        "replicates=3000",
        "plots=false",
        f"hydra.run.dir={tmp_path / 'latent'}",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    latent = pd.read_csv(tmp_path / "latent" / "summary.csv").set_index("country")
    assert (
        latent.loc["Oman", "status_at_start"] == "member"
        and latent.loc["Oman", "p_talks_at_start"] == 0
    )
    assert 0 < latent.loc["Azerbaijan", "p_talks_at_start"] < 1  # latent since 2025-08
    known_out = ["Saudi Arabia", "Iraq", "Libya"]  # out of talks on the record to its end
    outside = (latent["status_at_start"] == "outside") & ~latent.index.isin(known_out)
    assert (latent.loc[outside, "p_talks_at_start"] > 0).all() and (
        latent.loc[outside, "p_talks_at_start"] < 1
    ).all()
    assert (latent.loc[known_out, "p_talks_at_start"] == 0).all()
    # a span out of talks at the record's end, added by the user, leaves none latent
    (tmp_path / "record" / "ended.yaml").write_text(
        'defaults:\n  - mine\n  - _self_\nname: ended\nout_of_talks:\n  qatar: ["2026-01", "2026-11"]\n'
    )
    done = cli(
        "--config-dir",
        str(tmp_path),
        "record=ended",
        "replicates=500",
        "plots=false",
        f"hydra.run.dir={tmp_path / 'ended'}",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    ended = pd.read_csv(tmp_path / "ended" / "summary.csv").set_index("country")
    assert (
        ended.loc["Qatar", "p_talks_at_start"] == 0 and ended.loc["Kuwait", "p_talks_at_start"] > 0
    )


def test_counting_by_signing_shifts_each_accession_by_the_lag_and_drops_unsigned_members():
    announced = run(["replicates=800", "seed=3", "plots=false"])
    signed = run(["replicates=800", "seed=3", "plots=false", "count_stage=signed", "signing_lag=2"])
    a = announced.tables.joining_probabilities.pivot(
        index="month", columns="country", values="p_joined"
    )
    s = signed.tables.joining_probabilities.pivot(
        index="month", columns="country", values="p_joined"
    )
    # Kazakhstan announced in 2025-11 with no signing on the record: not a member by signing
    assert (a["Kazakhstan"] == 1).all() and (s["Kazakhstan"] == 0).all()
    assert (s["Sudan"] == 1).all()  # signed 2021-01
    # every accession in the run counts two months after its announcement
    others = [c for c in a.columns if c != "Kazakhstan"]
    assert np.array_equal(s[others].to_numpy()[2:], a[others].to_numpy()[:-2])
    assert (s.iloc[:2][others] <= a.iloc[:2][others]).all().all()
    # Azerbaijan joins in enough replicates for the lag to show (0.43 by 2029-12 with its gate)
    assert a["Azerbaijan"].iloc[-1] > s["Azerbaijan"].iloc[-1] > 0.3

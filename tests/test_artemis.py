"""The second world: the Artemis Accords, declared entirely in config (terms, roster, mediator,
record, params), run, calibrated and backtested by the same commands as the default world."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.core.calendar import parse_month
from sim.engine.world import compile_world
from sim.inference.likelihood import load_record, log_likelihood

from .conftest import calibration_config, cli

TERMS = ["treaty_ally", "space_agency", "inducement", "peer", "rival_bloc"]


def test_the_record_reproduces_the_references_counts_by_year():
    """artemis_accords.md, "Count by year": 8 founders with the US in 2020-10, then 1, 5, 9, 10, 19
    and 7 signings in 2020-2025, and Portugal and Oman in 2026-01 (61 with the US)."""
    config, _, settings = calibration_config("calibrate_artemis")
    months = list(config.record.joined.values())
    years = (
        pd.Series([m // 12 for m in months if m >= parse_month("2020-11")])
        .value_counts()
        .sort_index()
    )
    assert sum(m == parse_month("2020-10") for m in months) == 7  # the founders other than the US
    assert years.to_dict() == {2020: 1, 2021: 5, 2022: 9, 2023: 10, 2024: 19, 2025: 7, 2026: 2}
    assert len(config.record.joined) + 1 == 61
    tested = [m for m in months if settings.train_end < m <= config.record.as_of]
    assert (
        len(tested) == 28 and len(config.roster.countries) == 103
    )  # the backtest's scored events (>= 10)


def test_founders_add_nothing_to_the_likelihood_and_every_later_signing_something():
    config, _, _ = calibration_config("calibrate_artemis")
    world = compile_world(config)
    record = load_record(config.record, world)
    per_country = log_likelihood(world, record, config.params.talks_at_record_start)
    founders = record.joined < 0
    assert founders.sum() == 7 and (per_country[founders] == 0).all()
    assert (per_country[~founders] < 0).all() and np.isfinite(per_country).all()


@pytest.mark.slow
def test_the_artemis_outlook_runs_and_explains_itself_in_its_own_terms(tmp_path):
    done = cli("+experiment=artemis", "replicates=2000", "plots=false", f"hydra.run.dir={tmp_path}")
    assert done.returncode == 0, done.stderr[-2000:]
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert len(summary) == 103
    contributions = pd.read_csv(tmp_path / "contributions.csv")
    assert [c for c in contributions.columns if c in TERMS] == TERMS
    outside = summary[summary["status_at_start"] != "member"].set_index("country")
    # the terms as fitted: a treaty ally with a space agency is likelier to sign than a state with a
    # space agency in the rival bloc (Türkiye: NATO, TUA; Belarus: ILRS since 2023-10)
    assert (
        outside.loc["Türkiye", "p_joined_by_horizon"]
        > outside.loc["Belarus", "p_joined_by_horizon"] + 0.2
    )
    assert (
        outside.loc["Latvia", "p_talks_at_start"] == 1.0
    )  # its talks are on the record (2025-10 on)


@pytest.mark.slow
def test_the_artemis_calibration_backtests_on_its_own_record_and_installs_as_its_own_params(
    tmp_path,
):
    """The calibration command on the second world (a short posterior: the pipeline, not
    convergence): 28 scored signings after 2023-12, the peer effect with an interval, and a fit
    installed beside the default world's params, not over them."""
    from sim.commands.calibrate import promote

    short = ["posterior.walkers=28", "posterior.steps=24", "posterior.burn=8"]
    done = cli(
        "--config-name",
        "calibrate_artemis",
        f"hydra.run.dir={tmp_path}",
        *short,
        module="sim.calibrate",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = (tmp_path / "calibration.md").read_text()
    assert (
        "| weights.peer |" in report and "## Scores against the crowds" not in report
    )  # no questions here
    scores = pd.read_csv(tmp_path / "backtest.csv").set_index(["unit", "predictor"])
    assert (scores["events"] == 28).all()
    # the model's free-running forecasts beat the constant hazard's on the record left out
    assert (
        scores.loc[("country-window", "model"), "log_loss"]
        < scores.loc[("country-window", "constant"), "log_loss"]
    )
    assert (
        scores.loc[("year-count", "model"), "log_loss"]
        < scores.loc[("year-count", "constant"), "log_loss"]
    )
    check = pd.read_csv(tmp_path / "predictive_check.csv").set_index("period")
    assert check.loc["2020", "observed"] == 1  # Ukraine: the founders are not events
    (tmp_path / "conf").mkdir()
    installed = promote(tmp_path, tmp_path / "conf" / "calibrated.yaml", world="artemis")
    assert installed.name == "artemis_calibrated.yaml"
    assert "name: artemis_posterior" in (tmp_path / "conf" / "artemis_posterior.yaml").read_text()
    assert (tmp_path / "conf" / "artemis_posterior_draws.parquet").is_file()
    assert not (tmp_path / "conf" / "calibrated.yaml").exists()

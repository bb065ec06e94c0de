"""The command line end to end, in a subprocess as a user runs it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest

from sim import run

from .conftest import PNG, ROOT, cli


@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    folder = tmp_path_factory.mktemp("cli") / "run"
    return cli("replicates=400", "seed=3", f"hydra.run.dir={folder}"), folder


def test_default_run_writes_tables_and_plots(default_run):
    done, folder = default_run
    assert done.returncode == 0, done.stderr
    probabilities = pd.read_csv(folder / "joining_probabilities.csv")
    assert list(probabilities.columns) == ["country", "month", "p_joined", "ci_low", "ci_high"]
    assert probabilities["month"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert (
        probabilities["month"].iloc[0] == "2026-12" and probabilities["month"].iloc[-1] == "2029-12"
    )
    assert (probabilities["ci_low"] <= probabilities["p_joined"]).all()
    assert (probabilities["p_joined"] <= probabilities["ci_high"]).all()
    summary = pd.read_csv(folder / "summary.csv")
    assert list(summary.columns) == [
        "country",
        "status_at_start",
        "kind",
        "p_talks_at_start",
        "p_joined_by_horizon",
        "ci_low",
        "ci_high",
        "median_join_month",
        "share_from_inputs",  # the posterior's draws: how much of the spread is theirs
    ]
    assert len(summary) >= 30
    assert set(summary.loc[summary["status_at_start"] == "member", "p_joined_by_horizon"]) == {1.0}
    for name in ("joining_probability.png", "members.png"):
        assert (folder / name).read_bytes()[:8] == PNG
    assert "Saudi Arabia" in done.stdout and "p_joined_by_horizon" in done.stdout


def test_python_api_gives_the_same_tables_as_the_cli(default_run):
    _, folder = default_run
    result = run(["replicates=400", "seed=3"])
    assert result.summary.to_csv(index=False) == (folder / "summary.csv").read_text()
    expected = (folder / "joining_probabilities.csv").read_text()
    assert result.joining_probabilities.to_csv(index=False) == expected


def test_bad_value_is_one_line_exit_2_and_leaves_no_folder(tmp_path):
    done = cli("params.noise=-1", f"hydra.run.dir={tmp_path / 'run'}")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: params.noise: expected a number in [0.001, 10.0], got -1.0 (command line: params.noise=-1)"
    ]
    assert not (tmp_path / "run").exists()


def test_bad_value_in_a_users_file_names_the_file(tmp_path):
    roster = (ROOT / "conf" / "roster" / "abraham_2026.yaml").read_text()
    (tmp_path / "roster").mkdir()
    bad = tmp_path / "roster" / "bad.yaml"
    bad.write_text(roster.replace("    iran_threat: 0.6\n", "    iran_threat: high\n", 1))
    done = cli("--config-dir", str(tmp_path), "roster=bad", f"hydra.run.dir={tmp_path / 'run'}")
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.endswith(f"iran_threat: expected a number in [0.0, 1.0], got 'high' ({bad})")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()


def test_debug_shows_the_traceback(tmp_path):
    done = cli("params.noise=-1", "debug=true", f"hydra.run.dir={tmp_path / 'run'}")
    assert done.returncode != 0
    assert "ConfigError" in done.stderr


@pytest.mark.slow
def test_an_experiment_sweep_runs_every_job(tmp_path):
    done = cli(
        "+experiment=mediator_engagement",
        "replicates=100",
        f"hydra.sweep.dir={tmp_path}",
        "--multirun",
    )
    assert done.returncode == 0, done.stderr
    jobs = sorted(p for p in tmp_path.iterdir() if p.is_dir())
    assert [p.name for p in jobs] == ["0", "1", "2"]
    for job in jobs:
        assert (job / "summary.csv").is_file()


def test_chances_below_one_percent_are_shown_as_not_estimated():
    # The record bounds the response's noise from above only (README, "Tails"): the terminal
    # shows a chance under 1% as "<0.01" and says why; one at 1% or more keeps its digits.
    from sim.runs.write import format_summary

    summary = pd.DataFrame(
        {
            "country": ["Azerbaijan", "Lebanon"],
            "p_talks_at_start": [0.99, 0.14],
            "p_joined_by_horizon": [0.43, 0.004],
            "ci_low": [0.262, 0.0],
            "ci_high": [0.592, 0.01],
            "median_join_month": [None, None],
        }
    )
    lines = format_summary(summary).splitlines()
    assert lines[1].split()[2:5] == ["0.430", "0.262", "0.592"]
    assert lines[2].split()[2:5] == ["<0.01", "<0.01", "0.010"]
    assert lines[-1].startswith("<0.01: not estimated")
    assert "not estimated" not in format_summary(summary.iloc[:1])

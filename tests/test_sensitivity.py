"""Global sensitivity: SALib on the kernel, with replicate noise controlled by paired streams."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis.sensitivity import DUMMY, check, run_study
from sim.config.errors import ConfigError
from sim.hydra.configs import compose_config

from .conftest import cli

SMALL = [
    "sensitivity.samples=32",
    "sensitivity.replicates=40",
    "sensitivity.resamples=200",
    "sensitivity.outputs=[azerbaijan,uzbekistan]",
    "~sensitivity.parameters.w_econ_gain",
    "~sensitivity.parameters.w_peer",
    "~sensitivity.parameters.w_public_opposition",
    "~sensitivity.parameters.w_us_security",
    "~sensitivity.parameters.leader_multiplier",
    "~sensitivity.parameters.investment_units",
    "~sensitivity.parameters.gaza_war_rate",
    "~sensitivity.parameters.w_palestine",
]


def indices(study, index: str) -> pd.Series:
    table = study.indices[study.indices["index"] == index]
    return table.set_index(["output", "parameter"])["value"]


@pytest.fixture(scope="module")
def paired():
    return run_study(compose_config(SMALL))


def test_a_dummy_parameter_gets_zero_indices_with_paired_streams(paired):
    assert paired.names[-1] == DUMMY and len(paired.samples) == 32 * (len(paired.names) + 2)
    for index in ("S1", "ST"):
        dummy = indices(paired, index).xs(DUMMY, level="parameter")
        assert (dummy.abs() < 1e-12).all(), dummy


def test_unpaired_streams_let_noise_pass_for_sensitivity(paired):
    unpaired = run_study(compose_config([*SMALL, "sensitivity.paired=false"]))
    noise = indices(unpaired, "ST").xs(DUMMY, level="parameter")
    assert noise.min() > 0.002 and noise.max() > 0.02, noise


def test_parameters_that_matter_rank_above_the_dummy(paired):
    st = indices(paired, "ST")
    assert (
        st[("new members", "engagement")] > 0.2
    )  # how often the mediator courts carries the count
    assert st[("Azerbaijan", "threshold")] > 0.1
    for output in ("Azerbaijan", "Uzbekistan", "new members"):
        assert st[(output, "threshold")] > st[(output, DUMMY)] + 0.05


def test_morris_screening_runs_and_ranks_the_dummy_last():
    study = run_study(
        compose_config([*SMALL, "sensitivity.method=morris", "sensitivity.samples=10"])
    )
    mu_star = indices(study, "mu_star")
    assert len(study.samples) == 10 * (len(study.names) + 1)
    for output in ("Azerbaijan", "Uzbekistan"):
        assert mu_star.xs(output)[DUMMY] == 0 < mu_star.xs(output).drop(DUMMY).max()


@pytest.mark.parametrize(
    "override, message",
    [
        (
            "sensitivity.samples=100",
            "sensitivity.samples: expected a power of 2 for Sobol sampling, got 100",
        ),
        (
            "sensitivity.parameters.threshold.high=7",
            "sensitivity.parameters.threshold.high: params.threshold: expected a number in [-5.0, 5.0], got 7.0",
        ),
        (
            "sensitivity.parameters.threshold.keys=[params.nope]",
            "sensitivity.parameters.threshold.low: params.nope: unknown key",
        ),
        (
            "+sensitivity.parameters.targets={keys: [mediator.max_targets], low: 1, high: 3}",
            "sensitivity.parameters.targets.keys: design points differ in max_targets, which must stay fixed",
        ),
        ("sensitivity.outputs=[atlantis]", "sensitivity.outputs[0]: unknown country id 'atlantis'"),
        (
            "sensitivity.method=fast",
            "sensitivity.method: expected one of sobol, morris, got 'fast'",
        ),
        (
            "params.noise={low: 0.1, high: 0.3}",
            "sensitivity: fix the uncertain inputs or make them parameters",
        ),
    ],
)
def test_bad_studies_are_one_line_errors(override, message, tmp_path):
    with pytest.raises(ConfigError) as err:
        check(compose_config([override]))
    assert str(err.value).startswith(message)
    done = cli(override, f"hydra.run.dir={tmp_path / 'run'}", module="sim.sensitivity")
    assert done.returncode == 2 and done.stderr.startswith(f"error: {message}"), done.stderr
    assert done.stderr.count("\n") == 1
    assert not (tmp_path / "run").exists()


def test_the_command_writes_indices_samples_and_plots(tmp_path):
    folder = tmp_path / "study"
    done = cli(
        *SMALL,
        "sensitivity.samples=8",
        "+sensitivity.goal={output: uzbekistan, at_least: 0.8}",
        f"hydra.run.dir={folder}",
        module="sim.sensitivity",
    )
    assert done.returncode == 0, done.stderr
    assert "dummy 0.000" in done.stdout
    table = pd.read_csv(folder / "sensitivity.csv")
    assert list(table.columns) == ["output", "parameter", "index", "value", "ci_low", "ci_high"]
    assert set(table["output"]) == {"Azerbaijan", "Uzbekistan", "new members"}
    samples = pd.read_parquet(folder / "samples.parquet")
    assert len(samples) == 8 * (5 + 2) and {"engagement", DUMMY, "Uzbekistan"} <= set(
        samples.columns
    )
    conditions = pd.read_csv(folder / "conditions.csv")
    reached = samples["Uzbekistan"] >= 0.8
    assert conditions["share_reaching"].iloc[0] == pytest.approx(
        reached.mean(), abs=1e-4
    )  # written to 4 places
    for name in ("sensitivity.png", "sensitivity_uzbekistan.png", "sensitivity_new_members.png"):
        assert (folder / name).read_bytes()[:4] == b"\x89PNG"


def test_a_sampled_point_that_breaks_a_cross_field_rule_names_the_range_that_produced_it(tmp_path):
    # Each end of each range is valid on its own; together the two rates can exceed 1.
    study = "{sign: {keys: [params.rate_sign], low: 0.3, high: 0.7}, collapse: {keys: [params.rate_collapse], low: 0.2, high: 0.6}}"
    args = [
        "~sensitivity.parameters",
        f"+sensitivity.parameters={study}",
        "sensitivity.samples=8",
        "sensitivity.replicates=10",
    ]
    check(compose_config(args))  # the ends pass
    done = cli(*args, f"hydra.run.dir={tmp_path / 'run'}", module="sim.sensitivity")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(
        "error: params.rate_collapse: expected rate_sign + rate_collapse <= 1, got "
    )
    assert (
        "(sensitivity.parameters.collapse = " in done.stderr and "from [0.2, 0.6])" in done.stderr
    )
    assert not (tmp_path / "run").exists()

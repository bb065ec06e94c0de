"""Uncertain inputs: ranges and distributions drawn per group of replicates."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import run
from sim.analysis.tables import share_from_inputs
from sim.config.errors import ConfigError
from sim.config.uncertainty import Uncertain, parse, uncertain_inputs
from sim.config.validate import with_value

from .conftest import cli

AT_MODE = (
    "params=calibrated"  # these tests are about inputs drawn on their own, not the posterior's
)
OMAN = "roster.countries.oman"  # a plain (not dated) value: an override replaces it whole


def test_a_degenerate_range_gives_exactly_the_fixed_value_result():
    fixed = run([AT_MODE, "replicates=600", "seed=4"])
    threshold = fixed.config.params.threshold  # the calibrated value, as a degenerate normal
    ranged = run(
        [
            AT_MODE,
            "replicates=600",
            "seed=4",
            f"{OMAN}.iran_threat={{low: 0.3, high: 0.3}}",
            f"params.threshold={{mean: {threshold!r}, sd: 0}}",
        ]
    )
    assert fixed.config.roster.countries["oman"].iran_threat == 0.3
    assert set(uncertain_inputs(ranged.config)) == {f"{OMAN}.iran_threat", "params.threshold"}
    for name in ("joining_probabilities", "members", "contributions", "why"):
        a, b = getattr(fixed.tables, name), getattr(ranged.tables, name)
        assert a.to_csv(index=False) == b.to_csv(index=False), name
    assert ranged.tables.spread is not None
    # no input effect: the between-draw share is only sampling noise around 0
    assert (ranged.tables.spread["share_from_inputs"].fillna(0) < 0.05).all()


def test_a_wide_input_range_carries_much_of_the_spread():
    result = run(
        [
            AT_MODE,
            "replicates=4000",
            "seed=4",
            "replicates_per_draw=20",
            "+roster.countries.azerbaijan.threshold={low: -5.0, high: 5.0}",
            "gates=none",  # with its gate, whether the treaty is signed is chance, not the input
        ]
    )  # its whole allowed range
    spread = result.tables.spread.set_index("output")
    assert spread.loc["Azerbaijan", "share_from_inputs"] > 0.5
    assert spread.loc["Saudi Arabia", "share_from_inputs"] < 0.1
    assert "share_from_inputs" in result.summary


def test_draws_follow_the_input_and_are_shared_between_scenarios():
    a = run([AT_MODE, "replicates=200", "seed=4", f"{OMAN}.iran_threat={{low: 0.2, high: 0.9}}"])
    b = run(
        [
            AT_MODE,
            "replicates=200",
            "seed=4",
            f"{OMAN}.iran_threat={{low: 0.2, high: 0.9}}",
            "mediator.engagement=0.5",
        ]
    )
    assert not np.array_equal(a.outcomes.join_month, b.outcomes.join_month)
    # paired: the same draws of the input, so equal replicates wherever the mediator is idle
    assert (a.outcomes.join_month == b.outcomes.join_month).mean() > 0.8


@given(low=st.floats(-5, 5), width=st.floats(0, 5), u=st.lists(st.floats(0, 0.999999), min_size=1))
def test_quantiles_stay_within_the_bounds(low, width, u):
    u = np.array(u)
    high = low + width
    for spec in (
        {"low": low, "high": high},
        {"low": low, "mode": low + width / 3, "high": high},
        {"mean": low + width / 2, "sd": width, "low": low, "high": high},
    ):
        values = parse(spec, "k", -5, 10).quantile(u)
        assert ((values >= low - 1e-12) & (values <= high + 1e-12)).all()


def test_distributions_have_their_centres():
    u = (np.arange(100_000) + 0.5) / 100_000
    assert parse({"low": 0.2, "high": 0.6}, "k", 0, 1).quantile(u).mean() == pytest.approx(
        0.4, abs=1e-4
    )
    tri = parse({"low": 0, "mode": 0.2, "high": 1}, "k", 0, 1)
    assert tri == 0.2 and tri.quantile(u).mean() == pytest.approx(0.4, abs=1e-3)
    normal = parse({"mean": 0.5, "sd": 0.1}, "k", 0, 1)
    assert normal.quantile(u).std() == pytest.approx(0.1, rel=0.01)
    assert isinstance(normal, Uncertain) and normal.spec() == {
        "mean": 0.5,
        "sd": 0.1,
        "low": 0,
        "high": 1,
    }


def share(values: np.ndarray, group: int) -> float:
    """share_from_inputs of one outcome given replicate by replicate, in groups of `group`."""
    grouped = values.reshape(-1, group)
    sizes = np.full((len(grouped), 1), group)
    return share_from_inputs(
        grouped.sum(axis=1)[:, None], (grouped**2).sum(axis=1)[:, None], sizes
    )[0]


def test_share_from_inputs_separates_groups_from_noise():
    rng = np.random.default_rng(1)
    groups = np.repeat(rng.normal(size=500), 10)  # all of the spread between groups
    assert share(groups, 10) == pytest.approx(1.0)
    noise = rng.normal(size=5000)  # none of it
    assert share(noise, 10) < 0.05
    half = groups + rng.normal(size=5000)
    assert share(half, 10) == pytest.approx(0.5, abs=0.1)
    assert np.isnan(share(np.zeros(100), 10))
    assert np.isnan(share(noise, 1))


@pytest.mark.parametrize(
    "value, message",
    [
        ("{low: 0.9, high: 0.1}", f"{OMAN}.iran_threat.high: expected high >= low 0.9, got 0.1"),
        (
            "{low: 0.1, high: 1.5}",
            f"{OMAN}.iran_threat.high: expected a number in [0.0, 1.0], got 1.5",
        ),
        ("{low: 0.1, top: 0.5}", f"{OMAN}.iran_threat: expected a number or a distribution"),
        ("{mean: 0.5, sd: -1}", f"{OMAN}.iran_threat.sd: expected a number >= 0, got -1.0"),
        (
            "{low: 0.1, mode: 0.9, high: 0.5}",
            f"{OMAN}.iran_threat.mode: expected low <= mode <= high",
        ),
        ("{low: 0.1, high: .nan}", f"{OMAN}.iran_threat.high: expected a finite number"),
    ],
)
def test_bad_distributions_are_one_line_errors(value, message, tmp_path):
    done = cli(f"{OMAN}.iran_threat={value}", f"hydra.run.dir={tmp_path / 'run'}")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: {message}"), done.stderr
    assert done.stderr.count("\n") == 1 and "(command line: " in done.stderr
    assert not (tmp_path / "run").exists()


def test_with_value_checks_the_key_and_the_range():
    config = run(["replicates=1", "plots=false", "explain=false"]).config
    changed = with_value(config, "mediator.inducements.arms.units", 2.6)
    assert changed.mediator.inducements["arms"].units == 3
    assert config.mediator.inducements["arms"].units != 3 or changed is not config
    with pytest.raises(ConfigError, match=r"^params.weights.nope: unknown key"):
        with_value(config, "params.weights.nope", 1.0)
    with pytest.raises(
        ConfigError, match=r"^params.noise: expected a number in \[0.001, 10.0\], got 0.0$"
    ):
        with_value(config, "params.noise", 0.0)


def test_a_draw_that_breaks_a_cross_field_rule_is_one_line_naming_the_draw(tmp_path):
    args = [
        "params.rate_sign={low: 0.3, high: 0.7}",
        "params.rate_collapse={low: 0.2, high: 0.6}",
        "replicates=200",
    ]
    done = cli(*args, f"hydra.run.dir={tmp_path / 'run'}")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(
        "error: params.rate_collapse: expected rate_sign + rate_collapse <= 1, got "
    )
    assert "of the uncertain inputs)" in done.stderr
    assert not (tmp_path / "run").exists()

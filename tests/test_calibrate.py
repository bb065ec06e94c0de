"""The fit: it recovers known parameters from a record simulated by the model itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.commands.calibrate import promote
from sim.config.errors import ConfigError
from sim.config.schema import Params, RecordConfig, params_values
from sim.config.validate import build as build_schema
from sim.core.calendar import parse_month
from sim.engine.outcomes import NEVER
from sim.engine.simulate import simulate
from sim.engine.world import compile_world
from sim.inference.fit import Problem, fit, with_params

from .conftest import ROOT, calibration_config, cli
from .strategies import FEATURES, build, country

TRUTH = {"threshold": 0.5, "rate_open": 0.08, "rate_sign": 0.2}


def synthetic_config():
    rng = np.random.default_rng(7)
    roster = {}
    for i in range(80):
        entry = country(f"Synthetic {i}", region=["North", "South", "East"][i % 3])
        entry.update({f: float(v) for f, v in zip(FEATURES, rng.uniform(0, 1, len(FEATURES)))})
        roster[f"s{i}"] = entry
    return build(
        roster,
        mediator={"strategy": "none"},
        scenario={"start": "2020-01", "end": "2029-12"},
        params={**TRUTH, "rate_collapse": 0.05, "noise": 0.2},
    )


def test_the_fit_recovers_known_parameters_from_a_simulated_record():
    config = synthetic_config()
    world = compile_world(config)
    outcome = simulate(world, replicates=1, seed=2024)
    joined = {
        cid: world.start + int(m) for cid, m in zip(world.ids, outcome.join_month[0]) if m != NEVER
    }
    assert 15 <= len(joined) <= 65  # an informative record
    record = RecordConfig(
        name="synthetic", start=parse_month("2020-01"), as_of=parse_month("2029-12"), joined=joined
    )
    wrong = with_params(
        config,
        {"threshold": 0.9, "rate_open": 0.03, "rate_sign": 0.08, "talks_at_record_start": 1e-6},
    )
    problem = Problem(wrong, record, list(TRUTH), prior_sd=1.0)
    result = fit(problem)
    for name, true in TRUTH.items():
        assert result.low[name] <= true <= result.high[name], (
            name,
            result.low[name],
            true,
            result.high[name],
        )
        start = getattr(wrong.params, name)
        assert abs(result.estimate[name] - true) < abs(start - true), (name, result.estimate[name])
        assert result.identified[name]
    assert record.as_of - record.start + 1 == world.n_months


def test_the_fits_support_is_the_configs():
    """The fit checks each point against the config's ranges and rules without building a config;
    it must refuse exactly the points the config's validation refuses."""
    config, _, settings = calibration_config()
    problem = Problem(config, config.record, settings.parameters, settings.prior_sd)
    rng = np.random.default_rng(3)
    refused = 0
    for z in problem.prior_mean + 2.0 * rng.standard_normal((300, len(problem.names))):
        values = problem.values(z)
        try:
            with_params(config, values)
            valid = True
        except ConfigError:
            valid, refused = False, refused + 1
        assert problem.supported(values) == valid, values
    assert 0 < refused < 300  # both sides of the border were tried


@pytest.mark.slow
def test_calibration_command_writes_a_params_option_and_a_report(tmp_path):
    defaults = (ROOT / "conf" / "params" / "calibrated.yaml").read_bytes()
    short = [
        "posterior.walkers=40",
        "posterior.steps=30",
        "posterior.burn=10",
    ]  # the pipeline, not convergence
    done = cli(f"hydra.run.dir={tmp_path}", *short, module="sim.calibrate")
    assert done.returncode == 0, done.stderr[-2000:]
    params = build_schema(Params, yaml.safe_load((tmp_path / "calibrated.yaml").read_text()))
    assert params.name == "calibrated"
    report = (tmp_path / "calibration.md").read_text()
    assert "| leader_multiplier |" in report and "95% profile interval" in report
    assert (tmp_path / "profiles.png").read_bytes()[:4] == b"\x89PNG"
    assert "## Out-of-time backtest" in report
    scores = pd.read_csv(tmp_path / "backtest.csv")
    assert set(scores["predictor"]) == {"model", "constant", "region"}
    assert set(scores["unit"]) == {"country-window", "year-count", "country-month", "country-year"}
    assert (scores["events"] >= 1).all()  # Kazakhstan, 2025-11, falls in the scored window
    eras = pd.read_csv(tmp_path / "backtest_eras.csv")
    assert set(eras["era"]) == {"trump_1", "biden", "trump_2"}
    assert eras.loc[eras["era"] == "trump_1", "events"].max() == 4  # UAE, Bahrain, Sudan, Morocco
    assert "## Leave one era out" in report
    assert (ROOT / "conf" / "params" / "calibrated.yaml").read_bytes() == defaults  # not silently
    assert f"python -m sim.calibrate promote={tmp_path}" in done.stdout
    bad = cli(
        "fit.parameters=[weights.charm]",
        f"hydra.run.dir={tmp_path}/b",
        module="sim.calibrate",
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: fit.parameters: cannot fit ['weights.charm']")
    draws = pd.read_parquet(tmp_path / "posterior_draws.parquet")
    assert len(draws) == 40 * 20 and set(params_values(params)) >= set(draws.columns) - {
        "walker",
        "step",
    }
    assert "## Posterior" in report and "R-hat" in report and "priors twice as wide" in report
    for name in ("posterior_trace.png", "posterior_pairs.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
    (tmp_path / "installed").mkdir()
    target = tmp_path / "installed" / "calibrated.yaml"
    assert promote(tmp_path, target).read_bytes() == (tmp_path / "calibrated.yaml").read_bytes()
    posterior = build_schema(Params, yaml.safe_load((target.parent / "posterior.yaml").read_text()))
    assert posterior.name == "posterior" and posterior.draws == "posterior_draws.parquet"
    assert (target.parent / "posterior_draws.parquet").read_bytes() == (
        tmp_path / "posterior_draws.parquet"
    ).read_bytes()


def test_promote_refuses_a_folder_without_a_valid_params_file(tmp_path):
    done = cli(f"promote={tmp_path}", module="sim.calibrate")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith(
        f"error: promote: expected a calibration run folder holding calibrated.yaml, got '{tmp_path}'"
    )
    (tmp_path / "calibrated.yaml").write_text("name: calibrated\nthreshold: 9\n")
    done = cli(f"promote={tmp_path}", module="sim.calibrate")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("error: params.weights: missing required value"), done.stderr
    assert f"({tmp_path / 'calibrated.yaml'})" in done.stderr

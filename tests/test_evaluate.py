"""The evaluator for notebooks and outside tools: the numbers of `python -m sim`, many points in
one call, the command line's validation."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.api.evaluate import Evaluator
from sim.config.errors import ConfigError

from .conftest import cli


def test_an_evaluated_point_gives_the_numbers_of_the_command_line(tmp_path):
    done = cli(
        "replicates=400",
        "seed=5",
        "mediator.engagement=0.5",
        "plots=false",
        f"hydra.run.dir={tmp_path}",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    model = Evaluator(["replicates=400", "seed=5"])
    point = model({"mediator.engagement": 0.5})
    summary = pd.read_csv(tmp_path / "summary.csv")
    ids = {c.name: cid for cid, c in model.config.roster.countries.items()}
    assert len(summary) == len(model.ids)
    for country, p in zip(summary["country"], summary["p_joined_by_horizon"]):
        assert point[ids[country]] == pytest.approx(p, abs=5e-5), (
            country
        )  # the CSV keeps 4 decimals
    spread = pd.read_csv(tmp_path / "spread.csv").set_index("output")
    assert point["new_members"] == pytest.approx(spread.loc["new members", "mean"], abs=1e-9)
    assert point["members_at_horizon"] == pytest.approx(
        pd.read_csv(tmp_path / "members.csv")["mean"].iloc[-1], abs=1e-9
    )


def test_many_points_in_one_call_equal_one_call_each_and_another_shape_runs_apart():
    model = Evaluator(["replicates=200", "seed=2"])
    points = [
        {"mediator.engagement": 0.3},
        {"mediator.strategy": "none"},
        {"mediator.engagement": 0.9},
    ]
    together = model(points)
    assert (
        list(together.columns[:2]) == ["mediator.engagement", "mediator.strategy"]
        and len(together) == 3
    )
    for i, point in enumerate(points):
        alone = model(point)
        assert together.iloc[i][list(alone)].to_dict() == alone
    assert together.loc[0, "azerbaijan"] < together.loc[2, "azerbaijan"]  # paired: engagement helps


def test_a_bad_point_is_the_command_lines_one_line_error_and_a_set_parameter_holds():
    model = Evaluator(["replicates=100"])
    with pytest.raises(
        ConfigError, match=r"^mediator\.charm: unknown key .*\(point 1 given to the evaluator\)$"
    ):
        model([{"mediator.engagement": 0.5}, {"mediator.charm": 1}])
    with pytest.raises(
        ConfigError, match=r"^mediator\.engagement: expected a number in \[0\.0, 10\.0\], got 70"
    ):
        model({"mediator.engagement": 70})
    assert model.point_config({"params.leader_multiplier": 3.0}).params.fixed == [
        "leader_multiplier"
    ]

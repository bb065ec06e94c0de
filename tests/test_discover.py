"""Scenario discovery (sim.commands.discover): PRIM finds where an outcome of interest holds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.discover import latin_hypercube, prim_box
from sim.config.errors import ConfigError

from .conftest import cli


def test_prim_recovers_a_box_planted_in_a_synthetic_outcome():
    x = pd.DataFrame(
        latin_hypercube([(0, 1), (0, 10), (-1, 1), (0, 1)], 2000, seed=3),
        columns=["a", "b", "c", "d"],
    )
    planted = (x["a"] > 0.6) & (x["b"] < 3.0)  # c and d play no part
    rng = np.random.default_rng(0)
    noisy = planted.to_numpy() ^ (rng.uniform(size=len(x)) < 0.03)  # 3% of labels flipped
    box = prim_box(x, noisy, min_density=0.85)
    limits = box.limits.set_index("parameter")
    assert set(limits.index[limits["restricted"]]) == {"a", "b"}
    assert abs(limits.loc["a", "low"] - 0.6) < 0.05 and abs(limits.loc["b", "high"] - 3.0) < 0.5
    assert (
        box.coverage > 0.7 and box.density > 0.85
    )  # the flipped labels outside the box cap coverage near 0.78


def test_latin_hypercube_fills_each_range_once_per_stratum():
    samples = latin_hypercube([(2, 4), (-1, 0)], 50, seed=1)
    assert samples.shape == (50, 2)
    for k, (low, high) in enumerate([(2, 4), (-1, 0)]):
        strata = np.floor((samples[:, k] - low) / (high - low) * 50).astype(int)
        assert sorted(strata) == list(range(50))


def test_a_goal_no_sample_or_every_sample_reaches_is_a_one_line_error():
    x = pd.DataFrame({"a": np.linspace(0, 1, 20)})
    for y, words in (
        (np.zeros(20, bool), "no sample reaches the goal"),
        (np.ones(20, bool), "every sample reaches the goal"),
    ):
        with pytest.raises(ConfigError) as caught:
            prim_box(x, y)
        assert words in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.slow
def test_the_command_finds_a_box_on_the_default_scenario(tmp_path):
    goal = "sensitivity.goal={output: saudi_arabia, at_least: 0.4}"
    done = cli(
        goal,
        "gates.gates.palestinian_pathway.opens=2027-01",  # the what-if the sources name
        "sensitivity.samples=128",
        "sensitivity.replicates=200",
        f"hydra.run.dir={tmp_path / 'run'}",
        module="sim.discover",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = {p.name for p in (tmp_path / "run").iterdir()}
    assert {
        "discover.csv",
        "discover.png",
        "discover.md",
        "trajectory.csv",
        "samples.parquet",
    } <= names
    box = pd.read_csv(tmp_path / "run" / "discover.csv")
    assert box["restricted"].any() and (box["low"] <= box["high"]).all()
    missing = cli(
        "sensitivity.samples=16",
        f"hydra.run.dir={tmp_path / 'none'}",
        module="sim.discover",
    )
    assert missing.returncode == 2 and missing.stderr.startswith(
        "error: sensitivity.goal: missing required value"
    )
    assert not (tmp_path / "none").exists()

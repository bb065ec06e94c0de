"""Let held-out scores choose (sim.inference.structures, python -m sim.structures): the structures
files apply to their calibration configs, a bad entry is one line naming its key, the verdict
rule on hand-made numbers, and a tiny run writes the table."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import yaml
from hydra import compose, initialize_config_dir

from sim.commands.structures import plan, variant
from sim.config.errors import ConfigError
from sim.config.sources import CONF
from sim.hydra.configs import plain_config
from sim.inference.structures import default_of, difference, parse_structures, verdict

from .conftest import cli


def composed(config_name: str, overrides=()):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name, overrides=list(overrides), return_hydra_config=True)
    return plain_config(cfg), cfg.hydra.runtime


@pytest.mark.parametrize("config_name", ["calibrate", "calibrate_artemis"])
def test_every_change_of_the_structures_file_applies_to_its_calibration_config(config_name):
    data, runtime = composed(config_name)
    spec = parse_structures(data["structures"])
    base = variant(data, [], runtime)
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        planned = plan(spec.chosen(), base, [], config_name)
    assert set(planned) == set(spec.entries)
    for name, (config, names, _) in planned.items():
        s = spec.entries[name]
        assert set(s.fit_drop).isdisjoint(names) and set(s.fit_add) <= set(names)
        changed = config != base[0] or set(names) != set(base[1].parameters)
        assert changed, name  # the changes changed the config (gates, params) or what is fitted


def test_peers_off_sets_the_weight_and_stops_fitting_it():
    data, runtime = composed("calibrate")
    spec = parse_structures(data["structures"])
    base = variant(data, [], runtime)
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        config, names, _ = plan([spec.entries["peers"]], base, [], "calibrate")["peers"]
    assert config.params.weights["peer"] == 0 and "weights.peer" not in names
    assert len(names) == len(base[1].parameters) - 1


@pytest.mark.parametrize(
    "entry, key",
    [
        ({"without": ["params.nonsense=1"]}, "structures.entries.bad.without"),
        ({"without": ["fit-=not_fitted"]}, "structures.entries.bad.without"),
        ({"with": ["fit+=weights.peer"]}, "structures.entries.bad.with"),
        (
            {"with": ["params.threshold=1"], "without": ["params.threshold=0"]},
            "structures.entries.bad",
        ),
        ({"withuot": ["params.threshold=1"]}, "structures.entries.bad.withuot"),
        ({"without": "params.threshold=1"}, "structures.entries.bad.without"),
    ],
)
def test_a_bad_entry_is_a_config_error_naming_its_key(entry, key):
    data, runtime = composed("calibrate")
    base = variant(data, [], runtime)
    with pytest.raises(ConfigError) as err:
        spec = parse_structures({**data["structures"], "entries": {"bad": entry}})
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            plan(spec.chosen(), base, [], "calibrate")
    assert err.value.key == key
    assert "\n" not in str(err.value)


def test_a_bad_entry_exits_2_with_one_line(tmp_path):
    result = cli(
        "structures.entries.peers.without=['params.weights.nopeer=0']",
        f"hydra.run.dir={tmp_path / 'run'}",
        module="sim.structures",
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "structures.entries.peers.without" in result.stderr
    assert not (tmp_path / "run").exists()


def test_the_verdict_rule_on_hand_made_numbers():
    assert verdict({"loo": (5.0, 2.0), "loeo": (0.1, 1.0), "oot": (-1.0, 1.0)}) == "keeps"
    assert verdict({"loo": (5.0, 2.0), "loeo": (-5.0, 1.0), "oot": (0.0, 1.0)}) == "cannot tell"
    assert verdict({"loo": (5.0, 2.0), "loeo": (-3.0, 1.0), "oot": (0.0, 1.0)}) == "keeps"
    assert verdict({"loo": (4.5, 2.5), "loeo": (0.5, 1.0), "oot": (0.5, 1.0)}) == "cannot tell"
    assert verdict({"loo": (-5.0, 2.0), "loeo": (0.5, 1.0), "oot": (0.5, 1.0)}) == "loses"
    assert verdict({"loo": (1.0, 2.0), "loeo": (-6.0, 1.0), "oot": (0.0, 1.0)}) == "loses"
    assert verdict({"loo": (1.0, 2.0), "loeo": (6.0, 1.0), "oot": (-6.0, 1.0)}) == "cannot tell"
    # a difference of numerical noise with a zero se is not a difference
    assert verdict({"loo": (0.1, 0.2), "loeo": (-1e-9, 0.0), "oot": (-0.09, 0.04)}) == "cannot tell"
    assert (
        verdict({"loo": (1.0, math.nan), "loeo": (0.0, math.nan), "oot": (0.0, 1.0)})
        == "cannot tell"
    )
    assert default_of("keeps", None).startswith("on")
    assert default_of("cannot tell", "a source").startswith("on: a source requires it")
    assert default_of("cannot tell", None).startswith("off")
    assert default_of("loses", "a source").startswith("off")


def test_the_difference_is_paired_with_its_standard_error():
    a = pd.Series([1.0, 2.0, 3.0], index=["x", "y", "z"])
    b = pd.Series([0.0, 2.0, 2.0], index=["z", "y", "x"])
    d, se = difference(a, b)
    assert d == pytest.approx(2.0)  # x: 1 - 2, y: 2 - 2, z: 3 - 0
    assert se == pytest.approx(math.sqrt(3) * pd.Series([-1.0, 0.0, 3.0]).std())


@pytest.mark.slow
def test_a_tiny_run_writes_the_table_with_both_variants_and_finite_scores(tmp_path):
    result = cli(
        "structures.only=[peers]",
        "structures.posterior.steps=20",
        "structures.posterior.burn=5",
        f"hydra.run.dir={tmp_path}",
        module="sim.structures",
        timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    table = pd.read_csv(tmp_path / "structures.csv")
    assert list(table["variant"]) == ["with", "without"]
    assert set(table["structure"]) == {"peers"}
    for column in ["elpd_loo", "loeo", "oot", "loeo_free", "oot_free", "log_lik_mode"]:
        assert table[column].map(math.isfinite).all(), column
    top = table.iloc[0]
    assert math.isfinite(top["d_loo"]) and math.isfinite(top["se_loo"])
    assert top["verdict"] in ("keeps", "loses", "cannot tell")
    assert "| peers | with |" in (tmp_path / "structures.md").read_text()
    yaml.safe_load((CONF / "structures" / "abraham.yaml").read_text())

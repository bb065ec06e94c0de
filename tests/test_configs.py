"""Every file in conf/ and experiments/ composes, validates and runs; bad values are named."""

from __future__ import annotations

import itertools
import re

import pytest
import yaml

from sim.analysis.sensitivity import check, run_study
from sim.api.scenario import run
from sim.config.errors import ConfigError
from sim.core.calendar import parse_month
from sim.hydra.configs import compose_config

from .conftest import ROOT

GROUPS = ["roster", "mediator", "scenario", "events", "params"]
OPTIONS = [(g, f.stem) for g in GROUPS for f in sorted((ROOT / "conf" / g).glob("*.yaml"))]
EXPERIMENTS = sorted(f.stem for f in (ROOT / "experiments").glob("*.yaml"))


@pytest.mark.parametrize(("group", "option"), OPTIONS)
def test_every_conf_option_runs_at_tiny_size(group, option):
    world = (
        ["+experiment=artemis"] if option.startswith("artemis") else []
    )  # each option in its own world
    result = run([*world, f"{group}={option}", "replicates=20"])
    assert len(result.summary) == len(result.config.roster.countries)
    assert result.joining_probabilities["p_joined"].between(0, 1).all()


def sweep_points(name: str) -> list[list[str]]:
    """The override lists of an experiment's sweep (a single run when it has none), parsed by
    Hydra's own override parser."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    text = yaml.safe_load((ROOT / "experiments" / f"{name}.yaml").read_text())
    params = (text.get("hydra") or {}).get("sweeper", {}).get("params", {})
    parsed = OverridesParser.create().parse_overrides([f"{k}={v}" for k, v in params.items()])
    axes = [[f"{o.get_key_element()}={v}" for v in o.sweep_string_iterator()] for o in parsed]
    return [list(p) for p in itertools.product(*axes)] or [[]]


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_experiment_states_its_question_and_runs_at_tiny_size(name):
    lines = (ROOT / "experiments" / f"{name}.yaml").read_text().splitlines()
    assert lines[0] == "# @package _global_"
    assert lines[1].startswith("# Question: ")
    command = re.match(r"# Run: python -m (sim|sim\.sensitivity) \+experiment=(\w+)", lines[2])
    assert command and command[2] == name, lines[2]
    for point in sweep_points(name):
        result = run([f"+experiment={name}", *point, "replicates=20"])
        assert result.outcomes.replicates == 20
    if command[1] == "sim.sensitivity":
        tiny = ["sensitivity.samples=2", "sensitivity.replicates=5", "sensitivity.resamples=10"]
        config = compose_config([f"+experiment={name}", *tiny])
        check(config)
        study = run_study(config)
        assert len(study.samples) == 2 * (
            len(study.names) + (2 if config.sensitivity.method == "sobol" else 1)
        )


def test_experiment_group_is_the_experiments_folder():
    linked = ROOT / "conf" / "experiment"
    assert linked.resolve() == (ROOT / "experiments").resolve()


def test_experiments_change_what_they_say():
    assert sweep_points("successor_disengages") == [
        [f"mediator.eras.successor.engagement={v}"] for v in ("0.0", "0.5", "1.0")
    ]
    assert sweep_points("somaliland_recognition") == [
        ["mediator.withheld.somaliland=[recognition]"],
        ["mediator.withheld.somaliland=[]"],
    ]
    war = compose_config(["+experiment=gaza_war_2027"])
    assert war.events.dated["gaza_war_2027"].start == parse_month("2027-01")
    path = compose_config(
        ["+experiment=saudi_two_state_path", "events.dated.two_state_path.enabled=true"]
    )
    assert path.events.dated["two_state_path"].countries == ["saudi_arabia"]


def test_months_are_read_once_as_numbers_and_recorded_as_the_text_they_were_read_from():
    """sim.config.months: the validated config counts months; job.json and the config hash read
    them as the files give them (sim.output.store.config_record), spans in their shape."""
    from hydra import compose, initialize_config_dir

    from sim.config.load import load_config
    from sim.config.sources import CONF
    from sim.hydra.configs import plain_config
    from sim.output.store import config_record

    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        data = plain_config(compose("config"))
    config = load_config(data)
    assert config.record.start == parse_month(data["record"]["start"])
    assert config.record.in_talks["saudi_arabia"][1] == [
        parse_month("2023-05"),
        parse_month("2024-06"),
    ]
    assert config.mediator.eras["trump_2"].start == parse_month(
        data["mediator"]["eras"]["trump_2"]["start"]
    )
    record = config_record(config)
    for key in ("start", "as_of", "joined", "signed", "in_talks", "out_of_talks"):
        assert record["record"][key] == data["record"][key], key
    assert record["record"]["offers"]["uae_f35"]["end"] == "2021-01"
    assert record["mediator"]["eras"] == data["mediator"]["eras"]
    assert data["scenario"]["start"] is None and record["scenario"]["start"] == "2026-12"


def test_at_least_six_experiments_and_most_are_sweeps():
    assert len(EXPERIMENTS) >= 6
    assert sum(len(sweep_points(name)) > 1 for name in EXPERIMENTS) >= 6


BAD = [
    (
        ["roster.countries.saudi_arabia.iran_threat=1.7"],
        "roster.countries.saudi_arabia.iran_threat: expected a number in [0.0, 1.0], got 1.7",
    ),
    (
        ["roster.countries.oman.status=observer"],
        "roster.countries.oman.status: expected one of outside, talks, member, got 'observer'",
    ),
    (["roster.countries.oman.region=7"], "roster.countries.oman.region: expected text, got 7"),
    (
        ["mediator.strategy=bribe"],
        "mediator.strategy: expected one of none, priority, persuadable, scripted, courting, got 'bribe'",
    ),
    (
        ["mediator.max_targets=-1"],
        "mediator.max_targets: expected a whole number in [0, 100], got -1",
    ),
    (
        ["mediator.max_targets=1.5"],
        "mediator.max_targets: expected a whole number in [0, 100], got 1.5",
    ),
    (
        ["scenario.end=2020-01"],
        "scenario.end: expected a month on or after start 2026-12, got '2020-01'",
    ),
    (["scenario.start=2026-13"], "scenario.start: expected a month as 'YYYY-MM', got '2026-13'"),
    (["replicates=0"], "replicates: expected a whole number in [1, 100000000], got 0"),
    (["params.noise=nan"], "params.noise: expected a finite number in [0.001, 10.0], got nan"),
    (
        ["params.rate_sign=0.7", "params.rate_collapse=0.5"],
        "params.rate_collapse: expected rate_sign + rate_collapse <= 1, got 0.7 + 0.5",
    ),
    (["engine=fast"], "engine: expected one of ensemble, mesa, got 'fast'"),
    (["roster.peers.leader=atlantis"], "roster.peers.leader: unknown country id 'atlantis'"),
    (
        ["+events.dated.x.start=2027-01", "+events.dated.x.countries=[atlantis]"],
        "events.dated.x.countries: unknown country id 'atlantis'",
    ),
    (["+roster.countries.oman.colour=red"], "roster.countries.oman.colour: unknown key"),
    (
        ["roster.countries.qatar.name=Oman"],
        "roster.countries.qatar.name: duplicate country name 'Oman'",
    ),
]


@pytest.mark.parametrize(("overrides", "message"), BAD, ids=[b[1].split(":")[0] for b in BAD])
def test_bad_values_name_the_key_the_value_and_where_they_came_from(overrides, message):
    with pytest.raises(ConfigError) as caught:
        compose_config(overrides)
    text = str(caught.value)
    assert text.startswith(message)
    assert text.endswith(f"(command line: {overrides[-1]})") or "(command line: " in text
    assert "\n" not in text


def test_a_bad_value_in_an_experiment_file_names_that_file(tmp_path):
    (tmp_path / "experiment").mkdir()
    (tmp_path / "experiment" / "broken.yaml").write_text(
        "# @package _global_\nmediator:\n  engagement: -2\n"
    )
    with pytest.raises(ConfigError) as caught:
        compose_config([f"hydra.searchpath=[file://{tmp_path}]", "+experiment=broken"])
    assert str(caught.value) == (
        f"mediator.engagement: expected a number in [0.0, 10.0], got -2.0 "
        f"({tmp_path / 'experiment' / 'broken.yaml'})"
    )


def test_a_bad_value_in_a_group_file_names_that_file():
    with pytest.raises(ConfigError) as caught:
        compose_config(["scenario.salience=2"])
    assert "(command line: scenario.salience=2)" in str(caught.value)
    roster = (ROOT / "conf" / "roster" / "abraham_2026.yaml").read_text()
    assert "status: member" in roster  # the attribution below relies on the shipped file
    from sim.config.sources import source_of

    where = source_of("roster.countries.oman.iran_threat", [], {"roster": "abraham_2026"})
    assert where == "conf/roster/abraham_2026.yaml"

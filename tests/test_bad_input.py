"""Bad input: a corpus of malformed inputs, each with the one line it must produce, and a fuzz test.

Every case goes through `preflight`, which is what the command line runs first (Hydra's
composition, then our validation); a sample also runs as a user would, in a subprocess, for the
exit code and the absence of a result folder.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.config.errors import ConfigError
from sim.config.load import load_config
from sim.hydra.preflight import preflight
from sim.runs.runner import execute

from .conftest import ROOT, cli
from .strategies import config_dict, country

ROSTER = (ROOT / "conf" / "roster" / "abraham_2026.yaml").read_text()

# (command line, files to put in a config dir {relative path: text}, the message's start)
CORPUS = [
    # wrong types
    (["params.threshold=abc"], {}, "params.threshold: expected a number in [-5.0, 5.0], got 'abc'"),
    (["replicates=abc"], {}, "replicates: expected a whole number in [1, 100000000], got 'abc'"),
    (["replicates=1.5"], {}, "replicates: expected a whole number in [1, 100000000], got 1.5"),
    (["plots=maybe"], {}, "plots: expected true or false, got 'maybe'"),
    (["roster.countries.oman.region=7"], {}, "roster.countries.oman.region: expected text, got 7"),
    (
        ["roster.countries.oman.values=3"],
        {},
        "roster.countries.oman.values: expected a mapping, got 3",
    ),
    (["roster.peers.followers=oman"], {}, "roster.peers.followers: expected a list, got 'oman'"),
    # out of range, NaN, infinity
    (["params.threshold=9"], {}, "params.threshold: expected a number in [-5.0, 5.0], got 9.0"),
    (
        ["roster.countries.saudi_arabia.iran_threat=1.7"],
        {},
        "roster.countries.saudi_arabia.iran_threat: expected a number in [0.0, 1.0], got 1.7",
    ),
    (["params.noise=nan"], {}, "params.noise: expected a finite number in [0.001, 10.0], got nan"),
    (["params.noise=inf"], {}, "params.noise: expected a finite number in [0.001, 10.0], got inf"),
    (
        ["params.weights.peer=-inf"],
        {},
        "params.weights.peer: expected a finite number in [0.0, 10.0], got -inf",
    ),
    (
        ["+params.weights.charm=1"],
        {},
        "params.weights.charm: not a term of the world (terms abraham: iran_threat, us_security,",
    ),
    (
        ["+experiment=artemis", "+params.weights.palestine=1"],
        {},
        "params.weights.palestine: not a term of the world (terms artemis: treaty_ally,",
    ),
    (
        ["mediator.inducements.arms.cost=0"],
        {},
        "mediator.inducements.arms.cost: expected a number in [1e-06, 1000000.0], got 0.0",
    ),
    (
        ["events.random.gaza_war_resumes.p_monthly=2"],
        {},
        "events.random.gaza_war_resumes.p_monthly: expected a number in [0.0, 1.0], got 2.0",
    ),
    (
        ["params.rate_sign=0.7", "params.rate_collapse=0.5"],
        {},
        "params.rate_collapse: expected rate_sign + rate_collapse <= 1, got 0.7 + 0.5",
    ),
    (
        ["roster.countries.oman.iran_threat={low: 0.9, high: 0.1}"],
        {},
        "roster.countries.oman.iran_threat.high: expected high >= low 0.9, got 0.1",
    ),
    # counts and horizon
    (["replicates=0"], {}, "replicates: expected a whole number in [1, 100000000], got 0"),
    (["replicates=-5"], {}, "replicates: expected a whole number in [1, 100000000], got -5"),
    (
        ["replicates_per_draw=0"],
        {},
        "replicates_per_draw: expected a whole number in [1, 100000000], got 0",
    ),
    (["seed=-1"], {}, "seed: expected a whole number in [0, 9223372036854775807], got -1"),
    (
        ["mediator.max_targets=-1"],
        {},
        "mediator.max_targets: expected a whole number in [0, 100], got -1",
    ),
    (
        ["scenario.end=2026-11"],
        {},
        "scenario.end: expected a month on or after start 2026-12, got '2026-11'",
    ),  # a horizon of zero
    (
        ["scenario.end=2020-01"],
        {},
        "scenario.end: expected a month on or after start 2026-12, got '2020-01'",
    ),
    (
        ["scenario.start=2026-13"],
        {},
        "scenario.start: expected a month as 'YYYY-MM', got '2026-13'",
    ),
    (
        ["mediator.eras.trump_2.start=January"],
        {},
        "mediator.eras.trump_2.start: expected a month as 'YYYY-MM', got 'January'",
    ),
    # unknown choices and names
    (["engine=fast"], {}, "engine: expected one of ensemble, mesa, got 'fast'"),
    (
        ["mediator.strategy=bribe"],
        {},
        "mediator.strategy: expected one of none, priority, persuadable, scripted, courting, got 'bribe'",
    ),
    (
        ["count_stage=ratified"],
        {},
        "count_stage: expected one of announced, signed, got 'ratified'",
    ),
    (["count_kinds=[friendly]"], {}, "count_kinds: unknown kind of accession 'friendly'"),
    (
        ["roster.countries.oman.status=observer"],
        {},
        "roster.countries.oman.status: expected one of outside, talks, member, got 'observer'",
    ),
    (["roster.peers.leader=atlantis"], {}, "roster.peers.leader: unknown country id 'atlantis'"),
    (
        ["roster.peers.followers=[atlantis]"],
        {},
        "roster.peers.followers: unknown country id 'atlantis'",
    ),
    (
        ["roster.peers.edges=[[oman,atlantis,1]]"],
        {},
        "roster.peers.edges[0]: unknown country id 'atlantis'",
    ),
    (["mediator.priority=[atlantis]"], {}, "mediator.priority: unknown country id 'atlantis'"),
    (
        ["+events.dated.x.start=2027-01", "+events.dated.x.countries=[atlantis]"],
        {},
        "events.dated.x.countries: unknown country id 'atlantis'",
    ),
    (
        ["+events.dated.x.start=2027-01", "+events.dated.x.regions=[Atlantis]"],
        {},
        "events.dated.x.regions: unknown region 'Atlantis'",
    ),
    (
        ["+events.random.x.months=3"],
        {},
        "events.random.x.p_monthly: missing required value for a random shock",
    ),
    (
        ["roster.countries.oman.granted=[castle]"],
        {},
        "roster.countries.oman.granted: unknown inducement type 'castle'",
    ),
    (["+roster.countries.oman.colour=red"], {}, "roster.countries.oman.colour: unknown key"),
    # empty roster, duplicates, missing fields
    (["~roster.countries"], {}, "roster.countries: missing required value"),
    (
        ["roster.countries.qatar.name=Oman"],
        {},
        "roster.countries.qatar.name: duplicate country name 'Oman'",
    ),
    (
        ["~roster.countries.oman.iran_threat"],
        {},
        "roster.countries.oman.iran_threat: missing required value",
    ),
    (["~params.noise"], {}, "params.noise: missing required value"),
    # what Hydra rejects before our code runs
    (
        ["+experiment=nope"],
        {},
        "experiment: unknown option 'nope' (known: armenia_treaty, artemis, artemis_rival_wave, artemis_us_disengages, ",
    ),
    (
        ["roster=nope"],
        {},
        "roster: unknown option 'nope' (known: abraham_2026, artemis_2026) (command line: roster=nope)",
    ),
    (
        ["nokey=1"],
        {},
        "nokey: unknown key (to add a key the config does not set, write +nokey=...)",
    ),
    (
        ["params.noise=[1,"],
        {},
        "params.noise: cannot parse the override: no viable alternative at input '[1,'",
    ),
    (
        ["+hydra.callbacks.x._target_=os.system"],
        {},
        "hydra.callbacks.x._target_: expected a class from the registry",
    ),
    # files
    (
        ["roster=bad"],
        {"roster/bad.yaml": "name: bad\nas_of: '2026-06'\ncountries:\n  a: {name: A, region: X\n"},
        "YAML syntax: expected ',' or '}', but got '<stream end>' at line 5, column 1",
    ),
    (
        ["roster=bad"],
        {"roster/bad.yaml": "name: bad\nas_of: '2026-06'\ncountries: {}\n"},
        "roster.countries: expected at least one country, got none",
    ),
    (
        ["roster=bad"],
        {"roster/bad.yaml": ROSTER.replace("    region: Gulf\n", "", 1)},
        "roster.countries.united_arab_emirates.region: missing required value",
    ),
    (
        ["roster=bad"],
        {"roster/bad.yaml": ROSTER.replace("    iran_threat: 0.6\n", "    iran_threat: .nan\n", 1)},
        "roster.countries.syria.iran_threat: expected a finite number in [0.0, 1.0], got nan",
    ),
    (
        ["+experiment=bad"],
        {"experiment/bad.yaml": "# @package _global_\nmediator:\n  engagement: -2\n"},
        "mediator.engagement: expected a number in [0.0, 10.0], got -2.0",
    ),
    # a what-if package (mediator.package)
    (
        ["+mediator.package={a: {country: atlantis, type: arms, start: 2027-01, end: 2027-06}}"],
        {},
        "mediator.package.a.country: unknown country id 'atlantis'",
    ),
    (
        ["+mediator.package={a: {country: oman, type: arms, start: 2027-09, end: 2027-06}}"],
        {},
        "mediator.package.a.end: expected a month on or after start 2027-09, got '2027-06'",
    ),
    (
        ["+mediator.package={a: {country: oman, type: gold, start: 2027-01, end: 2027-06}}"],
        {},
        "mediator.package.a.type: unknown inducement type 'gold'",
    ),
    # a sweep's values, each checked before any job runs (the first composed, the others derived from it)
    (
        ["mediator.engagement=0,0.5,-1", "--multirun"],
        {},
        "mediator.engagement: expected a number in [0.0, 10.0], got -1.0 (command line: mediator.engagement=-1)",
    ),
    (
        ["replicates=10", "params=calibrated,nonexist", "--multirun"],
        {},
        "params: unknown option 'nonexist' (known: artemis_calibrated, artemis_judgement, artemis_posterior, calibrated, judgement, posterior)",
    ),
    # a record written before `end` was renamed `as_of` (the last month its sources cover)
    (
        ["record=old"],
        {"record/old.yaml": 'name: old\nstart: "2020-06"\nend: "2026-06"\n'},
        "record.end: renamed: rename the record's `end` to `as_of`",
    ),
]


def _setup(files: dict, folder: Path) -> list[str]:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return ["--config-dir", str(folder)] if files else []


def test_the_corpus_has_at_least_forty_cases():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize(
    ("args", "files", "message"), CORPUS, ids=[c[2].split(":")[0] for c in CORPUS]
)
def test_every_malformed_input_gets_its_one_line_message(args, files, message, tmp_path):
    with pytest.raises(ConfigError) as caught:
        preflight([*_setup(files, tmp_path), *args])
    text = str(caught.value)
    assert text.startswith(message), text
    assert "\n" not in text
    if files:
        assert str(tmp_path / next(iter(files))) in text  # the file it came from
    elif not args[0].startswith("~"):
        assert "(command line: " in text or args[0].startswith("+hydra")


@pytest.mark.parametrize("case", [0, 10, 21, 27, 36, 38, 41, 42, 44, 46, 47, 60])
def test_on_the_command_line_bad_input_is_one_line_exit_2_and_no_folder(case, tmp_path):
    args, files, message = CORPUS[case]
    run = tmp_path / "run"
    done = cli(*_setup(files, tmp_path), *args, f"hydra.run.dir={run}")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: {message}") and done.stderr.count("\n") == 1, done.stderr
    assert not run.exists()


# ---- fuzz: any config either runs or gives one such line ----

BAD_VALUES = st.sampled_from(
    [
        None,
        -1,
        0,
        1,
        2.5,
        1e9,
        math.nan,
        math.inf,
        -math.inf,
        "text",
        "2027-01",
        "",
        True,
        [],
        [1, 2],
        {},
        {"low": 0.2, "high": 0.4},
        {"low": 2, "high": 1},
        {"mean": 0.5, "sd": 0.1},
        {"x": 1},
        0.0,
        0.3,
        0.5,
        0.9,
        1.0,
        3,
        10,
        {"low": 0.0, "high": 1.0},
    ]  # plausible values too, so some run
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


@st.composite
def mutated_configs(draw):
    data = config_dict(
        {"a": country("A"), "b": country("B", region="South", status="talks")},
        peers={"leader": "a", "followers": ["b"], "edges": [["a", "b", 1.0]]},
        events={
            "random": {"r": {"p_monthly": 0.1, "months": 2, "salience": 0.2}},
            "dated": {"d": {"start": "2020-06", "countries": ["a"], "grants": ["arms"]}},
        },
        replicates=20,
    )
    data = copy.deepcopy(data)
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = copy.deepcopy(draw(BAD_VALUES))
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "name", "seed"]))] = copy.deepcopy(
                draw(BAD_VALUES)
            )
    return data


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_configs())
def test_fuzz_any_config_runs_or_gives_one_line(data):
    try:
        config = load_config(data)
    except ConfigError as err:
        assert "\n" not in str(err) and str(err)
        event("rejected with one line")
        return
    if config.replicates > 50:  # keep the fuzz fast; the count itself was valid
        config = load_config({**data, "replicates": 50})
    try:
        result = execute(config)
    except ConfigError as err:  # a drawn input broke a cross-field rule: still one line
        assert "\n" not in str(err) and "of the uncertain inputs)" in str(err)
        event("a draw rejected with one line")
        return
    event("ran")
    assert result.summary["p_joined_by_horizon"].between(0, 1).all()

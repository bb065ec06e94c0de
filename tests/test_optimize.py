"""The cheapest package (sim.commands.optimize): Optuna over packages, evaluated on common random numbers."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from sim.core.calendar import parse_month
from sim.hydra.configs import compose_config
from sim.runs.cheapest import NONE, Candidate, Question, Search, best, cost, search

from .conftest import cli

TYPES = [
    "defence_treaty",
    "civil_nuclear",
]  # worth and cost from the roster and conf/mediator (cost 3 and 2)
STARTS = [parse_month(m) for m in ("2026-12", "2027-07", "2028-07")]


@pytest.fixture(scope="module")
def small():
    config = compose_config(["params=calibrated", "replicates=2000", "explain=false"])
    question = Question(
        "saudi_arabia",
        0,
        parse_month("2029-12"),
        0.36,
        10.0,
        ["saudi_arabia"],
        TYPES,
        STARTS,
        None,
        4.0,
    )
    return config, question


def test_the_optimiser_finds_the_known_optimum_of_a_small_problem(small):
    """One country, two inducement types: every package is evaluated by brute force on the same
    streams, and the optimiser must return the cheapest that reaches the probability."""
    config, q = small
    packages = [Candidate((), 1.0)] + [
        Candidate((("saudi_arabia", t, m),), 1.0) for t, m in itertools.product(TYPES, STARTS)
    ]
    reach = dict(zip(packages, (p for _, p in Search(config, q).evaluate(packages))))
    by_type = {
        t: max(p for c, p in reach.items() if c.offers and c.offers[0][1] == t) for t in TYPES
    }
    assert by_type["defence_treaty"] > by_type["civil_nuclear"] >= reach[Candidate((), 1.0)]
    # the target between what the cheaper type and the dearer one reach: the dearer is the optimum
    q = dataclasses.replace(q, at_least=(by_type["defence_treaty"] + by_type["civil_nuclear"]) / 2)
    exhaustive = Search(config, q)
    exhaustive.evaluate(packages)
    optimum = best(exhaustive)
    assert optimum is not None and optimum.offers[0][1] == "defence_treaty"
    found = best(search(config, q, "tpe", trials=30, batch=10, seed=0))
    assert found is not None and cost(config, q, found) == cost(config, q, optimum) == 3.0
    assert exhaustive.seen[found][1] >= q.at_least
    assert (
        exhaustive.seen[Candidate((), 1.0)][1] < q.at_least
    )  # the question is not answered by doing nothing


def test_a_package_never_takes_away_and_the_same_streams_make_differences_exact(small):
    config, q = small
    state = Search(config, q)
    nothing, treaty = state.evaluate(
        [Candidate((), 1.0), Candidate((("saudi_arabia", "defence_treaty", STARTS[0]),), 1.0)]
    )
    assert treaty[1] > nothing[1]
    again = Search(config, q).evaluate([Candidate((), 1.0)])[0]
    assert again == nothing  # common random numbers: the same package, the same number


def test_an_infeasible_target_is_one_line_with_the_best_reached(tmp_path):
    done = cli(
        "--target",
        "saudi_arabia",
        "--by",
        "2027-06",
        "--at-least",
        "0.95",
        "--budget",
        "3",
        "--types",
        "civil_nuclear",
        "--trials",
        "8",
        "--batch",
        "8",
        "--out",
        str(tmp_path / "out"),
        "replicates=500",
        "params=calibrated",
        module="sim.optimize",
    )
    assert done.returncode == 2, done.stderr
    line = done.stderr.strip()
    assert "\n" not in line and line.startswith(
        "error: at_least: no package within the budget 3 reaches 0.95 for Saudi Arabia by 2027-06; the best reaches 0."
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--target", "saudia", "--by", "2028-12", "--at-least", "0.5"],
            "error: target: unknown country id 'saudia'",
        ),
        (
            ["--target", "saudi_arabia", "--by", "2031-01", "--at-least", "0.5"],
            "error: by: expected a month in the run's window 2026-12 to 2029-12",
        ),
        (
            ["--target", "saudi_arabia", "--by", "2028-13", "--at-least", "0.5"],
            "error: by: expected a month as 'YYYY-MM', got '2028-13'",
        ),
        (
            ["--target", "saudi_arabia", "--by", "2028-12", "--at-least", "0.5", "--types", "gold"],
            "error: types: unknown inducement type 'gold'",
        ),
        (
            ["--by", "2028-12", "--at-least", "0.5"],
            "error: target: expected either --target COUNTRY or --members N, got neither",
        ),
    ],
)
def test_bad_questions_are_one_line_errors(args, message):
    done = cli(*args, "replicates=100", module="sim.optimize")
    assert (
        done.returncode == 2 and done.stderr.startswith(message) and done.stderr.count("\n") == 1
    ), done.stderr


def test_the_none_choice_is_not_an_inducement_type():
    assert NONE not in compose_config([]).mediator.inducements

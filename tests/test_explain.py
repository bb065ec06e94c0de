"""Explanations: the contributions add up to the utility, and match the Mesa model's own terms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from sim.analysis.explain import contributions_table
from sim.analysis.tables import tabulate
from sim.config.errors import ConfigError
from sim.config.load import load_config
from sim.core.decision import Status
from sim.core.terms import TERMS
from sim.core.utility import accession_utility, fill_contributions, fill_standing
from sim.engine.outcomes import FIXED_POINT, NEVER, ContributionSums
from sim.engine.simulate import simulate_explained
from sim.engine.world import compile_world
from sim.hydra.configs import compose_config

from .conftest import mesa_deciding
from .strategies import scenarios

CONTRIBUTIONS = (*TERMS, "events")  # the Abraham world's explanation columns

RESOLUTION = 1e-6  # fixed-point sums, rounded to 6 decimals in the tables


@pytest.fixture(scope="module")
def default_run():
    # judgement params: more countries join than under the fitted, sharper response, so the
    # explanations have rows to check
    config = compose_config(["replicates=3000", "seed=5", "params=judgement"])
    world = compile_world(config)
    outcomes, sums = simulate_explained(world, replicates=config.replicates, seed=config.seed)
    return world, outcomes, sums, tabulate(outcomes, world, sums=sums)


def test_contributions_sum_to_the_utility_in_every_row(default_run):
    world, outcomes, _, tables = default_run
    table = tables.contributions.dropna()
    assert len(table) > 500
    gap = (table[list(CONTRIBUTIONS)].sum(axis=1) - table["utility"]).abs()
    assert gap.max() < 10 * RESOLUTION
    why = tables.why
    ever_joined = ((outcomes.join_month >= 0) & (outcomes.join_month != NEVER)).any(axis=0) & (
        world.status0 != Status.MEMBER
    )
    assert len(why) == min(10, ever_joined.sum()) > 5  # the likeliest joiners, up to 10
    assert ((why[list(CONTRIBUTIONS)].sum(axis=1) - why["utility"]).abs() < 10 * RESOLUTION).all()
    assert np.allclose(why["margin"], why["utility"] - why["threshold"], atol=RESOLUTION)


def test_why_names_the_terms_that_carried_the_likeliest_joiner(default_run):
    world, outcomes, _, tables = default_run
    top = tables.why.iloc[0]
    month = outcomes.join_month[:, world.names.index(top["country"])]
    assert top["joins"] == ((month >= 0) & (month != NEVER)).sum() > 0
    largest = max(CONTRIBUTIONS, key=lambda t: top[t])
    assert top["carried_by"].startswith(largest)


def test_explanation_matches_the_mesa_models_own_terms():
    """Mean utility and terms of deciding countries, from Mesa agents step by step, equal the
    kernel's explanation of the same replicates."""
    config = compose_config(["replicates=12", "seed=9"])
    world = compile_world(config)
    _, sums = simulate_explained(world, replicates=12, seed=9)
    table = contributions_table(sums, world, 12)
    total = np.zeros((world.n_months, len(world.ids), len(TERMS)))
    count = np.zeros((world.n_months, len(world.ids)))
    for _, t, _, c in mesa_deciding(world, 12, seed=9):
        total[t, c.index] += c.contributions()
        count[t, c.index] += 1
    assert np.array_equal(count.ravel(), table["deciding"].to_numpy() * 12)
    seen = count.ravel() > 0
    mesa_utility = (total.sum(axis=2) / np.maximum(count, 1)).ravel()
    assert np.allclose(table["utility"].to_numpy()[seen], mesa_utility[seen], atol=10 * RESOLUTION)
    mesa_inducement = (total[..., TERMS.index("inducement")] / np.maximum(count, 1)).ravel()
    assert np.allclose(
        table["inducement"].to_numpy()[seen], mesa_inducement[seen], atol=10 * RESOLUTION
    )


def mesa_sums(world, replicates: int, seed: int) -> ContributionSums:
    """The explanation sums built from Mesa agents' own terms, step by step, in the kernel's
    fixed point: an independent computation of what the kernel records."""
    n_country = len(world.ids)
    by_month = np.zeros((world.n_months, n_country, len(CONTRIBUTIONS) + 2), dtype=np.int64)
    deciding = np.zeros((world.n_months, n_country), dtype=np.int64)
    at_join = np.zeros((n_country, len(CONTRIBUTIONS) + 2), dtype=np.int64)
    row = np.zeros(len(CONTRIBUTIONS))
    term_rules = (world.shared.term_index, world.shared.term_sign)
    for _, t, model, c in mesa_deciding(world, replicates, seed):
        terms = c.contributions()
        features = model.numbers.features[world.shared.period[t], c.index]
        standing = np.zeros((1, len(terms)))  # this country as a table of one row
        fill_standing(
            standing, c.weights[None], features[None], model.numbers.salience, *term_rules
        )
        fill_contributions(row, terms[None], standing, 0, world.shared.term_index)
        values = [*row, accession_utility(terms), c.threshold]
        fixed = np.rint(np.array(values) * FIXED_POINT).astype(np.int64)
        by_month[t, c.index] += fixed
        deciding[t, c.index] += 1
        if c.join_month == t:
            at_join[c.index] += fixed
    return ContributionSums(by_month, deciding, at_join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(replicates=40))
def test_explanation_equals_the_mesa_agents_own_terms_for_any_chunking(data):
    config = load_config(data)
    world = compile_world(config)
    _, kernel = simulate_explained(world, replicates=40, seed=config.seed, chunk=3)
    expected = mesa_sums(world, 40, config.seed)
    for field in ("by_month", "deciding", "at_join"):
        assert np.array_equal(getattr(kernel, field), getattr(expected, field)), field
    table = contributions_table(kernel, world, 40).dropna()
    gap = (table[list(CONTRIBUTIONS)].sum(axis=1) - table["utility"]).abs()
    assert (gap < 10 * RESOLUTION).all()


def test_an_incentive_added_by_config_alone_is_in_the_explanations():
    """A new term is one entry of the terms config plus the roster's scores: the engines, the
    explanation tables and the Mesa agents read it, and the contributions still sum to the utility."""
    from hydra import compose, initialize_config_dir

    from sim.config.sources import CONF
    from sim.hydra.configs import plain_config
    from sim.runs.runner import execute

    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        data = plain_config(
            compose(
                "config",
                overrides=["replicates=400", "params=calibrated"],
                return_hydra_config=True,
            )
        )
    data["terms"]["terms"]["space_programme"] = {
        "kind": "feature",
        "feature": "space_agency",
        "sign": 1,
        "weight": 2.0,
    }
    for cid, country in data["roster"]["countries"].items():
        country.setdefault("scores", {})["space_agency"] = (
            1.0 if cid in ("uzbekistan", "kyrgyzstan") else 0.0
        )
    config = load_config(data)
    result = execute(config)
    assert result.world.term_names[-1] == "space_programme"
    table = result.tables.contributions.set_index("country")
    assert (table.loc["Uzbekistan", "space_programme"].dropna() == 2.0).all() and (
        table.loc["Oman", "space_programme"].dropna() == 0
    ).all()
    columns = [*result.world.term_names, "events"]
    assert (
        (result.tables.contributions[columns].sum(axis=1) - result.tables.contributions["utility"])
        .abs()
        .dropna()
        < 10 * RESOLUTION
    ).all()
    base = execute(load_config({**data, "terms": None}))
    assert result.p_joined("uzbekistan") > base.p_joined(
        "uzbekistan"
    )  # an incentive only it has raises its chance
    del data["roster"]["countries"]["oman"]["scores"]
    with pytest.raises(
        ConfigError, match="roster.countries.oman.scores.space_agency: missing required value"
    ):
        load_config(data)


def test_a_world_of_other_terms_needs_none_of_the_abraham_features():
    """Terms of another world (an offer, peers, a feature of its own) over a roster that scores
    only what they read: it validates, runs, and explains itself in its own terms."""
    from hydra import compose, initialize_config_dir

    from sim.config.sources import CONF
    from sim.hydra.configs import plain_config
    from sim.runs.runner import execute

    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        data = plain_config(
            compose(
                "config",
                overrides=["replicates=300", "params=calibrated"],
                return_hydra_config=True,
            )
        )
    data["terms"] = {
        "name": "other",
        "terms": {
            "offer": {"kind": "offer", "sign": 1, "weight": 3.0},
            "neighbours": {"kind": "peers", "sign": 1, "weight": 1.0},
            "ally": {"kind": "feature", "feature": "treaty_ally", "sign": 1, "weight": 1.5},
        },
    }
    data["params"][
        "weights"
    ] = {}  # the terms carry their weights; params name only the world's terms
    for country in data["roster"]["countries"].values():
        for feature in (
            "iran_threat",
            "us_security",
            "econ_gain",
            "public_permissiveness",
            "regime_insulation",
            "palestine_linkage",
        ):
            country.pop(feature, None)
        country.pop("weights", None)
        country["scores"] = {"treaty_ally": 1.0 if country["region"] == "Gulf" else 0.0}
    result = execute(load_config(data))
    assert result.world.term_names == ["offer", "neighbours", "ally"]
    assert list(result.tables.contributions.columns[3:7]) == [
        "offer",
        "neighbours",
        "ally",
        "events",
    ]

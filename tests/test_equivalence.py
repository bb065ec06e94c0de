"""The ensemble engine is equal in distribution to the Mesa model, by a stated test with power.

Test: the Mesa model and the ensemble run with different seeds (independent samples). For each
country that can move, a two-proportion z test on 'member by the horizon' and a chi-square test
of homogeneity on the month it joined (binned into six periods plus 'never', cells with fewer
than 20 observations pooled); plus Welch's t test
on the number of members at the horizon. The family is Bonferroni-corrected to a false-alarm
rate of ALPHA = 0.001 per scenario: with engines that are truly equal, the test wrongly rejects
at most 1 time in 1,000. Power is shown by a deliberately perturbed engine (peer weight +10%,
or a lower threshold) that the same test must reject.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from sim.engine.outcomes import NEVER, Outcomes
from sim.engine.simulate import simulate
from sim.engine.world import World, compile_world
from sim.hydra.configs import compose_config

from .strategies import build, country

pytestmark = [pytest.mark.slow]

ALPHA = 0.001
BINS = 6


def equal_in_distribution(a: Outcomes, b: Outcomes, n_months: int) -> tuple[bool, float, str]:
    """(accepted, smallest p-value, which test gave it) for two samples of outcomes."""
    last = n_months - 1
    pvalues: dict[str, float] = {}
    in_a, in_b = a.is_member(last), b.is_member(last)
    movable = (a.join_month != -1).any(axis=0) | (b.join_month != -1).any(axis=0)
    edges = np.linspace(0, n_months, BINS + 1)
    for c in np.flatnonzero(movable):
        x, y = in_a[:, c].mean(), in_b[:, c].mean()
        pooled = (in_a[:, c].sum() + in_b[:, c].sum()) / (len(in_a) + len(in_b))
        se = np.sqrt(pooled * (1 - pooled) * (1 / len(in_a) + 1 / len(in_b)))
        if se > 0:
            pvalues[f"p_joined[{c}]"] = 2 * stats.norm.sf(abs(x - y) / se)
        table = _pool_sparse(
            np.array([_month_histogram(o.join_month[:, c], edges) for o in (a, b)])
        )
        if table.shape[1] > 1:
            pvalues[f"join_month[{c}]"] = stats.chi2_contingency(table)[1]
    totals = [o.is_member(last).sum(axis=1) for o in (a, b)]
    if np.var(totals[0]) + np.var(totals[1]) > 0:
        pvalues["members"] = stats.ttest_ind(*totals, equal_var=False).pvalue
    worst = min(pvalues, key=pvalues.get)
    return pvalues[worst] >= ALPHA / len(pvalues), pvalues[worst], worst


def _pool_sparse(table: np.ndarray, least: int = 20) -> np.ndarray:
    """Merge the columns with fewer than `least` observations into one, dropped if still sparse:
    the chi-square approximation needs no small expected counts."""
    sparse = table.sum(axis=0) < least
    pooled = table[:, sparse].sum(axis=1, keepdims=True)
    table = table[:, ~sparse]
    return np.hstack([table, pooled]) if pooled.sum() >= least else table


def _month_histogram(join: np.ndarray, edges: np.ndarray) -> np.ndarray:
    joined = join[(join >= 0) & (join != NEVER)]
    return np.append(np.histogram(joined, bins=edges)[0], (join == NEVER).sum())


def cascade() -> World:
    """A leader in talks and four followers near their threshold."""
    roster = {"leader": country("Leader", status="talks", level=0.9)}
    roster |= {f"f{i}": country(f"Follower {i}", level=0.3) for i in range(4)}
    roster["far"] = country("Far", region="South", level=0.5)
    return compile_world(
        build(
            roster,
            peers={
                "leader": "leader",
                "followers": ["f0", "f1", "f2", "f3"],
                "edges": [["far", "f0", 0.5]],
            },
            params={
                "weights": {"peer": 1.5},
                "leader_multiplier": 2.0,
                "rate_open": 0.15,
                "rate_sign": 0.15,
            },
            mediator={"strategy": "none"},
            scenario={"end": "2021-12"},
        )
    )


def tight_budget() -> World:
    """The persuadable mediator with one unit of each type and one courting slot."""
    roster = {f"c{i}": country(f"Candidate {i}", level=0.3 + 0.05 * i) for i in range(6)}
    return compile_world(
        build(
            roster,
            mediator={
                "strategy": "persuadable",
                "max_targets": 1,
                "inducements": {
                    "arms": {"units": 1, "cost": 1.0, "value": 0.6},
                    "investment": {"units": 1, "cost": 0.5, "value": 0.4},
                },
            },
            params={"rate_open": 0.15, "rate_sign": 0.15},
        )
    )


def shock_and_exit() -> World:
    """A dated war that collapses talks, a random shock, and exit enabled."""
    roster = {
        f"c{i}": country(f"Country {i}", status=s, level=0.55)
        for i, s in enumerate(["talks", "talks", "member", "member", "outside"])
    }
    return compile_world(
        build(
            roster,
            scenario={"exit_enabled": True},
            params={
                "rate_exit": 0.05,
                "collapse_on_shock": 0.8,
                "rate_open": 0.1,
                "rate_sign": 0.08,
            },
            events={
                "dated": {
                    "war": {
                        "start": "2020-06",
                        "months": 8,
                        "salience": 0.6,
                        "collapses_talks": True,
                    }
                },
                "random": {"flare": {"p_monthly": 0.05, "months": 3, "iran_threat": 0.3}},
            },
        )
    )


def default() -> World:
    return compile_world(compose_config([]))


def with_package() -> World:
    """The default with a what-if package (mediator.package) over the courting mediator's offers."""
    offers = (
        "{treaty: {country: saudi_arabia, type: defence_treaty, start: 2026-12, end: 2029-12}, "
        "invest: {country: oman, type: investment, start: 2027-01, end: 2028-12}}"
    )
    return compile_world(compose_config([f"+mediator.package={offers}"]))


SCENARIOS = {  # name: (world, Mesa replicates)
    "default": (default, 600),
    "with_package": (with_package, 600),
    "cascade": (cascade, 3000),
    "tight_budget": (tight_budget, 3000),
    "shock_and_exit": (shock_and_exit, 3000),
}


@pytest.fixture(scope="module")
def mesa_samples() -> dict[str, tuple[World, Outcomes]]:
    out = {}
    for name, (make, n) in SCENARIOS.items():
        world = make()
        out[name] = world, simulate(world, replicates=n, seed=101, engine="mesa")
    return out


@pytest.mark.parametrize("name", SCENARIOS)
def test_ensemble_is_equal_in_distribution_to_mesa(name, mesa_samples):
    world, mesa_out = mesa_samples[name]
    ensemble_out = simulate(world, replicates=50_000, seed=202)
    accepted, p, which = equal_in_distribution(mesa_out, ensemble_out, world.n_months)
    assert accepted, f"{name}: {which} p={p:.2e} < {ALPHA} (Bonferroni)"


def perturbed(world: World, *, peer: float = 1.0, threshold: float = 0.0) -> World:
    n = world.numbers
    weights = n.weights.copy()
    weights[..., world.term_names.index("peer")] *= peer
    return dataclasses.replace(
        world, numbers=n._replace(weights=weights, threshold=n.threshold + threshold)
    )


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("cascade", {"peer": 1.1}),
        ("tight_budget", {"threshold": -0.05}),
        ("shock_and_exit", {"threshold": -0.05}),
    ],
)
def test_the_same_test_rejects_a_perturbed_engine(name, change, mesa_samples):
    world, mesa_out = mesa_samples[name]
    wrong = simulate(perturbed(world, **change), replicates=50_000, seed=202)
    accepted, p, which = equal_in_distribution(mesa_out, wrong, world.n_months)
    assert not accepted, f"{name} with {change}: not detected (smallest p={p:.2e} at {which})"

"""The cheapest-package search of `python -m sim.optimize` (sim.commands.optimize): the question,
the candidates Optuna proposes (TPE for the cheapest package that reaches the probability,
NSGA-II for the trade-off of cost against probability), each batch of them run in one kernel call
with the same replicate streams, and the confirmation of the package found with fresh streams
against the scenario without it (paired deltas)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.compare import paired_delta
from sim.analysis.intervals import wilson_interval
from sim.config.errors import ConfigError
from sim.config.load import with_values
from sim.config.schema import RunConfig, ScriptedOffer
from sim.core.calendar import format_month
from sim.engine.outcomes import BEFORE, NEVER, Outcomes
from sim.engine.world import World
from sim.runs.runner import design, simulate_many

NONE = "none"


@dataclass(frozen=True)
class Question:
    target: str | None  # a country id; None: any `members` new members
    members: int
    by: int  # the deadline, a month number
    at_least: float
    budget: float
    scope: list[str]  # countries the package may court
    types: list[str]  # inducement types it may offer
    starts: list[int]  # months an offer may start
    engagement_max: float | None  # search the engagement up to this (None: keep the config's)
    engagement_cost: float  # JUDGEMENT: cost per unit of engagement above the config's

    def describe(self, config: RunConfig) -> str:
        what = (
            config.roster.countries[self.target].name
            if self.target
            else f"{self.members} new members"
        )
        return f"{what} by {format_month(self.by)} with probability >= {self.at_least:g}"


@dataclass(frozen=True)
class Candidate:
    offers: tuple[tuple[str, str, int], ...]  # (country, type, start month), in scope order
    engagement: float

    def text(self) -> str:
        parts = [f"{t} to {c} from {format_month(m)}" for c, t, m in self.offers] or ["no offers"]
        return "; ".join(parts) + f" (engagement {self.engagement:g})"


def check(config: RunConfig, q: Question) -> None:
    """One-line errors for a question the config cannot answer."""
    ids, types_ = list(config.roster.countries), list(config.mediator.inducements)
    for key, given, known in (
        ("target", [q.target] if q.target else [], ids),
        ("scope", q.scope, ids),
        ("types", q.types, types_),
    ):
        for value in given:
            if value not in known:
                raise ConfigError(
                    key,
                    f"unknown {'inducement type' if key == 'types' else 'country id'} {value!r} (known: {', '.join(known)})",
                )
    start, end = config.scenario.start, config.scenario.end
    if not start <= q.by <= end:
        window = f"{format_month(start)} to {format_month(end)}"
        raise ConfigError(
            "by", f"expected a month in the run's window {window}, got {format_month(q.by)!r}"
        )
    if not 0 < q.at_least <= 1:
        raise ConfigError("at_least", f"expected a probability in (0, 1], got {q.at_least}")
    if not q.scope or not q.types:
        raise ConfigError("scope" if not q.scope else "types", "expected at least one, got none")


def package(q: Question, c: Candidate) -> dict[str, ScriptedOffer]:
    """A candidate's offers as `mediator.package`: each from its start month to the deadline."""
    return {
        f"{country}_{kind}": ScriptedOffer(country, kind, month, q.by, source="sim.optimize")
        for country, kind, month in c.offers
    }


def with_package(config: RunConfig, q: Question, c: Candidate) -> RunConfig:
    """`config` with the candidate's package and engagement, validated as any config."""
    mediator = dataclasses.replace(config.mediator, package=package(q, c))
    return with_values(
        dataclasses.replace(config, mediator=mediator),
        {"mediator.engagement": c.engagement},
        origin=f"package: {c.text()}",
    )


def cost(config: RunConfig, q: Question, c: Candidate) -> float:
    paid = sum(config.mediator.inducements[kind].cost for _, kind, _ in c.offers)
    return paid + q.engagement_cost * max(c.engagement - config.mediator.engagement, 0.0)


def reached(outcomes: Outcomes, world: World, q: Question) -> np.ndarray:
    """(R,) bool: the question's event happened by the deadline in each replicate."""
    last = q.by - world.start
    joined = (
        (outcomes.join_month >= 0) & (outcomes.join_month <= last) & (outcomes.join_month != NEVER)
    )
    if q.target is not None:
        return joined[:, world.ids.index(q.target)]
    return (joined & world.counted & (outcomes.join_month != BEFORE)).sum(axis=1) >= q.members


class Search:
    """Candidates evaluated in batches, each batch one kernel call on common random numbers."""

    def __init__(self, config: RunConfig, q: Question):
        self.config, self.q = config, q
        self.seen: dict[Candidate, tuple[float, float]] = {}  # candidate -> (cost, probability)
        self.evaluations = 0

    def configs(
        self, candidates: list[Candidate], config: RunConfig | None = None
    ) -> list[RunConfig]:
        return [with_package(config or self.config, self.q, c) for c in candidates]

    def run(self, configs: list[RunConfig]) -> list[tuple[np.ndarray, Outcomes, World]]:
        prepared = [design(c) for c in configs]
        out: list = [None] * len(configs)
        for i, outcomes, _ in simulate_many(configs, prepared):
            out[i] = (reached(outcomes, prepared[i][0], self.q), outcomes, prepared[i][0])
        return out

    def evaluate(self, candidates: list[Candidate]) -> list[tuple[float, float]]:
        new = [c for c in dict.fromkeys(candidates) if c not in self.seen]
        if new:
            for c, (hits, _, _) in zip(new, self.run(self.configs(new))):
                self.seen[c] = (cost(self.config, self.q, c), float(hits.mean()))
            self.evaluations += len(new)
        return [self.seen[c] for c in candidates]

    def table(self) -> pd.DataFrame:
        rows = [
            {
                "cost": cst,
                "probability": p,
                "package": c.text(),
                "offers": len(c.offers),
                "engagement": c.engagement,
                "feasible": cst <= self.q.budget and p >= self.q.at_least,
            }
            for c, (cst, p) in self.seen.items()
        ]
        table = (
            pd.DataFrame(rows)
            .sort_values(["cost", "probability"], ascending=[True, False])
            .reset_index(drop=True)
        )
        table["pareto"] = table["probability"] > table["probability"].cummax().shift(
            fill_value=-1.0
        )
        return table


def search(
    config: RunConfig, q: Question, method: str, trials: int, batch: int, seed: int, watch=None
) -> Search:
    """Optuna's ask-and-tell over packages, `batch` candidates per kernel call."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    state = Search(config, q)
    penalty = 10.0 * (
        sum(config.mediator.inducements[t].cost for t in q.types) * len(q.scope) + 1.0
    )
    if method == "tpe":
        study = optuna.create_study(
            direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed, multivariate=True)
        )
    else:
        study = optuna.create_study(
            directions=["minimize", "maximize"],
            sampler=optuna.samplers.NSGAIISampler(seed=seed, population_size=batch),
        )
    done = 0
    while done < trials:
        asked = [study.ask() for _ in range(min(batch, trials - done))]
        candidates = [_candidate(t, config, q) for t in asked]
        for trial, (cst, p) in zip(asked, state.evaluate(candidates)):
            over = max(q.at_least - p, 0.0) + max(cst - q.budget, 0.0)
            study.tell(
                trial,
                cst + penalty * over
                if method == "tpe"
                else (cst + penalty * max(cst - q.budget, 0.0), p),
            )
        done += len(asked)
        if watch is not None:
            watch("candidates", done, trials)
    return state


def _candidate(trial, config: RunConfig, q: Question) -> Candidate:
    offers = []
    for country in q.scope:
        kind = trial.suggest_categorical(f"type.{country}", [NONE, *q.types])
        start = trial.suggest_categorical(f"start.{country}", q.starts)
        if kind != NONE:
            offers.append((country, kind, start))
    base = config.mediator.engagement
    engagement = (
        trial.suggest_float("engagement", base, q.engagement_max)
        if q.engagement_max and q.engagement_max > base
        else base
    )
    return Candidate(tuple(offers), round(engagement, 2))


def best(state: Search) -> Candidate | None:
    """The cheapest candidate that reaches the probability within the budget (the likelier on a tie)."""
    feasible = [
        (cst, -p, c.text(), c)
        for c, (cst, p) in state.seen.items()
        if cst <= state.q.budget and p >= state.q.at_least
    ]
    return min(feasible)[3] if feasible else None


def confirm(state: Search, chosen: Candidate, replicates: int) -> tuple[dict, pd.DataFrame]:
    """The chosen package run again with fresh streams and more replicates, against the same
    scenario without it: its probability (Wilson 95%) and every country's paired delta."""
    fresh = dataclasses.replace(state.config, seed=state.config.seed + 1, replicates=replicates)
    configs = state.configs([chosen, Candidate((), state.config.mediator.engagement)], fresh)
    (hits, with_package, world), (_, without, _) = state.run(configs)
    low, high = wilson_interval(np.array([hits.sum()]), len(hits))
    last = state.q.by - world.start
    rows = []
    for i, name in enumerate(world.names):
        a, b = (
            (o.join_month[:, i] >= 0) & (o.join_month[:, i] <= last)
            for o in (with_package, without)
        )
        if (without.join_month[:, i] == BEFORE).all():  # a member from the start
            continue
        delta, dlow, dhigh = paired_delta(a, b)
        rows.append(
            {
                "country": name,
                "id": world.ids[i],
                "p_with": a.mean(),
                "p_without": b.mean(),
                "delta": delta,
                "delta_ci_low": dlow,
                "delta_ci_high": dhigh,
            }
        )
    summary = {
        "probability": float(hits.mean()),
        "ci_low": float(low[0]),
        "ci_high": float(high[0]),
        "replicates": replicates,
        "seed": fresh.seed,
    }
    return summary, pd.DataFrame(rows).sort_values("delta", ascending=False).reset_index(drop=True)

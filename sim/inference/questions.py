"""Scores against the crowds: resolved forecasting questions, forecast as the model would have.

For a question whose crowd forecast was made when the record stood at `known_to`, the model is
fitted (posterior mode) on the record up to `known_to` only, and an outlook runs from the month
after to the question's end: the `courting` mediator with the rates fitted then, the random
shocks of the outlook (no later offers or dated events: the record is cut at `known_to`), and
the talks that record leaves latent. The question resolves yes if any of its countries joins.
The constant-hazard baseline is the monthly accession rate among countries outside over the
same record, applied to the question's countries and months. Each gets a Brier score,
(p - outcome)^2, next to the crowd's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.config.schema import KINDS, Events, RunConfig
from sim.config.validate import MONTH, UNIT
from sim.core.calendar import format_month
from sim.core.decision import Status
from sim.inference.fit import Problem, mode
from sim.inference.forecast import forecast_from
from sim.inference.start import truncate


@dataclass(frozen=True)
class Question:
    text: str
    platform: str
    known_to: int = field(metadata=MONTH)  # the record as it stood when the crowd forecast
    end: int = field(metadata=MONTH)  # the last month in which a yes counts
    crowd: float = field(metadata=UNIT)
    resolved: bool
    countries: list[str] = field(default_factory=list)  # none: any country outside at the start
    kinds: list[str] = field(default_factory=lambda: list(KINDS))


@dataclass(frozen=True)
class Questions:
    name: str
    questions: dict[str, Question]


def forecast(
    config: RunConfig, events: Events, question: Question, parameters: list[str], prior_sd: float
) -> dict:
    """The model's and the constant hazard's probability of a yes, fitted on the record to
    `question.known_to` (`config`: the calibration's, whose window is the record's)."""
    past = truncate(config.record, question.known_to)
    window = dataclasses.replace(config.scenario, start=past.start, end=past.as_of)
    fitted = mode(Problem(dataclasses.replace(config, scenario=window), past, parameters, prior_sd))
    world, outcomes = forecast_from(config, events, fitted, question.known_to + 1, question.end)
    at_risk = _at_risk(world, question)
    joined = (outcomes.join_month[:, at_risk] >= 0) & (
        outcomes.join_month[:, at_risk] < world.n_months
    )
    constant = 1 - (1 - _constant_hazard(config, past)) ** (world.n_months * at_risk.sum())
    return {"model": float(joined.any(axis=1).mean()), "constant": float(constant)}


def _at_risk(world, question: Question) -> np.ndarray:
    """(C,) the question's countries that are outside the accord (or in talks) at the start."""
    chosen = np.array([not question.countries or cid in question.countries for cid in world.ids])
    kinds = np.isin(world.kinds, question.kinds)
    return chosen & kinds & (world.status0 != Status.MEMBER)


def _constant_hazard(config: RunConfig, record) -> float:
    """Accessions per country-month at risk on the record: one hazard for every country."""
    first, last = record.start, record.as_of
    joins = list(record.joined.values())
    at_risk = sum(
        min(record.joined[c], last + 1) - first if c in record.joined else last - first + 1
        for c in config.roster.countries
    )
    return (len(joins) + 0.5) / (at_risk + 1.0)  # Jeffreys-smoothed, as the backtest's baselines


def score_questions(
    config: RunConfig, events: Events, questions: Questions, parameters, prior_sd
) -> pd.DataFrame:
    """One row per question: the three forecasts and their Brier scores."""
    rows = []
    for name, q in questions.questions.items():
        p = forecast(config, events, q, parameters, prior_sd)
        outcome = float(q.resolved)
        rows.append(
            {
                "question": name,
                "text": q.text,
                "platform": q.platform,
                "known_to": format_month(q.known_to),
                "end": format_month(q.end),
                "resolved": q.resolved,
                "crowd": q.crowd,
                "model": p["model"],
                "constant": p["constant"],
                **{
                    f"brier_{k}": (v - outcome) ** 2
                    for k, v in (
                        ("crowd", q.crowd),
                        ("model", p["model"]),
                        ("constant", p["constant"]),
                    )
                },
            }
        )
    return pd.DataFrame(rows)

"""Backtests that know only the past: fit on part of the record, forecast the rest.

Out of time: the model is fitted on the months up to `train_end` only (the record truncated
there), and its forecasts average over draws of that fit's posterior. Left out, by era: fitted on
the other eras (the era's months marginalised, not observed), with each fit's mode.
Each is scored two ways, against two baselines fitted on the same months (one constant monthly
hazard, and a hazard by region, Jeffreys-smoothed, (k + 1/2) / (n + 1), so no region gets 0):

- Free running (the headline): an outlook from the first test month to the last, knowing the
  record up to the month before only (sim.inference.forecast: no later offers, talks or dated
  events; shocks at the random rates of the forecast events). Scored per country (joins in the
  window or not: log-loss and Brier) and per calendar year (the number of accessions: the log
  of its predictive probability, and its 90% interval).
- One step ahead (a diagnostic of the filter): for every country-month at risk, the probability
  of joining that month given everything observed before it, and the dated events of that month.
  Scored per country-month and per country-year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.config.schema import RecordConfig
from sim.core.calendar import format_month
from sim.engine.world import compile_like, compile_world
from sim.inference.fit import with_params
from sim.inference.forecast import REPLICATES, forecast_from
from sim.inference.likelihood import load_record, one_step_predictions

EPS = 1e-12
PREDICTORS = ("model", "constant", "region")


@dataclass(frozen=True)
class Backtest:
    scores: pd.DataFrame  # unit x predictor: n, events, log_loss, brier, log_loss_vs_constant
    predictions: (
        pd.DataFrame
    )  # one step ahead: country, month, year, joined, model, constant, region
    countries: pd.DataFrame  # free running: country, joined, model, constant, region
    years: (
        pd.DataFrame
    )  # free running: year, observed, mean, q05, q95, and each predictor's log score
    train_end: int  # month number


def run_backtest(
    config, events, record: RecordConfig, train_end: int, draws: list[dict]
) -> Backtest:
    """Score the months after `train_end` with parameter values fitted on the months up to it:
    draws of that fit's posterior (the model's forecasts average over them), or its mode alone."""
    world = compile_world(config)
    split = train_end - world.start + 1
    train = np.arange(world.n_months) < split
    predictions = _predictions(config, record, draws, train=train, test=~train)
    countries, years = free_running(config, events, draws, train=train, test=~train)
    scores = pd.concat([score_free(countries, years), score(predictions)], ignore_index=True)
    return Backtest(scores, predictions, countries, years, train_end)


def free_running(
    config, events, draws: list[dict], *, train, test
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Forecasts of the `test` months (one span) from their first month, knowing the record
    before it only, pooled over the parameter `draws` (each its share of the replicates, on its
    own seed); the baselines' hazards from the `train` months. Per country at risk at the start:
    the probability of joining in the window; per calendar year: the count of accessions."""
    world = compile_world(config)
    months = np.flatnonzero(test)
    first, last = int(world.start + months[0]), int(world.start + months[-1])
    each = max(REPLICATES // len(draws), 1)
    runs = [
        forecast_from(config, events, v, first, last, each, config.seed + k)
        for k, v in enumerate(draws)
    ]
    ahead, join_month = runs[0][0], np.concatenate([outcomes.join_month for _, outcomes in runs])
    rec = load_record(config.record, world)
    at_risk = rec.joined >= months[0]  # not a member before the window
    joined = (join_month >= 0) & (join_month < ahead.n_months)
    constant, region = _hazards(world, rec, train)
    n = len(months)
    countries = pd.DataFrame(
        {
            "country": np.array(world.ids)[at_risk],
            "joined": (rec.joined <= months[-1])[at_risk],
            "model": joined.mean(axis=0)[at_risk],
            "constant": 1 - (1 - constant) ** n,
            "region": [1 - (1 - region[r]) ** n for r in np.array(world.regions)[at_risk]],
        }
    )
    year_of = (ahead.start + np.arange(ahead.n_months)) // 12
    rows = []
    for year in np.unique(year_of):
        in_year = np.flatnonzero(year_of == year)
        counts = (joined & np.isin(join_month, in_year))[:, at_risk].sum(axis=1)
        observed = int(np.isin(rec.joined[at_risk] - months[0], in_year).sum())
        q05, q95 = np.quantile(counts, [0.05, 0.95])
        baseline = {
            "constant": stats.binom.pmf(
                observed, at_risk.sum(), 1 - (1 - constant) ** len(in_year)
            ),
            "region": _poisson_binomial(
                observed,
                [1 - (1 - region[r]) ** len(in_year) for r in np.array(world.regions)[at_risk]],
            ),
        }
        rows.append(
            {
                "year": int(year),
                "observed": observed,
                "mean": counts.mean(),
                "q05": q05,
                "q95": q95,
                "model": float(np.log(((counts == observed).sum() + 0.5) / (len(counts) + 1.0))),
                **{k: float(np.log(max(v, EPS))) for k, v in baseline.items()},
            }
        )
    return countries, pd.DataFrame(rows)


def _poisson_binomial(k: int, probabilities) -> float:
    """P(exactly k successes) among independent trials with these probabilities."""
    pmf = np.array([1.0])
    for p in probabilities:
        pmf = np.convolve(pmf, [1 - p, p])
    return float(pmf[k]) if k < len(pmf) else 0.0


def _hazards(world, rec, train) -> tuple[float, dict[str, float]]:
    """The baselines' monthly hazards, from the country-months at risk in the `train` months."""
    months = np.arange(world.n_months)[:, None]
    joined_now = months == rec.joined[None, :]
    seen = (months <= rec.joined[None, :]) & train[:, None]
    regions = np.array(world.regions)
    constant = (joined_now & seen).sum() / max(seen.sum(), 1)
    region = {
        r: ((joined_now & seen)[:, regions == r].sum() + 0.5) / (seen[:, regions == r].sum() + 1.0)
        for r in set(world.regions)
    }
    return float(constant), region


def eras_of(config) -> dict[str, tuple[int, int]]:
    """The mediator's eras clipped to the scenario window, as step-index spans [first, last]."""
    start, end = config.scenario.start, config.scenario.end
    eras = sorted(config.mediator.eras.items(), key=lambda item: item[1].start)
    spans = {}
    for n, (name, era) in enumerate(eras):
        first = max(era.start, start)
        last = min(eras[n + 1][1].start - 1 if n + 1 < len(eras) else end, end)
        if first <= last:
            spans[name] = (first - start, last - start)
    return spans


def run_era_backtest(config, events, record: RecordConfig, fit_mode) -> pd.DataFrame:
    """Leave one era out: fit on the other eras (`fit_mode(scored)` returns fitted values), score
    the era left out. One block of scores per era."""
    blocks = [
        pd.concat([score_free(countries, years), score(predictions)], ignore_index=True).assign(
            era=name
        )
        for name, predictions, countries, years in era_folds(config, events, record, fit_mode)
    ]
    return pd.concat(blocks, ignore_index=True)


def era_folds(config, events, record: RecordConfig, fit_mode):
    """Each era left out in turn, fitted on the others: (era, one-step predictions, free-running
    countries, free-running years) of the era's months."""
    world = compile_world(config)
    for name, (first, last) in eras_of(config).items():
        months = np.arange(world.n_months)
        held_out = (months >= first) & (months <= last)
        values = [fit_mode(~held_out)]
        predictions = _predictions(config, record, values, train=~held_out, test=held_out)
        countries, years = free_running(config, events, values, train=~held_out, test=held_out)
        yield name, predictions, countries, years


def _predictions(config, record, draws: list[dict], *, train, test) -> pd.DataFrame:
    """One-step predictions of the model (averaged over the parameter `draws`) and of the
    baselines (fitted on the `train` months) for the country-months at risk in the `test` months."""
    world = compile_world(config)
    rec = load_record(record, world)
    model = np.mean([_one_step(config, world, rec, values) for values in draws], axis=0)
    months = np.arange(world.n_months)[:, None]
    at_risk = months <= rec.joined[None, :]  # up to and including the month it joined
    joined_now = months == rec.joined[None, :]
    regions = np.array(world.regions)
    constant, region = _hazards(world, rec, train)
    rows = []
    for t in np.flatnonzero(test):
        for i, cid in enumerate(world.ids):
            if at_risk[t, i]:
                rows.append(
                    {
                        "country": cid,
                        "month": format_month(world.start + t),
                        "year": (world.start + t) // 12,
                        "joined": bool(joined_now[t, i]),
                        "model": float(model[t, i]),
                        "constant": float(constant),
                        "region": float(region[regions[i]]),
                    }
                )
    return pd.DataFrame(rows)


def _one_step(config, world, rec, values: dict) -> np.ndarray:
    """One-step predictions with the parameter `values`: a draw differs from `config` in params
    only, so its world reuses `world` (compile_like)."""
    drawn = with_params(config, values)
    return one_step_predictions(
        compile_like(drawn, config, world), rec, drawn.params.talks_at_record_start
    )


def score(predictions: pd.DataFrame) -> pd.DataFrame:
    """Log-loss and Brier score of each predictor, per country-month and per country-year."""
    yearly = predictions.groupby(["country", "year"]).agg(
        joined=("joined", "any"),
        **{p: (p, lambda s: 1.0 - np.prod(1.0 - s)) for p in PREDICTORS},
    )
    return _relative(
        pd.concat([_binary("country-month", predictions), _binary("country-year", yearly)])
    )


def score_free(countries: pd.DataFrame, years: pd.DataFrame) -> pd.DataFrame:
    """The free-running scores: per country (joined in the window) and per year (the count)."""
    counts = pd.DataFrame(
        [
            {
                "unit": "year-count",
                "predictor": p,
                "n": len(years),
                "events": int(years["observed"].sum()),
                "log_loss": float(-years[p].mean()),
                "brier": np.nan,
            }
            for p in PREDICTORS
        ]
    )
    return _relative(pd.concat([_binary("country-window", countries), counts]))


def _binary(unit: str, table: pd.DataFrame) -> pd.DataFrame:
    y = table["joined"].to_numpy(float)
    rows = []
    for predictor in PREDICTORS:
        p = np.clip(table[predictor].to_numpy(float), EPS, 1 - EPS)
        rows.append(
            {
                "unit": unit,
                "predictor": predictor,
                "n": len(y),
                "events": int(y.sum()),
                "log_loss": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
                "brier": float(np.mean((y - p) ** 2)),
            }
        )
    return pd.DataFrame(rows)


def _relative(out: pd.DataFrame) -> pd.DataFrame:
    out = out.reset_index(drop=True)
    base = out[out["predictor"] == "constant"].set_index("unit")["log_loss"]
    out["log_loss_vs_constant"] = 1 - out["log_loss"] / out["unit"].map(base)
    return out

"""Out-of-time backtest: fit on the early record, score the one-step-ahead predictions after it.

The model is fitted on the months up to `train_end` only (the record truncated there), then the
forward filter runs over the whole record with the fitted parameters and predicts, for every
country-month after `train_end` at risk (not yet a member), the probability of joining that month
given everything observed before it. Scores: log-loss and Brier score per country-month, and per
country-year (the probability of joining within the calendar year, from the same one-step
predictions), against two baselines fitted on the same training months: one constant monthly
hazard, and a hazard by region (Jeffreys-smoothed, (k + 1/2) / (n + 1), so no region gets 0).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config.schema import RecordConfig
from sim.core.calendar import format_month, parse_month
from sim.engine.world import compile_world
from sim.inference.fit import with_params
from sim.inference.likelihood import load_record, one_step_predictions

EPS = 1e-12


@dataclass(frozen=True)
class Backtest:
    scores: pd.DataFrame  # predictor x (unit, log_loss, brier, n)
    predictions: pd.DataFrame  # country, month, year, joined, model, constant, region
    train_end: str


def truncate(record: RecordConfig, end: str) -> RecordConfig:
    """The record as it stood at the end of `end`: what had happened, talks and offers up to then
    (their spans cut there), the events that had started (they run on for their stated months)."""
    last = parse_month(end)
    joined = {c: m for c, m in record.joined.items() if parse_month(m) <= last}
    signed = {c: m for c, m in record.signed.items() if parse_month(m) <= last}
    talks = {c: [a, min(b, end)] for c, (a, b) in record.in_talks.items() if parse_month(a) <= last}
    ended = {c: [a, min(b, end)] for c, (a, b) in record.out_of_talks.items() if parse_month(a) <= last}
    events = {n: e for n, e in record.events.items() if parse_month(e.start) <= last}
    offers = {
        n: dataclasses.replace(o, end=min(o.end, end)) for n, o in record.offers.items() if parse_month(o.start) <= last
    }
    return dataclasses.replace(
        record, end=end, joined=joined, signed=signed, in_talks=talks, out_of_talks=ended, events=events, offers=offers
    )


def run_backtest(config, record: RecordConfig, train_end: str, fitted_values: dict) -> Backtest:
    """Score the months after `train_end` with values fitted on the months up to it."""
    world = compile_world(config)
    split = parse_month(train_end) - world.start + 1
    train = np.arange(world.n_months) < split
    predictions = _predictions(config, record, fitted_values, train=train, test=~train)
    return Backtest(score(predictions), predictions, train_end)


def eras_of(config) -> dict[str, tuple[int, int]]:
    """The mediator's eras clipped to the scenario window, as step-index spans [first, last]."""
    start, end = parse_month(config.scenario.start), parse_month(config.scenario.end)
    eras = sorted(config.mediator.eras.items(), key=lambda item: parse_month(item[1].start))
    spans = {}
    for n, (name, era) in enumerate(eras):
        first = max(parse_month(era.start), start)
        last = min(parse_month(eras[n + 1][1].start) - 1 if n + 1 < len(eras) else end, end)
        if first <= last:
            spans[name] = (first - start, last - start)
    return spans


def run_era_backtest(config, record: RecordConfig, fit_mode) -> pd.DataFrame:
    """Leave one era out: fit on the other eras (`fit_mode(scored)` returns fitted values), score
    the era left out. One block of scores per era."""
    world = compile_world(config)
    blocks = []
    for name, (first, last) in eras_of(config).items():
        months = np.arange(world.n_months)
        held_out = (months >= first) & (months <= last)
        values = fit_mode(~held_out)
        predictions = _predictions(config, record, values, train=~held_out, test=held_out)
        blocks.append(score(predictions).assign(era=name))
    return pd.concat(blocks, ignore_index=True)


def _predictions(config, record, values: dict, *, train, test) -> pd.DataFrame:
    """One-step predictions of the model (with `values`) and of the baselines (fitted on the
    `train` months) for the country-months at risk in the `test` months."""
    config = with_params(config, values)
    world = compile_world(config)
    rec = load_record(record, world)
    model = one_step_predictions(world, rec, config.params.talks_at_record_start)
    months = np.arange(world.n_months)[:, None]
    at_risk = months <= rec.joined[None, :]  # up to and including the month it joined
    joined_now = months == rec.joined[None, :]
    regions = np.array(world.regions)
    seen = at_risk & train[:, None]
    constant = (joined_now & seen).sum() / max(seen.sum(), 1)
    region = {
        r: ((joined_now & seen)[:, regions == r].sum() + 0.5) / (seen[:, regions == r].sum() + 1.0)
        for r in set(world.regions)
    }
    rows = []
    for t in np.flatnonzero(test):
        for i, cid in enumerate(world.ids):
            if at_risk[t, i]:
                rows.append({
                    "country": cid, "month": format_month(world.start + t),
                    "year": (world.start + t) // 12, "joined": bool(joined_now[t, i]),
                    "model": float(model[t, i]), "constant": float(constant), "region": float(region[regions[i]]),
                })  # fmt: skip
    return pd.DataFrame(rows)


def score(predictions: pd.DataFrame) -> pd.DataFrame:
    """Log-loss and Brier score of each predictor, per country-month and per country-year."""
    yearly = predictions.groupby(["country", "year"]).agg(
        joined=("joined", "any"),
        **{p: (p, lambda s: 1.0 - np.prod(1.0 - s)) for p in ("model", "constant", "region")},
    )
    rows = []
    for unit, table in (("country-month", predictions), ("country-year", yearly)):
        y = table["joined"].to_numpy(float)
        for predictor in ("model", "constant", "region"):
            p = np.clip(table[predictor].to_numpy(float), EPS, 1 - EPS)
            rows.append({
                "unit": unit, "predictor": predictor, "n": len(y), "events": int(y.sum()),
                "log_loss": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
                "brier": float(np.mean((y - p) ** 2)),
            })  # fmt: skip
    out = pd.DataFrame(rows)
    base = out[out["predictor"] == "constant"].set_index("unit")["log_loss"]
    out["log_loss_vs_constant"] = 1 - out["log_loss"] / out["unit"].map(base)
    return out

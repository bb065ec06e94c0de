"""Let held-out scores choose: each structure of the model fitted with and without it, and scored.

A structure (conf/structures) is a set of changes to the calibration config that turns it off
(`without:`) or on (`with:`); the other variant is the calibration config as it stands. Each
variant is fitted to the record and scored four ways (higher is better for every score):

- leave one era out: fitted on the other eras (each fit's mode), the one-step log score of the
  held-out era's country-months, summed over the eras (sim.inference.backtest.era_folds);
- out of time: fitted on the record to `fit.train_end` (the mode), the one-step log score of
  the country-months after it (sim.inference.backtest.run_backtest);
- PSIS-LOO on the whole record: ArviZ's `loo` on each country's log-likelihood (one
  observation per country: its whole record), over the draws of a short emcee chain
  (`structures.posterior`); Pareto k above ArviZ's threshold marks an unreliable estimate;
- the posterior predictive check (sim.inference.check) on the same draws: the periods whose
  observed count of accessions falls inside the 90% predictive interval.

The free-running country-window log scores of both backtests are reported too, but do not vote:
they carry Monte Carlo noise. Each difference is `with - without` of the summed pointwise scores;
its standard error is sqrt(n) times the standard deviation of the paired pointwise differences
(countries for LOO; country-months for the backtests, which treats months of one country as
independent and so understates it).

The verdict rule (a difference "counts" when it exceeds both 2 se and 4 nats: below 4 an elpd
difference is small whatever its se, and the se of a small difference is unreliable; Sivula,
Magnusson & Vehtari 2022, "Uncertainty in Bayesian leave-one-out cross-validation based model
comparison"; a difference with no se never counts):

- **keeps**: LOO better by a difference that counts, and neither held-out one-step score worse
  by one that counts;
- **loses**: some score (LOO, leave-one-era-out, out-of-time) worse by a difference that
  counts, and none better by one;
- **cannot tell**: otherwise.

The default keeps a structure that keeps; where the scores cannot tell, only if a source
requires it (the entry's `source`); a structure that loses, or that cannot tell without a
source, stays a scenario choice, off by default.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import arviz
import numpy as np
import pandas as pd

from sim.config.errors import ConfigError
from sim.config.validate import build
from sim.inference.backtest import EPS, era_folds, run_backtest
from sim.inference.check import predictive_check
from sim.inference.fit import Problem, mode, to_free
from sim.inference.posterior import SamplerConfig, sample
from sim.inference.start import truncate

SCORES = ("loo", "loeo", "oot")  # the scores that vote, each with a difference and its se
ADD, DROP = "fit+=", "fit-="
MIN_DIFFERENCE = 4.0  # nats: a smaller difference is small whatever its se (the verdict rule)


@dataclass(frozen=True)
class Structure:
    name: str
    switch: str  # "with": the changes turn it on; "without": they turn it off
    overrides: list[str]  # Hydra overrides
    fit_add: list[str]
    fit_drop: list[str]
    what: str = ""
    source: str | None = None


@dataclass(frozen=True)
class StructuresConfig:
    name: str
    only: list[str]
    posterior: SamplerConfig
    entries: dict[str, Structure]

    def chosen(self) -> list[Structure]:
        return [s for n, s in self.entries.items() if not self.only or n in self.only]


def parse_structures(data) -> StructuresConfig:
    """The `structures` config group as plain data, checked: ConfigError names the bad key."""
    if not isinstance(data, dict):
        raise ConfigError("structures", "missing (choose one: structures=abraham)")
    unknown = set(data) - {"name", "only", "posterior", "entries"}
    if unknown:
        raise ConfigError(f"structures.{sorted(unknown)[0]}", "unknown key")
    entries = data.get("entries") or {}
    if not isinstance(entries, dict) or not entries:
        raise ConfigError("structures.entries", "expected a mapping of structures, got none")
    parsed = {name: _entry(name, entry) for name, entry in entries.items()}
    only = list(data.get("only") or [])
    for name in only:
        if name not in parsed:
            raise ConfigError(
                "structures.only", f"unknown structure {name!r} (known: {sorted(parsed)})"
            )
    posterior = build(SamplerConfig, data.get("posterior") or {}, "structures.posterior")
    return StructuresConfig(str(data.get("name", "")), only, posterior, parsed)


def _entry(name: str, entry) -> Structure:
    key = f"structures.entries.{name}"
    if not isinstance(entry, dict):
        raise ConfigError(key, f"expected a mapping with `with:` or `without:`, got {entry!r}")
    unknown = set(entry) - {"with", "without", "what", "source"}
    if unknown:
        raise ConfigError(
            f"{key}.{sorted(unknown)[0]}", "unknown key (known: with, without, what, source)"
        )
    switches = [s for s in ("with", "without") if s in entry]
    if len(switches) != 1:
        raise ConfigError(
            key, "expected exactly one of `with:` (turns it on) or `without:` (turns it off)"
        )
    switch = switches[0]
    changes = entry[switch]
    if not isinstance(changes, list) or not changes or not all(isinstance(c, str) for c in changes):
        raise ConfigError(f"{key}.{switch}", f"expected a list of changes, got {changes!r}")
    add = [c.removeprefix(ADD).strip() for c in changes if c.startswith(ADD)]
    drop = [c.removeprefix(DROP).strip() for c in changes if c.startswith(DROP)]
    overrides = [c for c in changes if not c.startswith((ADD, DROP))]
    source = entry.get("source")
    return Structure(name, switch, overrides, add, drop, str(entry.get("what", "")), source)


def variant_parameters(structure: Structure, base: list[str], fittable: set[str]) -> list[str]:
    """The fitted parameters of the variant the changes make (ConfigError names the entry)."""
    key = f"structures.entries.{structure.name}.{structure.switch}"
    for name in structure.fit_drop:
        if name not in base:
            raise ConfigError(key, f"fit-={name}: not among fit.parameters")
    for name in structure.fit_add:
        if name in base:
            raise ConfigError(key, f"fit+={name}: already among fit.parameters")
        if name not in fittable:
            raise ConfigError(key, f"fit+={name}: not a fittable parameter")
    return [n for n in base if n not in structure.fit_drop] + list(structure.fit_add)


@dataclass(frozen=True)
class Scores:
    """One variant's scores; pointwise log scores as Series (their sum is the score)."""

    fitted: int
    log_likelihood: float  # at the mode, the whole record
    loo: pd.Series  # per country: its elpd_loo
    loo_se: float
    p_loo: float
    pareto_k_max: float
    pareto_k_bad: int  # countries above ArviZ's threshold
    loeo: pd.Series  # per (era, country, month): the one-step log score
    oot: pd.Series  # per (country, month)
    loeo_free: pd.Series  # per (era, country): the free-running window's log score
    oot_free: pd.Series
    check: pd.DataFrame  # the predictive check (period, observed, mean, q05, q95, inside)
    seconds: float


def score_variant(
    config, events, parameters: list[str], prior_sd: float, train_end: int, sampler, watch=None
) -> Scores:
    """Fit `config` (fitting `parameters`) and score it the four ways (module docstring)."""
    began = time.perf_counter()
    record = config.record

    def fit_mode(scored):
        return mode(Problem(config, record, parameters, prior_sd, scored))

    folds = list(era_folds(config, events, record, fit_mode))
    loeo = pd.concat([_one_step(p, e) for e, p, _, _ in folds])
    loeo_free = pd.concat([_window(c, e) for e, _, c, _ in folds])
    train = dataclasses.replace(
        config, scenario=dataclasses.replace(config.scenario, end=train_end)
    )
    past = Problem(train, truncate(record, train_end), parameters, prior_sd)
    bt = run_backtest(config, events, record, train_end, [mode(past)])
    problem = Problem(config, record, parameters, prior_sd)
    at_mode = mode(problem)
    post = sample(problem, at_mode, sampler, watch)
    loo = _loo(problem, post.draws)
    check = predictive_check(config, post.draws, n_draws=100, replicates=50)
    return Scores(
        fitted=len(parameters),
        log_likelihood=problem.log_likelihood(
            np.array([to_free(n, at_mode[n]) for n in parameters])
        ),
        **loo,
        loeo=loeo,
        oot=_one_step(bt.predictions),
        loeo_free=loeo_free,
        oot_free=_window(bt.countries),
        check=check.drop(columns="counts"),
        seconds=time.perf_counter() - began,
    )


def _one_step(predictions: pd.DataFrame, era: str = "") -> pd.Series:
    """Each country-month's log score, indexed by (era, country, month)."""
    return _log_score(predictions, [predictions["month"]], era)


def _window(countries: pd.DataFrame, era: str = "") -> pd.Series:
    """Each country's free-running log score, indexed by (era, country)."""
    return _log_score(countries, [], era)


def _log_score(table: pd.DataFrame, more: list, era: str) -> pd.Series:
    p = np.clip(table["model"].to_numpy(float), EPS, 1 - EPS)
    y = table["joined"].to_numpy(float)
    index = pd.MultiIndex.from_arrays([[era] * len(table), table["country"], *more])
    return pd.Series(y * np.log(p) + (1 - y) * np.log(1 - p), index=index)


def _loo(problem: Problem, draws: pd.DataFrame) -> dict:
    """PSIS-LOO over the countries the record has something to explain (not founders)."""
    countries = np.array(problem.world.ids)[problem.record.joined >= 0]
    keep = problem.record.joined >= 0
    walkers = np.sort(draws["walker"].unique())
    steps = np.sort(draws["step"].unique())
    ordered = draws.sort_values(["walker", "step"])
    z = np.array(
        [
            [to_free(n, v) for n, v in zip(problem.names, row)]
            for row in ordered[problem.names].to_numpy()
        ]
    )
    log_lik = np.array([problem.pointwise(point)[keep] for point in z])
    log_lik = log_lik.reshape(len(walkers), len(steps), len(countries))
    shape = (len(walkers), len(steps))
    posterior = {n: ordered[n].to_numpy().reshape(shape) for n in problem.names}
    data = arviz.from_dict({"posterior": posterior, "log_likelihood": {"record": log_lik}})
    result = arviz.loo(data, pointwise=True)
    k = np.asarray(result.pareto_k).ravel()
    return {
        "loo": pd.Series(np.asarray(result.elpd_i).ravel(), index=countries),
        "loo_se": float(result.se),
        "p_loo": float(result.p),
        "pareto_k_max": float(np.nanmax(k)),
        "pareto_k_bad": int((k > float(result.good_k)).sum()),
    }


def difference(with_: pd.Series, without: pd.Series) -> tuple[float, float]:
    """Sum of the paired pointwise differences `with - without`, and its standard error."""
    d = (with_ - without).dropna()
    if len(d) < 2:
        return float(d.sum()), math.nan
    return float(d.sum()), float(math.sqrt(len(d)) * d.std(ddof=1))


def verdict(differences: dict[str, tuple[float, float]]) -> str:
    """The written rule (module docstring) on the differences (`with - without`, se) of LOO
    ('loo') and the held-out one-step scores ('loeo', 'oot')."""
    counts = {
        k: se == se and abs(d) > max(2 * se, MIN_DIFFERENCE) for k, (d, se) in differences.items()
    }
    better = {k: counts[k] and d > 0 for k, (d, _) in differences.items()}
    worse = {k: counts[k] and d < 0 for k, (d, _) in differences.items()}
    if better["loo"] and not (worse["loeo"] or worse["oot"]):
        return "keeps"
    if any(worse.values()) and not any(better.values()):
        return "loses"
    return "cannot tell"


def default_of(rule: str, source: str | None) -> str:
    """What the default does with a structure, given its verdict and any source requiring it."""
    if rule == "keeps":
        return "on: scores better"
    if rule == "cannot tell" and source:
        return f"on: a source requires it ({source})"
    if rule == "cannot tell":
        return "off, a scenario choice: the scores cannot tell and no source requires it"
    return "off, a scenario choice: scores worse"


def structure_rows(structure: Structure, with_: Scores, without: Scores) -> list[dict]:
    """The table's two rows of a structure: the scores of each variant; on the `with` row the
    differences with their standard errors, the verdict and what the default does."""
    pairs = {
        "loo": (with_.loo, without.loo),
        "loeo": (with_.loeo, without.loeo),
        "oot": (with_.oot, without.oot),
        "loeo_free": (with_.loeo_free, without.loeo_free),
        "oot_free": (with_.oot_free, without.oot_free),
    }
    diffs = {k: difference(a, b) for k, (a, b) in pairs.items()}
    rule = verdict({k: diffs[k] for k in SCORES})
    rows = []
    for variant, s in (("with", with_), ("without", without)):
        inside = int(s.check["inside"].sum())
        row = {
            "structure": structure.name,
            "variant": variant,
            "fitted": s.fitted,
            "log_lik_mode": s.log_likelihood,
            "elpd_loo": float(s.loo.sum()),
            "loo_se": s.loo_se,
            "p_loo": s.p_loo,
            "pareto_k_max": s.pareto_k_max,
            "pareto_k_bad": s.pareto_k_bad,
            "loeo": float(s.loeo.sum()),
            "oot": float(s.oot.sum()),
            "loeo_free": float(s.loeo_free.sum()),
            "oot_free": float(s.oot_free.sum()),
            "check_inside": f"{inside}/{len(s.check)}",
            "check": "; ".join(
                f"{r.period} {r.observed} in [{r.q05:g}, {r.q95:g}]" for r in s.check.itertuples()
            ),
            "seconds": s.seconds,
        }
        for k, (d, se) in diffs.items():
            row[f"d_{k}"], row[f"se_{k}"] = (d, se) if variant == "with" else (math.nan, math.nan)
        row["verdict"] = rule if variant == "with" else ""
        row["default"] = default_of(rule, structure.source) if variant == "with" else ""
        rows.append(row)
    return rows

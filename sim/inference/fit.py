"""Fit the behavioural parameters to the 2020-2026 record: maximum a posteriori, profile intervals.

The command is `python -m sim.calibrate [overrides]` (Hydra; conf/calibrate.yaml).
The log-posterior is the exact event-history log-likelihood of the record (sim.inference.likelihood) plus
weak priors: each fitted parameter is normal on a transformed scale (log for weights and the
leader multiplier, the courting rate and the eras' levels, logit for rates and the
start-of-record talks share, none for the threshold and `talks_decay`)
centred on its judgement value (conf/params/judgement.yaml). For `talks_decay` (per month, either
sign) that is a normal centred on 0, no effect of time in talks, with the fit's prior sd
(1.0: a monthly decay within +-2, as good as flat over any decay a record of years could show, so
the record decides; the config's range, -1 to 1, bounds it). scipy's L-BFGS-B finds the mode.
Each parameter's 95% interval comes from its profile: the mode with that parameter held at grid
values and the others re-fitted, cut where the log-posterior falls by 1.92 (chi-square, 1 df).
A parameter whose profile log-likelihood moves by less than 0.5 across the grid is reported as
not identified by the record: its interval is then the prior's.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from sim.config.consistency import check_rates
from sim.config.errors import ConfigError
from sim.config.load import with_values
from sim.config.schema import KINDS, Params, RecordConfig, RunConfig, params_values
from sim.config.validate import MONTH, between
from sim.core.calendar import month_of
from sim.engine.world import compile_world
from sim.inference.likelihood import load_record, log_likelihood

CHI2_95_HALF = 1.920729410347062  # chi-square(1) 95% quantile / 2
FLAT = 0.5  # log-likelihood change across a profile below which a parameter is not identified
LOG, LOGIT, IDENTITY = "log", "logit", "identity"
SCALES = {
    "threshold": IDENTITY,
    "leader_multiplier": LOG,
    "court_rate": LOG,
    "court_persistence": LOGIT,
    "talks_at_record_start": LOGIT,
    "noise": LOG,  # how gradually the response rises with utility: a scale
    "talks_decay": IDENTITY,  # per month, either sign: its prior normal on 0 (no time in talks)
}


@dataclass(frozen=True)
class Fit:
    names: list[str]
    estimate: dict[str, float]
    low: dict[str, float]
    high: dict[str, float]
    identified: dict[str, bool]
    log_likelihood: float
    log_posterior: float
    prior_centre: dict[str, float]
    log_likelihood_at_prior: float
    profiles: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # value, log-posterior, log-lik


def scale_of(name: str) -> str:
    if name in SCALES:
        return SCALES[name]
    if name.startswith("era_engagement."):
        return LOG  # a level in (0, 1]
    if name.startswith("kind_effect."):
        return IDENTITY  # a shift of the threshold, either way
    return LOG if name.startswith("weights.") else LOGIT  # rates are probabilities


def to_free(name: str, value: float) -> float:
    scale = scale_of(name)
    if scale == LOG:
        return math.log(max(value, 1e-9))
    if scale == LOGIT:
        value = min(max(value, 1e-9), 1 - 1e-9)
        return math.log(value / (1 - value))
    return value


def from_free(name: str, z: float) -> float:
    scale = scale_of(name)
    if scale == LOG:
        return math.exp(z)
    if scale == LOGIT:
        return 1.0 / (1.0 + math.exp(-z))
    return z


class Problem:
    """The log-posterior of named parameters on the record."""

    def __init__(
        self,
        config: RunConfig,
        record: RecordConfig,
        names: list[str],
        prior_sd: float,
        scored: np.ndarray | None = None,
    ):
        config = _with_era_levels(config)
        self.config, self.names, self.prior_sd, self.scored = config, names, prior_sd, scored
        self.world = compile_world(config)
        self.record = load_record(record, self.world)
        start = params_values(config.params)
        self.prior_mean = np.array([to_free(n, start[n]) for n in names])
        self.bounds = [_free_bounds(n, m, prior_sd) for n, m in zip(names, self.prior_mean)]
        self.entries = _entries(config, self.world, names)

    def values(self, z: np.ndarray) -> dict[str, float]:
        return {n: from_free(n, v) for n, v in zip(self.names, z)}

    def log_likelihood(self, z: np.ndarray) -> float:
        values = self.values(z)
        if not self.supported(values):
            return -1e12
        total = float(self.pointwise(z).sum())
        return total if math.isfinite(total) else -1e12

    def pointwise(self, z: np.ndarray) -> np.ndarray:
        """Each country's log-likelihood at `z` (a point inside the support)."""
        values = self.values(z)
        world = dataclasses.replace(
            self.world, numbers=_numbers(self.world.numbers, self.entries, values)
        )
        p_talks = values.get("talks_at_record_start", self.config.params.talks_at_record_start)
        return log_likelihood(world, self.record, p_talks, self.scored)

    def supported(self, values: dict[str, float]) -> bool:
        """Inside the ranges the config allows, and the cross-field rule of the rates (the checks
        `with_params` makes, without building a config at every evaluation)."""
        for name, value in values.items():
            low, high = _allowed(name)
            if (low is not None and value < low) or (high is not None and value > high):
                return False
        params = self.config.params
        try:
            check_rates(
                values.get("rate_sign", params.rate_sign),
                values.get("rate_collapse", params.rate_collapse),
            )
        except ConfigError:
            return False
        return True

    def log_prior(self, z: np.ndarray) -> float:
        return float(-0.5 * np.sum(((z - self.prior_mean) / self.prior_sd) ** 2))

    def log_posterior(self, z: np.ndarray) -> float:
        return self.log_likelihood(z) + self.log_prior(z)


@dataclass(frozen=True)
class Entries:
    """Where the fitted parameters enter the compiled numbers: each parameter's (name, field,
    mask, per unit), and per field the part of its entries no fitted parameter carries."""

    moves: list[tuple[str, str, np.ndarray, np.ndarray]]
    offsets: dict[str, np.ndarray]


def _entries(config: RunConfig, world, names: list[str]) -> Entries:
    """Where each fitted parameter enters the compiled numbers, so that a point of the fit needs
    no recompiling. Found by compiling once with the parameter moved; every entry it moves is
    linear in it. Most entries are the parameter times a fixed factor (1 for a weight, a rate or
    the threshold; the mediator's scale for an era's level), read where the parameter was moved
    to; where the move is not a factor (a threshold lowered by the kind effect: threshold -
    kind_effect), the slope of the move, and the offset holds what the fitted parameters do not
    (a country's own threshold). An entry is its offset plus each parameter times its slope:
    the compiled entry to the last bit wherever the slopes are whole or the entry's one
    parameter's factor (tests/test_restatements.py checks the same doubles at many points);
    checked here against compile_world at a second point."""
    base, moves = params_values(config.params), []
    offsets = {
        f: np.asarray(a, dtype=float).copy() for f, a in zip(world.numbers._fields, world.numbers)
    }
    touched: set[str] = set()
    for name in names:
        probe = _probe(name, base[name])
        moved = compile_world(with_params(config, {name: probe}))
        for field, a, b in zip(world.numbers._fields, world.numbers, moved.numbers):
            if np.array_equal(a, b):
                continue
            mask = a != b
            per_unit = b[mask] / probe
            affine = per_unit * base[name] != a[mask]  # not the parameter times a factor
            slope = (b[mask] - a[mask]) / (probe - base[name])
            # a shift (threshold - kind_effect) has slope -1: the subtraction above rounds it
            whole = np.abs(slope - np.round(slope)) < 1e-9
            slope[whole] = np.round(slope[whole])
            per_unit[affine] = slope[affine]
            offsets[field][mask] -= per_unit * base[name]
            touched.add(field)
            moves.append((name, field, mask, per_unit))
    entries = Entries(moves, {f: offsets[f] for f in touched})
    probe = {n: _probe(n, base[n]) for n in names}
    expected = compile_world(with_params(config, probe)).numbers
    for got, want in zip(_numbers(world.numbers, entries, probe), expected):
        if not np.allclose(got, want, rtol=1e-12, atol=0):
            raise AssertionError("the fit's numbers differ from the compiled ones")
    return entries


def _probe(name: str, value: float) -> float:
    """A nearby valid value to move a parameter to, nearer 0: a power of two, so that an entry
    (the parameter times its factor) divided by it is the factor to the last bit."""
    if value == 0:
        return 2.0**-4
    return math.copysign(2.0 ** math.floor(math.log2(abs(value) * 0.9)), value)


def _numbers(numbers, entries: Entries, values: dict[str, float]):
    """`numbers` with each fitted parameter's entries at its value in `values`."""
    arrays = {field: offset.copy() for field, offset in entries.offsets.items()}
    for name, field, mask, per_unit in entries.moves:
        arrays[field][mask] += per_unit * values[name]
    return numbers._replace(**arrays)


def with_params(config: RunConfig, values: dict[str, float]) -> RunConfig:
    """`config` with the named parameters replaced ('weights.peer', 'threshold', ...), validated
    like any config."""
    changed = {f"params.{k}": v for k, v in values.items()}
    return with_values(_with_era_levels(config), changed, origin="fitted parameters")


def _with_era_levels(config: RunConfig) -> RunConfig:
    """`config` whose params name every era's engagement (the mediator's judgement level where
    params do not fit it), so that any era's level can be fitted."""
    levels = {
        name: era.engagement for name, era in config.mediator.eras.items()
    } | config.params.era_engagement
    kinds = dict.fromkeys(KINDS, 0.0) | config.params.kind_effect  # each kind's, 0 unless given
    return dataclasses.replace(
        config,
        params=dataclasses.replace(config.params, era_engagement=levels, kind_effect=kinds),
    )


def _free_bounds(name: str, centre: float, prior_sd: float) -> tuple[float, float]:
    """Where the optimiser may look, on the free scale: 6 prior sds around the prior centre,
    within the range the config allows (a weight up to 10, the threshold in [-5, 5], ...)."""
    low, high = _allowed(name)
    low_z = (
        -math.inf
        if low is None or (scale_of(name) != IDENTITY and low <= 0)
        else to_free(name, low)
    )
    high_z = (
        math.inf if high is None or (scale_of(name) == LOGIT and high >= 1) else to_free(name, high)
    )
    return max(centre - 6 * prior_sd, low_z), min(centre + 6 * prior_sd, high_z)


def _allowed(name: str) -> tuple[float | None, float | None]:
    if name.startswith("era_engagement."):
        return 0.0, 1.0
    field = Params.__dataclass_fields__[name.split(".")[0]]
    return field.metadata.get("range", (None, None))


OFFSETS = np.array([0.05, 0.15, 0.35, 0.7, 1.4, 3.0])  # profile grid, in prior sds from the mode


def mode(problem: Problem) -> dict[str, float]:
    """The maximum a posteriori values, without intervals."""
    return problem.values(_maximise(problem, problem.prior_mean.copy(), fixed=None))


def fit(problem: Problem, watch=None) -> Fit:
    """The mode, and each parameter's profile (`watch("profiles", done, total)` after each)."""
    mode = _maximise(problem, problem.prior_mean.copy(), fixed=None)
    top = problem.log_posterior(mode)
    profiles, low, high, identified = {}, {}, {}, {}
    for j, name in enumerate(problem.names):
        grid = mode[j] + np.concatenate([-OFFSETS[::-1], [0.0], OFFSETS]) * problem.prior_sd
        grid = np.clip(grid, *problem.bounds[j])
        post, lik = [], []
        for value in grid:
            z = _maximise(problem, mode.copy(), fixed=(j, value))
            post.append(problem.log_posterior(z))
            lik.append(problem.log_likelihood(z))
        post, lik = np.array(post), np.array(lik)
        profiles[name] = (np.array([from_free(name, v) for v in grid]), post, lik)
        centre = len(grid) // 2
        cut = top - CHI2_95_HALF
        low[name] = from_free(name, _crossing(grid[centre::-1], post[centre::-1], cut))
        high[name] = from_free(name, _crossing(grid[centre:], post[centre:], cut))
        identified[name] = bool(lik.max() - lik.min() >= FLAT)
        if watch is not None:
            watch("profiles", j + 1, len(problem.names))
    return Fit(
        list(problem.names),
        problem.values(mode),
        low,
        high,
        identified,
        problem.log_likelihood(mode),
        problem.log_posterior(mode),
        problem.values(problem.prior_mean),
        problem.log_likelihood(problem.prior_mean),
        profiles,
    )


def _crossing(z: np.ndarray, post: np.ndarray, cut: float) -> float:
    """Where the profile, walked outwards from the mode, first falls below `cut` (linear
    interpolation); the grid's end if it never does."""
    for k in range(1, len(z)):
        if post[k] < cut:
            return float(
                z[k - 1] + (z[k] - z[k - 1]) * (post[k - 1] - cut) / (post[k - 1] - post[k])
            )
    return float(z[-1])


def _maximise(problem: Problem, z0: np.ndarray, fixed: tuple[int, float] | None) -> np.ndarray:
    free = [j for j in range(len(z0)) if fixed is None or j != fixed[0]]

    def full(x: np.ndarray) -> np.ndarray:
        z = z0.copy()
        z[free] = x
        if fixed is not None:
            z[fixed[0]] = fixed[1]
        return z

    result = optimize.minimize(
        lambda x: -problem.log_posterior(full(x)),
        z0[free],
        method="L-BFGS-B",
        bounds=[problem.bounds[j] for j in free],
    )
    return full(result.x)


@dataclass(frozen=True)
class FitConfig:
    parameters: list[str]
    prior_sd: float = dataclasses.field(default=1.0, metadata=between(0.01, 10.0))
    train_end: int = dataclasses.field(default=month_of(2022, 12), metadata=MONTH)  # backtest split


def fittable(config: RunConfig) -> set[str]:
    values = params_values(_with_era_levels(config).params)
    return set(values) - {"rate_exit", "collapse_on_shock", "region_weight"}

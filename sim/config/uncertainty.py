"""Uncertain inputs: numbers given as ranges or distributions, drawn per replicate.

Any number in the roster, mediator, scenario, events or params may be written as

    iran_threat: {low: 0.3, high: 0.7}              uniform
    iran_threat: {low: 0.3, mode: 0.5, high: 0.8}   triangular
    iran_threat: {mean: 0.5, sd: 0.1}               normal, cut to the key's allowed range
                                                    (and to low/high when given)

Replicates come in groups of `replicates_per_draw`; each group draws every uncertain input
once, from keyed streams (so two scenarios sharing an input share its draws; sim.engine.design),
and runs with those values. The groups give the split of the spread (sim.analysis.tables): the
between-group variance (a one-way random-effects ANOVA) is what the inputs contribute, the
within-group variance is chance.
A degenerate range (low = high) draws that value exactly, so it gives the fixed-value result.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy.special import ndtr, ndtri

from sim.config.errors import ConfigError

UNIFORM, TRIANGULAR, NORMAL = "uniform", "triangular", "normal"
SHAPES = {
    frozenset({"low", "high"}): UNIFORM,
    frozenset({"low", "mode", "high"}): TRIANGULAR,
    frozenset({"mean", "sd"}): NORMAL,
    frozenset({"mean", "sd", "low", "high"}): NORMAL,
}
FORMS = "{low, high}, {low, mode, high} or {mean, sd[, low, high]}"
UNCERTAIN_GROUPS = ("roster", "mediator", "scenario", "events", "params")


class Uncertain(float):
    """A number given as a distribution. It behaves as its centre (the midpoint, mode or mean),
    so a config holding one still validates and compiles; a run draws values with `quantile`."""

    def __new__(
        cls,
        shape: str,
        low: float,
        high: float,
        mode: float = math.nan,
        mean: float = math.nan,
        sd: float = math.nan,
    ):
        centre = {UNIFORM: (low + high) / 2, TRIANGULAR: mode, NORMAL: mean}[shape]
        self = super().__new__(cls, centre)
        self.shape, self.low, self.high, self.mode, self.mean, self.sd = (
            shape,
            low,
            high,
            mode,
            mean,
            sd,
        )
        return self

    def __getnewargs__(self):
        return self.shape, self.low, self.high, self.mode, self.mean, self.sd

    def __repr__(self) -> str:
        return repr(self.spec())

    def spec(self) -> dict:
        """As written in YAML (normal: with the bounds it is cut to)."""
        keys = {
            UNIFORM: ("low", "high"),
            TRIANGULAR: ("low", "mode", "high"),
            NORMAL: ("mean", "sd", "low", "high"),
        }[self.shape]
        return {k: getattr(self, k) for k in keys}

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """Values at probabilities `u` in [0, 1)."""
        lo, hi = self.low, self.high
        if self.shape == UNIFORM:
            return lo + (hi - lo) * u
        if self.shape == TRIANGULAR:
            if hi == lo:
                return np.full_like(u, lo)
            cut = (self.mode - lo) / (hi - lo)
            left = lo + np.sqrt(u * (hi - lo) * (self.mode - lo))
            right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - self.mode))
            return np.where(u < cut, left, right)
        if self.sd == 0:
            return np.full_like(u, self.mean)
        a, b = ndtr((lo - self.mean) / self.sd), ndtr((hi - self.mean) / self.sd)
        return np.clip(self.mean + self.sd * ndtri(a + (b - a) * u), lo, hi)


def parse(value: dict, key: str, low: float | None, high: float | None) -> Uncertain:
    """An `Uncertain` from a YAML mapping at `key`, whose values must lie in [low, high]."""
    shape = SHAPES.get(frozenset(value))
    if shape is None:
        raise ConfigError(key, f"expected a number or a distribution {FORMS}, got {value!r}")
    numbers = {}
    for name, v in value.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ConfigError(f"{key}.{name}", f"expected a finite number, got {v!r}")
        numbers[name] = float(v)
    lo = -math.inf if low is None else low
    hi = math.inf if high is None else high
    for name in ("low", "mode", "high", "mean"):
        if name in numbers and not lo <= numbers[name] <= hi:
            raise ConfigError(
                f"{key}.{name}", f"expected a number in [{low}, {high}], got {numbers[name]}"
            )
    if "low" in numbers and numbers["low"] > numbers["high"]:
        raise ConfigError(
            f"{key}.high", f"expected high >= low {numbers['low']}, got {numbers['high']}"
        )
    if shape == TRIANGULAR and not numbers["low"] <= numbers["mode"] <= numbers["high"]:
        raise ConfigError(f"{key}.mode", f"expected low <= mode <= high, got {numbers['mode']}")
    if shape == NORMAL:
        if numbers["sd"] < 0:
            raise ConfigError(f"{key}.sd", f"expected a number >= 0, got {numbers['sd']}")
        numbers.setdefault("low", lo)
        numbers.setdefault("high", hi)
        if not numbers["low"] <= numbers["mean"] <= numbers["high"]:
            raise ConfigError(f"{key}.mean", f"expected low <= mean <= high, got {numbers['mean']}")
    return Uncertain(shape, **numbers)


def uncertain_inputs(config) -> dict[str, Uncertain]:
    """Every uncertain number in a config, by dotted key."""
    found: dict[str, Uncertain] = {}

    def walk(node, path: str) -> None:
        if isinstance(node, Uncertain):
            found[path] = node
        elif dataclasses.is_dataclass(node):
            for f in dataclasses.fields(node):
                walk(getattr(node, f.name), f"{path}.{f.name}")
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}")

    for group in UNCERTAIN_GROUPS:
        walk(getattr(config, group), group)
    return found

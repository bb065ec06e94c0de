"""Scenario discovery: which ranges of the assumptions make an outcome of interest happen?

The study's parameters (the sensitivity config's ranges) are sampled over their ranges (a Latin
hypercube), every sample runs as a design point of the ensemble kernel with the same replicate
streams (sim.analysis.sensitivity.evaluate), and a sample is "of interest" when its outcome
reaches the goal (e.g. Saudi Arabia's probability of being a member by the horizon >= 0.3).
PRIM (Friedman and Fisher 1999), as implemented in the EMA Workbench (Kwakkel 2017), then peels
the input space down to boxes where such samples are dense. Each box on the peeling trajectory
trades coverage (the share of all samples of interest inside it) against density (the share of
samples inside it that are of interest); the box reported is the one with the most coverage
among those at least `min_density` dense that restrict some parameter (when the whole space is
that dense already, the question is easy: the box then says what makes it denser still).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config.errors import ConfigError


@dataclass(frozen=True)
class Box:
    limits: pd.DataFrame  # parameter, low, high, range_low, range_high, restricted
    trajectory: pd.DataFrame  # PRIM's peeling trajectory: coverage, density, mass, res_dim, ...
    chosen: int  # the row of the trajectory reported
    coverage: float
    density: float
    share_of_interest: float  # of all samples


def latin_hypercube(bounds: list[tuple[float, float]], n: int, seed: int) -> np.ndarray:
    """(n, len(bounds)) samples spread evenly over each range (scipy's Latin hypercube)."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(bounds), seed=seed).random(n)
    low, high = np.array(bounds, dtype=float).T
    return low + unit * (high - low)


def prim_box(
    x: pd.DataFrame, of_interest: np.ndarray, min_density: float = 0.8, peel_alpha: float = 0.05
) -> Box:
    """PRIM's boxes for `of_interest` (bool per row of `x`) and the one with the most coverage
    among those at least `min_density` dense that restrict something (the densest, if none is)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the Workbench warns about optional parallel back ends
            from ema_workbench.analysis import prim
    except ImportError:
        raise ConfigError("discover", "needs the EMA Workbench: pip install -e '.[ema]'") from None
    if not of_interest.any():
        raise ConfigError(
            "sensitivity.goal",
            f"no sample reaches the goal (of {len(x)}); widen the ranges or lower the goal",
        )
    if of_interest.all():
        raise ConfigError(
            "sensitivity.goal",
            f"every sample reaches the goal (of {len(x)}); nothing to tell apart: raise the goal",
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = prim.Prim(x, np.asarray(of_interest, dtype=bool), peel_alpha=peel_alpha).find_box()
    trajectory = box.peeling_trajectory.copy()
    dense = trajectory[
        (trajectory["density"] >= min_density) & (trajectory["res_dim"] > 0)
    ]  # a box, not the whole space
    chosen = int(dense["coverage"].idxmax() if len(dense) else trajectory["density"].idxmax())
    lims = box.box_lims[chosen]
    limits = pd.DataFrame(
        {
            "parameter": list(x.columns),
            "low": lims.loc[0].to_numpy(),
            "high": lims.loc[1].to_numpy(),
            "range_low": x.min().to_numpy(),
            "range_high": x.max().to_numpy(),
        }
    )
    limits["restricted"] = (limits["low"] > limits["range_low"]) | (
        limits["high"] < limits["range_high"]
    )
    row = trajectory.loc[chosen]
    return Box(
        limits,
        trajectory,
        chosen,
        float(row["coverage"]),
        float(row["density"]),
        float(of_interest.mean()),
    )

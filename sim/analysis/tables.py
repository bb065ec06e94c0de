"""Tidy tables from a run's outcomes: joining probabilities with intervals, summary, member fan.

Probabilities are shares of replicates; their 95% intervals are Wilson score intervals (Wilson
1927, sim.analysis.intervals), which stay inside [0, 1] and behave at 0 and 1 where the normal
approximation fails.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.explain import contributions_table, why_table
from sim.analysis.intervals import wilson_interval
from sim.core.calendar import format_month
from sim.core.decision import Status
from sim.engine.outcomes import BEFORE, NEVER, TABLE_CHUNK, ContributionSums, Outcomes
from sim.engine.world import World

NEW_MEMBERS = "new members"  # the spread table's row for the number of new members
FAN_QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}


@dataclass(frozen=True)
class Tables:
    """What a run reports; the CSVs are these frames as written."""

    joining_probabilities: pd.DataFrame  # country, month, p_joined, ci_low, ci_high
    summary: (
        pd.DataFrame
    )  # country, status_at_start, kind, p_talks_at_start, p_joined_by_horizon, ...
    members: pd.DataFrame  # month, mean, q05, q25, median, q75, q95
    spread: pd.DataFrame | None = (
        None  # with uncertain inputs: output, mean, sd, share_from_inputs, ...
    )
    contributions: pd.DataFrame | None = (
        None  # country, month, deciding, each term, utility, threshold
    )
    why: pd.DataFrame | None = None  # the most likely joiners: contributions when they joined


def member_share_counts(outcomes: Outcomes, n_months: int) -> np.ndarray:
    """(n_months, C) number of replicates in which each country is a member at each month's end."""
    n_country = outcomes.join_month.shape[1]
    total = np.zeros((n_months, n_country), dtype=np.int64)
    for part in outcomes.chunks():
        total += _cumulative_counts(part.join_month, n_months, part.replicates)[0]
        total -= _cumulative_counts(part.exit_month, n_months, part.replicates)[0]
    return total


def member_count_histogram(
    outcomes: Outcomes, n_months: int, counted: np.ndarray | None = None
) -> np.ndarray:
    """(n_months, C + 1): number of replicates with k members (of the `counted` countries) at the
    end of each month."""
    n_country = outcomes.join_month.shape[1]
    hist = np.zeros((n_months, n_country + 1), dtype=np.int64)
    offset = np.arange(n_months) * (n_country + 1)
    for part in outcomes.chunks():
        flat = (part.member_counts(n_months, counted) + offset).ravel()
        hist += np.bincount(flat, minlength=hist.size).reshape(hist.shape)
    return hist


def histogram_quantile(hist: np.ndarray, q: float) -> np.ndarray:
    """Per row, the smallest k with a cumulative share >= q: numpy's "inverted_cdf" quantile of
    the values the histogram counts (whole numbers, so no interpolation between them)."""
    n = hist[0].sum()
    cumulative = np.cumsum(hist, axis=1)
    return (
        (cumulative < math.ceil(n * q - 1e-9)).sum(axis=1)
        if q > 0
        else (cumulative == 0).sum(axis=1)
    )


def tabulate(
    outcomes: Outcomes,
    world: World,
    *,
    sums: ContributionSums | None = None,
    draw_groups: int | None = None,
    why_countries: int = 10,
    draws_differ: bool = True,
) -> Tables:
    """All report tables for one run; with the kernel's contribution `sums`, the explanations;
    with `draw_groups` (replicates per draw of uncertain inputs), the split of the spread and, if
    the draws differ at all (`draws_differ`), intervals that cover their spread. With
    `count_stage: signed`, joining means signing (sim.engine.outcomes.Outcomes.signed)."""
    if world.count_stage == "signed":
        outcomes = outcomes.signed(world.signing_lag, world.unsigned, world.n_months)
    n = outcomes.replicates
    counts = member_share_counts(outcomes, world.n_months)
    low, high = wilson_interval(counts, n)
    if (
        draw_groups is not None and draws_differ
    ):  # intervals cover the inputs' (parameters') spread too
        spread_low, spread_high = across_draws(outcomes, world.n_months, draw_groups)
        low, high = np.minimum(low, spread_low), np.maximum(high, spread_high)
    months = [format_month(m) for m in world.months]
    probabilities = pd.DataFrame(
        {
            "country": np.tile(world.names, world.n_months),
            "month": np.repeat(months, len(world.names)),
            "p_joined": (counts / n).ravel(),
            "ci_low": low.ravel(),
            "ci_high": high.ravel(),
        }
    )
    in_talks = sum(
        ((p.talks_month == BEFORE) & (p.join_month != BEFORE)).sum(axis=0)
        for p in outcomes.chunks()
    )
    summary = _summary(counts, n, world, months, in_talks / n, (low[-1], high[-1]))
    spread = None
    if draw_groups is not None:
        spread = spread_table(outcomes, world, draw_groups)
        share = spread.set_index("output")["share_from_inputs"]
        summary["share_from_inputs"] = summary["country"].map(share)
    tables = Tables(probabilities, summary, _fan(outcomes, world, months), spread)
    if sums is None:
        return tables
    joined = sum(
        ((p.join_month >= 0) & (p.join_month != NEVER)).sum(axis=0) for p in outcomes.chunks()
    )
    return dataclasses.replace(
        tables,
        contributions=contributions_table(sums, world, n),
        why=why_table(sums, world, joined, summary, why_countries),
    )


def across_draws(
    outcomes: Outcomes, n_months: int, group_size: int, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """(n_months, C) each: the central `level` range of each country's probability of being a
    member across the draws of uncertain inputs or parameters. Each draw's share p_g of `group_size`
    replicates carries chance noise of variance p(1 - p) / size besides the draws' own spread, so
    the shares are first shrunk towards their mean by sqrt(between / total) (method of moments,
    as in share_from_inputs); without spread between draws the range is the mean itself."""
    complete = outcomes.replicates // group_size
    if complete < 2 or group_size < 2:
        mean = member_share_counts(outcomes, n_months) / outcomes.replicates
        return mean, mean
    drawn = outcomes.rows(0, complete * group_size)
    shares = (
        grouped_member_counts(drawn, n_months, group_size) / group_size
    )  # (groups, n_months, C)
    mean, total = shares.mean(axis=0), shares.var(axis=0, ddof=1)
    chance = (shares * (1 - shares)).mean(axis=0) / (group_size - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shrink = np.where(total > 0, np.sqrt(np.maximum(total - chance, 0.0) / total), 0.0)
    shrunk = mean + shrink * (shares - mean)
    tail = (1 - level) / 2
    low, high = np.quantile(shrunk, [tail, 1 - tail], axis=0)  # one partial sort for both
    return low, high


def spread_table(outcomes: Outcomes, world: World, group_size: int) -> pd.DataFrame:
    """How much of the spread of each outcome at the horizon (each country a member or not; the
    number of new members) comes from the uncertain inputs and how much from chance."""
    n, n_groups = outcomes.replicates, -(-outcomes.replicates // group_size)
    sums = np.zeros((n_groups, len(world.names) + 1))
    squares = np.zeros_like(sums)
    first = 0
    size = max(TABLE_CHUNK - TABLE_CHUNK % group_size, group_size)  # whole groups per slice
    for part in outcomes.chunks(size):
        member = part.is_member(world.n_months - 1)
        at_start = ((part.join_month == BEFORE) & world.counted).sum(axis=1)  # by the counting rule
        values = np.column_stack([member, member[:, world.counted].sum(axis=1) - at_start]).astype(
            np.float64
        )
        group = np.arange(first, first + part.replicates) // group_size
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])  # groups are consecutive
        sums[group[starts]] += np.add.reduceat(values, starts, axis=0)
        squares[group[starts]] += np.add.reduceat(values * values, starts, axis=0)
        first += part.replicates
    sizes = np.bincount(np.arange(n) // group_size, minlength=n_groups)[:, None]
    share = share_from_inputs(sums, squares, sizes)
    mean = sums.sum(axis=0) / n
    return pd.DataFrame(
        {
            "output": [*world.names, NEW_MEMBERS],
            "mean": mean,
            "sd": np.sqrt(np.maximum(squares.sum(axis=0) / n - mean * mean, 0.0)),
            "share_from_inputs": share,
            "share_from_chance": 1 - share,
        }
    )


def _summary(counts, n: int, world: World, months: list[str], p_talks, interval) -> pd.DataFrame:
    final = counts[-1]
    low, high = interval
    half = counts >= n / 2
    first_half = np.where(half.any(axis=0), half.argmax(axis=0), -1)
    outside = world.status0 != Status.MEMBER
    median = [months[i] if i >= 0 and out else None for i, out in zip(first_half, outside)]
    table = pd.DataFrame(
        {
            "country": world.names,
            "status_at_start": [Status(s).name.lower() for s in world.status0],
            "kind": world.kinds,
            "p_talks_at_start": p_talks,  # talks on the record, or latent (scenario.latent_talks)
            "p_joined_by_horizon": final / n,
            "ci_low": low,
            "ci_high": high,
            "median_join_month": median,
        }
    )
    return table.sort_values("p_joined_by_horizon", ascending=False, kind="stable").reset_index(
        drop=True
    )


def _fan(outcomes: Outcomes, world: World, months: list[str]) -> pd.DataFrame:
    hist = member_count_histogram(outcomes, world.n_months, world.counted)
    # counts are whole numbers: take observed values, not interpolations between them
    fan = {name: histogram_quantile(hist, q) for name, q in FAN_QUANTILES.items()}
    mean = hist @ np.arange(hist.shape[1]) / outcomes.replicates
    return pd.DataFrame({"month": months, "mean": mean, **fan})


def grouped_member_counts(outcomes: Outcomes, n_months: int, group_size: int) -> np.ndarray:
    """(groups, n_months, C): `member_share_counts` of each consecutive group of `group_size`
    replicates (whole groups only), many groups per count (a loop over hundreds of draws was
    most of a sweep job's tables), a slice of whole groups at a time: memory stays bounded."""
    n_rep, n_country = outcomes.join_month.shape
    counts = np.zeros((n_rep // group_size, n_months, n_country), dtype=np.int64)
    size = max(TABLE_CHUNK - TABLE_CHUNK % group_size, group_size)
    for first in range(0, n_rep - n_rep % group_size, size):
        part = outcomes.rows(first, min(first + size, n_rep - n_rep % group_size))
        groups = slice(first // group_size, (first + part.replicates) // group_size)
        counts[groups] += _cumulative_counts(part.join_month, n_months, group_size)
        counts[groups] -= _cumulative_counts(part.exit_month, n_months, group_size)
    return counts


def _cumulative_counts(month: np.ndarray, n_months: int, group_size: int) -> np.ndarray:
    """(groups, n_months, C): for each consecutive group of `group_size` rows (R a multiple of
    it), the rows whose milestone fell at or before each month (BEFORE counts)."""
    n_rows, n_country = month.shape
    groups = n_rows // group_size
    slot = np.clip(month.astype(np.int64) + 1, 0, n_months + 1)  # BEFORE -> 0, NEVER -> n+1
    group = (np.arange(n_rows) // group_size)[:, None]
    flat = (group * (n_months + 2) + slot) * n_country + np.arange(n_country)
    hist = np.bincount(flat.ravel(), minlength=groups * (n_months + 2) * n_country)
    return np.cumsum(hist.reshape(groups, n_months + 2, n_country), axis=1)[:, 1 : n_months + 1]


def share_from_inputs(sums: np.ndarray, squares: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Share of the variance that lies between draws, from per-draw sums and sums of squares
    (groups, K) of the outcomes and the group sizes (groups, 1): a one-way random-effects ANOVA
    on the complete groups, the between component cut at 0. NaN without variance, or with fewer
    than two complete groups, or groups of one."""
    size = sizes.max()
    full = sizes[:, 0] == size
    if full.sum() < 2 or size < 2:
        return np.full(sums.shape[1], np.nan)
    means = sums[full] / size
    within = ((squares[full] - sums[full] * means) / (size - 1)).mean(axis=0)
    between = np.maximum(means.var(axis=0, ddof=1) - within / size, 0.0)
    total = between + within
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 1e-12, between / total, np.nan)

"""A run's compact outcome: for each replicate and country, the month of each milestone.

Months are step indices from the scenario start (0 = the first month). `BEFORE` marks a
milestone reached before the start; `NEVER` one not reached within the horizon. Memory grows
with replicates x countries, never with months.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

BEFORE = -1
NEVER = np.iinfo(np.int16).max
TABLE_CHUNK = 65536  # replicates per slice when tables are built: ~17 MB of temporaries per slice


@dataclass(frozen=True)
class Outcomes:
    talks_month: np.ndarray  # (R, C) int16: first month talks opened
    join_month: np.ndarray  # (R, C) int16: month it became a member
    exit_month: np.ndarray  # (R, C) int16: month it left (only where exit is enabled)
    collapse_month: np.ndarray  # (R, C) int16: first month its talks ended without accession

    def rows(self, first: int, last: int) -> Outcomes:
        """Replicates first..last-1 (views)."""
        return Outcomes(*(getattr(self, f)[first:last] for f in Outcomes.__dataclass_fields__))

    @property
    def replicates(self) -> int:
        return self.join_month.shape[0]

    def is_member(self, month: int) -> np.ndarray:
        """(R, C) bool: a member at the end of step `month`."""
        return (self.join_month <= month) & (self.exit_month > month)

    def member_counts(self, n_months: int, counted: np.ndarray | None = None) -> np.ndarray:
        """(R, n_months) number of members at the end of each month (of the `counted` (C,)
        countries only, when given)."""
        n_rep = self.replicates
        rows = np.broadcast_to(np.arange(n_rep)[:, None], self.join_month.shape)
        joins = (self.join_month >= 0) & (self.join_month < n_months)
        exits = self.exit_month < n_months
        if counted is not None:
            joins, exits = joins & counted, exits & counted
        size = n_rep * n_months
        change = np.bincount(rows[joins] * n_months + self.join_month[joins], minlength=size)
        change -= np.bincount(rows[exits] * n_months + self.exit_month[exits], minlength=size)
        at_start = ((self.join_month == BEFORE) & (True if counted is None else counted)).sum(
            axis=1
        )
        return at_start[:, None] + np.cumsum(change.reshape(n_rep, n_months), axis=1)

    def signed(self, lag: int, unsigned: np.ndarray, n_months: int) -> Outcomes:
        """These outcomes counted by signing instead of announcement: an accession in the run
        counts `lag` months after it is announced (not at all if that is past the horizon), and
        a member at the start counts only if its signing is on the record (`unsigned` (C,) bool
        marks those whose is not)."""
        join = self.join_month.astype(np.int32)
        announced = (join >= 0) & (join != NEVER)
        join = np.where(announced, join + lag, join)
        join = np.where((join >= n_months) & announced, NEVER, join)
        join = np.where((join == BEFORE) & unsigned, NEVER, join)
        return dataclasses.replace(self, join_month=join.astype(np.int16))

    def chunks(self, size: int = TABLE_CHUNK):
        """The replicates in consecutive slices (views), so tables are built in bounded memory."""
        for s in range(0, self.replicates, size):
            yield self.rows(s, s + size)

    @staticmethod
    def empty(replicates: int, countries: int) -> Outcomes:
        """Room for `replicates` outcomes, filled chunk by chunk by the engines."""
        return Outcomes(
            *(
                np.full((replicates, countries), NEVER, dtype=np.int16)
                for _ in Outcomes.__dataclass_fields__
            )
        )

    def fill(self, start: int, part: Outcomes) -> None:
        for f in Outcomes.__dataclass_fields__:
            getattr(self, f)[start : start + part.replicates] = getattr(part, f)

    @staticmethod
    def concat(parts: list[Outcomes]) -> Outcomes:
        fields = Outcomes.__dataclass_fields__
        return Outcomes(*(np.concatenate([getattr(p, f) for p in parts]) for f in fields))


@dataclass(frozen=True)
class ContributionSums:
    """Sums over replicates of each country's utility contributions (the declared terms, what
    events add through them, then the utility and the threshold), in fixed point: integer sums are exact in any order, so the
    result does not depend on chunking or threads. Divide by `FIXED_POINT` for values."""

    by_month: np.ndarray  # (T, C, N) int64: over replicates where the country was deciding
    deciding: np.ndarray  # (T, C) int64: replicates where it was outside or in talks that month
    at_join: np.ndarray  # (C, N) int64: in the month it joined

    def __add__(self, other: ContributionSums) -> ContributionSums:
        return ContributionSums(
            self.by_month + other.by_month,
            self.deciding + other.deciding,
            self.at_join + other.at_join,
        )


FIXED_POINT = 2.0**24  # resolution 6e-8; sums of 1e9 terms of size 100 still fit in int64

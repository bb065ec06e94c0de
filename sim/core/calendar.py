"""Calendar months as integers: one model step is one month.

A month is stored as `year * 12 + (month - 1)`, so differences are month counts and the number is
the same in every scenario (random streams are keyed by it).
"""

from __future__ import annotations

import re

_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> int:
    """'2026-07' -> absolute month number; ValueError on anything else."""
    match = _PATTERN.match(str(text))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"expected a month as 'YYYY-MM', got {text!r}")
    return month_of(int(match.group(1)), int(match.group(2)))


def month_of(year: int, month: int) -> int:
    """Calendar year and month (1-12) -> absolute month number."""
    return year * 12 + month - 1


def format_month(month: int) -> str:
    """Absolute month number -> 'YYYY-MM'."""
    return f"{month // 12:04d}-{month % 12 + 1:02d}"

"""What every figure shares: the line under it and what counts as a curve worth drawing.

Each figure ends with a caption: what it rests on (replicates, parameters), then the caveat that
these are consequences of stated assumptions, not a forecast. A curve that stays within TRIVIAL
of 0 or 1 is left out of a figure, and of the comparison report's table.
"""

from __future__ import annotations

TRIVIAL = 0.005  # a curve that never leaves [0, 0.005] or [0.995, 1] is not drawn
CAPTION = "Consequences of stated, overridable assumptions; not a forecast."


def caption(note: str = "") -> str:
    """The line under a figure: what it rests on (replicates, parameters), then the caveat."""
    return f"{note}.\n{CAPTION}" if note else CAPTION

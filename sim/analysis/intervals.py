"""Confidence intervals for shares of replicates: the 95% normal quantile, Wilson's interval.

Wilson's interval (Wilson 1927) stays inside [0, 1] and behaves at 0 and 1, where the normal
approximation fails. Plain arithmetic on counts, with no engine behind it, so the tables of a
run and the comparison of stored jobs (and the outputs that format it) share it without
importing the engine.
"""

from __future__ import annotations

import numpy as np

Z95 = 1.959963984540054


def wilson_interval(successes: np.ndarray, n: int, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion; arrays broadcast."""
    p = np.asarray(successes, dtype=np.float64) / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # exact at the edges, where rounding would leave a bound a hair inside [0, 1]
    low = np.where(p == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(p == 1, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high

"""Counter-based random numbers: every draw is a pure function of (seed, replicate, who, month, purpose).

Why not a sequential `Generator`: a keyed draw is the same whatever order, chunk size, worker count
or engine computes it, so the Mesa model and the vectorised ensemble see identical numbers for the
same replicate, and two scenarios run with one seed share each country's draws (common random
numbers, for paired comparisons). The key comes from one `numpy.random.SeedSequence`; the mixing
function is SplitMix64's finaliser (Steele, Lea & Flood 2014), applied once per input so that
every input changes every output bit.
"""

from __future__ import annotations

import hashlib
from enum import IntEnum

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
_TO_UNIT = 2.0**-53


class Purpose(IntEnum):
    """What a draw decides; each purpose is its own independent stream."""

    TRANSITION = 1  # open talks / sign / collapse / exit
    SHOCK_COLLAPSE = 2  # whether a salience shock collapses talks
    SHOCK_ONSET = 3  # whether a random shock starts this month


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a bijection on uint64 with full avalanche."""
    x = (x ^ (x >> _S30)) * _M1
    x = (x ^ (x >> _S27)) * _M2
    return x ^ (x >> _S31)


def stream_key(seed: int | np.random.SeedSequence | None) -> np.uint64:
    """The 64-bit key of a run, derived from one `SeedSequence` (None draws fresh entropy)."""
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return seq.generate_state(1, np.uint64)[0]


def name_keys(names: list[str]) -> np.ndarray:
    """Stable 64-bit keys from names (countries, shocks), so streams follow the name, not the index."""
    digests = [hashlib.blake2b(n.encode(), digest_size=8).digest() for n in names]
    return np.array([int.from_bytes(d, "little") for d in digests], dtype=np.uint64)


def base_streams(key: np.uint64, replicates: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Per (replicate, name) stream bases, shape (len(replicates), len(keys))."""
    with np.errstate(over="ignore"):
        reps = np.asarray(replicates, dtype=np.uint64)[:, None]
        per_replicate = _mix(np.uint64(key) ^ _mix(reps * _GOLDEN + np.uint64(1)))
        return _mix(per_replicate ^ np.asarray(keys, dtype=np.uint64)[None, :])


def uniforms(bases: np.ndarray, month: int, purpose: Purpose) -> np.ndarray:
    """Uniform [0, 1) draws for one calendar month and purpose, same shape as `bases`.

    `month` is an absolute month number (year * 12 + month - 1), so scenarios that start in
    different months still share the draws of the months they have in common.
    """
    with np.errstate(over="ignore"):
        counter = np.uint64(month * 8 + int(purpose)) * _GOLDEN
        return (_mix(bases + counter) >> _S11).astype(np.float64) * _TO_UNIT

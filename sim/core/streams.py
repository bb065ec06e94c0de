"""Counter-based random numbers: every draw is a pure function of (seed, replicate, who, month, purpose).

Why not a sequential `Generator`: a keyed draw is the same whatever order, chunk size, worker count
or engine computes it, so the Mesa model and the ensemble kernel see identical numbers for the
same replicate, and two scenarios run with one seed share each country's draws (common random
numbers, for paired comparisons). The key comes from one `numpy.random.SeedSequence`; the mixing
function is SplitMix64's finaliser (Steele, Lea & Flood 2014): a month's draws for one stream are
exactly the SplitMix64 sequence started at that stream's base.
"""

from __future__ import annotations

import hashlib
from enum import IntEnum

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 2.0**-53

TRANSITION = 1  # open talks / sign / collapse / exit
SHOCK_COLLAPSE = 2  # whether a salience shock collapses a country's talks
SHOCK_ONSET = 3  # whether a random shock starts this month
INPUT = 4  # the value of an uncertain input (sim.config.uncertainty)
START = 5  # whether a country outside at the start is in (latent) talks
COURT = 6  # whether a `courting` mediator courts a country this month
GATE = 7  # whether a closed gate opens this month (sim.core.gates)


class Purpose(IntEnum):
    """What a draw decides; each purpose is its own independent stream."""

    TRANSITION = TRANSITION
    SHOCK_COLLAPSE = SHOCK_COLLAPSE
    SHOCK_ONSET = SHOCK_ONSET
    INPUT = INPUT
    START = START
    COURT = COURT
    GATE = GATE


@njit(cache=True, error_model="numpy")
def _mix(x: np.uint64) -> np.uint64:
    """SplitMix64 finaliser: a bijection on uint64 with full avalanche."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def stream_key(seed: int | np.random.SeedSequence | None) -> np.uint64:
    """The 64-bit key of a run, derived from one `SeedSequence` (None draws fresh entropy)."""
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return seq.generate_state(1, np.uint64)[0]


def name_keys(names: list[str]) -> np.ndarray:
    """Stable 64-bit keys from names (countries, shocks), so streams follow the name, not the index."""
    digests = [hashlib.blake2b(n.encode(), digest_size=8).digest() for n in names]
    return np.array([int.from_bytes(d, "little") for d in digests], dtype=np.uint64)


@njit(cache=True, error_model="numpy")
def base_streams(key: np.uint64, replicates: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Per (replicate, name) stream bases, shape (len(replicates), len(keys))."""
    out = np.empty((len(replicates), len(keys)), dtype=np.uint64)
    for r in range(len(replicates)):
        per_replicate = _mix(key ^ _mix(np.uint64(replicates[r]) * _GOLDEN + np.uint64(1)))
        for i in range(len(keys)):
            out[r, i] = _mix(per_replicate ^ keys[i])
    return out


@njit(cache=True, error_model="numpy")
def uniform(base: np.uint64, month: int, purpose: int) -> float:
    """One uniform [0, 1) draw of a stream for an absolute month number (year * 12 + month - 1),
    so scenarios that start in different months share the draws of their common months."""
    counter = np.uint64(month * 8 + purpose) * _GOLDEN
    return float(_mix(base + counter) >> np.uint64(11)) * _TO_UNIT


@njit(cache=True, error_model="numpy")
def uniforms(bases: np.ndarray, month: int, purpose: int) -> np.ndarray:
    """`uniform` for every stream base of a (rows, names) array."""
    out = np.empty(bases.shape)
    for r in range(bases.shape[0]):
        for i in range(bases.shape[1]):
            out[r, i] = uniform(bases[r, i], month, purpose)
    return out

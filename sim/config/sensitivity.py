"""A global sensitivity study's config (the `sensitivity` group; sim.commands.sensitivity runs it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.config.validate import UNIT, between, one_of

SENSITIVITY_METHODS = ("sobol", "morris")


@dataclass(frozen=True)
class Factor:
    """A sensitivity parameter: a uniform range, applied to every key in `keys` at once."""

    keys: list[str]
    low: float
    high: float
    note: str = ""


@dataclass(frozen=True)
class Goal:
    """What a "what would it take" question asks of an output: p_joined_by_horizon >= at_least."""

    output: str
    at_least: float = field(metadata=UNIT)


@dataclass(frozen=True)
class Sensitivity:
    """A global sensitivity study (sim.commands.sensitivity): which parameters, how many samples."""

    name: str
    method: str = field(metadata=one_of(*SENSITIVITY_METHODS))
    samples: int = field(
        metadata=between(2, 1_000_000)
    )  # Sobol base N (a power of 2); Morris trajectories
    replicates: int = field(metadata=between(1, 1_000_000))  # per sample
    parameters: dict[str, Factor]
    paired: bool = True  # every sample runs the same replicate streams (common random numbers)
    dummy: bool = True  # add a parameter that changes nothing: its indices show the noise floor
    levels: int = field(default=4, metadata=between(2, 100))  # Morris grid
    resamples: int = field(default=1000, metadata=between(10, 100_000))  # bootstrap
    seed: int = field(
        default=0, metadata=between(0, 2**32 - 1)
    )  # sampling (replicates use the run's)
    outputs: list[str] = field(default_factory=list)  # country ids; empty: all outside at the start
    goal: Goal | None = None
    min_density: float = field(
        default=0.8, metadata=UNIT
    )  # sim.commands.discover: the box reported is at least this dense

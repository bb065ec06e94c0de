"""Shared test helpers: the project root, the command line as a user runs it, and markers.

Markers (pyproject.toml): `slow` (over ~20 s, or a subprocess sweep), `cluster` (a Ray head or
submitit workers), `browser` (headless Chromium). A fast loop: make test ARGS="-m 'not slow'".
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from hydra import compose, initialize_config_dir
from hypothesis import settings

from sim.config.load import load_config
from sim.config.schema import Events
from sim.config.sources import CONF
from sim.config.validate import build
from sim.core.decision import Status
from sim.engine.model import WorldModel
from sim.hydra.configs import plain_config
from sim.inference.fit import FitConfig

# No deadline for any Hypothesis example: the tests assert outcomes, and a first call that loads
# or compiles a kernel on a busy machine is not a failure (speed is the benchmark's: sim.bench).
settings.register_profile("outcomes", deadline=None)
settings.load_profile("outcomes")

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("*.csv", "outcomes.parquet")
PNG = b"\x89PNG\r\n\x1a\n"


def cli(
    *args: str, module: str = "sim", cwd: Path = ROOT, env: dict | None = None, timeout: float = 600
):
    """`python -m MODULE ARGS...` in a subprocess, as a user runs it (output captured, never
    raises); `env` adds to this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def calibration_config(name: str = "calibrate", overrides: tuple[str, ...] = ()):
    """The calibration's run config, the events of its forecasts and its fit settings (`name`:
    the primary config, e.g. calibrate_artemis; `overrides` as on the command line)."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        data = plain_config(compose(name, overrides=list(overrides)))
    data.pop("posterior"), data.pop("questions"), data.pop("structures", None)
    events = build(Events, data.pop("forecast_events"), "forecast_events")
    fit = build(FitConfig, data.pop("fit"), "fit")
    return load_config(data), events, fit


def result_tables(folder: Path) -> dict[str, bytes]:
    """Every table a run or sweep wrote under `folder`, by relative path, as bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for pattern in TABLES
        for p in sorted(folder.rglob(pattern))
    }


def mesa_deciding(
    world, replicates: int, seed: int
) -> Iterator[tuple[int, int, WorldModel, object]]:
    """Step Mesa models of `world`, one per replicate, and yield (replicate, month, model, country)
    after each month for every country that was deciding (outside or in talks, and a candidate)
    at its start."""
    for replicate in range(replicates):
        model = WorldModel(world, rng=seed, replicate=replicate, collect=False)
        for t in range(world.n_months):
            deciding = [c for c in model.countries if c.status in (Status.OUTSIDE, Status.TALKS)]
            model.step()
            for country in deciding:
                if country.is_candidate:  # read for this month by its step
                    yield replicate, t, model, country

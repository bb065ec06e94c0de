"""Posterior draws as a params option: `params=posterior` runs each group of replicates with one
draw of the fitted parameters (written by `python -m sim.calibrate`, installed by its `promote`).

The table has one row per draw and one column per fitted parameter, named as under `params`
('weights.inducement', 'threshold', 'era_engagement.biden'); the params option's own numbers are
the posterior mode and fill in every parameter the table does not have. Which draw a group runs
is a keyed uniform of (seed, group), so two scenarios run with one seed share their draws.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from sim.config.errors import ConfigError
from sim.config.sources import CONF

BOOKKEEPING = ("walker", "step")  # columns of the sampler's table that are not parameters


def draws_path(name: str) -> Path:
    """Where `params.draws` points: relative to conf/params unless absolute."""
    path = Path(name)
    return path if path.is_absolute() else CONF / "params" / path


def check_draws(name: str) -> None:
    if not draws_path(name).is_file():
        raise ConfigError(
            "params.draws", f"no file of posterior draws at {str(draws_path(name))!r}"
        )


def load_draws(name: str) -> pd.DataFrame:
    """The draws table (parameters only), read once per file version."""
    path = draws_path(name)
    return _read(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _read(path: str, version: int) -> pd.DataFrame:
    try:
        table = pd.read_parquet(path)
    except (
        OSError,
        ValueError,
    ) as err:  # a truncated or foreign file (pyarrow: ArrowInvalid): one line
        raise ConfigError(
            "params.draws", f"cannot read {path!r}: {str(err).splitlines()[0]}"
        ) from None
    return table.drop(columns=[c for c in BOOKKEEPING if c in table.columns])

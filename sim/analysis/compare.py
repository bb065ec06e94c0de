"""Compare jobs: each scenario's joining probabilities and its change against a baseline job.

Deltas are paired when the two jobs share the seed and the replicate count: the random streams
are keyed by seed, replicate and country, so replicate r of both jobs met the same chance, and
the delta's 95% interval comes from the per-replicate differences (a normal interval for their
mean). A change that alters nothing gives a delta of exactly 0 with a zero-width interval. Other
pairs get Newcombe's (1998) hybrid score interval for a difference of independent proportions.
A job is anything with the `Job` shape: the output layer's stored job (sim.output.store.StoredJob)
is one, read from disk above this layer. The command is `python -m sim.compare`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from sim.analysis.intervals import Z95, wilson_interval
from sim.config.months import read_month
from sim.engine.outcomes import Outcomes


class Job(Protocol):
    """A finished job as the comparison reads it: its folder, its job.json record, its
    countries and overrides, and its outcomes."""

    @property
    def folder(self) -> Path: ...
    @property
    def record(self) -> dict: ...  # the contents of job.json: seed, replicates, config
    @property
    def countries(self) -> list[str]: ...
    @property
    def overrides(self) -> list[str]: ...
    @property
    def outcomes(self) -> Outcomes: ...


@dataclass(frozen=True)
class Comparison:
    table: pd.DataFrame  # one row per job and country
    jobs: list[Job]
    labels: list[str]
    baseline: int


def choose_baseline(jobs: list[Job], spec: str | None) -> int:
    """Index of the baseline: the first job, or the first whose overrides match every item of
    `spec`: a full override (`mediator.engagement=1.0`) or the report's label for it
    (`engagement=1`: the key's last part, the value as a number)."""
    if not spec:
        return 0
    wanted = [item.strip().lstrip("+") for item in spec.split(",") if item.strip()]
    for i, job in enumerate(jobs):
        given = [o.lstrip("+") for o in job.overrides]
        if all(any(_matches(item, o) for o in given) for item in wanted):
            return i
    raise ValueError(f"--baseline {spec}: no job has these overrides")


def _matches(item: str, override: str) -> bool:
    key, _, value = item.partition("=")
    other_key, _, other_value = override.partition("=")
    if other_key != key and not other_key.endswith(f".{key}"):
        return False
    try:
        return float(value) == float(other_value)
    except ValueError:
        return value == other_value


def compare(jobs: list[Job], baseline: int = 0) -> Comparison:
    """The comparison table: override columns, p_joined_by_horizon with its interval, and the
    delta against the baseline job with its interval."""
    settings = [_settings(job) for job in jobs]
    keys = sorted({k for s in settings for k in s})
    varying = [k for k in keys if len({s.get(k, "") for s in settings}) > 1]
    short = {k: k.rsplit(".", 1)[-1] for k in varying}
    if len(set(short.values())) < len(short):  # ambiguous: keep the full keys
        short = {k: k for k in varying}
    labels = [
        ", ".join(f"{short[k]}={s.get(k, '-')}" for k in varying) or job.folder.name
        for s, job in zip(settings, jobs)
    ]
    base = jobs[baseline]
    base_final = base.outcomes.is_member(_last_month(base))
    rows = []
    for job, label, setting in zip(
        jobs, labels, settings
    ):  # one job's outcomes in memory at a time
        final = base_final if job is base else job.outcomes.is_member(_last_month(job))
        paired = job.record["seed"] == base.record["seed"] and len(final) == len(base_final)
        low, high = wilson_interval(final.sum(axis=0), len(final))
        for c, country in enumerate(job.countries):
            row = {"job": job.folder.name, "label": label, **{k: setting.get(k, "") for k in keys}}
            row |= {
                "country": country,
                "p_joined_by_horizon": final[:, c].mean(),
                "ci_low": low[c],
                "ci_high": high[c],
            }
            b = base.countries.index(country) if country in base.countries else None
            delta = (
                (np.nan, np.nan, np.nan)
                if b is None
                else (
                    paired_delta(final[:, c], base_final[:, b])
                    if paired
                    else unpaired_delta(final[:, c], base_final[:, b])
                )
            )
            row |= dict(zip(("delta", "delta_ci_low", "delta_ci_high"), delta))
            rows.append(row | {"paired": paired and b is not None})
    return Comparison(pd.DataFrame(rows), jobs, labels, baseline)


def paired_delta(job: np.ndarray, base: np.ndarray) -> tuple[float, float, float]:
    """Mean of per-replicate differences and its 95% normal interval."""
    diff = job.astype(np.float64) - base
    mean = diff.mean()
    half = Z95 * diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else np.nan
    return mean, mean - half, mean + half


def unpaired_delta(job: np.ndarray, base: np.ndarray) -> tuple[float, float, float]:
    """Difference of independent proportions with Newcombe's hybrid score interval."""
    p1, p2 = job.mean(), base.mean()
    l1, u1 = wilson_interval(job.sum(), len(job))
    l2, u2 = wilson_interval(base.sum(), len(base))
    delta = p1 - p2
    return delta, delta - np.hypot(p1 - l1, u2 - p2), delta + np.hypot(u1 - p1, p2 - l2)


def _settings(job: Job) -> dict[str, str]:
    """A job's overrides as {key: value}, without Hydra's own keys."""
    pairs = (o.lstrip("+~").split("=", 1) for o in job.overrides if "=" in o)
    return {k: v for k, v in pairs if not k.startswith("hydra.")}


def _last_month(job: Job) -> int:
    """The last step of a job's window, from the config its job.json records (months as text)."""
    scenario = job.record["config"]["scenario"]
    return read_month(scenario["end"], "scenario.end") - read_month(
        scenario["start"], "scenario.start"
    )

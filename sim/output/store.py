"""A job's results on disk: what was run (job.json) and what happened (outcomes.parquet).

`job.json` records what reproduces the run: the resolved config, its hash, a hash of the roster
data alone, the overrides, the seed, and the Python and package versions. `outcomes.parquet` holds the compact outcome, one row per
replicate and country, so that jobs can be compared replicate by replicate later (paired
deltas). A run's files are written into a hidden folder that is renamed into place when all are
written (`publish`), so a job folder holds a job's results whole or not at all; single files are
also written under a temporary name and renamed; `job.json` is written last and marks the job as
done.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import platform
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock

from sim.config.schema import RunConfig
from sim.config.uncertainty import Uncertain
from sim.core.calendar import format_month
from sim.engine.outcomes import Outcomes

JOB_FILE = "job.json"
OUTCOMES_FILE = "outcomes.parquet"
PACKAGES = (
    "accord-sim",
    "mesa",
    "numpy",
    "numba",
    "scipy",
    "SALib",
    "hydra-core",
    "omegaconf",
    "pandas",
    "pyarrow",
)
_IGNORED = (
    "debug",
    "plot_countries",
    "plots",
    "plot_format",
    "sweep_plots",
    "resume",
    "sensitivity",
    "chunk",
    "progress",
)  # do not change a run's results


@dataclass(frozen=True)
class StoredJob:
    folder: Path
    record: dict  # the contents of job.json

    @property
    def outcomes(self) -> Outcomes:
        """Read from outcomes.parquet at each access, not kept: a sweep's jobs are compared one
        at a time, so memory holds at most two jobs' outcomes whatever the sweep's size."""
        table = pq.read_table(
            self.folder / OUTCOMES_FILE, columns=list(Outcomes.__dataclass_fields__)
        )
        n_country = len(self.countries)
        return Outcomes(
            *(
                table[f].to_numpy().astype(np.int16).reshape(-1, n_country)
                for f in Outcomes.__dataclass_fields__
            )
        )

    @property
    def countries(self) -> list[str]:
        return self.record["countries"]

    @property
    def overrides(self) -> list[str]:
        return self.record["overrides"]


def config_hash(config: RunConfig, record: dict | None = None) -> str:
    """Hash of the validated config (its `config_record`, if made already), without the knobs
    that do not change results."""
    record = config_record(config) if record is None else record
    return _digest({k: v for k, v in record.items() if k not in _IGNORED})


def _digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def config_record(config: RunConfig) -> dict:
    """The validated config as plain data (`plain`): what job.json records and the hash reads."""
    return plain(config)


def plain(value):
    """A validated config, or a part of it, as plain data: `dataclasses.asdict` without its deep
    copy of every number, with an uncertain input as its distribution and each month (a month
    field, spans of months) as the 'YYYY-MM' text it was read from."""
    if isinstance(value, Uncertain):
        return value.spec()
    if dataclasses.is_dataclass(value):
        return {
            f.name: (_months if _holds_months(f) else plain)(getattr(value, f.name))
            for f in dataclasses.fields(value)
        }
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _holds_months(f: dataclasses.Field) -> bool:
    return bool(f.metadata.get("month") or f.metadata.get("spans"))


def _months(value):
    """Month numbers (alone, by key, or in spans) as 'YYYY-MM'."""
    if isinstance(value, dict):
        return {k: _months(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_months(v) for v in value]
    return value if value is None else format_month(value)


def write_job(
    folder: Path, config: RunConfig, overrides: list[str], countries: list[str], outcomes: Outcomes
) -> None:
    """Store one job's outcome and record; job.json last, as the mark of a finished job."""
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / OUTCOMES_FILE, lambda p: _write_outcomes(p, outcomes, countries))
    plain = config_record(config)
    record = {
        "hash": config_hash(config, plain),
        "roster_hash": _digest(plain["roster"]),
        "overrides": overrides,
        "countries": countries,
        "seed": config.seed,
        "replicates": config.replicates,
        "versions": _versions(),
        "config": plain,
    }
    atomic_write(folder / JOB_FILE, lambda p: p.write_text(json.dumps(record, indent=1) + "\n"))


def _write_outcomes(path: Path, outcomes: Outcomes, countries: list[str]) -> None:
    """One row per replicate and country, written a slice of replicates at a time (one row
    group each), so memory stays bounded whatever the replicate count."""
    n_country = len(countries)
    names = pa.array(countries, pa.string())
    fields = list(Outcomes.__dataclass_fields__)
    schema = pa.schema(
        [("replicate", pa.int32()), ("country", pa.dictionary(pa.int32(), pa.string()))]
        + [(f, pa.int16()) for f in fields]
    )
    with pq.ParquetWriter(path, schema) as writer:
        first = 0
        for part in outcomes.chunks():
            n = part.replicates
            columns = {
                "replicate": np.repeat(np.arange(first, first + n, dtype=np.int32), n_country),
                "country": pa.DictionaryArray.from_arrays(
                    np.tile(np.arange(n_country, dtype=np.int32), n), names
                ),
                **{f: getattr(part, f).ravel() for f in fields},
            }
            writer.write_table(pa.table(columns, schema=schema))
            first += n


def finished(folder: Path, config: RunConfig) -> bool:
    """True when `folder` already holds the results of this exact config."""
    try:
        record = json.loads((folder / JOB_FILE).read_text())
    except (OSError, ValueError):
        return False
    return record.get("hash") == config_hash(config) and (folder / OUTCOMES_FILE).is_file()


def read_job(folder: Path) -> StoredJob:
    return StoredJob(folder, json.loads((folder / JOB_FILE).read_text()))


def find_jobs(paths: list[Path]) -> list[StoredJob]:
    """Jobs in the given folders: a folder holding job.json is one job; otherwise its numbered
    sub-folders (a Hydra sweep) are, in job order."""
    folders: list[Path] = []
    for path in paths:
        if (path / JOB_FILE).is_file():
            folders.append(path)
        else:
            subs = [p for p in path.iterdir() if (p / JOB_FILE).is_file()] if path.is_dir() else []
            folders += sorted(
                subs,
                key=lambda p: (
                    not p.name.isdigit(),
                    int(p.name) if p.name.isdigit() else 0,
                    p.name,
                ),
            )
    if not folders:
        raise ValueError(
            f"no finished jobs (folders with {JOB_FILE}) in {', '.join(map(str, paths))}"
        )
    return [read_job(f) for f in folders]


def publish(folder: Path, write: Callable[[Path], list[Path]], lock: bool = False) -> list[Path]:
    """Make a result folder appear whole or not at all: `write` fills a hidden sibling folder,
    which is then renamed to `folder`. Files already in `folder` that `write` did not produce
    (Hydra's .hydra and log) move along; leftovers of a killed earlier attempt are removed. With
    `lock` (a sweep's job, whose folder sits in the sweep's), a lock file beside the folder keeps
    a second process (another sweep into the same folder) from taking the first one's
    half-written files for leftovers."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    if not lock:
        return _publish(folder, write)
    with FileLock(folder.parent / f".{folder.name}.lock"):  # a sweep's job: one writer at a time
        return _publish(folder, write)


def _publish(folder: Path, write: Callable[[Path], list[Path]]) -> list[Path]:
    for stale in folder.parent.glob(f".{folder.name}.partial-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in folder.parent.glob(f".{folder.name}.old-*"):
        shutil.rmtree(stale, ignore_errors=True)
    partial = folder.parent / f".{folder.name}.partial-{os.getpid()}"
    partial.mkdir()
    try:
        written = write(partial)
        if folder.exists():
            for item in folder.iterdir():
                if not (partial / item.name).exists():
                    os.rename(item, partial / item.name)
            old = folder.parent / f".{folder.name}.old-{os.getpid()}"
            os.rename(folder, old)
            os.rename(partial, folder)
            shutil.rmtree(old)
        else:
            os.rename(partial, folder)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return [folder / p.relative_to(partial) for p in written]


def atomic_write(path: Path, write) -> Path:
    """Write through a temporary name in the same folder, then rename over the target."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


@functools.cache  # read once a process: a sweep writes many job records
def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "machine": platform.machine()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out

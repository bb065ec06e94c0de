"""Hydra callback: at the end of a multirun, compare its jobs in the sweep folder.

Hydra turns an exception raised in a callback into a warning and exits 0; a failed comparison
must not pass for a success, so this callback prints the error and exits with code 1 itself.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim.analysis.compare import choose_baseline, compare
from sim.output.report import write_comparison
from sim.output.store import find_jobs

EXIT_FAILED = 1

_RUNNING: list[Path] = []  # the folder of the multirun under way in this process, if any


def running_sweep() -> Path | None:
    """The folder of the multirun under way in this process (for cleaning up after Ctrl-C)."""
    return _RUNNING[0] if _RUNNING else None


class CompareSweep(Callback):
    def __init__(self, baseline: str | None = None):
        self.baseline = baseline

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        _RUNNING[:] = [Path(config.hydra.sweep.dir)]

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        folder = Path(config.hydra.sweep.dir)
        try:
            jobs = find_jobs([folder])
            written = write_comparison(compare(jobs, choose_baseline(jobs, self.baseline)), folder)
        except Exception as err:  # noqa: BLE001 - any failure must end the run visibly
            print(
                f"error: comparing the jobs in {folder} failed: {type(err).__name__}: {err}",
                file=sys.stderr,
            )
            sys.exit(EXIT_FAILED)
        print(f"compared {len(jobs)} jobs: {', '.join(p.name for p in written)} in {folder}")

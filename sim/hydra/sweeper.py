"""Hydra sweeper `batch`: Hydra's basic sweeper (the same grid, batches and `params`), checking
each batch with the job configs of sim.hydra.jobs, which the `batch` launcher then runs without
composing them again.

With a launcher that sends jobs elsewhere (Ray, Slurm), `points_per_job` points of one kind
become one job, which runs them together (sim.hydra.launcher.run_points) and writes each
point's folder as its own job would: a cluster sweep gets the batch's speed on every worker.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from sim.hydra.compat import BasicSweeper
from sim.hydra.jobs import POINTS_ENV, job_configs


class BatchSweeper(BasicSweeper):
    """Hydra's basic sweeper (the same grid, batches and `params`), checking each batch with
    the configs above, which the `batch` launcher then runs without composing them again.

    With a launcher that sends jobs elsewhere (Ray, Slurm), `points_per_job` points of one kind
    become one job, which runs them together (sim.hydra.launcher.run_points) and writes each point's
    folder as its own job would: a cluster sweep gets the batch's speed on every worker."""

    def __init__(
        self,
        max_batch_size: int | None,
        params: dict[str, str] | None = None,
        points_per_job: int | None = None,
    ) -> None:
        # Not BasicSweeper.__init__: Hydra's plugin scan executes its module again, and the
        # `super(BasicSweeper, self)` there then names a class this one does not derive from.
        self.overrides, self.batch_index = None, 0
        self.max_batch_size, self.params = max_batch_size, params or {}
        self.hydra_context = self.config = self.launcher = None
        self.points_per_job, self.points_seen = points_per_job, 0

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        configs = job_configs(self.hydra_context.config_loader, self.config)
        for overrides in batch:
            if not any(
                o.startswith(f"++hydra.job.env_set.{POINTS_ENV}=") for o in overrides
            ):  # its points: checked
                configs.check(overrides)

    def get_job_batch(self) -> Sequence[Sequence[str]]:
        batch = [list(o) for o in BasicSweeper.get_job_batch(self)]
        first, self.points_seen = self.points_seen, self.points_seen + len(batch)
        size = self._points_per_job()
        if size <= 1:
            return batch
        self.validate_batch_is_legal(batch)
        configs = job_configs(self.hydra_context.config_loader, self.config)
        groups: list[list[tuple[int, list[str]]]] = []
        kinds: list[tuple] = []  # each group's kind
        for num, overrides in enumerate(batch, start=first):
            kind = configs.kind(overrides)[2]
            if groups and len(groups[-1]) < size and kinds[-1] == kind:
                groups[-1].append((num, overrides))
            else:
                groups.append([(num, overrides)])
                kinds.append(kind)
        folder = Path(str(self.config.hydra.sweep.dir)) / ".points"
        folder.mkdir(parents=True, exist_ok=True)
        jobs = []
        for group in groups:
            path = folder / f"{group[0][0]}.json"
            path.write_text(json.dumps(group))
            jobs.append(
                [
                    *group[0][1],
                    f"hydra.sweep.subdir={group[0][0]}",
                    f"++hydra.job.env_set.{POINTS_ENV}='{path}'",
                ]
            )
        return jobs

    def _points_per_job(self) -> int:
        """`points_per_job`, or by default 8 with a launcher that sends jobs elsewhere (Ray,
        submitit) and 1 with the others (batch runs the whole batch itself; local and basic
        run one job per process here)."""
        if self.points_per_job is not None:
            return int(self.points_per_job)
        target = str(self.config.hydra.launcher.get("_target_", ""))
        return 8 if any(name in target for name in ("RayLauncher", "submitit")) else 1

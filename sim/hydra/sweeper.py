"""Hydra sweeper `batch`: the grid of Hydra's basic sweeper (every combination of the sweeps'
values, the same order, batches of `max_batch_size`, the config's `params`), checking each batch
with the job configs of sim.hydra.jobs, which the `batch` launcher then runs without composing
them again. Built on Hydra's public Sweeper interface and override parser.

With a launcher that sends jobs elsewhere (Ray, Slurm), `points_per_job` points of one kind
become one job, which runs them together (sim.hydra.launcher.run_points) and writes each
point's folder as its own job would: a cluster sweep gets the batch's speed on every worker.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
from omegaconf import OmegaConf

from sim.config.errors import ConfigError
from sim.hydra.jobs import POINTS_ENV, job_configs


def grid(overrides: Sequence[Override]) -> list[list[str]]:
    """Every job's overrides: one axis per key (a later override of a key replaces the earlier
    one in its place), the last axis varying fastest, as Hydra's basic sweeper orders them."""
    axes: dict[str, list[str]] = {}
    for o in overrides:
        key = o.get_key_element()
        if not o.is_sweep_override():
            axes[key] = [f"{key}={o.get_value_element_as_str()}"]
        elif o.is_discrete_sweep():
            axes[key] = [f"{key}={value}" for value in o.sweep_string_iterator()]
        else:
            raise ConfigError(
                key, f"expected a list, range or glob to sweep, got an {o.value_type.name} sweep"
            )
    return [list(job) for job in itertools.product(*axes.values())]


class BatchSweeper(Sweeper):
    def __init__(
        self,
        max_batch_size: int | None = None,
        params: dict[str, str] | None = None,
        points_per_job: int | None = None,
    ) -> None:
        self.max_batch_size, self.params = max_batch_size, params or {}
        self.points_per_job, self.points_seen = points_per_job, 0
        self.hydra_context = self.config = self.launcher = None

    def setup(self, *, hydra_context, task_function, config) -> None:
        self.hydra_context, self.config = hydra_context, config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def sweep(self, arguments: list[str]) -> list:
        """Launch the grid batch by batch; a failed job fails the sweep (its error raised)."""
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        swept = [f"{key}={value}" for key, value in self.params.items()] + list(arguments)
        points = grid(parser.parse_overrides(swept))
        folder = Path(str(self.config.hydra.sweep.dir))
        folder.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(
            self.config, folder / "multirun.yaml"
        )  # the sweep's config, as Hydra keeps it
        size = self.max_batch_size or len(points) or 1
        returns, first = [], 0
        for start in range(0, len(points), size):
            batch = self.job_batch(points[start : start + size])
            self.validate_batch_is_legal(batch)
            results = self.launcher.launch(batch, initial_job_idx=first)
            for result in results:
                _ = result.return_value  # raises the job's error
            first += len(batch)
            returns.append(results)
        return returns

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        configs = job_configs(self.hydra_context.config_loader, self.config)
        for overrides in batch:
            if not any(
                o.startswith(f"++hydra.job.env_set.{POINTS_ENV}=") for o in overrides
            ):  # its points: checked
                configs.check(overrides)

    def job_batch(self, batch: list[list[str]]) -> list[list[str]]:
        """The batch's jobs: its points, or groups of `points_per_job` points of one kind."""
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

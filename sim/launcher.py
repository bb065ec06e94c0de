"""Hydra launcher `batch`: a sweep at kernel speed, in this process.

Hydra's launchers run one job per point: compose its config, make its folder, run the task. Most
of a sweep's time went there, not into the kernel. This launcher composes every point first
(once per kind of job, sim.compose), runs the points that share a world's shape as design
points of one stack (sim.runner.execute_many:
many points per kernel call, each with its own streams and explanation sums), then hands each
point to Hydra's `run_job` as usual: the same job folders, `.hydra` records, logs, resume by
config hash, job records and comparison as any launcher, with the point's result already
computed (`ready`). Points that change the shape (another roster, another strategy) run in
their own batches; a point with bad input, or already finished, is left to its job, which
reports or skips it as always.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import JobReturn, configure_log, filter_overrides, run_job, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

from sim.api import config_from_dict, plain_config
from sim.compose import derive_plain, job_configs
from sim.config.errors import ConfigError
from sim.output.store import finished
from sim.progress import Watch, stoppable
from sim.runner import RunResult, execute_many, write_outputs

log = logging.getLogger(__name__)
_READY: dict[str, RunResult] = {}  # job folder -> its result, computed with the other points


def ready(out_dir: Path) -> RunResult | None:
    """The result the batch computed for the job in `out_dir`, once (None: compute it)."""
    return _READY.pop(os.path.abspath(out_dir), None)


class BatchLauncher(Launcher):
    def __init__(self) -> None:
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.task_function: TaskFunction | None = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.config, self.hydra_context, self.task_function = config, hydra_context, task_function

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        Path(str(self.config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        configs = job_configs(self.hydra_context.config_loader, self.config)  # once per kind of job (sim.compose)
        jobs = [(idx, list(overrides)) for idx, overrides in enumerate(job_overrides, start=initial_job_idx)]
        log.info(f"Batching {len(jobs)} jobs, sweep output dir : {self.config.hydra.sweep.dir}")
        with stoppable(), Watch(bool(self.config.get("progress", True))) as watch:
            self._compute(jobs, configs, watch)  # Ctrl-C: Interrupted, which the command turns into one line
        runs = []
        for idx, overrides in jobs:
            log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
            ret = run_job(
                hydra_context=self.hydra_context, task_function=self.task_function, config=configs.job(overrides, idx),
                job_dir_key="hydra.sweep.dir", job_subdir_key="hydra.sweep.subdir",
            )  # fmt: skip
            runs.append(ret)
            _ = ret.return_value  # a failed job fails the sweep, as with Hydra's own launchers
        return runs

    def _compute(self, jobs: list, configs, watch) -> None:
        """Run every point still to do in as few kernel calls as their shapes allow."""
        pending = []
        for idx, overrides in jobs:
            cfg = configs.job(overrides, idx)
            try:
                config = config_from_dict(plain_config(cfg), overrides, cfg.hydra.runtime)
            except ConfigError:
                continue  # its job prints the one line and exits 2, as with any launcher
            out = _job_dir(cfg)
            if not (config.resume and finished(Path(out), config)):
                pending.append((out, config))
        for (out, _), result in zip(pending, execute_many([c for _, c in pending], watch)):
            _READY[out] = result


def run_points(cfg: DictConfig, listing: Path) -> None:
    """The task of a job that carries several points of a sweep (sim.compose.BatchSweeper's
    `points_per_job`, for cluster launchers): `cfg` is its first point's config, `listing` names
    every point's number and overrides. They run together (execute_many) and each point's
    results go into its own folder of the sweep, skipped if finished, as its own job would."""
    hc = HydraConfig.get()
    points = json.loads(listing.read_text())
    first = (points[0][1], cfg, plain_config(cfg))
    todo = []
    for num, overrides in points:
        data = derive_plain(first, overrides, hc.runtime.choices) if num != points[0][0] else first[2]
        if data is None:  # the sweeper groups points of one kind only
            raise ConfigError("hydra.sweeper.points_per_job", f"point {num} ({' '.join(overrides)}) cannot share a job with point {points[0][0]}")
        out = Path(str(hc.sweep.dir)) / str(num)
        config = config_from_dict(data, overrides, hc.runtime)
        if config.resume and finished(out, config):
            print(f"job {num} skipped: {out} holds the results of this config (resume=false reruns it)")
        else:
            todo.append((num, overrides, out, config))
    with Watch(bool(cfg.get("progress", True))) as watch:
        results = execute_many([config for *_, config in todo], watch)
    for (num, overrides, out, config), result in zip(todo, results):
        write_outputs(result, out, overrides, plots=config.plots and config.sweep_plots, sweep=True)
        print(f"job {num} {config.scenario.name} [{' '.join(overrides)}]: {config.replicates} replicates; results in {out}")


def _job_dir(cfg: DictConfig) -> str:
    """The folder Hydra's run_job gives the job (hydra.sweep.dir / hydra.sweep.subdir)."""
    return os.path.abspath(os.path.join(str(OmegaConf.select(cfg, "hydra.sweep.dir")), str(OmegaConf.select(cfg, "hydra.sweep.subdir"))))

"""Hydra launcher `batch`: a sweep at kernel speed, in this process.

Hydra's launchers run one job per point: compose its config, make its folder, run the task. Most
of a sweep's time went there, not into the kernel. This launcher composes every point first
(once per kind of job, sim.hydra.jobs), runs the points that share a world's shape as design
points of one stack (sim.runs.runner.execute_stream: many points per kernel call, each with its own
streams and explanation sums, one call running in a second thread while this one writes the
jobs of the last), and finishes each point as Hydra's `run_job` finishes a job:
its folder, its `.hydra` records, its log, the callbacks, its results and job record, so resume
by config hash and the comparison work as with any launcher. `run_job` itself costs 0.1 s a
job (two copies of the config, three YAML dumps in pure Python); here the records are dumped
by libyaml from plain data, the same YAML (tested). Points that change the shape (another
roster, another strategy) run in their own batches; a point with bad input, or already
finished, is left to Hydra's `run_job` and the task, which report or skip it as always.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import time
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

import yaml
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import (
    JobReturn,
    JobRuntime,
    JobStatus,
    configure_log,
    env_override,
    filter_overrides,
    run_job,
    setup_globals,
)
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from sim.config.errors import ConfigError
from sim.config.schema import RunConfig
from sim.hydra.configs import config_from_dict, plain_config
from sim.hydra.jobs import derive_plain, free_of_interpolations, job_configs
from sim.output.store import finished
from sim.runs.progress import Watch, check, stoppable
from sim.runs.runner import RunResult, execute_many, execute_stream
from sim.runs.write import finished_already, run_line, say, write_outputs

log = logging.getLogger(__name__)


class BatchLauncher(Launcher):
    def __init__(self) -> None:
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.task_function: TaskFunction | None = None
        self.dumps = SharedDumps()  # the jobs' config records, their shared parts dumped once

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.config, self.hydra_context, self.task_function = config, hydra_context, task_function

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        gc.freeze()  # what lives now (modules, Hydra's configs) lives on: the sweep's full collections
        # skip it (six of 80-110 ms each, now 15-22 ms); its few cycles of garbage stay till the process ends
        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        Path(str(self.config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        configs = job_configs(
            self.hydra_context.config_loader, self.config
        )  # once per kind of job (sim.hydra.jobs)
        jobs = [
            (idx, list(overrides))
            for idx, overrides in enumerate(job_overrides, start=initial_job_idx)
        ]
        log.info(f"Batching {len(jobs)} jobs, sweep output dir : {self.config.hydra.sweep.dir}")
        started, runs = time.perf_counter(), []
        with (
            stoppable(),
            Watch(bool(self.config.get("progress", True))) as watch,
        ):  # Ctrl-C: Interrupted, one line
            pending = self._pending(jobs, configs)
            order = {out: k for k, out in enumerate(pending)}
            ready: dict[int, RunResult] = {}
            with closing(
                execute_stream([config for _, config in pending.values()], watch)
            ) as results:
                for idx, overrides in jobs:
                    check()  # Ctrl-C between two jobs' folders: stop there (each folder appears whole or not at all)
                    log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
                    cfg = configs.job(overrides, idx)
                    out = _job_dir(cfg)
                    if (
                        out in pending
                    ):  # its result, once its kernel call is done (the next one runs meanwhile)
                        while order[out] not in ready:
                            k, result = next(results)
                            ready[k] = result
                        seconds = (time.perf_counter() - started) / (
                            len(order) - len(pending) + 1
                        )  # each job's share so far
                        ret = self._finish(
                            cfg, out, idx, pending.pop(out)[0], ready.pop(order[out]), seconds
                        )
                    else:  # bad input, or finished already: its task reports or skips it
                        ret = run_job(
                            hydra_context=self.hydra_context,
                            task_function=self.task_function,
                            config=cfg,
                            job_dir_key="hydra.sweep.dir",
                            job_subdir_key="hydra.sweep.subdir",
                        )
                    runs.append(ret)
                    _ = (
                        ret.return_value
                    )  # a failed job fails the sweep, as with Hydra's own launchers
        return runs

    def _pending(self, jobs: list, configs) -> dict[str, tuple[dict, RunConfig]]:
        """Every point still to do, by job folder: its config as plain data (what its
        `.hydra/config.yaml` records) and as the run's config."""
        pending, firsts = (
            {},
            {},
        )  # firsts: each kind's first job (overrides, plain data, config), free of interpolations
        for idx, overrides in jobs:
            cfg = configs.job(overrides, idx)
            kind = configs.kind(overrides)[2]
            try:
                data = (
                    derive_plain(
                        (firsts[kind][0], None, firsts[kind][1]),
                        overrides,
                        cfg.hydra.runtime.choices,
                    )
                    if kind in firsts
                    else None
                )
                record, like = data, (firsts[kind][1:] if data is not None else None)
                if (
                    data is None
                ):  # the first of its kind, or not derived: read from the composed config
                    data = record = plain_config(cfg)
                    if not free_of_interpolations(
                        cfg
                    ):  # the record keeps the interpolations, as Hydra writes it
                        record = OmegaConf.to_container(cfg, resolve=False, enum_to_str=True)
                        record.pop("hydra")
                config = config_from_dict(data, overrides, cfg.hydra.runtime, like)
                if kind not in firsts and record is data:
                    firsts[kind] = (overrides, data, config)
            except ConfigError:
                continue  # its job prints the one line and exits 2, as with any launcher
            out = _job_dir(cfg)
            if not (config.resume and finished(Path(out), config)):  # else its task says so
                pending[out] = (record, config)
        return pending

    def _finish(
        self, cfg: DictConfig, out: str, idx: int, data: dict, result: RunResult, seconds: float
    ) -> JobReturn:
        """What `run_job` and the task do for a job (its folder `out`), for a point computed with the others."""
        with read_write(cfg.hydra.runtime), open_dict(cfg.hydra.runtime):
            cfg.hydra.runtime.output_dir = out
        job_configs(self.hydra_context.config_loader, self.config).set_hydra_config(
            cfg
        )  # as run_job sets it
        overrides = list(cfg.hydra.overrides.task)
        if cfg.hydra.output_subdir is not None:
            records = Path(out) / str(cfg.hydra.output_subdir)
            records.mkdir(parents=True, exist_ok=True)
            (records / "config.yaml").write_text(self.dumps(data))
            _save(
                {"hydra": OmegaConf.to_container(cfg.hydra, resolve=False, enum_to_str=True)},
                records / "hydra.yaml",
            )
            _save(overrides, records / "overrides.yaml")
        configure_log(cfg.hydra.job_logging, cfg.hydra.verbose)
        callbacks = self.hydra_context.callbacks
        ret = JobReturn(
            overrides=overrides,
            cfg=cfg,
            hydra_cfg=HydraConfig.instance().cfg,
            working_dir=os.getcwd(),
        )
        with env_override(cfg.hydra.job.env_set):
            callbacks.on_job_start(config=cfg, task_function=self.task_function)
            try:
                config = result.config
                write_outputs(
                    result,
                    Path(out),
                    overrides,
                    plots=config.plots and config.sweep_plots,
                    sweep=True,
                )
                line = run_line(config, overrides, Path(out), seconds, f"job {idx} ")
                say(line)
                ret.return_value, ret.status = None, JobStatus.COMPLETED
            except Exception as err:  # noqa: BLE001 - as run_job: the sweep raises it when it reads return_value
                ret.return_value, ret.status = err, JobStatus.FAILED
        ret.task_name = JobRuntime.instance().get("name")
        callbacks.on_job_end(config=cfg, job_return=ret)
        return ret


def _save(data, path: Path) -> None:
    """A `.hydra` record as run_job writes it (OmegaConf.to_yaml: the same YAML), by libyaml."""
    path.write_text(_yaml(data))


def _yaml(data) -> str:
    dumper = getattr(
        yaml, "CSafeDumper", yaml.SafeDumper
    )  # libyaml, where PyYAML was built with it
    return yaml.dump(
        data, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    )


class SharedDumps:
    """The YAML of a sweep's config records (`_yaml`), a top-level key at a time, keeping the
    text of each mapping or list value: a job's data shares every value it does not change with
    its kind's first job's (sim.hydra.jobs.derive_plain copies along the changed keys only), so
    the roster and the record, most of the text, are dumped once a sweep. A block mapping's
    keys are dumped alike alone or together (the records have no aliases): the same text."""

    def __init__(self) -> None:
        self.kept: dict[int, tuple[object, str, str]] = {}  # id(value): (value, its key, the text)

    def __call__(self, data) -> str:
        if not isinstance(data, dict) or not data:
            return _yaml(data)
        parts = []
        for key, value in data.items():
            hit = self.kept.get(id(value))
            if hit is None or hit[0] is not value or hit[1] != key:
                hit = (value, key, _yaml({key: value}))
                if isinstance(value, (dict, list)):
                    self.kept[id(value)] = hit
            parts.append(hit[2])
        return "".join(parts)


def run_points(cfg: DictConfig, listing: Path) -> None:
    """The task of a job that carries several points of a sweep (sim.hydra.jobs.BatchSweeper's
    `points_per_job`, for cluster launchers): `cfg` is its first point's config, `listing` names
    every point's number and overrides. They run together (execute_many) and each point's
    results go into its own folder of the sweep, skipped if finished, as its own job would."""
    hc = HydraConfig.get()
    points = json.loads(listing.read_text())
    first = (points[0][1], cfg, plain_config(cfg))
    todo = []
    for num, overrides in points:
        data = (
            derive_plain(first, overrides, hc.runtime.choices) if num != points[0][0] else first[2]
        )
        if data is None:  # the sweeper groups points of one kind only
            raise ConfigError(
                "hydra.sweeper.points_per_job",
                f"point {num} ({' '.join(overrides)}) cannot share a job with point {points[0][0]}",
            )
        out = Path(str(hc.sweep.dir)) / str(num)
        config = config_from_dict(data, overrides, hc.runtime)
        if not finished_already(config, out, f"job {num} "):
            todo.append((num, overrides, out, config))
    started = time.perf_counter()
    with Watch(bool(cfg.get("progress", True))) as watch:
        results = execute_many([config for *_, config in todo], watch)
    seconds = (time.perf_counter() - started) / max(len(todo), 1)  # each point's share
    for (num, overrides, out, config), result in zip(todo, results):
        write_outputs(result, out, overrides, plots=config.plots and config.sweep_plots, sweep=True)
        print(run_line(config, overrides, out, seconds, f"job {num} "))


def _job_dir(cfg: DictConfig) -> str:
    """The folder Hydra's run_job gives the job (hydra.sweep.dir / hydra.sweep.subdir)."""
    return os.path.abspath(
        os.path.join(
            str(OmegaConf.select(cfg, "hydra.sweep.dir")),
            str(OmegaConf.select(cfg, "hydra.sweep.subdir")),
        )
    )

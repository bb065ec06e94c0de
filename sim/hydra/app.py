"""The Hydra apps: `python -m sim` (and the `accord-sim` command), and the app of each command
that works in a Hydra run folder (`app`, `study_command`).

compose (Hydra) -> validate (sim.config.load) -> run (sim.runs.runner) -> write tables and plots
into the Hydra output folder (sim.runs.write) -> print the summary. Bad input prints one line and
exits with code 2, leaving no output folder behind; so does Ctrl-C (or SIGTERM), with code 130
(143).
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import hydra
import numba
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.config.schema import RunConfig
from sim.config.sources import CONF
from sim.hydra.jobs import POINTS_ENV
from sim.hydra.launcher import run_points
from sim.hydra.preflight import (
    bad_input_exits,
    config_or_exit,
    discard_unfinished_jobs,
    interrupted_exits,
    run_checked,
)
from sim.runs.progress import Watch, stoppable, stopped_quietly
from sim.runs.runner import execute
from sim.runs.write import (
    finished_already,
    format_spread,
    format_summary,
    run_line,
    say,
    write_outputs,
)


def app(config_name: str = "config") -> Callable:
    """`hydra.main` over the project's conf/ (an absolute path: the same from any folder)."""
    return hydra.main(config_path=str(CONF), config_name=config_name, version_base="1.3")


def job_context():
    """The running Hydra job's (folder, overrides, runtime node)."""
    hc = HydraConfig.get()
    return Path(hc.runtime.output_dir), list(hc.overrides.task), hc.runtime


def job_config_name() -> str:
    """The primary config the running Hydra job composed (calibrate, calibrate_artemis, ...)."""
    return HydraConfig.get().job.config_name


logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO


@app()
def main(cfg: DictConfig) -> None:
    with stoppable():  # from here Ctrl-C asks the work to stop at its next step
        _run(cfg)


def _run(cfg: DictConfig) -> None:
    if os.environ.get(POINTS_ENV):  # a cluster job carrying several points of a sweep
        with bad_input_exits(Path(HydraConfig.get().runtime.output_dir), cfg.get("debug") is True):
            return run_points(cfg, Path(os.environ[POINTS_ENV]))
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    config = config_or_exit(cfg)
    overrides = list(hc.overrides.task)
    job = f"job {hc.job.num} " if hc.mode.name == "MULTIRUN" else ""
    if finished_already(config, out_dir, job):
        return
    in_process = (
        "BasicLauncher",
        "BatchLauncher",
    )  # the others run one job per core: one thread each
    if hc.mode.name == "MULTIRUN" and not any(
        name in str(hc.launcher.get("_target_")) for name in in_process
    ):
        numba.set_num_threads(1)
    started = time.perf_counter()
    with (
        interrupted_exits(out_dir),
        Watch(config.progress) as watch,
        bad_input_exits(out_dir, config.debug),
    ):
        result = execute(
            config, watch
        )  # stopped here, nothing is written: no folder that looks like a result
    write_outputs(
        result,
        out_dir,
        overrides,
        plots=config.plots and (not job or config.sweep_plots),
        sweep=bool(job),
    )
    line = run_line(config, overrides, out_dir, time.perf_counter() - started, job)
    say(line)
    if not job:
        print(format_summary(result.summary))
        if result.tables.spread is not None:
            print(format_spread(result.tables.spread, config.scenario.end))


def console() -> None:
    """The `accord-sim` command (and `python -m sim`)."""
    try:
        with (
            stopped_quietly(discard_unfinished_jobs),
            stoppable(),
        ):  # Ctrl-C between a sweep's jobs too: a flag
            run_checked(main)
    finally:  # everything is written: spare the exit its final sweep over every object (0.3-0.5 s)
        gc.freeze()


def study_command(check: Callable[[RunConfig], None], work: Callable, report: Callable) -> None:
    """A Hydra command over the run config that studies it (sim.commands.sensitivity, sim.commands.discover):
    `check(config)` first (one-line errors), `work(config, watch)` with progress and Ctrl-C
    answered, then `report(result, config, folder)` into the run folder."""
    for name in ("MESA", "EMA"):  # both log every step at INFO
        logging.getLogger(name).setLevel(logging.WARNING)

    @app()
    def _run(cfg) -> None:
        with stoppable():
            config = config_or_exit(cfg, check)
            out = Path(HydraConfig.get().runtime.output_dir)
            with (
                interrupted_exits(out),
                Watch(config.progress) as watch,
                bad_input_exits(out, config.debug),
            ):
                result = work(config, watch)
        report(result, config, out)
        print(f"results in {out}")

    with stopped_quietly():
        run_checked(_run)
    sys.exit(0)

"""Command line: `python -m sim [overrides]`, a Hydra app.

compose (Hydra) -> validate (sim.config.schema) -> run (sim.runner) -> write tables and plots into the
Hydra output folder -> print the summary. Bad input prints one line and exits with code 2,
leaving no output folder behind; so does Ctrl-C (or SIGTERM), with code 130 (143).
"""

from __future__ import annotations

import gc
import logging
import os
import time
from pathlib import Path

import hydra
import numba
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.cli import (
    bad_input_exits,
    config_or_exit,
    discard_unfinished_jobs,
    interrupted_exits,
    run_checked,
)
from sim.compose import POINTS_ENV
from sim.config.sources import CONF
from sim.launcher import run_points
from sim.output import store
from sim.progress import Watch, stoppable, stopped_quietly
from sim.runner import execute, format_spread, format_summary, run_line, write_outputs

logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
log = logging.getLogger("sim")


@hydra.main(
    config_path=str(CONF), config_name="config", version_base="1.3"
)  # absolute: also as the accord-sim command
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
    if config.resume and store.finished(out_dir, config):
        print(f"{job}skipped: {out_dir} holds the results of this config (resume=false reruns it)")
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
    print(line)
    log.info(line)  # the job's log (accord_sim.log) records what ran
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


if __name__ == "__main__":
    console()

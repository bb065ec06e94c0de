"""What every command line entry point does with bad input: one line, exit code 2, no folder."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.api import config_from_dict, plain_config
from sim.config import RunConfig
from sim.validate import ConfigError

EXIT_BAD_INPUT = 2


def config_or_exit(cfg: DictConfig, check: Callable[[RunConfig], None] | None = None) -> RunConfig:
    """The validated config of this Hydra job (and `check` passed), or print the problem as one
    line, remove the folder Hydra made for the job, and exit with code 2 (`debug=true`: raise)."""
    hc = HydraConfig.get()
    try:
        config = config_from_dict(plain_config(cfg), list(hc.overrides.task), hc.runtime)
        if check is not None:
            check(config)
        return config
    except ConfigError as err:
        discard(Path(hc.runtime.output_dir), hc.mode.name == "RUN")
        if cfg.get("debug") is True:
            raise
        print(f"error: {err}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def discard(out_dir: Path, single_run: bool) -> None:
    """Remove the folder Hydra made for a run that never started (only Hydra's own files)."""
    if out_dir.is_dir() and {p.name for p in out_dir.iterdir()} <= {".hydra", "__main__.log", "sensitivity.log"}:
        shutil.rmtree(out_dir)
        if single_run:  # outputs/DATE/TIME: drop the empty date folder too
            parent = out_dir.parent
            if parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()

"""The one place the simulator reaches into Hydra's internals, and the versions it was tested with.

A sweep's job config derived from its kind's first (sim.hydra.jobs) needs the `override_dirname`
Hydra would give it, and Hydra's function for it is not public in hydra-core 1.3. Everything
else goes through Hydra's public interfaces. On another Hydra the batch sweeper
and launcher refuse in one line (`require`, called by the preflight before a sweep starts), and
the basic ones still work: `hydra/sweeper=basic hydra/launcher=basic`.
"""

from __future__ import annotations

import hydra

from sim.config.errors import ConfigError

TESTED = ("1.3.8",)  # hydra-core versions whose internals below were tested (tests/test_sweeps.py)
BASIC_LAUNCHER = "hydra._internal.core_plugins.basic_launcher.BasicLauncher"  # config targets
BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"

try:
    from hydra._internal.config_loader_impl import get_overrides_dirname
except ImportError:  # another Hydra: `require` says so before a sweep needs it
    get_overrides_dirname = None


def require(key: str) -> None:
    """ConfigError naming the setting `key` unless this Hydra is one the internals were tested with."""
    version = hydra.__version__
    if version not in TESTED:
        raise ConfigError(
            key,
            f"the batch sweeper and launcher are tested with hydra-core {', '.join(TESTED)}, found "
            f"{version}: install one of those, or use hydra/sweeper=basic hydra/launcher=basic",
        )

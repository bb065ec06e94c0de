"""The one place the simulator reaches into Hydra's internals, and the versions it was tested with.

The batch sweeper builds on Hydra's basic sweeper (its grid, batches and `params`), and a derived
job config needs the `override_dirname` Hydra would give it; neither is public in hydra-core
1.3. Anything else goes through Hydra's public interfaces. On another Hydra the batch sweeper
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
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
except ImportError:  # another Hydra: `require` says so before a sweep needs them
    get_overrides_dirname = BasicSweeper = None


def require(key: str) -> None:
    """ConfigError naming the setting `key` unless this Hydra is one the internals were tested with."""
    version = hydra.__version__
    if version not in TESTED:
        raise ConfigError(
            key,
            f"the batch sweeper and launcher are tested with hydra-core {', '.join(TESTED)}, found "
            f"{version}: install one of those, or use hydra/sweeper=basic hydra/launcher=basic",
        )

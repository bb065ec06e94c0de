"""Hydra finds launchers only in the `hydra_plugins` namespace package: this is the seam for
sim.launcher.BatchLauncher, the `batch` launcher (conf/hydra/launcher/batch.yaml)."""

from sim.launcher import BatchLauncher as _BatchLauncher


class BatchLauncher(_BatchLauncher):
    """A sweep at kernel speed; the work is in sim.launcher."""

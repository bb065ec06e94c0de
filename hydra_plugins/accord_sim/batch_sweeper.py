"""Hydra finds sweepers only in the `hydra_plugins` namespace package: this is the seam for
sim.compose.BatchSweeper, the `batch` sweeper (conf/hydra/sweeper/batch.yaml)."""

from sim.compose import BatchSweeper as _BatchSweeper


class BatchSweeper(_BatchSweeper):
    """Hydra's basic sweeper with job configs composed once per kind; the work is in sim.compose."""

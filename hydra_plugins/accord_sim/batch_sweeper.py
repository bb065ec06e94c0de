"""Hydra finds sweepers only in the `hydra_plugins` namespace package: this is the seam for the
simulator's `batch` sweeper (sim.hydra.sweeper; conf/hydra/sweeper/batch.yaml).

Hydra imports every module here whenever it looks for plugins, in any Hydra app installed beside
this one: so this module imports nothing of the simulator (which loads numba and sets its cache
folder) until a sweep actually uses the sweeper."""

from hydra.plugins.sweeper import Sweeper


class BatchSweeper(Sweeper):
    """Hydra's basic sweeper with job configs composed once per kind; the work is in sim.hydra.sweeper."""

    def __init__(self, **settings) -> None:
        self.settings, self.sweeper = settings, None

    def setup(self, *, hydra_context, task_function, config) -> None:
        from sim.hydra.sweeper import (
            BatchSweeper as Work,  # here, not at the top: see the docstring
        )

        self.sweeper = Work(**self.settings)
        self.sweeper.setup(hydra_context=hydra_context, task_function=task_function, config=config)

    def sweep(self, arguments):
        return self.sweeper.sweep(arguments)

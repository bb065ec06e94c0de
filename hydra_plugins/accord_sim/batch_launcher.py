"""Hydra finds launchers only in the `hydra_plugins` namespace package: this is the seam for the
simulator's `batch` launcher (sim.hydra.launcher; conf/hydra/launcher/batch.yaml).

Hydra imports every module here whenever it looks for plugins, in any Hydra app installed beside
this one: so this module imports nothing of the simulator (which loads numba and sets its cache
folder) until a sweep actually uses the launcher."""

from hydra.plugins.launcher import Launcher


class BatchLauncher(Launcher):
    """A sweep at kernel speed; the work is in sim.hydra.launcher."""

    def __init__(self) -> None:
        self.launcher = None

    def setup(self, *, hydra_context, task_function, config) -> None:
        from sim.hydra.launcher import (
            BatchLauncher as Work,  # here, not at the top: see the docstring
        )

        self.launcher = Work()
        self.launcher.setup(hydra_context=hydra_context, task_function=task_function, config=config)

    def launch(self, job_overrides, initial_job_idx):
        return self.launcher.launch(job_overrides, initial_job_idx)

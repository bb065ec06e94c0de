"""What Python users meet: `run` a scenario, an `Evaluator` for tools that drive the model, the
Mesa `AccordModel`, an EMA Workbench model (ema) and the interactive page (page).

    from sim.api import AccordModel, Evaluator, compose_config, run
"""

from sim.api.evaluate import Evaluator
from sim.api.model import AccordModel
from sim.api.scenario import run, warm_up
from sim.hydra.configs import compose_config

__all__ = ["AccordModel", "Evaluator", "compose_config", "run", "warm_up"]

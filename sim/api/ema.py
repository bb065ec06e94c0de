"""The EMA Workbench in three lines: an EMA `Model` over the fast evaluator (sim.api.evaluate).

    from ema_workbench import perform_experiments
    from sim.api.ema import ema_model
    model = ema_model({"mediator.engagement": (0.25, 1.5), "params.weights.peer": (0.1, 1.2)},
                      ["saudi_arabia", "new_members"], ["replicates=500"])
    experiments, outcomes = perform_experiments(model, 200)

Uncertainties are dotted config keys with their ranges (EMA's names replace the dots with
`__`, as its parameters must be identifiers); outcomes are country ids (the probability of being
a member at the horizon) and `new_members` or `members_at_horizon`. Every experiment runs the
same replicate streams (common random numbers), so its outcomes differ by its inputs, not by
chance. Needs the optional extra: pip install -e '.[ema]'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sim.api.evaluate import Evaluator
from sim.config.errors import ConfigError

TOTALS = ("new_members", "members_at_horizon")


def ema_name(key: str) -> str:
    return key.replace(".", "__")


def ema_model(
    ranges: Mapping[str, tuple[float, float]],
    outcomes: Sequence[str],
    overrides: Sequence[str] = (),
    name: str = "accord",
):
    """An EMA Workbench `Model` whose uncertainties are `ranges` (dotted key -> (low, high)) and
    whose outcomes are `outcomes`, evaluated by sim.api.evaluate.Evaluator(overrides)."""
    try:
        from ema_workbench import Model, RealParameter, ScalarOutcome
    except ImportError:
        raise ConfigError("ema", "needs the EMA Workbench: pip install -e '.[ema]'") from None
    evaluator = Evaluator(overrides)
    for outcome in outcomes:
        if outcome not in evaluator.ids and outcome not in TOTALS:
            raise ConfigError(
                "outcomes",
                f"unknown outcome {outcome!r} (a country id, or one of {', '.join(TOTALS)})",
            )
    for key, (low, high) in ranges.items():
        evaluator.point_config({key: low})  # each end checked as the command line would check it
        evaluator.point_config({key: high})

    def function(**inputs):
        values = evaluator({key: inputs[ema_name(key)] for key in ranges})
        return {outcome: values[outcome] for outcome in outcomes}

    model = Model(name, function=function)
    model.uncertainties = [
        RealParameter(ema_name(key), low, high) for key, (low, high) in ranges.items()
    ]
    model.outcomes = [ScalarOutcome(outcome) for outcome in outcomes]
    return model

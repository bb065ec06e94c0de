"""Which assumptions matter: global sensitivity of the outcomes to the parameters, via SALib.

The command is `python -m sim.sensitivity [overrides]` (Hydra; the `sensitivity` config group).
The study (conf/sensitivity/*.yaml) names parameters, each a uniform range over one or more
config keys. SALib draws the samples (Saltelli's scheme for Sobol indices, trajectories for Morris
screening) and computes the indices and their bootstrap intervals; nothing here estimates an
index by hand. Each sample is a design point of the ensemble kernel (sim.engine.design), so thousands of
samples run in a few kernel calls, and every sample runs the same replicate streams (common random
numbers): the outputs are then smooth functions of the parameters, and replicate noise cannot
pass for sensitivity. The `dummy` parameter, which changes nothing, shows it: its indices come out
at exactly 0 when paired, and clearly above 0 with `paired=false`.

Outputs: each chosen country's probability of being a member at the horizon, and the expected
number of new members. Written: sensitivity.csv (tidy: output, parameter, index, value, ci_low,
ci_high), samples.parquet (every sample's parameters and outputs), sensitivity.png (total or mu*
indices, outputs x parameters), one bar chart per output, and with a `goal`, conditions.csv (what
the samples that reach it share).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.tables import NEW_MEMBERS
from sim.config.errors import ConfigError
from sim.config.load import with_values
from sim.config.schema import RunConfig
from sim.config.sensitivity import Sensitivity
from sim.config.uncertainty import uncertain_inputs
from sim.core.decision import Status
from sim.engine.design import stack_worlds
from sim.engine.kernel import run_ensemble
from sim.engine.world import World, compile_world
from sim.inference.start import start_from_record

DUMMY = "dummy"
ROWS_PER_CALL = 1 << 18  # replicate rows per kernel call: ~50 MB of streams and outcomes


@dataclass(frozen=True)
class Study:
    """A sensitivity study's samples, outputs and indices."""

    names: list[str]  # parameters, the dummy last if any
    outputs: list[str]  # output names: countries, then NEW_MEMBERS
    samples: np.ndarray  # (n, len(names))
    values: np.ndarray  # (n, len(outputs))
    indices: pd.DataFrame  # tidy: output, parameter, index, value, ci_low, ci_high
    seconds: float

    @property
    def sample_table(self) -> pd.DataFrame:
        table = pd.DataFrame(self.samples, columns=self.names)
        return pd.concat([table, pd.DataFrame(self.values, columns=self.outputs)], axis=1)


def problem(spec: Sensitivity) -> dict:
    """The SALib problem: names and bounds (the dummy on [0, 1])."""
    names = list(spec.parameters) + ([DUMMY] if spec.dummy else [])
    bounds = [[f.low, f.high] for f in spec.parameters.values()] + (
        [[0.0, 1.0]] if spec.dummy else []
    )
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def check(config: RunConfig) -> None:
    """Everything a study needs from the config, as one-line errors: the study exists, every key
    takes both ends of its range, no key changes the world's shape, the outputs exist."""
    spec = config.sensitivity
    if spec is None:
        raise ConfigError("sensitivity", "missing required value (choose one: sensitivity=default)")
    if uncertain_inputs(config):
        keys = ", ".join(uncertain_inputs(config))
        raise ConfigError(
            "sensitivity", f"fix the uncertain inputs or make them parameters first: {keys}"
        )
    if spec.method == "sobol" and spec.samples & (spec.samples - 1):
        raise ConfigError(
            "sensitivity.samples", f"expected a power of 2 for Sobol sampling, got {spec.samples}"
        )
    if not spec.parameters:
        raise ConfigError("sensitivity.parameters", "expected at least one parameter, got none")
    base = compile_world(config)
    for name, factor in spec.parameters.items():
        key = f"sensitivity.parameters.{name}"
        if name == DUMMY:
            raise ConfigError(key, f"the name {DUMMY!r} is reserved for the dummy parameter")
        if not factor.keys:
            raise ConfigError(f"{key}.keys", "expected at least one config key, got none")
        if factor.low > factor.high:
            raise ConfigError(
                f"{key}.high", f"expected high >= low {factor.low}, got {factor.high}"
            )
        for end in ("low", "high"):
            try:
                world = compile_world(_apply(config, factor.keys, getattr(factor, end)))
            except ConfigError as err:
                raise ConfigError(f"{key}.{end}", f"{err.key}: {err.problem}") from None
            try:
                stack_worlds([base, world])
            except ValueError as err:
                raise ConfigError(f"{key}.keys", str(err)) from None
    for i, cid in enumerate(spec.outputs):
        if cid not in config.roster.countries:
            raise ConfigError(f"sensitivity.outputs[{i}]", f"unknown country id {cid!r}")
    if spec.goal is not None and spec.goal.output not in config.roster.countries:
        raise ConfigError("sensitivity.goal.output", f"unknown country id {spec.goal.output!r}")


def run_study(config: RunConfig, watch=None) -> Study:
    """Sample, evaluate every sample with the ensemble kernel, and analyse with SALib. A study
    varies its factors around fixed values: with `params=posterior`, the posterior mode."""
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    config = dataclasses.replace(config, params=dataclasses.replace(config.params, draws=None))

    spec = config.sensitivity
    prob = problem(spec)
    started = time.perf_counter()
    if spec.method == "sobol":
        samples = sobol_sample.sample(prob, spec.samples, calc_second_order=False, seed=spec.seed)
    else:
        samples = morris_sample.sample(prob, spec.samples, num_levels=spec.levels, seed=spec.seed)
    world = compile_world(config)
    countries = _output_countries(config, world)
    values = evaluate(config, samples, countries, watch)
    outputs = [world.names[i] for i in countries] + [NEW_MEMBERS]
    rows = []
    for j, output in enumerate(outputs):
        y = values[:, j]
        if np.ptp(y) == 0:
            continue  # no variation: every index is undefined
        if spec.method == "sobol":
            res = sobol_analyze.analyze(
                prob, y, calc_second_order=False, num_resamples=spec.resamples, seed=spec.seed
            )
            estimates = {"S1": (res["S1"], res["S1_conf"]), "ST": (res["ST"], res["ST_conf"])}
        else:
            res = morris_analyze.analyze(
                prob,
                samples,
                y,
                num_levels=spec.levels,
                num_resamples=spec.resamples,
                seed=spec.seed,
            )
            zero = np.zeros(len(prob["names"]))
            estimates = {
                "mu_star": (res["mu_star"], res["mu_star_conf"]),
                "mu": (res["mu"], zero),
                "sigma": (res["sigma"], zero),
            }
        for index, (value, conf) in estimates.items():
            for name, v, c in zip(prob["names"], value, conf):
                rows.append((output, name, index, v, v - c, v + c))
    indices = pd.DataFrame(
        rows, columns=["output", "parameter", "index", "value", "ci_low", "ci_high"]
    )
    return Study(prob["names"], outputs, samples, values, indices, time.perf_counter() - started)


def evaluate(
    config: RunConfig, samples: np.ndarray, countries: list[int], watch=None
) -> np.ndarray:
    """(n, len(countries) + 1): for each sample, each country's probability of being a member
    at the horizon and the mean number of new members, over `replicates` replicates.
    `watch("samples", done, total)` is told as samples are compiled and run."""
    spec = config.sensitivity
    reps = spec.replicates
    per_call = max(ROWS_PER_CALL // reps, 1)
    out = np.empty((len(samples), len(countries) + 1))
    for first in range(0, len(samples), per_call):
        batch = samples[first : first + per_call]
        worlds = []
        for row in batch:
            drawn = config
            for (name, factor), value in zip(
                spec.parameters.items(), row
            ):  # the dummy, last, has none
                origin = f"sensitivity.parameters.{name} = {value:.6g}, from [{factor.low}, {factor.high}]"
                drawn = with_values(drawn, dict.fromkeys(factor.keys, value), origin)
            worlds.append(compile_world(drawn))
            if watch is not None:
                watch("samples", first + len(worlds) - 1, len(samples))
        stack = start_from_record(config, stack_worlds(worlds))  # at the base values' filter
        points = np.repeat(np.arange(len(batch)), reps)
        replicates = np.tile(np.arange(reps), len(batch))
        if not spec.paired:  # every sample its own streams
            replicates = np.arange(first * reps, (first + len(batch)) * reps)
        outcomes, _ = run_ensemble(stack, points, replicates, config.seed)
        member = outcomes.is_member(stack.n_months - 1).reshape(len(batch), reps, -1)
        at_start = ((stack.status0 == Status.MEMBER) & stack.counted).sum()
        out[first : first + len(batch), :-1] = member[:, :, countries].mean(axis=1)
        out[first : first + len(batch), -1] = (
            member[:, :, stack.counted].sum(axis=2).mean(axis=1) - at_start
        )
        if watch is not None:
            watch("samples", first + len(batch), len(samples))
    return out


def conditions(study: Study, spec: Sensitivity, world: World) -> pd.DataFrame:
    """For a goal (an output reaching a probability): how often the samples reach it, and each
    parameter's range among those that do against all samples (5%, 50%, 95% quantiles)."""
    goal = spec.goal
    name = world.names[world.ids.index(goal.output)]
    reached = study.values[:, study.outputs.index(name)] >= goal.at_least

    def q(x: np.ndarray, p: float) -> float:
        return np.quantile(x, p) if len(x) else np.nan

    rows = []
    for j, parameter in enumerate(study.names):
        every, some = study.samples[:, j], study.samples[reached, j]
        rows.append(
            {
                "parameter": parameter,
                "goal": f"{name} >= {goal.at_least}",
                "share_reaching": reached.mean(),
                "low": every.min(),
                "high": every.max(),
                "all_median": q(every, 0.5),
                "reaching_q05": q(some, 0.05),
                "reaching_median": q(some, 0.5),
                "reaching_q95": q(some, 0.95),
            }
        )
    return pd.DataFrame(rows).round(4)


def _apply(config: RunConfig, keys: list[str], value: float) -> RunConfig:
    return with_values(config, dict.fromkeys(keys, value))


def _output_countries(config: RunConfig, world: World) -> list[int]:
    chosen = config.sensitivity.outputs
    if chosen:
        return [world.ids.index(cid) for cid in chosen]
    return [i for i, s in enumerate(world.status0) if s != Status.MEMBER]


def summary_text(study: Study, spec: Sensitivity) -> str:
    """What the terminal shows: the leading parameters per output, and the dummy's indices."""
    main_index = "ST" if spec.method == "sobol" else "mu_star"
    table = study.indices[study.indices["index"] == main_index]
    lines = [
        (
            f"{spec.method} study {spec.name!r}: {len(study.samples)} samples x {spec.replicates} "
            f"replicates ({'paired' if spec.paired else 'unpaired'} streams), {study.seconds:.1f} s"
        )
    ]
    for output, part in table.groupby("output", sort=False):
        top = part.sort_values("value", ascending=False).head(3)
        named = ", ".join(f"{r.parameter} {r.value:.2f}" for r in top.itertuples())
        dummy = part.loc[part["parameter"] == DUMMY, "value"]
        noise = f"; dummy {dummy.iloc[0]:.3f}" if len(dummy) else ""
        lines.append(f"  {output}: {main_index} {named}{noise}")
    return "\n".join(lines)

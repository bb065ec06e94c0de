"""`python -m sim.calibrate [overrides]`: fit the parameters to the record (sim.inference.fit),
backtest them (sim.inference.backtest), and write the report and a `calibrated` params file into
the run folder. The defaults change only when asked:

    python -m sim.calibrate promote=RUN_DIR     installs RUN_DIR/calibrated.yaml as conf/params/calibrated.yaml,
                                                and its posterior draws as params=posterior
    python -m sim.calibrate promote=RUN_DIR as=artemis    the same for another world: params=artemis_calibrated,
                                                          params=artemis_posterior
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import yaml

from sim.config.errors import ConfigError
from sim.config.schema import Events, Params, RunConfig
from sim.config.sources import CONF
from sim.config.validate import build
from sim.hydra.app import app, job_context
from sim.hydra.configs import config_from_dict, plain_config
from sim.hydra.preflight import EXIT_BAD_INPUT, interrupted_exits, run_checked
from sim.inference.backtest import run_backtest, run_era_backtest
from sim.inference.check import predictive_check
from sim.inference.fit import FitConfig, Problem, fit, fittable, mode
from sim.inference.posterior import SamplerConfig, sample
from sim.inference.questions import Questions, score_questions
from sim.inference.start import truncate
from sim.output.calibration import (
    backtest_section,
    era_section,
    params_yaml,
    posterior_section,
    predictive_section,
    questions_section,
    report,
)
from sim.output.plots.calibration import (
    plot_backtest,
    plot_posterior,
    plot_predictive_check,
    plot_profiles,
)
from sim.output.store import atomic_write
from sim.runs.progress import Watch, stoppable, stopped_quietly

PROMOTED = CONF / "params" / "calibrated.yaml"
DRAWS = "posterior_draws.parquet"
BACKTEST_DRAWS = 100  # posterior draws of the training fit the out-of-time forecasts average over


def _era_backtest(config: RunConfig, events: Events, settings: FitConfig):
    def fit_mode(scored):
        return mode(Problem(config, config.record, settings.parameters, settings.prior_sd, scored))

    return run_era_backtest(config, events, config.record, fit_mode)


def _backtest(
    config: RunConfig, events: Events, settings: FitConfig, sampler: SamplerConfig, watch
):
    """Fit on the record to `train_end`, sample that fit's posterior (a quarter as long as the
    full one's), and score the months after with forecasts averaged over BACKTEST_DRAWS draws."""
    train = dataclasses.replace(
        config, scenario=dataclasses.replace(config.scenario, end=settings.train_end)
    )
    problem = Problem(
        train, truncate(config.record, settings.train_end), settings.parameters, settings.prior_sd
    )
    steps = max(sampler.steps // 4, 2)
    quarter = dataclasses.replace(sampler, steps=steps, burn=min(sampler.burn // 4, steps - 1))
    draws = sample(problem, mode(problem), quarter, watch).draws[problem.names]
    picks = draws.iloc[np.linspace(0, len(draws) - 1, BACKTEST_DRAWS).astype(int)]
    return run_backtest(config, events, config.record, settings.train_end, picks.to_dict("records"))


def promote(run_dir: Path, target: Path = PROMOTED, world: str = "") -> Path:
    """Install a calibration run's parameters as the `calibrated` params option (`WORLD_calibrated`
    for another world, e.g. artemis), after checking that they are a valid params file;
    ConfigError names what is wrong."""
    source = Path(run_dir) / "calibrated.yaml"
    if not source.is_file():
        raise ConfigError(
            "promote",
            f"expected a calibration run folder holding calibrated.yaml, got {str(run_dir)!r}",
        )
    text = source.read_text()
    try:
        build(Params, yaml.safe_load(text), "params")
    except yaml.YAMLError as err:
        raise ConfigError("promote", f"{source} is not YAML: {str(err).splitlines()[0]}") from None
    except ConfigError as err:
        raise err.in_file(str(source)) from None
    prefix = f"{world}_" if world else ""
    text = text.replace("name: calibrated", f"name: {prefix}calibrated", 1)
    draws = Path(run_dir) / DRAWS
    if draws.is_file():  # the posterior option: the mode's numbers, and the draws
        atomic_write(
            target.parent / f"{prefix}{DRAWS}", lambda p: p.write_bytes(draws.read_bytes())
        )
        posterior = (
            text.replace(f"name: {prefix}calibrated", f"name: {prefix}posterior", 1).replace(
                "# Params option `calibrated`",
                "# Params option `posterior` (each group of replicates runs one draw; the numbers below are the mode)",
                1,
            )
            + f"draws: {prefix}{DRAWS}\n"
            + "fixed: []    # parameters held at the values above in every draw (command-line and page overrides join)\n"
        )
        atomic_write(target.parent / f"{prefix}posterior.yaml", lambda p: p.write_text(posterior))
    return atomic_write(target.parent / f"{prefix}{target.name}", lambda p: p.write_text(text))


def _calibrate(cfg) -> None:
    out, overrides, runtime = job_context()
    data = plain_config(cfg)
    try:
        settings = build(FitConfig, data.pop("fit"), "fit")
        sampler = build(SamplerConfig, data.pop("posterior"), "posterior")
        questions = build(Questions, data.pop("questions"), "questions")
        data.pop("structures", None)  # python -m sim.structures reads it
        forecast_events = build(Events, data.pop("forecast_events"), "forecast_events")
        config = config_from_dict(data, overrides, runtime)
        record = config.record
        if record is None:
            raise ConfigError(
                "record", "missing required value (choose one: record=accessions_2020_2026)"
            )
        unknown = set(settings.parameters) - fittable(config)
        if unknown:
            raise ConfigError(
                "fit.parameters",
                f"cannot fit {sorted(unknown)} (fittable: {sorted(fittable(config))})",
            )
        problem = Problem(config, record, settings.parameters, settings.prior_sd)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    with (
        stoppable(),
        interrupted_exits(out),
        Watch(config.progress) as watch,
    ):  # Ctrl-C: nothing written
        result = fit(problem, watch)
        post = sample(problem, result.estimate, sampler, watch)
        shorter = dataclasses.replace(
            sampler, steps=sampler.steps // 3, burn=sampler.burn // 3
        )  # a check, not the answer
        wide = sample(
            Problem(config, record, settings.parameters, 2 * settings.prior_sd),
            result.estimate,
            shorter,
            watch,
        )
        watch("checks", 0, 4)
        bt = _backtest(config, forecast_events, settings, sampler, watch)
        watch("checks", 1, 4)
        eras = _era_backtest(config, forecast_events, settings)
        watch("checks", 2, 4)
        check = predictive_check(config, post.draws)
        watch("checks", 3, 4)
        crowds = score_questions(
            config, forecast_events, questions, settings.parameters, settings.prior_sd
        )
        watch("checks", 4, 4)
    atomic_write(
        out / "predictive_check.csv", lambda p: check.drop(columns="counts").to_csv(p, index=False)
    )
    figure = plot_predictive_check(check)
    atomic_write(out / "predictive_check.png", lambda p: figure.savefig(p, dpi=130, format="png"))
    atomic_write(out / "questions.csv", lambda p: crowds.to_csv(p, index=False))
    text = params_yaml(config.params, result, f"record {record.name}")
    atomic_write(out / "calibrated.yaml", lambda p: p.write_text(text))
    figure = plot_profiles(result.profiles, result.estimate, result.low, result.high)
    atomic_write(out / "profiles.png", lambda p: figure.savefig(p, dpi=130, format="png"))
    atomic_write(out / "backtest.csv", lambda p: bt.scores.to_csv(p, index=False))
    atomic_write(out / "backtest_predictions.csv", lambda p: bt.predictions.to_csv(p, index=False))
    atomic_write(out / "backtest_countries.csv", lambda p: bt.countries.to_csv(p, index=False))
    atomic_write(out / "backtest_years.csv", lambda p: bt.years.to_csv(p, index=False))
    atomic_write(out / "backtest_eras.csv", lambda p: eras.to_csv(p, index=False))
    figure = plot_backtest(bt.predictions, bt.years)
    atomic_write(out / "backtest.png", lambda p: figure.savefig(p, dpi=130, format="png"))
    atomic_write(out / "posterior_draws.parquet", lambda p: post.draws.to_parquet(p, index=False))
    atomic_write(out / "posterior.csv", lambda p: post.summary().to_csv(p, index=False))
    for name, figure in plot_posterior(post.draws, post.names).items():
        atomic_write(out / name, lambda p, f=figure: f.savefig(p, dpi=90, format="png"))
    sections = [
        report(result, record),
        posterior_section(post, wide),
        predictive_section(check),
        backtest_section(bt),
        era_section(eras),
        questions_section(crowds),
    ]
    full_report = "\n".join(sections)
    atomic_write(out / "calibration.md", lambda p: p.write_text(full_report))
    print(full_report)
    print(
        f"results in {out}; to make these the default parameters: python -m sim.calibrate promote={out}"
    )


def main() -> None:
    promoted = [a.removeprefix("promote=") for a in sys.argv[1:] if a.startswith("promote=")]
    if promoted:
        world = next((a.removeprefix("as=") for a in sys.argv[1:] if a.startswith("as=")), "")
        try:
            target = promote(Path(promoted[0]), world=world)
        except ConfigError as err:
            print(f"error: {err}", file=sys.stderr)
            sys.exit(EXIT_BAD_INPUT)
        print(
            f"installed {Path(promoted[0]) / 'calibrated.yaml'} as {target.relative_to(CONF.parent)} (params={target.stem})"
        )
        return
    with stopped_quietly():
        run_checked(
            app("calibrate")(_calibrate),
            "calibrate",
            validate=False,
        )


if __name__ == "__main__":
    main()

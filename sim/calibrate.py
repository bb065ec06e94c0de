"""`python -m sim.calibrate [overrides]`: fit the parameters to the record (sim.inference.fit),
backtest them (sim.inference.backtest), and write the report and a `calibrated` params file into
the run folder. The defaults change only when asked:

    python -m sim.calibrate promote=RUN_DIR     installs RUN_DIR/calibrated.yaml as conf/params/calibrated.yaml
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import hydra
import yaml
from hydra.core.hydra_config import HydraConfig

from sim.api import config_from_dict, plain_config
from sim.cli import EXIT_BAD_INPUT, run_checked
from sim.config.errors import ConfigError
from sim.config.schema import Params, RecordConfig, RunConfig
from sim.config.sources import CONF
from sim.config.validate import build
from sim.inference.backtest import run_backtest, run_era_backtest, truncate
from sim.inference.fit import FitConfig, Problem, fit, fittable, mode
from sim.output.calibration import backtest_section, era_section, params_yaml, report
from sim.output.plots import plot_profiles, plot_reliability
from sim.output.store import atomic_write

PROMOTED = CONF / "params" / "calibrated.yaml"


def _era_backtest(config: RunConfig, record: RecordConfig, settings: FitConfig):
    def fit_mode(scored):
        return mode(Problem(config, record, settings.parameters, settings.prior_sd, scored))

    return run_era_backtest(config, record, fit_mode)


def _backtest(config: RunConfig, record: RecordConfig, settings: FitConfig):
    train = dataclasses.replace(config, scenario=dataclasses.replace(config.scenario, end=settings.train_end))
    problem = Problem(train, truncate(record, settings.train_end), settings.parameters, settings.prior_sd)
    return run_backtest(config, record, settings.train_end, mode(problem))


def promote(run_dir: Path, target: Path = PROMOTED) -> Path:
    """Install a calibration run's parameters as the `calibrated` params option, after checking
    that they are a valid params file; ConfigError names what is wrong."""
    source = Path(run_dir) / "calibrated.yaml"
    if not source.is_file():
        raise ConfigError("promote", f"expected a calibration run folder holding calibrated.yaml, got {str(run_dir)!r}")
    text = source.read_text()
    try:
        build(Params, yaml.safe_load(text), "params")
    except yaml.YAMLError as err:
        raise ConfigError("promote", f"{source} is not YAML: {str(err).splitlines()[0]}") from None
    except ConfigError as err:
        raise err.in_file(str(source)) from None
    return atomic_write(target, lambda p: p.write_text(text))


def _calibrate(cfg) -> None:
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    data = plain_config(cfg)
    try:
        settings = build(FitConfig, data.pop("fit"), "fit")
        config = config_from_dict(data, list(hc.overrides.task), hc.runtime)
        record = config.record
        if record is None:
            raise ConfigError("record", "missing required value (choose one: record=accessions_2020_2026)")
        unknown = set(settings.parameters) - fittable(config)
        if unknown:
            raise ConfigError("fit.parameters", f"cannot fit {sorted(unknown)} (fittable: {sorted(fittable(config))})")
        problem = Problem(config, record, settings.parameters, settings.prior_sd)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    result = fit(problem)
    bt = _backtest(config, record, settings)
    eras = _era_backtest(config, record, settings)
    text = params_yaml(config.params, result, f"record {record.name}")
    atomic_write(out / "calibrated.yaml", lambda p: p.write_text(text))
    figure = plot_profiles(result.profiles, result.estimate, result.low, result.high)
    atomic_write(out / "profiles.png", lambda p: figure.savefig(p, dpi=130, format="png"))
    atomic_write(out / "backtest.csv", lambda p: bt.scores.to_csv(p, index=False))
    atomic_write(out / "backtest_predictions.csv", lambda p: bt.predictions.to_csv(p, index=False))
    atomic_write(out / "backtest_eras.csv", lambda p: eras.to_csv(p, index=False))
    figure = plot_reliability(bt.predictions)
    atomic_write(out / "reliability.png", lambda p: figure.savefig(p, dpi=130, format="png"))
    full_report = "\n".join([report(result, record), backtest_section(bt), era_section(eras)])
    atomic_write(out / "calibration.md", lambda p: p.write_text(full_report))
    print(full_report)
    print(f"results in {out}; to make these the default parameters: python -m sim.calibrate promote={out}")


def main() -> None:
    promoted = [a.removeprefix("promote=") for a in sys.argv[1:] if a.startswith("promote=")]
    if promoted:
        try:
            target = promote(Path(promoted[0]))
        except ConfigError as err:
            print(f"error: {err}", file=sys.stderr)
            sys.exit(EXIT_BAD_INPUT)
        print(f"installed {Path(promoted[0]) / 'calibrated.yaml'} as {target.relative_to(CONF.parent)} (params=calibrated)")
        return
    run_checked(hydra.main(config_path="../conf", config_name="calibrate", version_base="1.3")(_calibrate), "calibrate", validate=False)


if __name__ == "__main__":
    main()

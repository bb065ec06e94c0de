"""Fit the behavioural parameters to the 2020-2026 record: maximum a posteriori, profile intervals.

    python -m sim.calibrate [overrides]      (Hydra; conf/calibrate.yaml)

The log-posterior is the exact event-history log-likelihood of the record (sim.likelihood) plus
weak priors: each fitted parameter is normal on a transformed scale (log for weights and the
leader multiplier, logit for rates and the start-of-record talks share, none for the threshold)
centred on its judgement value (conf/params/judgement.yaml). scipy's L-BFGS-B finds the mode.
Each parameter's 95% interval comes from its profile: the mode with that parameter held at grid
values and the others re-fitted, cut where the log-posterior falls by 1.92 (chi-square, 1 df).
A parameter whose profile log-likelihood moves by less than 0.5 across the grid is reported as
not identified by the record: its interval is then the prior's.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import optimize

from sim.config import Params, RecordConfig, RunConfig, Weights
from sim.likelihood import load_record, log_likelihood
from sim.validate import MONTH, between
from sim.world import compile_world

CHI2_95_HALF = 1.920729410347062  # chi-square(1) 95% quantile / 2
FLAT = 0.5  # log-likelihood change across a profile below which a parameter is not identified
LOG, LOGIT, IDENTITY = "log", "logit", "identity"
SCALES = {"threshold": IDENTITY, "leader_multiplier": LOG, "p_talks_at_start": LOGIT}


@dataclass(frozen=True)
class Fit:
    names: list[str]
    estimate: dict[str, float]
    low: dict[str, float]
    high: dict[str, float]
    identified: dict[str, bool]
    log_likelihood: float
    log_posterior: float
    profiles: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # value, log-posterior, log-lik


def scale_of(name: str) -> str:
    if name in SCALES:
        return SCALES[name]
    return LOG if name.startswith("weights.") else LOGIT  # rates are probabilities


def to_free(name: str, value: float) -> float:
    scale = scale_of(name)
    if scale == LOG:
        return math.log(max(value, 1e-9))
    if scale == LOGIT:
        value = min(max(value, 1e-9), 1 - 1e-9)
        return math.log(value / (1 - value))
    return value


def from_free(name: str, z: float) -> float:
    scale = scale_of(name)
    if scale == LOG:
        return math.exp(z)
    if scale == LOGIT:
        return 1.0 / (1.0 + math.exp(-z))
    return z


class Problem:
    """The log-posterior of named parameters on the record."""

    def __init__(
        self, config: RunConfig, record: RecordConfig, names: list[str], prior_sd: float,
        p_talks: float, scored: np.ndarray | None = None,
    ):  # fmt: skip
        self.config, self.names, self.prior_sd, self.scored = config, names, prior_sd, scored
        self.record = load_record(record, compile_world(config))
        start = {**_params_values(config.params), "p_talks_at_start": p_talks}
        self.prior_mean = np.array([to_free(n, start[n]) for n in names])
        self.fixed_p_talks = p_talks

    def values(self, z: np.ndarray) -> dict[str, float]:
        return {n: from_free(n, v) for n, v in zip(self.names, z)}

    def log_likelihood(self, z: np.ndarray) -> float:
        values = self.values(z)
        config = with_params(self.config, values)
        world = compile_world(config)
        p_talks = values.get("p_talks_at_start", self.fixed_p_talks)
        total = float(log_likelihood(world, self.record, p_talks, self.scored).sum())
        return total if math.isfinite(total) else -1e12

    def log_prior(self, z: np.ndarray) -> float:
        return float(-0.5 * np.sum(((z - self.prior_mean) / self.prior_sd) ** 2))

    def log_posterior(self, z: np.ndarray) -> float:
        return self.log_likelihood(z) + self.log_prior(z)


def with_params(config: RunConfig, values: dict[str, float]) -> RunConfig:
    """`config` with the named parameters replaced ('weights.peer', 'threshold', ...)."""
    weights = {k.removeprefix("weights."): v for k, v in values.items() if k.startswith("weights.")}
    plain = {k: v for k, v in values.items() if k in Params.__dataclass_fields__}
    params = dataclasses.replace(
        config.params, weights=dataclasses.replace(config.params.weights, **weights), **plain
    )
    return dataclasses.replace(config, params=params)


OFFSETS = np.array([0.05, 0.15, 0.35, 0.7, 1.4, 3.0])  # profile grid, in prior sds from the mode


def mode(problem: Problem) -> dict[str, float]:
    """The maximum a posteriori values, without intervals."""
    return problem.values(_maximise(problem, problem.prior_mean.copy(), fixed=None))


def fit(problem: Problem) -> Fit:
    mode = _maximise(problem, problem.prior_mean.copy(), fixed=None)
    top = problem.log_posterior(mode)
    profiles, low, high, identified = {}, {}, {}, {}
    for j, name in enumerate(problem.names):
        grid = mode[j] + np.concatenate([-OFFSETS[::-1], [0.0], OFFSETS]) * problem.prior_sd
        post, lik = [], []
        for value in grid:
            z = _maximise(problem, mode.copy(), fixed=(j, value))
            post.append(problem.log_posterior(z))
            lik.append(problem.log_likelihood(z))
        post, lik = np.array(post), np.array(lik)
        profiles[name] = (np.array([from_free(name, v) for v in grid]), post, lik)
        centre = len(grid) // 2
        cut = top - CHI2_95_HALF
        low[name] = from_free(name, _crossing(grid[centre::-1], post[centre::-1], cut))
        high[name] = from_free(name, _crossing(grid[centre:], post[centre:], cut))
        identified[name] = bool(lik.max() - lik.min() >= FLAT)
    return Fit(
        list(problem.names),
        problem.values(mode),
        low,
        high,
        identified,
        problem.log_likelihood(mode),
        problem.log_posterior(mode),
        profiles,
    )


def _crossing(z: np.ndarray, post: np.ndarray, cut: float) -> float:
    """Where the profile, walked outwards from the mode, first falls below `cut` (linear
    interpolation); the grid's end if it never does."""
    for k in range(1, len(z)):
        if post[k] < cut:
            return float(z[k - 1] + (z[k] - z[k - 1]) * (post[k - 1] - cut) / (post[k - 1] - post[k]))
    return float(z[-1])


def _maximise(problem: Problem, z0: np.ndarray, fixed: tuple[int, float] | None) -> np.ndarray:
    free = [j for j in range(len(z0)) if fixed is None or j != fixed[0]]

    def full(x: np.ndarray) -> np.ndarray:
        z = z0.copy()
        z[free] = x
        if fixed is not None:
            z[fixed[0]] = fixed[1]
        return z

    result = optimize.minimize(
        lambda x: -problem.log_posterior(full(x)),
        z0[free],
        method="L-BFGS-B",
        bounds=[(m - 6 * problem.prior_sd, m + 6 * problem.prior_sd) for m in problem.prior_mean[free]],
    )
    return full(result.x)


def _params_values(params: Params) -> dict[str, float]:
    values = {f"weights.{k}": v for k, v in dataclasses.asdict(params.weights).items()}
    values |= {k: v for k, v in dataclasses.asdict(params).items() if isinstance(v, float)}
    return values


def params_yaml(base: Params, fit_: Fit, source: str) -> str:
    """The fitted parameters as a `params` config option."""
    values = _params_values(base) | {n: v for n, v in fit_.estimate.items() if n != "p_talks_at_start"}
    lines = [
        "# Params option `calibrated`: written by `python -m sim.calibrate`, not by hand.",
        f"# Fitted to {source} (maximum a posteriori; weak priors centred on params/judgement).",
        "# Parameters the record does not identify keep values near their judgement prior.",
        "# 95% profile intervals and identification are in the calibration report.",
        "name: calibrated",
        "weights:",
    ]
    for key in Weights.__dataclass_fields__:
        mark = _mark(fit_, f"weights.{key}")
        lines.append(f"  {key}: {values[f'weights.{key}']:.4g}{mark}")
    for key in Params.__dataclass_fields__:
        if key in ("name", "weights"):
            continue
        lines.append(f"{key}: {values[key]:.4g}{_mark(fit_, key)}")
    return "\n".join(lines) + "\n"


def _mark(fit_: Fit, name: str) -> str:
    if name not in fit_.estimate:
        return "    # not fitted: judgement"
    tag = "" if fit_.identified[name] else "; not identified by the record"
    return f"    # 95% interval {fit_.low[name]:.3g} to {fit_.high[name]:.3g}{tag}"


def _joins(predictions) -> str:
    rows = predictions[predictions["joined"]]
    return ", ".join(f"{c} {m}" for c, m in zip(rows["country"], rows["month"]))


def _era_backtest(config: RunConfig, record: RecordConfig, settings):
    from sim.backtest import run_era_backtest

    def fit_mode(scored):
        return mode(Problem(config, record, settings.parameters, settings.prior_sd, settings.p_talks_at_start, scored))

    return run_era_backtest(config, record, fit_mode, settings.p_talks_at_start)


def era_section(table) -> str:
    lines = [
        "## Leave one era out",
        "",
        ("Fitted on the other eras (the left-out months are marginalised, not observed), scored on "
        "the era left out with one-month-ahead predictions; baselines fitted on the same months."),
        "",
        "| era | unit | predictor | n | events | log-loss | Brier | log-loss better than constant |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        lines.append(
            f"| {row.era} | {row.unit} | {row.predictor} | {row.n} | {row.events} | "
            f"{row.log_loss:.4f} | {row.brier:.4f} | {row.log_loss_vs_constant:+.0%} |"
        )
    return "\n".join([*lines, ""])


def _backtest(config: RunConfig, record: RecordConfig, settings):
    from sim.backtest import run_backtest, truncate

    train = dataclasses.replace(config, scenario=dataclasses.replace(config.scenario, end=settings.train_end))
    problem = Problem(train, truncate(record, settings.train_end), settings.parameters, settings.prior_sd, settings.p_talks_at_start)
    return run_backtest(config, record, settings.train_end, mode(problem), settings.p_talks_at_start)


def write_params(text: str, path: Path) -> Path:
    from sim.store import atomic_write

    return atomic_write(path, lambda p: p.write_text(text))


@dataclass(frozen=True)
class FitConfig:
    parameters: list[str]
    prior_sd: float = dataclasses.field(default=1.0, metadata=between(0.01, 10.0))
    p_talks_at_start: float = dataclasses.field(default=0.05, metadata=between(1e-6, 1 - 1e-6))
    write_params: bool = True
    train_end: str = dataclasses.field(default="2022-12", metadata=MONTH)  # backtest split


def fittable(params: Params) -> set[str]:
    return set(_params_values(params)) - {"noise", "rate_exit", "collapse_on_shock", "region_weight"} | {
        "p_talks_at_start"
    }


def report(fit_: Fit, problem: Problem, record: RecordConfig) -> str:
    lines = [
        "# Calibration to the record",
        "",
        f"Record `{record.name}` ({record.start} to {record.end}): joined "
        + ", ".join(f"{k} {v}" for k, v in record.joined.items())
        + (
            ". Likelihood: exact discrete-time event history; talks are latent and integrated out "
            "(forward algorithm), except the spans on the record; random shocks are replaced by the "
            "dated record; the mediator's offers are the record's (scripted)."
        ),
        "",
        (f"Log-likelihood at the mode {fit_.log_likelihood:.2f} (at the judgement values "
        f"{problem.log_likelihood(problem.prior_mean):.2f}); log-posterior {fit_.log_posterior:.2f}."),
        "",
        "| parameter | estimate | 95% profile interval | prior centre | identified by the record |",
        "|---|---|---|---|---|",
    ]
    for j, name in enumerate(fit_.names):
        lines.append(
            f"| {name} | {fit_.estimate[name]:.3g} | {fit_.low[name]:.3g} to {fit_.high[name]:.3g} | "
            f"{from_free(name, problem.prior_mean[j]):.3g} | {'yes' if fit_.identified[name] else 'no: prior kept'} |"
        )
    lines += ["", "![profiles](profiles.png)", ""]
    return "\n".join(lines)


def backtest_section(bt) -> str:
    events = bt.predictions["joined"].sum()
    lines = [
        "## Out-of-time backtest",
        "",
        (
            f"Fitted on the record up to {bt.train_end} only (mode, same priors), then the forward "
            f"filter predicts each later country-month at risk, one month ahead. Events after "
            f"{bt.train_end}: {events} ({_joins(bt.predictions)})."
        ),
        "",
        "| unit | predictor | n | events | log-loss | Brier | log-loss better than constant |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in bt.scores.itertuples():
        lines.append(
            f"| {row.unit} | {row.predictor} | {row.n} | {row.events} | {row.log_loss:.4f} | "
            f"{row.brier:.4f} | {row.log_loss_vs_constant:+.0%} |"
        )
    lines += [
        "",
        (
            "Caution: with so few events after the training window, these scores rest on very "
            "little; the record's offers in the test window (e.g. Kazakhstan's minerals package, "
            "announced with its accession) are inputs the predictions condition on."
        ),
        "",
        "![reliability](reliability.png)",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    import sys

    import hydra
    from hydra.core.hydra_config import HydraConfig

    from sim.api import config_from_dict, plain_config
    from sim.cli import run_checked
    from sim.plots import plot_profiles, plot_reliability
    from sim.sources import CONF
    from sim.store import atomic_write
    from sim.validate import ConfigError, build

    @hydra.main(config_path="../conf", config_name="calibrate", version_base="1.3")
    def _run(cfg) -> None:
        hc = HydraConfig.get()
        out = Path(hc.runtime.output_dir)
        data = plain_config(cfg)
        try:
            record = build(RecordConfig, data.pop("record"), "record")
            settings = build(FitConfig, data.pop("fit"), "fit")
            config = config_from_dict(data, list(hc.overrides.task), hc.runtime)
            unknown = set(settings.parameters) - fittable(config.params)
            if unknown:
                raise ConfigError("fit.parameters", f"cannot fit {sorted(unknown)} (fittable: {sorted(fittable(config.params))})")
            problem = Problem(config, record, settings.parameters, settings.prior_sd, settings.p_talks_at_start)
        except ConfigError as err:
            print(f"error: {err}", file=sys.stderr)
            sys.exit(2)
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
        full_report = "\n".join([report(result, problem, record), backtest_section(bt), era_section(eras)])
        atomic_write(out / "calibration.md", lambda p: p.write_text(full_report))
        if settings.write_params:
            write_params(text, CONF / "params" / "calibrated.yaml")
        print(full_report)
        print(f"results in {out}" + ("; params written to conf/params/calibrated.yaml" if settings.write_params else ""))

    run_checked(_run, "calibrate", validate=False)


if __name__ == "__main__":
    main()

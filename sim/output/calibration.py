"""The calibration report and the `calibrated` params file, as text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.config.schema import Params, RecordConfig, Weights, params_values

if TYPE_CHECKING:
    from sim.inference.fit import Fit


def params_yaml(base: Params, fit_: Fit, source: str) -> str:
    """The fitted parameters as a `params` config option."""
    values = params_values(base) | fit_.estimate
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
        if key in ("name", "weights", "era_engagement"):
            continue
        lines.append(f"{key}: {values[key]:.4g}{_mark(fit_, key)}")
    eras = [k.removeprefix("era_engagement.") for k in values if k.startswith("era_engagement.")]
    lines.append("era_engagement:" + ("" if eras else " {}    # the mediator's judgement levels"))
    for era in eras:
        key = f"era_engagement.{era}"
        lines.append(f"  {era}: {values[key]:.4g}{_mark(fit_, key)}")
    return "\n".join(lines) + "\n"


def _mark(fit_: Fit, name: str) -> str:
    if name not in fit_.estimate:
        return "    # not fitted: judgement"
    tag = "" if fit_.identified[name] else "; not identified by the record"
    return f"    # 95% interval {fit_.low[name]:.3g} to {fit_.high[name]:.3g}{tag}"


def _joins(predictions) -> str:
    rows = predictions[predictions["joined"]]
    return ", ".join(f"{c} {m}" for c, m in zip(rows["country"], rows["month"]))


def report(fit_: Fit, record: RecordConfig) -> str:
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
        f"{fit_.log_likelihood_at_prior:.2f}); log-posterior {fit_.log_posterior:.2f}."),
        "",
        "| parameter | estimate | 95% profile interval | prior centre | identified by the record |",
        "|---|---|---|---|---|",
    ]
    for name in fit_.names:
        lines.append(
            f"| {name} | {fit_.estimate[name]:.3g} | {fit_.low[name]:.3g} to {fit_.high[name]:.3g} | "
            f"{fit_.prior_centre[name]:.3g} | {'yes' if fit_.identified[name] else 'no: prior kept'} |"
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



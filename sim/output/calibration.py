"""The calibration report and the `calibrated` params file, as text.

The report reads a fit as plain results (`FitResults`, the shape of sim.inference.fit.Fit): outputs
format what inference found, and do not import the inference that found it.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from sim.config.schema import Params, RecordConfig, params_values
from sim.core.calendar import format_month


class FitResults(Protocol):
    """The results of a fit, each parameter by name: the mode, its 95% profile interval,
    whether the record identifies it, and the log-likelihood and log-posterior at the mode."""

    @property
    def names(self) -> list[str]: ...
    @property
    def estimate(self) -> dict[str, float]: ...
    @property
    def low(self) -> dict[str, float]: ...
    @property
    def high(self) -> dict[str, float]: ...
    @property
    def identified(self) -> dict[str, bool]: ...
    @property
    def prior_centre(self) -> dict[str, float]: ...
    @property
    def log_likelihood(self) -> float: ...
    @property
    def log_likelihood_at_prior(self) -> float: ...
    @property
    def log_posterior(self) -> float: ...


def params_yaml(base: Params, fit_: FitResults, source: str) -> str:
    """The fitted parameters as a `params` config option."""
    values = params_values(base) | fit_.estimate
    lines = [
        "# Params option `calibrated`: written by `python -m sim.calibrate`, not by hand.",
        f"# Fitted to {source} (maximum a posteriori; weak priors centred on params/{base.name}).",
        "# Parameters the record does not identify keep values near their judgement prior.",
        "# 95% profile intervals and identification are in the calibration report.",
        "name: calibrated",
        "weights:",
    ]
    for key in base.weights:
        mark = _mark(fit_, f"weights.{key}")
        lines.append(f"  {key}: {values[f'weights.{key}']:.4g}{mark}")
    for key in Params.__dataclass_fields__:
        if key in ("name", "weights", "era_engagement", "kind_effect", "draws", "fixed"):
            continue
        lines.append(f"{key}: {values[key]:.4g}{_mark(fit_, key)}")
    eras = [k.removeprefix("era_engagement.") for k in values if k.startswith("era_engagement.")]
    lines.append("era_engagement:" + ("" if eras else " {}    # the mediator's judgement levels"))
    for era in eras:
        key = f"era_engagement.{era}"
        lines.append(f"  {era}: {values[key]:.4g}{_mark(fit_, key)}")
    kinds = [k.removeprefix("kind_effect.") for k in values if k.startswith("kind_effect.")]
    lines.append("kind_effect:" + ("" if kinds else " {}    # none: every kind decides alike"))
    for kind in kinds:
        key = f"kind_effect.{kind}"
        lines.append(f"  {kind}: {values[key]:.4g}{_mark(fit_, key)}")
    return "\n".join(lines) + "\n"


def _mark(fit_: FitResults, name: str) -> str:
    if name not in fit_.estimate:
        return "    # not fitted: judgement"
    tag = "" if fit_.identified[name] else "; not identified by the record"
    return f"    # 95% interval {fit_.low[name]:.3g} to {fit_.high[name]:.3g}{tag}"


def _joins(predictions) -> str:
    rows = predictions[predictions["joined"]]
    return ", ".join(f"{c} {m}" for c, m in zip(rows["country"], rows["month"]))


def report(fit_: FitResults, record: RecordConfig) -> str:
    lines = [
        "# Calibration to the record",
        "",
        f"Record `{record.name}` ({format_month(record.start)} to {format_month(record.as_of)}): "
        + "joined "
        + ", ".join(f"{k} {format_month(v)}" for k, v in record.joined.items())
        + (
            ". Likelihood: exact discrete-time event history; talks are latent and integrated out "
            "(forward algorithm), except the spans on the record; random shocks are replaced by the "
            "dated record; the mediator courts as a process fitted with the rest (`courting`): its "
            "offers known before an accession are observed, those announced with one are latent."
        ),
        "",
        (
            f"Log-likelihood at the mode {fit_.log_likelihood:.2f} (at the judgement values "
            f"{fit_.log_likelihood_at_prior:.2f}); log-posterior {fit_.log_posterior:.2f}."
        ),
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
    events, train_end = bt.predictions["joined"].sum(), format_month(bt.train_end)
    lines = [
        "## Out-of-time backtest",
        "",
        (
            f"Fitted on the record up to {train_end} only (same priors; the model's forecasts "
            "average over draws of that fit's posterior, so what the past leaves uncertain about the "
            f"parameters widens them). Events after {train_end}: {events} ({_joins(bt.predictions)})."
        ),
        "",
        (
            "**Free running**, knowing only the past: one outlook from the month after "
            f"{train_end} to the record's end, with the record cut at {train_end} (no later offers, "
            "talks or dated events; shocks at the forecast events' random rates). Per year, the "
            "accessions observed against the model's 90% predictive interval:"
        ),
        "",
        "| year | observed | model mean | model 90% interval |",
        "|---|---|---|---|",
        *[
            f"| {r.year} | {r.observed} | {r.mean:.2f} | {r.q05:.0f}-{r.q95:.0f} |"
            for r in bt.years.itertuples()
        ],
        "",
        *_score_table(bt.scores),
        "",
        (
            "country-window: each country outside at the start, joined within the window or not. "
            "year-count: the log predictive probability of each year's count (log-loss column: its "
            "negative mean). country-month and country-year: **one step ahead**, a diagnostic of the "
            "filter that knows the record to the month before and that month's dated events."
            + (
                " With so few events after the training window these scores rest on very little."
                if events < 10
                else ""
            )
        ),
        "",
        "![backtest](backtest.png)",
        "",
    ]
    return "\n".join(lines)


def _score_table(scores, era: bool = False) -> list[str]:
    head = "| era " if era else ""
    lines = [
        f"{head}| unit | predictor | n | events | log-loss | Brier | log-loss better than constant |",
        "|---" * (8 if era else 7) + "|",
    ]
    for row in scores.itertuples():
        brier = "" if np.isnan(row.brier) else f"{row.brier:.4f}"
        lines.append(
            (f"| {row.era} " if era else "")
            + f"| {row.unit} | {row.predictor} | {row.n} | {row.events} | "
            f"{row.log_loss:.4f} | {brier} | {row.log_loss_vs_constant:+.0%} |"
        )
    return lines


def posterior_section(post, wide) -> str:
    """The posterior's summary and diagnostics, with the shift under priors twice as wide."""
    lines = [
        "## Posterior",
        "",
        (
            f"emcee ensemble sampler, {post.draws['walker'].nunique()} walkers, {post.steps} steps after "
            f"burn-in, acceptance {post.acceptance:.2f}, {post.seconds:.0f} s on this machine. R-hat and bulk "
            f"ESS from ArviZ on every step, each walker a chain; the draws table keeps "
            f"{post.draws['step'].nunique()} steps evenly ({len(post.draws)} draws)."
        ),
        "",
        "| parameter | median | 90% interval | 95% interval | R-hat | ESS | median, priors twice as wide |",
        "|---|---|---|---|---|---|---|",
    ]
    wide_summary = wide.summary().set_index("parameter")
    for row in post.summary().itertuples():
        lines.append(
            f"| {row.parameter} | {row.median:.3g} | {row.low90:.3g} to {row.high90:.3g} | "
            f"{row.low95:.3g} to {row.high95:.3g} | {row.rhat:.3f} | {row.ess_bulk:.0f} | "
            f"{wide_summary.loc[row.parameter, 'median']:.3g} |"
        )
    worst_rhat = max(post.rhat.values())
    least_ess = min(post.ess.values())
    lines += [
        "",
        (
            f"Largest R-hat {worst_rhat:.3f}, smallest ESS {least_ess:.0f}. Prior sensitivity (a run a "
            f"third as long): with prior sds of {2 * post.prior_sd:g} instead of {post.prior_sd:g}, "
            + _shift_line(post, wide)
            + "."
        ),
        "",
        "![trace](posterior_trace.png)",
        "",
        "![pairs](posterior_pairs.png)",
        "",
    ]
    return "\n".join(lines)


def _shift_line(post, wide) -> str:
    """How far each median moves under the wider priors, in units of its posterior sd."""
    shifts = {}
    for name in post.names:
        a, b = post.draws[name], wide.draws[name]
        shifts[name] = abs(b.median() - a.median()) / max(a.std(), 1e-12)
    top = sorted(shifts, key=shifts.get, reverse=True)[:3]
    return "the medians move by " + ", ".join(f"{shifts[n]:.2f} sd ({n})" for n in top) + " at most"


def era_section(table) -> str:
    lines = [
        "## Leave one era out",
        "",
        (
            "Fitted on the other eras (the left-out months are marginalised, not observed). Scored on "
            "the era left out, free running from its first month knowing only the record before it "
            "(country-window, year-count), and one step ahead (country-month, country-year); baselines "
            "fitted on the same months."
        ),
        "",
        *_score_table(table, era=True),
    ]
    return "\n".join([*lines, ""])


def questions_section(table) -> str:
    """The model's forecasts of resolved questions next to the crowds' and a constant hazard's
    (nothing for a world without questions)."""
    if table.empty:
        return ""
    lines = [
        "## Scores against the crowds",
        "",
        (
            "Each question forecast as the model would have when the crowd forecast: fitted on the record "
            "up to then, an outlook from the month after (courting mediator, random shocks, no later "
            "offers or events). Brier score: (forecast - outcome)^2, lower is better."
        ),
        "",
        "| question | platform | record to | crowd | model | constant hazard | resolved | Brier crowd | Brier model | Brier constant |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        lines.append(
            f"| {row.text} | {row.platform} | {row.known_to} | {row.crowd:.3g} | {row.model:.3g} | "
            f"{row.constant:.3g} | {'yes' if row.resolved else 'no'} | {row.brier_crowd:.4f} | "
            f"{row.brier_model:.4f} | {row.brier_constant:.4f} |"
        )
    mean = table[["brier_crowd", "brier_model", "brier_constant"]].mean()
    lines += [
        "",
        (
            f"Mean Brier: crowd {mean['brier_crowd']:.4f}, model {mean['brier_model']:.4f}, constant "
            f"{mean['brier_constant']:.4f}, over {len(table)} forecasts of questions that all resolved "
            "no: they decide little, and reward whoever said least."
        ),
        "",
    ]
    return "\n".join(lines)


def predictive_section(table) -> str:
    """The posterior predictive check of the record's counts."""
    lines = [
        "## Posterior predictive check",
        "",
        (
            "The record replayed from its start with 200 posterior draws (50 replicates each) and a "
            "mediator that courts as the fitted process says, not as the record's script: accessions per "
            "period against their 90% predictive intervals."
        ),
        "",
        "| period | on the record | predictive mean | 90% interval | inside |",
        "|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        inside = "yes" if row.inside else "no"
        lines.append(
            f"| {row.period} | {row.observed} | {row.mean:.2f} | {row.q05:.0f} to {row.q95:.0f} | {inside} |"
        )
    lines += ["", "![predictive check](predictive_check.png)", ""]
    return "\n".join(lines)

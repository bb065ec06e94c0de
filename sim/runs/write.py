"""What a run leaves behind: its tables, figures and job record in its folder, and the lines it
prints (the run line, the summary, the spread)."""

from __future__ import annotations

import logging
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from sim.analysis.tables import NEW_MEMBERS
from sim.config.schema import RunConfig
from sim.core.calendar import format_month
from sim.output import store
from sim.output.plots.run import (
    NOT_ESTIMATED,
    plot_contributions,
    plot_join_probability,
    plot_members,
)
from sim.runs.runner import RunResult

JOB_LOG = logging.getLogger("sim")  # a job's lines go to its log (accord_sim.log) too
CONTRIBUTION_PANELS = 8  # countries in contributions.png (why.csv lists plot_countries)


def write_outputs(
    result: RunResult,
    folder: Path,
    overrides: list[str] = (),
    plots: bool | None = None,
    sweep: bool = False,
) -> list[Path]:
    """Write the tables, figures (if `plots`, by default the config's `plots`) and the job record
    into `folder`, which appears with all of them or not at all; job.json, written last, marks
    the job done. A `sweep`'s job writes under a lock (sim.output.store.publish)."""
    plots = result.config.plots if plots is None else plots
    return store.publish(
        Path(folder), lambda partial: _write(result, partial, list(overrides), plots), lock=sweep
    )


def _write(result: RunResult, folder: Path, overrides: list[str], plots: bool) -> list[Path]:
    t = result.tables
    written = [
        store.atomic_write(
            folder / "joining_probabilities.csv",
            lambda p: t.joining_probabilities.to_csv(p, index=False),
        ),
        store.atomic_write(folder / "summary.csv", lambda p: t.summary.to_csv(p, index=False)),
        store.atomic_write(folder / "members.csv", lambda p: t.members.to_csv(p, index=False)),
    ]
    optional = {"spread.csv": t.spread, "contributions.csv": t.contributions, "why.csv": t.why}
    for filename, table in optional.items():
        if table is not None:
            written.append(
                store.atomic_write(folder / filename, lambda p, x=table: x.to_csv(p, index=False))
            )
    if plots:
        title, note = figure_title(result.config, overrides), figure_note(result.config)
        figures = {
            "joining_probability": plot_join_probability(
                t.joining_probabilities,
                max_countries=result.config.plot_countries,
                title=f"{title}: probability of being a member, by month",
                note=note,
            ),
            "members": plot_members(t.members, title=f"{title}: members over time", note=note),
        }
        if t.why is not None and len(t.why):
            figures["contributions"] = plot_contributions(
                t.contributions,
                list(t.why["country"])[:CONTRIBUTION_PANELS],
                title=f"{title}: why countries join (mean contribution to accession utility while deciding)",
                note=note,
            )
        for stem, fig in figures.items():
            dpi = 110 if stem == "contributions" else 150  # a large figure: keep sweeps fast
            for fmt in result.config.plot_format:
                written.append(
                    store.atomic_write(
                        folder / f"{stem}.{fmt}",
                        lambda p, f=fig, d=dpi, x=fmt: f.savefig(p, dpi=d, format=x),
                    )
                )
            plt.close(fig)
    store.write_job(folder, result.config, list(overrides), result.world.names, result.outcomes)
    return [*written, folder / store.OUTCOMES_FILE, folder / store.JOB_FILE]


def say(line: str) -> None:
    """Print a run's line and record it in the job's log."""
    print(line)
    JOB_LOG.info(line)


def finished_already(config: RunConfig, folder: Path, job: str = "") -> bool:
    """Resume by config hash: True (and said) when `folder` holds this config's results."""
    if not (config.resume and store.finished(Path(folder), config)):
        return False
    print(f"{job}skipped: {folder} holds the results of this config (resume=false reruns it)")
    return True


def run_line(
    config: RunConfig, overrides: list[str], folder: Path, seconds: float, job: str = ""
) -> str:
    """The line a run (or a sweep's `job N `) prints and logs when its results are written."""
    return (
        f"{job}{config.scenario.name} [{' '.join(overrides) or 'defaults'}]: {config.replicates} "
        f"replicates, seed {config.seed}, engine {config.engine}, {seconds:.1f} s; results in {folder}"
    )


RUN_ONLY = {
    "replicates",
    "seed",
    "plots",
    "plot_countries",
    "plot_format",
    "sweep_plots",
    "progress",
    "explain",
    "resume",
    "debug",
    "chunk",
    "engine",
}  # settings that do not change the scenario (the note says some)


def figure_title(config: RunConfig, overrides: list[str], width: int = 70) -> str:
    """The scenario a figure shows: the experiment's name (or the scenario's), and the overrides
    that change it, shortened to `width` characters."""
    experiment = next(
        (o.split("=", 1)[1] for o in overrides if o.lstrip("+").startswith("experiment=")), None
    )
    changes = [
        o
        for o in overrides
        if not o.startswith(("hydra", "+experiment", "experiment"))
        and o.split("=", 1)[0] not in RUN_ONLY
    ]
    text = ", ".join(changes)
    if len(text) > width:
        text = text[: width - 1].rstrip(", ") + "…"
    name = experiment or config.scenario.name
    return f"{name} [{text}]" if text else name


def figure_note(config: RunConfig) -> str:
    """What a figure rests on: replicates, seed and the parameters (posterior draws or fixed)."""
    params = (
        f"posterior draws ({config.params.name})"
        if config.params.draws
        else f"fixed parameters ({config.params.name})"
    )
    return f"{config.replicates:,} replicates, seed {config.seed}, {params}"


def format_summary(summary: pd.DataFrame) -> str:
    """The summary table as the terminal shows it, chances under NOT_ESTIMATED as "<0.01"."""
    shown = summary.copy()
    for col in ("p_talks_at_start", "share_from_inputs"):
        if col in shown:
            shown[col] = shown[col].map(lambda v: f"{v:.3f}")
    for col in ("p_joined_by_horizon", "ci_low", "ci_high"):
        shown[col] = shown[col].map(lambda v: "<0.01" if v < NOT_ESTIMATED else f"{v:.3f}")
    shown["median_join_month"] = shown["median_join_month"].fillna("-")
    note = ""
    if (summary["p_joined_by_horizon"] < NOT_ESTIMATED).any():
        note = (
            "\n<0.01: not estimated (below 1% the chance follows the prior on the response's noise)"
        )
    return shown.to_string(index=False) + note


def format_spread(spread: pd.DataFrame, horizon: int) -> str:
    """One line: how much of the spread of new members by the month `horizon` comes from the
    uncertain inputs."""
    row = spread.set_index("output").loc[NEW_MEMBERS]
    return (
        f"new members by {format_month(horizon)}: mean {row['mean']:.2f}, sd {row['sd']:.2f}; "
        f"{row['share_from_inputs']:.0%} of the variance from the uncertain inputs, "
        f"{row['share_from_chance']:.0%} from chance"
    )

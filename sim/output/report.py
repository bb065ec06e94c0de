"""A comparison on disk: its tables, its figure, and one Markdown report with the question, the
figure, the table and the configs that produced them, so that a brief can cite it whole."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import yaml

from sim.config.sources import ROOT
from sim.output import store
from sim.output.plots.caption import CAPTION, TRIVIAL
from sim.output.plots.comparison import plot_comparison

if TYPE_CHECKING:
    from sim.analysis.compare import Comparison


def write_comparison(comparison: Comparison, folder: Path) -> list[Path]:
    """comparison.csv, comparison.parquet, comparison.png and report.md in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    table = comparison.table
    written = [
        store.atomic_write(folder / "comparison.csv", lambda p: table.to_csv(p, index=False)),
        store.atomic_write(
            folder / "comparison.parquet", lambda p: table.to_parquet(p, index=False)
        ),
    ]
    runs = {(j.record["replicates"], j.record["seed"]) for j in comparison.jobs}
    note = (
        f"{next(iter(runs))[0]:,} replicates a job, seed {next(iter(runs))[1]}, paired deltas"
        if len(runs) == 1
        else "jobs of different replicate counts or seeds: unpaired deltas where they differ"
    )
    fig = plot_comparison(table, baseline=comparison.labels[comparison.baseline], note=note)
    written.append(
        store.atomic_write(
            folder / "comparison.png", lambda p: fig.savefig(p, dpi=150, format="png")
        )
    )
    plt.close(fig)
    written.append(write_report(comparison, folder))
    return written


def write_report(comparison: Comparison, folder: Path) -> Path:
    return store.atomic_write(folder / "report.md", lambda p: p.write_text(render(comparison)))


def render(comparison: Comparison) -> str:
    jobs, table = comparison.jobs, comparison.table
    base = jobs[comparison.baseline]
    lines = [f"# Comparison: {_title(jobs)}", "", f"*{CAPTION}*", ""]
    question = _question(jobs)
    if question:
        lines += [f"**Question.** {question}", ""]
    paired = bool(table["paired"].all())
    lines += [
        f"Baseline: **{comparison.labels[comparison.baseline]}** (`{base.folder.name}`). "
        f"{len(jobs)} jobs, {base.record['replicates']} replicates each, seed {base.record['seed']}. "
        + (
            "Deltas are paired by replicate (common random numbers)."
            if paired
            else "Some deltas are unpaired (different seeds or replicate counts)."
        ),
        "",
        "![comparison](comparison.png)",
        "",
        "| scenario | country | p_joined_by_horizon | 95% CI | delta | 95% CI |",
        "|---|---|---|---|---|---|",
    ]
    moving = table.groupby("country")["p_joined_by_horizon"].agg(["min", "max"])
    moving = moving[(moving["max"] > TRIVIAL) & (moving["min"] < 1 - TRIVIAL)].index
    for row in table[table["country"].isin(moving)].itertuples():
        lines.append(
            f"| {row.label} | {row.country} | {row.p_joined_by_horizon:.3f} | "
            f"{row.ci_low:.3f}-{row.ci_high:.3f} | {row.delta:+.3f} | "
            f"{row.delta_ci_low:+.3f} to {row.delta_ci_high:+.3f} |"
        )
    lines += ["", "Full table: `comparison.csv` (also `comparison.parquet`).", "", "## Configs", ""]
    for job, label in zip(jobs, comparison.labels):
        overrides = " ".join(job.overrides) or "(none)"
        lines.append(
            f"- `{job.folder.name}` {label}: overrides `{overrides}`, config hash `{job.record['hash']}`"
        )
    lines += [
        "",
        "Baseline config, resolved:",
        "",
        "```yaml",
        yaml.safe_dump(base.record["config"], sort_keys=False, width=100).rstrip(),
        "```",
        "",
    ]
    return "\n".join(lines)


def _experiments(jobs) -> list[str]:
    """Names of the experiments the jobs ran (from their `+experiment=NAME` overrides)."""
    picked = (
        o.split("=", 1)[1]
        for j in jobs
        for o in j.overrides
        if o.lstrip("+").startswith("experiment=")
    )
    return sorted(set(picked))


def _search_path(folder: Path) -> list[str]:
    record = folder / ".hydra" / "hydra.yaml"
    if not record.is_file():
        return []
    sources = (
        (yaml.safe_load(record.read_text()) or {})
        .get("hydra", {})
        .get("runtime", {})
        .get("config_sources", [])
    )
    return [s["path"] for s in sources if s.get("schema") == "file"]


def _title(jobs) -> str:
    return ", ".join(_experiments(jobs)) or jobs[0].folder.parent.name


def _question(jobs) -> str:
    """The `# Question:` line of the experiment's file: the project's, or a user's found through
    the config search path the job ran with (its .hydra/hydra.yaml). A sweep over experiments
    (`+experiment=base,what_if`) asks the question of the last one named: the what-if's."""
    for name in reversed(_experiments(jobs)):
        places = [
            ROOT / "experiments",
            *(Path(p) / "experiment" for p in _search_path(jobs[0].folder)),
        ]
        path = next((p / f"{name}.yaml" for p in places if (p / f"{name}.yaml").is_file()), None)
        for line in path.read_text().splitlines() if path is not None else []:
            if line.startswith("# Question:"):
                text = line.removeprefix("# Question:").strip()
                return text[:1].upper() + text[1:]
    return ""

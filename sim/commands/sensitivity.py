"""`python -m sim.sensitivity [overrides]`: which assumptions matter (sim.analysis.sensitivity),
written as tables and figures into the Hydra run folder."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from sim.analysis.sensitivity import Study, check, conditions, run_study, summary_text
from sim.config.schema import RunConfig
from sim.engine.world import compile_world
from sim.hydra.app import study_command
from sim.output import store
from sim.output.plots.sensitivity import plot_indices, plot_sensitivity_heatmap


def write_study(study: Study, config: RunConfig, folder: Path) -> list[Path]:
    """Tables and figures of a study, in a folder that appears with all of them or not at all."""
    return store.publish(Path(folder), lambda partial: _write_study(study, config, partial))


def _write_study(study: Study, config: RunConfig, folder: Path) -> list[Path]:
    spec = config.sensitivity
    written = [
        store.atomic_write(
            folder / "sensitivity.csv", lambda p: study.indices.to_csv(p, index=False)
        ),
        store.atomic_write(
            folder / "samples.parquet", lambda p: study.sample_table.to_parquet(p, index=False)
        ),
    ]
    if spec.goal is not None:
        table = conditions(study, spec, compile_world(config))
        written.append(
            store.atomic_write(folder / "conditions.csv", lambda p: table.to_csv(p, index=False))
        )
    if config.plots and len(study.indices):
        main_index = "ST" if spec.method == "sobol" else "mu_star"
        figures = {
            "sensitivity.png": lambda: plot_sensitivity_heatmap(
                study.indices, main_index, spec.name
            )
        }
        for output, part in study.indices.groupby("output", sort=False):
            figures[f"sensitivity_{_slug(output)}.png"] = lambda o=output, t=part: plot_indices(
                t, o, spec.method
            )
        for filename, draw in figures.items():  # one figure open at a time
            fig = draw()
            written.append(
                store.atomic_write(
                    folder / filename, lambda p, f=fig: f.savefig(p, dpi=130, format="png")
                )
            )
            plt.close(fig)
    return written


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")


def report(study: Study, config: RunConfig, out: Path) -> None:
    write_study(study, config, out)
    print(summary_text(study, config.sensitivity))


def main() -> None:
    study_command(check, run_study, report)


if __name__ == "__main__":
    main()

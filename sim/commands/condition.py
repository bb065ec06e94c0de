"""Conditional outcomes of a run: "if Saudi Arabia joins by 2027-12, who follows within 12 months?"

    python -m sim.condition --if "saudi_arabia joins by 2027-12" --run RUN_DIR [--within 12]
    python -m sim.condition --if "at least 2 new members by 2028-12" [OVERRIDES ...]

With `--run`, the stored outcomes of that run (its outcomes.parquet) are read and nothing is
simulated; otherwise the scenario the overrides give (e.g. `+experiment=NAME replicates=20000`)
is run first. Writes condition.csv, condition.png and condition.md into `--out` (default: the
run's folder, or outputs/condition/DATE/TIME). The grammar is in sim/analysis/condition.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from sim.analysis.condition import Setting, advice, conditional_table
from sim.config.errors import ConfigError
from sim.config.load import load_config
from sim.config.schema import RunConfig
from sim.engine.kernel import gate_openings, shock_onsets
from sim.hydra.configs import compose_config
from sim.hydra.preflight import EXIT_BAD_INPUT, preflight
from sim.output.answers import condition_paragraph, plot_condition, write_answer
from sim.output.store import JOB_FILE, read_job
from sim.runs.runner import design, execute
from sim.runs.write import write_outputs


def setting_of(config: RunConfig, replicates: int, condition: str) -> Setting:
    """What a run's outcomes are read against; where `condition` names shocks or gates, each
    event's onsets and each gate's opening in each replicate, drawn again from the run's
    streams (its design: posterior draws and all)."""
    _, designs, points = design(config)
    rows, seed = np.arange(replicates), config.seed
    onsets = shock_onsets(designs, points, rows, seed) if "shock" in condition else None
    openings = gate_openings(designs, points, rows, seed) if "gate" in condition else None
    return Setting(
        designs.ids,
        designs.names,
        designs.start,
        designs.n_months,
        designs.counted,
        tuple(designs.event_names),
        onsets,
        tuple(designs.gate_names),
        openings,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.condition", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--if", dest="condition", required=True, help="e.g. 'saudi_arabia joins by 2027-12'"
    )
    parser.add_argument(
        "--run", type=Path, help="a run's folder (its stored outcomes); default: run the overrides"
    )
    parser.add_argument(
        "--within",
        type=int,
        default=12,
        help="months after the condition for 'follows' (default 12)",
    )
    parser.add_argument("--out", type=Path, help="where to write (default: the run's folder)")
    parser.add_argument("overrides", nargs="*", help="config overrides when no --run is given")
    args = parser.parse_args(argv)
    try:
        if args.within < 1:
            raise ConfigError(
                "within", f"expected a whole number of months >= 1, got {args.within}"
            )
        setting, outcomes, folder = _outcomes(args)
        table, summary = conditional_table(outcomes, setting, args.condition, args.within)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    warning = advice(summary)
    out = args.out or folder
    written = write_answer(
        out,
        "condition",
        table,
        plot_condition(table, summary),
        condition_paragraph(table, summary, warning),
    )
    shown = table.head(8)[
        ["country", "p_joined_by_horizon", "p_if", "delta", f"p_within_{args.within}_months_after"]
    ]
    print(
        f"if {args.condition}: held in {summary['kept']:,} of {summary['replicates']:,} replicates ({summary['share_kept']:.1%})"
    )
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if warning:
        print(f"note: {warning}", file=sys.stderr)
    print(f"wrote {', '.join(p.name for p in written)} in {out}")
    return 0


def _outcomes(args):
    if args.run is not None:
        if args.overrides:
            raise ConfigError(
                "run", f"expected either --run or overrides, got both ({' '.join(args.overrides)})"
            )
        if not (args.run / JOB_FILE).is_file():
            raise ConfigError(
                "run", f"expected a run's folder holding {JOB_FILE}, got {str(args.run)!r}"
            )
        job = read_job(args.run)
        config = load_config(job.record["config"])
        return (
            setting_of(config, job.record["replicates"], args.condition),
            job.outcomes,
            args.run,
        )
    preflight(args.overrides)
    result = execute(compose_config(args.overrides))
    folder = Path("outputs") / "condition" / time.strftime("%Y-%m-%d") / time.strftime("%H-%M-%S")
    write_outputs(result, folder, args.overrides)
    return (
        setting_of(result.config, result.config.replicates, args.condition),
        result.outcomes,
        folder,
    )


if __name__ == "__main__":
    sys.exit(main())

"""Compare jobs: each scenario's joining probabilities and its change against a baseline job.

    python -m sim.compare SWEEP_DIR [--baseline KEY=VALUE[,KEY=VALUE]]
    python -m sim.compare RUN_DIR RUN_DIR ... [--out DIR]

Deltas are paired when the two jobs share the seed and the replicate count: the random streams
are keyed by seed, replicate and country, so replicate r of both jobs met the same chance, and
the delta's 95% interval comes from the per-replicate differences (a normal interval for their
mean). A change that alters nothing gives a delta of exactly 0 with a zero-width interval. Other
pairs get Newcombe's (1998) hybrid score interval for a difference of independent proportions
(sim.analysis.compare computes, sim.output.report writes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.analysis.compare import choose_baseline, compare
from sim.output.report import write_comparison
from sim.output.store import find_jobs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.compare", description=__doc__.split("\n")[0]
    )
    parser.add_argument("folders", nargs="+", type=Path, help="a sweep folder, or run folders")
    parser.add_argument(
        "--baseline", help="overrides that pick the baseline job, e.g. mediator.engagement=1.0"
    )
    parser.add_argument(
        "--out", type=Path, help="where to write (default: the single folder given)"
    )
    args = parser.parse_args(argv)
    out = args.out or (args.folders[0] if len(args.folders) == 1 else None)
    if out is None:
        print("error: --out is needed when comparing several folders", file=sys.stderr)
        return 2
    try:
        jobs = find_jobs(args.folders)
        comparison = compare(jobs, choose_baseline(jobs, args.baseline))
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path in write_comparison(comparison, out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The cheapest package: what is the least costly set of offers that brings a country to join?

    python -m sim.optimize --target azerbaijan --by 2028-12 --at-least 0.9 --budget 6 [OVERRIDES ...]
    python -m sim.optimize --members 2 --by 2029-12 --at-least 0.5 --scope saudi_arabia,oman,qatar

A package is a set of offers the model's mediator adds to what it does anyway: for each country
in `--scope`, an inducement type (or none) offered from a start month until the deadline
(`mediator.package`, sim.engine.world), and optionally a higher engagement. Its cost is what the
mediator would pay if every offer were taken up: the sum of the types' costs (conf/mediator),
plus `--engagement-cost` per unit of engagement above the config's. Optuna searches it (TPE for
the cheapest package that reaches the probability; NSGA-II for the trade-off of cost against
probability), evaluating each batch of candidates in one kernel call with the same replicate
streams (common random numbers: differences between packages are not noise). The package found
is run again with fresh streams and more replicates before it is reported, against the same
scenario without it (paired deltas for every country). This describes the model's mediator
under stated assumptions; it is not advice to any government.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import yaml

from sim.config.errors import ConfigError
from sim.config.months import read_month
from sim.config.schema import RunConfig
from sim.core.calendar import format_month
from sim.hydra.configs import compose_config
from sim.hydra.preflight import EXIT_BAD_INPUT, preflight
from sim.output.answers import optimize_paragraph, plot_pareto, write_answer
from sim.output.store import plain
from sim.runs.cheapest import Question, best, check, confirm, cost, package, search
from sim.runs.progress import Watch


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        preflight(args.overrides)
        config = compose_config(args.overrides)
        q = _question(args, config)
        check(config, q)
        started = time.perf_counter()
        with Watch(config.progress) as watch:
            state = search(config, q, args.method, args.trials, args.batch, args.seed, watch)
        seconds = time.perf_counter() - started
        chosen = best(state)
        if chosen is None:
            top = max(p for cst, p in state.seen.values() if cst <= q.budget) if state.seen else 0.0
            within = (
                f" within the budget {q.budget:g}"
                if np.isfinite(q.budget)
                else f" of the {state.evaluations} tried"
            )
            raise ConfigError(
                "at_least",
                f"no package{within} reaches {q.at_least:g} for {q.describe(config).split(' by ')[0]} by {format_month(q.by)}; the best reaches {top:.2f}",
            )
        summary, moved = confirm(state, chosen, args.confirm_replicates)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    table = state.table()
    out = args.out or Path("outputs") / "optimize" / time.strftime("%Y-%m-%d") / time.strftime(
        "%H-%M-%S"
    )
    info = {
        "question": q.describe(config),
        "package": chosen.text(),
        "cost": cost(config, q, chosen),
        **summary,
        "evaluated": state.evaluations,
        "seconds": seconds,
        "method": args.method,
        "budget": q.budget,
        "at_least": q.at_least,
    }
    written = write_answer(
        out, "optimize", table, plot_pareto(table, info), optimize_paragraph(info, moved)
    )
    moved.to_csv(out / "moved.csv", index=False)
    offers = {name: plain(o) for name, o in package(q, chosen).items()}  # months as YYYY-MM
    experiment = yaml.safe_dump(
        {"mediator": {"package": offers, "engagement": chosen.engagement}}, sort_keys=False
    )
    (out / "package.yaml").write_text(
        f"# @package _global_\n# {chosen.text()}: an experiment file (copy to experiments/)\n{experiment}"
    )
    print(
        f"{q.describe(config)}: {chosen.text()}, cost {info['cost']:g}; confirmed {summary['probability']:.3f} "
        f"({summary['ci_low']:.3f}-{summary['ci_high']:.3f}) on {summary['replicates']:,} fresh replicates; "
        f"{state.evaluations} candidates in {seconds:.0f} s"
    )
    print(f"wrote {', '.join(p.name for p in written)}, moved.csv, package.yaml in {out}")
    return 0


def _question(args, config: RunConfig) -> Question:
    if (args.target is None) == (args.members is None):
        raise ConfigError(
            "target",
            "expected either --target COUNTRY or --members N, got "
            + ("both" if args.target else "neither"),
        )
    scope = args.scope.split(",") if args.scope else [args.target] if args.target else []
    types_ = args.types.split(",") if args.types else list(config.mediator.inducements)
    first, last = config.scenario.start, read_month(args.by, "by")
    starts = list(range(first, max(last, first) + 1, args.start_step))
    return Question(
        args.target,
        args.members or 0,
        last,
        args.at_least,
        args.budget,
        scope,
        types_,
        starts,
        args.engagement_max,
        args.engagement_cost,
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sim.optimize", description=__doc__.split("\n")[0])
    p.add_argument("--target", help="country id that should join")
    p.add_argument("--members", type=int, help="or: this many new members")
    p.add_argument("--by", required=True, help="deadline, YYYY-MM")
    p.add_argument("--at-least", type=float, required=True, help="probability to reach")
    p.add_argument("--budget", type=float, default=float("inf"), help="largest cost allowed")
    p.add_argument(
        "--scope", help="countries the package may court, comma-separated (default: the target)"
    )
    p.add_argument("--types", help="inducement types it may offer (default: all the mediator has)")
    p.add_argument(
        "--start-step",
        type=int,
        default=6,
        help="months between the start months tried (default 6)",
    )
    p.add_argument("--engagement-max", type=float, help="also search the engagement up to this")
    p.add_argument(
        "--engagement-cost",
        type=float,
        default=4.0,
        help="JUDGEMENT: cost per unit of engagement above the config's",
    )
    p.add_argument("--method", choices=["tpe", "nsga2"], default="tpe")
    p.add_argument("--trials", type=int, default=160, help="candidates asked of the optimiser")
    p.add_argument("--batch", type=int, default=16, help="candidates per kernel call")
    p.add_argument(
        "--seed", type=int, default=0, help="the optimiser's seed (replicates use the run's)"
    )
    p.add_argument(
        "--confirm-replicates",
        type=int,
        default=20000,
        help="fresh replicates for the chosen package",
    )
    p.add_argument("--out", type=Path)
    p.add_argument(
        "overrides", nargs="*", help="config overrides, e.g. +experiment=NAME replicates=2000"
    )
    return p


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: country-steps per second of both engines on one scenario, measured in one run,
and the peak memory of a large run. `python -m sim.bench [--replicates N] [--out bench.json]`.

A country-step is one country for one month of one replicate. The ensemble is timed after a
first call (which loads or compiles the numba kernel; that time is reported apart), best of
`--repeats`. Peak memory is the maximum resident set size of `python -m sim` running the whole
pipeline (simulate, tabulate, write tables, figures and outcomes) for `--memory-replicates`
replicates (a million by default), as the operating system reports it.
The sweep figures are the wall time of `python -m sim ... --multirun` over an 8 x 8 grid
(engagement x peer weight) of 2,000-replicate jobs: with the default batch launcher (the
comparison's figure, not every job's) and a single 2,000-replicate run of `python -m sim` (its
figures included), each `--rounds` times, alternated, their medians and ratio reported; then
the sweep without explanations (`explain=false`) and with the local launcher (one process per
job). The evaluator's figure is its time per point for 64 points of 500 replicates in one
call (sim.api.evaluate), after a first call.

`--against PATH` compares this checkout with another (a worktree of the release before, say)
instead: the ensemble's throughput, a single run and the sweep, each in a fresh process of
either checkout, alternated `--rounds` times with the order swapped each round, medians
reported. A change's speed is its ratio measured so, not two figures from two noisy runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

from sim.api.evaluate import Evaluator
from sim.engine.simulate import simulate
from sim.engine.world import compile_world
from sim.hydra.configs import compose_config


def country_steps_per_second(world, engine: str, replicates: int, repeats: int) -> float:
    steps = replicates * len(world.ids) * world.n_months
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        simulate(world, replicates=replicates, seed=1, engine=engine)
        best = min(best, time.perf_counter() - start)
    return steps / best


def peak_memory_mib(overrides: list[str], replicates: int) -> float:
    """Peak RSS of `python -m sim` running `replicates` replicates end to end (tables, figures
    and outcomes.parquet written), measured by a parent that waits for it."""
    code = (
        "import resource, subprocess, sys\n"
        f"subprocess.run([sys.executable, '-m', 'sim', *{overrides + [f'replicates={replicates}']!r}],"
        " check=True, stdout=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1]) / 1024  # Linux reports KiB


def sweep_seconds(
    points: tuple[int, int], replicates: int, folder: Path, *extra: str, tree: Path | None = None
) -> float:
    """Wall time of a multirun of points[0] x points[1] jobs (default: the batch launcher)."""
    engagement = ",".join(f"{v:g}" for v in np.linspace(0, 1, points[0]))
    peer = ",".join(f"{v:g}" for v in np.linspace(0.3, 1.0, points[1]))
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            f"replicates={replicates}",
            f"mediator.engagement={engagement}",
            f"params.weights.peer={peer}",
            f"hydra.sweep.dir={folder}",
            *extra,
            "--multirun",
        ],
        check=True,
        capture_output=True,
        **_checkout(tree),
    )
    return time.perf_counter() - start


def single_run_seconds(replicates: int, folder: Path, tree: Path | None = None) -> float:
    """Wall time of one `python -m sim` run, figures and all, as a user starts it."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sim", f"replicates={replicates}", f"hydra.run.dir={folder}"],
        check=True,
        capture_output=True,
        **_checkout(tree),
    )
    return time.perf_counter() - start


def _checkout(tree: Path | None) -> dict:
    """A subprocess's cwd and environment to run the simulator of checkout `tree` (None: this
    one), with that checkout's own kernel cache."""
    if tree is None:
        return {}
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    return {"cwd": tree, "env": env | {"PYTHONPATH": str(tree)}}


_ENSEMBLE = """
import sys
from sim.commands.bench import country_steps_per_second
from sim.engine.simulate import simulate
from sim.engine.world import compile_world
from sim.hydra.configs import compose_config
world = compile_world(compose_config(sys.argv[3:]))
simulate(world, replicates=8, seed=0)
print(country_steps_per_second(world, "ensemble", int(sys.argv[1]), int(sys.argv[2])))
"""


def against(other: Path, overrides: list[str], replicates: int, repeats: int, rounds: int):
    """This checkout and `other` alternated: per checkout, the medians of the ensemble's
    country-steps per second, a single run's and the 64-job sweep's seconds."""
    trees = {"this": Path(__file__).resolve().parents[2], "other": other.resolve()}
    found = {name: {"ensemble": [], "single": [], "sweep": []} for name in trees}
    for r in range(rounds):
        for name in list(trees)[:: 1 if r % 2 == 0 else -1]:
            done = subprocess.run(
                [sys.executable, "-c", _ENSEMBLE, str(replicates), str(repeats), *overrides],
                check=True,
                capture_output=True,
                text=True,
                **_checkout(trees[name]),
            )
            found[name]["ensemble"].append(float(done.stdout.split()[-1]))
            with tempfile.TemporaryDirectory(prefix="bench-against-") as folder:
                run = Path(folder)
                found[name]["single"].append(single_run_seconds(2000, run / "r", trees[name]))
                found[name]["sweep"].append(
                    sweep_seconds((8, 8), 2000, run / "s", tree=trees[name])
                )
    report = {"against": str(trees["other"]), "rounds": found}
    for name, seen in found.items():
        single, sweep = float(np.median(seen["single"])), float(np.median(seen["sweep"]))
        report[f"{name}_ensemble_country_steps_per_s"] = round(float(np.median(seen["ensemble"])))
        report[f"{name}_sweep_over_single_run"] = round(sweep / single, 2)
    return report


def evaluator_seconds_per_point(points: int, replicates: int) -> float:
    grid = [{"mediator.engagement": float(e)} for e in np.linspace(0, 1, points)]
    model = Evaluator([f"replicates={replicates}"])
    model(grid[:2])  # a first call: the kernel loaded
    start = time.perf_counter()
    model(grid)
    return (time.perf_counter() - start) / points


def _single() -> float:
    with tempfile.TemporaryDirectory(prefix="bench-single-") as folder:
        return single_run_seconds(2000, Path(folder) / "run")


def _memory(overrides: list[str], replicates: int) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as folder:
        return peak_memory_mib([*overrides, f"hydra.run.dir={folder}/run"], replicates)


def _timed_sweep(*extra: str) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as folder:
        return sweep_seconds((8, 8), 2000, Path(folder) / "sweep", *extra)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m sim.bench", description=__doc__.split("\n")[0])
    parser.add_argument("overrides", nargs="*", help="config overrides, as for python -m sim")
    parser.add_argument("--replicates", type=int, default=100_000, help="ensemble and memory run")
    parser.add_argument("--mesa-replicates", type=int, default=100)
    parser.add_argument(
        "--memory-replicates", type=int, default=1_000_000, help="peak memory run (CLI)"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench.json"))
    parser.add_argument("--no-sweep", action="store_true", help="skip the 64-job sweep timing")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="single runs and sweeps, alternated (medians reported)",
    )
    parser.add_argument(
        "--against", type=Path, help="another checkout: alternate with it instead (see above)"
    )
    args = parser.parse_args(argv)
    if args.against is not None:
        report = against(args.against, args.overrides, args.replicates, args.repeats, args.rounds)
        return _write(report, args.out)

    world = compile_world(compose_config(args.overrides))
    start = time.perf_counter()
    simulate(world, replicates=8, seed=0)
    first_call = time.perf_counter() - start
    mesa = country_steps_per_second(world, "mesa", args.mesa_replicates, 1)
    ensemble = country_steps_per_second(world, "ensemble", args.replicates, args.repeats)
    report = {
        "scenario": " ".join(args.overrides) or "default",
        "countries": len(world.ids),
        "months": world.n_months,
        "mesa_country_steps_per_s": round(mesa),
        "ensemble_country_steps_per_s": round(ensemble),
        "ratio": round(ensemble / mesa, 1),
        "ensemble_first_call_s": round(first_call, 2),
        "mesa_replicates": args.mesa_replicates,
        "ensemble_replicates": args.replicates,
        "threads": numba.get_num_threads(),
        "memory_replicates": args.memory_replicates,
        "peak_memory_mib": round(_memory(args.overrides, args.memory_replicates), 1),
        "evaluator_s_per_point_64_x_500": round(evaluator_seconds_per_point(64, 500), 4),
    }
    if not args.no_sweep:
        singles, batches = [], []
        for _ in range(args.rounds):  # alternated: a noisy machine slows both alike
            singles.append(_single())
            batches.append(_timed_sweep())
        single, batch = float(np.median(singles)), float(np.median(batches))
        plain, local = _timed_sweep("explain=false"), _timed_sweep("hydra/launcher=local")
        report |= {
            "single_run_2000_replicates_s": round(single, 1),
            "sweep_64_jobs_x_2000_replicates_s": round(batch, 1),
            "sweep_over_single_run": round(batch / single, 2),
            "rounds_single_s": [round(t, 2) for t in singles],
            "rounds_sweep_s": [round(t, 2) for t in batches],
            "sweep_64_jobs_without_explanations_s": round(
                plain, 1
            ),  # explain=false: the kernel's sums off
            "sweep_64_jobs_local_launcher_s": round(
                local, 1
            ),  # one process per job, as sweeps ran before
        }
    report |= {
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    return _write(report, args.out)


def _write(report: dict, out: Path) -> dict:
    out.write_text(json.dumps(report, indent=2) + "\n")
    for key, value in report.items():
        print(f"{key:30s} {value}")
    print(f"written to {out}")
    return report


if __name__ == "__main__":
    main()

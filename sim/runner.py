"""One run end to end, below the entry points: config -> world -> engine -> tables -> files."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numba
import numpy as np
import pandas as pd

from sim.analysis.tables import NEW_MEMBERS, Tables, tabulate
from sim.config.schema import RunConfig
from sim.core.decision import Status
from sim.engine.design import DrawnConfigs, group_size, input_design, same_shape, stack_worlds
from sim.engine.kernel import run_ensemble_parts
from sim.engine.outcomes import Outcomes
from sim.engine.simulate import Watch, simulate_explained
from sim.engine.world import World, compile_like, compile_world
from sim.inference.start import RecordStart
from sim.output import store
from sim.output.plots.run import plot_contributions, plot_join_probability, plot_members

CONTRIBUTION_PANELS = 8  # countries in contributions.png (why.csv lists plot_countries)
ROWS_PER_CALL = 1 << 18  # rows of a batched kernel call (simulate_many): bounded memory
PIPELINED_ROWS = (
    1 << 13
)  # rows of a kernel call in execute_stream: 16 calls for a sweep of 64 x 2,000 (fastest of 4k, 8k, 16k here)


@dataclass(frozen=True)
class RunResult:
    config: RunConfig
    world: World
    outcomes: Outcomes
    tables: Tables

    @property
    def joining_probabilities(self) -> pd.DataFrame:
        return self.tables.joining_probabilities

    @property
    def summary(self) -> pd.DataFrame:
        return self.tables.summary

    @property
    def members(self) -> pd.DataFrame:
        return self.tables.members

    def p_joined(self, country: str) -> float:
        """A country's probability of being a member at the horizon, by id or name."""
        ids, names = self.world.ids, self.world.names
        if country not in ids and country not in names:
            raise KeyError(f"unknown country {country!r}: ids are {', '.join(ids)}")
        name = names[ids.index(country)] if country in ids else country
        return float(self.summary.set_index("country").loc[name, "p_joined_by_horizon"])

    @property
    def new_members(self) -> pd.Series:
        """The mean number of new members (counted as the tables count them) at the end of each month."""
        w = self.world
        counted = (w.status0 == Status.MEMBER) & w.counted
        if w.count_stage == "signed":
            counted &= ~w.unsigned  # a member whose signing is not on the record is not counted
        at_start = int(counted.sum())
        return (self.members.set_index("month")["mean"] - at_start).rename("new_members")


def execute(config: RunConfig, watch: Watch | None = None) -> RunResult:
    """Simulate `config` (drawing its uncertain inputs, if any) and tabulate the result. `watch`
    is told of each drawn world and each chunk of replicates (sim.progress)."""
    world, designs, points = design(config, watch)
    outcomes, sums = simulate_explained(
        designs,
        replicates=config.replicates,
        seed=config.seed,
        engine=config.engine,
        points=points,
        explain=config.explain,
        chunk=config.chunk,
        watch=watch,
    )
    return _result(config, world, designs, outcomes, sums)


def design(
    config: RunConfig,
    watch: Watch | None = None,
    start: RecordStart | None = None,
    like: tuple | None = None,
    memo: DrawnConfigs | None = None,
) -> tuple[World, World, np.ndarray]:
    """The run's world, the worlds its replicates see (posterior draws, uncertain inputs; each
    draw from its own start) and each replicate's design point. The points of a sweep share
    `start` (the record's world, compiled once while only params differ) and their drawn configs
    (`memo`), and are compiled `like` the previous point's (config, world) (compile_like)."""
    start = start if start is not None else RecordStart()
    compiled = compile_like(config, *like) if like is not None else compile_world(config)
    world = start(config, compiled)
    designs, points = input_design(config, compiled, prepare=start.draws, watch=watch, memo=memo)
    return world, designs, points


def _result(config: RunConfig, world: World, designs: World, outcomes: Outcomes, sums) -> RunResult:
    tables = tabulate(
        outcomes,
        world,
        sums=sums,
        why_countries=config.plot_countries,
        draw_groups=group_size(config) if designs.size > 1 else None,
        draws_differ=any(not (a == a[:1]).all() for a in designs.numbers),
    )
    return RunResult(config, world, outcomes, tables)


def execute_many(configs: list[RunConfig], watch: Watch | None = None) -> list[RunResult]:
    """`execute` for each config, at kernel speed (`execute_stream`), in order."""
    results: list[RunResult | None] = [None] * len(configs)
    for i, result in execute_stream(configs, watch):
        results[i] = result
    return results


def execute_stream(
    configs: list[RunConfig], watch: Watch | None = None, rows_per_call: int = PIPELINED_ROWS
):
    """(index, RunResult) for each config, each the result of `execute` byte for byte, as soon
    as its batch is done (in index order where the configs share a shape). Configs that can
    share kernel calls (`shares_calls`) run as design points of one stack, with their own
    explanation sums, in calls of about `rows_per_call` rows; while one call runs in a second
    thread (the kernel releases the GIL), this thread designs the next call's points and
    tabulates the last one's, and the caller writes them: the Python work of a sweep runs while
    the kernel does, not after it. Other engines run one config at a time, here."""
    prepared: dict[int, tuple[World, World, np.ndarray]] = {}
    groups: list[list[int]] = []  # open groups of configs that share calls, not yet submitted
    running: list[tuple[list[int], Future]] = []  # submitted groups, oldest first
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kernel")
    done = 0

    def submit(group: list[int]) -> None:
        config, designs = configs[group[0]], [prepared[i][1:] for i in group]
        if _kernel_threadsafe():
            running.append(
                (
                    group,
                    pool.submit(
                        _on_threads,
                        numba.get_num_threads(),
                        run_stacked,
                        designs,
                        config,
                        len(group),
                    ),
                )
            )
        else:  # numba's workqueue layer aborts on two parallel calls at once: no overlap
            finished = Future()
            finished.set_result(run_stacked(designs, config, len(group)))
            running.append((group, finished))

    def collect():
        nonlocal done
        group, future = running.pop(0)
        outcomes, sums = future.result()
        n = configs[group[0]].replicates  # the same in a group
        for k, i in enumerate(group):
            world, designs, _ = prepared.pop(i)
            done += 1
            yield (
                i,
                _result(
                    configs[i],
                    world,
                    designs,
                    outcomes.rows(k * n, (k + 1) * n),
                    sums[k] if sums else None,
                ),
            )
            if watch is not None:
                watch("runs", done, len(configs))

    try:
        for i, (config, point) in enumerate(zip(configs, designed(configs, watch))):
            prepared[i] = point
            if config.engine != "ensemble":
                world, designs, points = prepared.pop(i)
                done += 1
                yield (
                    i,
                    _result(
                        config,
                        world,
                        designs,
                        *simulate_explained(
                            designs,
                            replicates=config.replicates,
                            seed=config.seed,
                            engine=config.engine,
                            points=points,
                            explain=config.explain,
                            chunk=config.chunk,
                        ),
                    ),
                )
                if watch is not None:
                    watch("runs", done, len(configs))
                continue
            group = next(
                (
                    g
                    for g in groups
                    if shares_calls(configs[g[0]], prepared[g[0]][1], config, prepared[i][1])
                ),
                None,
            )
            if group is None:
                groups.append(group := [])
            group.append(i)
            per_call = max(rows_per_call // config.replicates, 1)
            if len(group) == per_call or i >= len(configs) - per_call or not running:
                # full; or the first point, which starts the kernel (and its loading) while the next
                # are designed; or the last call's points, a call each, so the last results to
                # write come right after the kernel
                groups.remove(group)
                submit(group)
                if len(running) > 1:  # the last call's results while this one runs
                    yield from collect()
        for group in groups:
            submit(group)
            if len(running) > 1:
                yield from collect()
        while running:
            yield from collect()
    finally:  # stopped (Ctrl-C, an error, the caller): no kernel left running
        pool.shutdown(wait=True, cancel_futures=True)


def _on_threads(threads: int, work, *args):
    """`work(*args)` on the caller's number of numba threads (a per-thread setting)."""
    numba.set_num_threads(threads)
    return work(*args)


def _kernel_threadsafe() -> bool:
    """True when the kernel may run in a second thread beside other numba parallel work."""
    try:
        return numba.threading_layer() != "workqueue"
    except ValueError:  # no parallel call yet: the layer is not chosen
        return False


def design_all(
    configs: list[RunConfig], watch: Watch | None = None
) -> list[tuple[World, World, np.ndarray]]:
    """`design` of each config, the points of a sweep sharing what they can (see `design`)."""
    return list(designed(configs, watch))


def designed(configs: list[RunConfig], watch: Watch | None = None):
    """`design_all`, one config's design at a time (execute_stream runs kernel calls between)."""
    start, memo, like = RecordStart(), DrawnConfigs(), None
    for i, config in enumerate(configs):
        prepared = design(config, watch, start, like, memo)
        like = (config, prepared[0])
        if watch is not None:
            watch("points", i + 1, len(configs))
        yield prepared


def simulate_many(configs: list[RunConfig], prepared: list[tuple[World, World, np.ndarray]]):
    """For each config, with its `design`: (index, outcomes, explanation sums), the configs that
    can share kernel calls (`batches`) sharing them; other engines one config at a time."""
    for batch in batches(configs, [d for _, d, _ in prepared]):
        config = configs[batch[0]]
        if config.engine != "ensemble":
            for i in batch:
                _, designs, points = prepared[i]
                yield (
                    i,
                    *simulate_explained(
                        designs,
                        replicates=config.replicates,
                        seed=config.seed,
                        engine=config.engine,
                        points=points,
                        explain=config.explain,
                        chunk=config.chunk,
                    ),
                )
            continue
        outcomes, sums = run_stacked([prepared[i][1:] for i in batch], config, len(batch))
        n = config.replicates  # the same in a batch
        for k, i in enumerate(batch):
            yield i, outcomes.rows(k * n, (k + 1) * n), sums[k] if sums else None


def batches(configs: list[RunConfig], designs: list[World]) -> list[list[int]]:
    """Indices of configs that can share kernel calls (`shares_calls`), in order, at most
    ROWS_PER_CALL rows a batch."""
    groups: list[list[int]] = []
    for i, (config, world) in enumerate(zip(configs, designs)):
        for group in groups:
            fits = (len(group) + 1) * config.replicates <= ROWS_PER_CALL
            if fits and shares_calls(configs[group[0]], designs[group[0]], config, world):
                group.append(i)
                break
        else:
            groups.append([i])
    return groups


def shares_calls(first: RunConfig, first_world: World, config: RunConfig, world: World) -> bool:
    """True when two configs' designs can run in one kernel call: the same world shape, seed,
    replicate count, engine (the ensemble) and explanation."""
    settings = ("seed", "replicates", "engine", "explain")
    same = (
        all(getattr(first, k) == getattr(config, k) for k in settings)
        and config.engine == "ensemble"
    )
    return same and same_shape(first_world, world)


def run_stacked(designs: list[tuple[World, np.ndarray]], config: RunConfig, parts: int):
    """One kernel call for `parts` runs of `config`'s seed and replicate count: their design
    worlds stacked, each run's replicates 0..n-1 (the streams `execute` gives them)."""
    stack = stack_worlds([worlds for worlds, _ in designs])
    offsets = np.cumsum([0] + [worlds.size for worlds, _ in designs])
    points = np.concatenate([p + offsets[k] for k, (_, p) in enumerate(designs)])
    replicates = np.tile(np.arange(config.replicates), parts)
    return run_ensemble_parts(stack, points, replicates, config.seed, parts, explain=config.explain)


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
    """The summary table as the terminal shows it."""
    shown = summary.copy()
    for col in (
        "p_talks_at_start",
        "p_joined_by_horizon",
        "ci_low",
        "ci_high",
        "share_from_inputs",
    ):
        if col in shown:
            shown[col] = shown[col].map(lambda v: f"{v:.3f}")
    shown["median_join_month"] = shown["median_join_month"].fillna("-")
    return shown.to_string(index=False)


def format_spread(spread: pd.DataFrame, horizon: str) -> str:
    """One line: how much of the spread of new members comes from the uncertain inputs."""
    row = spread.set_index("output").loc[NEW_MEMBERS]
    return (
        f"new members by {horizon}: mean {row['mean']:.2f}, sd {row['sd']:.2f}; "
        f"{row['share_from_inputs']:.0%} of the variance from the uncertain inputs, "
        f"{row['share_from_chance']:.0%} from chance"
    )

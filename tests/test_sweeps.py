"""Sweeps and comparisons: paired deltas, failure made visible, launchers agree, crash and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper  # the reference grid
from hydra.core.override_parser.overrides_parser import OverridesParser

from sim import run
from sim.analysis.compare import compare, paired_delta, unpaired_delta
from sim.core.calendar import parse_month
from sim.engine.outcomes import Outcomes
from sim.hydra.configs import compose_config, plain_config
from sim.hydra.sweeper import grid
from sim.output.store import find_jobs
from sim.runs.runner import execute, execute_stream
from sim.runs.write import write_outputs

from .conftest import ROOT, cli, result_tables

COLUMNS = ["p_joined_by_horizon", "ci_low", "ci_high", "delta", "delta_ci_low", "delta_ci_high"]


def stored_run(folder: Path, overrides: list[str]) -> Path:
    write_outputs(run(overrides), folder, overrides)
    return folder


def test_a_change_that_changes_nothing_has_a_delta_of_exactly_zero(tmp_path):
    a = stored_run(tmp_path / "a", ["replicates=1000", "plot_countries=5", "plots=false"])
    b = stored_run(tmp_path / "b", ["replicates=1000", "plot_countries=12", "plots=false"])
    table = compare(find_jobs([a, b])).table
    assert table["paired"].all()
    assert (table[["delta", "delta_ci_low", "delta_ci_high"]] == 0).all().all()


def test_paired_intervals_are_narrower_than_unpaired_on_a_real_example(tmp_path):
    # without gates: engagement then moves some country by more than 0.05 (with them, the gates
    # hold the countries it would move most)
    low = run(["params=judgement", "gates=none", "replicates=4000", "mediator.engagement=0.0"])
    high = run(["params=judgement", "gates=none", "replicates=4000", "mediator.engagement=1.0"])
    last = low.world.n_months - 1
    moved = high.outcomes.is_member(last).mean(axis=0) - low.outcomes.is_member(last).mean(axis=0)
    c = int(np.argmax(moved))  # the country engagement moves most
    x, y = high.outcomes.is_member(last)[:, c], low.outcomes.is_member(last)[:, c]
    paired, unpaired = paired_delta(x, y), unpaired_delta(x, y)
    assert paired[0] == pytest.approx(unpaired[0]) and paired[0] > 0.05
    width = lambda d: d[2] - d[1]
    assert width(paired) < 0.7 * width(unpaired)


def test_compare_cli_on_separate_runs_writes_every_file(tmp_path):
    a = stored_run(tmp_path / "a", ["replicates=500", "plots=false", "mediator.engagement=1.0"])
    b = stored_run(tmp_path / "b", ["replicates=500", "plots=false", "mediator.engagement=0.0"])
    done = cli(
        str(a),
        str(b),
        "--out",
        str(tmp_path / "c"),
        "--baseline",
        "mediator.engagement=0.0",
        module="sim.compare",
    )
    assert done.returncode == 0, done.stderr
    for name in ("comparison.csv", "comparison.parquet", "comparison.png", "report.md"):
        assert (tmp_path / "c" / name).stat().st_size > 0
    table = pd.read_parquet(tmp_path / "c" / "comparison.parquet")
    assert {"mediator.engagement", "replicates", "country", *COLUMNS} <= set(table.columns)
    base = table[table["mediator.engagement"] == "0.0"]
    assert (base["delta"] == 0).all()
    report = (tmp_path / "c" / "report.md").read_text()
    assert "![comparison](comparison.png)" in report and "mediator.engagement=1.0" in report


def test_a_failed_comparison_fails_the_sweep_visibly(tmp_path):
    done = cli(
        "replicates=50",
        "plots=false",
        "mediator.engagement=0.0,1.0",
        "hydra/launcher=basic",
        "hydra.callbacks.compare.baseline='mediator.engagement=7'",
        f"hydra.sweep.dir={tmp_path}",
        "--multirun",
    )
    assert done.returncode == 1
    assert (
        "error: comparing the jobs in" in done.stderr
        and "no job has these overrides" in done.stderr
    )
    assert not (tmp_path / "comparison.csv").exists()


SWEEP = ["replicates=3000", "mediator.engagement=0.0,0.25,0.5,0.75,1.0", "seed=9,10"]


@pytest.mark.slow
def test_launchers_give_identical_tables_byte_for_byte(tmp_path):
    tables = {}
    ways = {  # batch: every point in one process, many per kernel call; points: 4 points a job, as on a cluster
        "basic": ["hydra/launcher=basic"],
        "joblib": ["hydra/launcher=joblib"],
        "batch": ["hydra/launcher=batch"],
        "points": ["hydra/launcher=basic", "hydra.sweeper.points_per_job=4"],
    }
    for way, extra in ways.items():
        folder = tmp_path / way
        done = cli(*SWEEP, "plots=false", *extra, f"hydra.sweep.dir={folder}", "--multirun")
        assert done.returncode == 0, done.stderr
        tables[way] = result_tables(folder)
    assert (
        len(tables["basic"]) == 10 * 7 + 1
    )  # every job's six tables (spread: the posterior's) and outcomes; the comparison
    assert tables["basic"] == tables["joblib"] == tables["batch"] == tables["points"]
    for job in (
        "0",
        "7",
    ):  # the batch launcher writes each job's records itself, as Hydra's run_job does
        basic, batch = tmp_path / "basic" / job, tmp_path / "batch" / job
        for name in ("config.yaml", "overrides.yaml"):
            assert (basic / ".hydra" / name).read_bytes() == (batch / ".hydra" / name).read_bytes()
        assert hydra_record(basic, "basic") == hydra_record(batch, "batch")
        assert (batch / "accord_sim.log").read_text().count(f"job {job} baseline [") == 1
    assert sorted(p.name for p in (tmp_path / "points" / ".points").iterdir()) == [
        "0.json",
        "4.json",
        "8.json",
    ]  # three jobs


def test_points_streamed_through_many_kernel_calls_equal_each_run_alone():
    """execute_stream in calls of two points (the next call running in its thread while this
    one tabulates), two shapes of world interleaved: each config's result is `execute`'s, bit
    for bit, whichever order the results arrive in."""
    configs = [
        compose_config(["replicates=300", f"mediator.engagement={e}", f"mediator.strategy={s}"])
        for e in (0.3, 0.6, 0.9)
        for s in ("courting", "priority")
    ]
    seen = [
        i for i, _ in execute_stream(configs[:1])
    ]  # a first kernel call: numba's threading layer chosen
    streamed = dict(execute_stream(configs, rows_per_call=600))
    assert seen == [0] and sorted(streamed) == list(range(6))
    for i, config in enumerate(configs):
        alone, got = execute(config), streamed[i]
        for field in Outcomes.__dataclass_fields__:
            assert np.array_equal(getattr(alone.outcomes, field), getattr(got.outcomes, field)), (
                i,
                field,
            )
        for name in (
            "joining_probabilities",
            "summary",
            "members",
            "spread",
            "contributions",
            "why",
        ):
            pd.testing.assert_frame_equal(
                getattr(alone.tables, name), getattr(got.tables, name), check_exact=True
            )


def test_the_kernel_thread_of_a_stream_keeps_the_callers_number_of_threads(monkeypatch):
    """numba's thread count is a per-thread setting: a caller on one thread keeps its kernel
    calls on one thread when they run in the stream's second thread."""
    import numba

    import sim.runs.runner

    configs = [compose_config(["replicates=200", f"mediator.engagement={e}"]) for e in (0.2, 0.8)]
    list(
        execute_stream(configs[:1])
    )  # a first kernel call: the threading layer chosen, calls threaded
    seen, real = [], sim.runs.runner.run_stacked
    monkeypatch.setattr(
        sim.runs.runner,
        "run_stacked",
        lambda *args: seen.append(numba.get_num_threads()) or real(*args),
    )
    before = numba.get_num_threads()
    try:
        for threads in (1, before):
            numba.set_num_threads(threads)
            list(execute_stream(configs, rows_per_call=200))
    finally:
        numba.set_num_threads(before)
    assert seen == [1, 1, before, before]


def hydra_record(job: Path, way: str) -> dict:
    """A job's .hydra/hydra.yaml as data, without what names the launcher or the folder."""
    record = yaml.safe_load((job / ".hydra" / "hydra.yaml").read_text())["hydra"]
    text = (
        json.dumps(record)
        .replace(str(job.parent), "SWEEP")
        .replace(f"hydra/launcher={way}", "LAUNCHER")
    )
    record = json.loads(text)
    del record["launcher"], record["runtime"]["choices"]["hydra/launcher"]
    return record


ENGAGEMENT_JOBS = [
    [
        "replicates=2000",
        "mediator.engagement=0",
        "params.weights.peer=0.3",
        "+experiment=mediator_engagement",
    ],
    [
        "replicates=2000",
        "mediator.engagement=0.5",
        "params.weights.peer=0.9",
        "+experiment=mediator_engagement",
    ],
    [
        "replicates=2000",
        "mediator.engagement=1",
        "params.weights.peer=0.3",
        "+experiment=mediator_engagement",
    ],
]
SWEEPING = [
    "replicates=2000",
    "mediator.engagement=0,0.5,1",
    "params.weights.peer=0.3,0.9",
    "+experiment=mediator_engagement",
]


@pytest.mark.parametrize(
    ("swept", "jobs", "n_composed"),
    [
        (
            [],
            [
                *ENGAGEMENT_JOBS,  # no sweep in the master: each kind's first job composed
                [
                    "replicates=2000",
                    "mediator.engagement=0.5",
                    "params.weights.peer=0.3",
                    "+experiment=iran_threat",
                ],
                [
                    "replicates=2000",
                    "mediator.engagement=0.25",
                    "params=calibrated",
                    "+experiment=mediator_engagement",
                ],
                [
                    "replicates=2000",
                    "mediator.engagement=0.75",
                    "params=calibrated",
                    "+experiment=mediator_engagement",
                ],
            ],
            3,
        ),
        (SWEEPING, ENGAGEMENT_JOBS, 0),  # plain values where the master sweeps: all derived from it
        (
            [
                "mediator.engagement=0.25,0.75",
                "params=default,calibrated",
            ],  # a config group swept: composed
            [
                ["mediator.engagement=0.25", "params=calibrated"],
                ["mediator.engagement=0.75", "params=calibrated"],
            ],
            1,
        ),
    ],
)
def test_a_job_config_derived_from_its_kinds_first_equals_the_one_hydra_composes(
    swept, jobs, n_composed
):
    """sim.hydra.jobs: siblings that differ in plain values are derived, not composed, and come out
    as Hydra composes them (every key, the override records, the folder name), as does a first
    job that sets plain values where the sweep's own config sweeps; a job with a config group or
    an addition of its own is composed. HydraConfig, set from a copy made once per kind, is the
    job's."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    from omegaconf import OmegaConf, open_dict, read_write

    from sim.config.sources import CONF
    from sim.hydra.jobs import JobConfigs

    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        settings = [
            "hydra.sweep.dir=/tmp/x",
            "hydra.job.config.override_dirname.exclude_keys=[replicates]",
            "hydra.mode=MULTIRUN",
        ]
        master = loader.load_configuration("config", [*swept, *settings], RunMode.MULTIRUN)
        configs = JobConfigs(loader, master)
        for idx, overrides in enumerate(jobs):
            derived, composed = configs.get(overrides), loader.load_sweep_config(master, overrides)
            assert OmegaConf.to_yaml(derived) == OmegaConf.to_yaml(composed), overrides
            assert derived.hydra.job.override_dirname == composed.hydra.job.override_dirname != ""
            job = configs.job(overrides, idx)
            for cfg in (composed, job):  # its number, and its folder as the launcher sets it
                with open_dict(cfg), read_write(cfg.hydra):
                    cfg.hydra.job.id = cfg.hydra.job.num = idx
                    cfg.hydra.runtime.output_dir = f"/tmp/x/{idx}"
            assert OmegaConf.to_yaml(job) == OmegaConf.to_yaml(composed), overrides  # set in place
            configs.set_hydra_config(
                job
            )  # a copy of the hydra node once per kind, then set in place
            assert OmegaConf.to_yaml(HydraConfig.get()) == OmegaConf.to_yaml(
                OmegaConf.masked_copy(job, "hydra").hydra
            )
    assert configs.composed == n_composed


def test_a_first_variant_derived_from_the_fixed_overrides_equals_the_composed_one():
    """The preflight's first variant of a sweep, derived from the command's fixed overrides with
    the sweeps' plain values added (derive_plain's `adding`), equals its composed data; one
    that changes a key the fixed ones set, a config group, or an unknown key is composed."""
    from sim.hydra.jobs import derive_plain
    from sim.hydra.preflight import _compose

    fixed = ["replicates=2000", "+experiment=mediator_engagement"]
    cfg = _compose(fixed, "config", None)
    first = (fixed, cfg, plain_config(cfg))
    choices = cfg.hydra.runtime.choices
    variant = [
        "replicates=2000",
        "mediator.engagement=0.25",
        "+experiment=mediator_engagement",
        "params.weights.peer=0.9",
    ]
    derived = derive_plain(first, variant, choices, adding=True)
    assert derived is not None and derived == plain_config(_compose(variant, "config", None))
    assert (
        derived["mediator"]["engagement"] == 0.25 and first[2]["mediator"]["engagement"] != 0.25
    )  # first's data untouched
    for composed in (
        ["replicates=500", "+experiment=mediator_engagement"],
        [*fixed, "params=calibrated"],
        [*fixed, "mediator.engagment=0.5"],
        ["+experiment=mediator_engagement"],
    ):
        assert derive_plain(first, composed, choices, adding=True) is None, composed

    from sim.hydra.launcher import SharedDumps, _yaml

    dumps, datas = (
        SharedDumps(),
        [
            first[2],
            derived,
            derive_plain(first, [*fixed, "params.weights.peer=0.4"], choices, adding=True),
        ],
    )
    for data in [
        *datas,
        datas[1],
        {},
        ["x=1"],
    ]:  # the records of a sweep's jobs: each the whole record's YAML
        assert dumps(data) == _yaml(data)
    assert len(dumps.kept) > 3  # the shared parts were kept, not dumped again


def test_a_sibling_validated_from_its_kinds_first_equals_one_validated_alone():
    """sim.config.validate.build's `like`: a sibling shares its kind's first's parts it does not
    change and takes them as validated; the config (the scenario's start from a changed record
    end too) and any error are those of validating it alone."""
    from hydra import compose, initialize_config_dir

    from sim.config.errors import ConfigError
    from sim.config.sources import CONF
    from sim.hydra.configs import config_from_dict, plain_config
    from sim.hydra.jobs import derive_plain

    keys = ["mediator.engagement", "params.weights.peer", "record.as_of", "replicates"]
    first_overrides = [f"{k}={v}" for k, v in zip(keys, [0.5, 0.4, "2026-10", 2000])]
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose("config", overrides=first_overrides, return_hydra_config=True)
    data = plain_config(cfg)
    like = (data, config_from_dict(data, first_overrides, cfg.hydra.runtime))
    for values in (
        [1, 0.4, "2026-10", 2000],
        [0.5, 0.9, "2026-06", 500],
        [0.0, 0.4, "2026-10", 100],
    ):
        overrides = [f"{k}={v}" for k, v in zip(keys, values)]
        sibling = derive_plain((first_overrides, None, data), overrides, cfg.hydra.runtime.choices)
        assert sibling["roster"] is data["roster"]  # shared, not copied
        shared = config_from_dict(sibling, overrides, cfg.hydra.runtime, like)
        assert shared == config_from_dict(sibling, overrides, cfg.hydra.runtime), overrides
    assert shared.scenario.start == like[1].scenario.start == parse_month("2026-11")
    bad = derive_plain(
        (first_overrides, None, data),
        [*first_overrides[:3], "replicates=0.5"],
        cfg.hydra.runtime.choices,
    )
    errors = []
    for reuse in (like, None):
        with pytest.raises(ConfigError) as err:
            config_from_dict(
                bad, [*first_overrides[:3], "replicates=0.5"], cfg.hydra.runtime, reuse
            )
        errors.append(str(err.value))
    assert errors[0] == errors[1] and errors[0].startswith("replicates:")


def test_a_ctrl_c_while_a_job_writes_stops_the_sweep_at_the_next_job():
    """A job runs in a `stoppable` block inside the command's (Hydra's basic and local launchers
    run the task per job): a SIGINT after the job's last step (while it writes its folder) is
    kept when the job's block ends, so the next job's first step stops the sweep. Cleared once
    the command's own block ends."""
    from sim.runs.progress import Interrupted, check, stoppable

    with stoppable():  # the command
        with stoppable():  # a job, past its last step
            os.kill(os.getpid(), signal.SIGINT)
        with pytest.raises(Interrupted) as stop:
            check()  # the next job's first step
        assert stop.value.exit_code == 130
    check()  # nothing left asked for


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT])
def test_a_sweep_killed_midway_resumes_without_losing_or_repeating_a_job(tmp_path, stop):
    args = [
        *SWEEP,
        "plots=true",
        "sweep_plots=true",
        "hydra/launcher=basic",
    ]  # figures: jobs slow enough to stop midway
    killed = tmp_path / "killed"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", *args, f"hydra.sweep.dir={killed}", "--multirun"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while len(list(killed.glob("[!.]*/job.json"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, stop)  # SIGINT to the group, as Ctrl-C in a terminal
    stderr = process.communicate()[1]
    # a job's folder; not one still being written (.N.partial-PID: pathlib's glob sees dot folders)
    done_before = {p.parent.name for p in killed.glob("[!.]*/job.json")}
    assert 3 <= len(done_before) < 10, "the sweep should have been killed midway"
    assert not (killed / "comparison.csv").exists()
    if stop == signal.SIGINT:  # one line, no traceback, and no job folder that holds no job
        assert process.returncode == 130 and "Traceback" not in stderr, stderr
        last = stderr.strip().splitlines()[-1]  # from the job that was running, or between jobs
        assert "interrupted: " in last and last.endswith("a rerun resumes"), stderr
        assert {p.name for p in killed.iterdir() if p.is_dir()} == done_before

    rerun = cli(*args, f"hydra.sweep.dir={killed}", "--multirun")
    assert rerun.returncode == 0, rerun.stderr
    skipped = {line.split()[1] for line in rerun.stdout.splitlines() if "skipped:" in line}
    assert skipped == done_before  # finished jobs are not run again
    assert sorted(int(p.parent.name) for p in killed.glob("[!.]*/job.json")) == list(range(10))
    assert not list(killed.rglob("*.tmp")) and not list(killed.rglob(".*.partial-*"))

    whole = tmp_path / "whole"
    assert cli(*args, f"hydra.sweep.dir={whole}", "--multirun").returncode == 0
    assert (killed / "comparison.csv").read_text() == (whole / "comparison.csv").read_text()
    for job in range(10):
        a, b = (find_jobs([d / str(job)])[0].outcomes.join_month for d in (killed, whole))
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_two_sweeps_into_one_folder_both_finish_and_write_each_job_once(tmp_path):
    args = [
        "replicates=2000",
        "seed=1,2,3",
        "plots=false",
        "hydra/launcher=basic",
        f"hydra.sweep.dir={tmp_path}",
        "--multirun",
    ]
    both = [
        subprocess.Popen(
            [sys.executable, "-m", "sim", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for process in both:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0 and "Traceback" not in err, err[-2000:]
    assert sorted(p.parent.name for p in tmp_path.glob("*/job.json")) == ["0", "1", "2"]
    assert not list(tmp_path.rglob(".*.partial-*")) and (tmp_path / "comparison.csv").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("stop, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_long_run_stopped_says_one_line_and_leaves_no_folder(tmp_path, stop, code):
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", "replicates=2000000", f"hydra.run.dir={out}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not (out / ".hydra").is_dir() and time.monotonic() < deadline:  # the run has started
        time.sleep(0.05)
    time.sleep(3)
    os.killpg(process.pid, stop)
    stopped = time.monotonic()
    _, stderr = process.communicate(timeout=60)
    assert time.monotonic() - stopped < 10
    assert process.returncode == code and stderr == "interrupted: nothing written\n", stderr[-2000:]
    assert not out.exists()


def test_on_another_hydra_a_sweep_is_refused_in_one_line_and_a_single_run_still_works(tmp_path):
    """sim.hydra.compat: the batch sweeper and launcher use Hydra internals tested on one version."""
    start = "import sys, hydra; hydra.__version__ = '1.4.0'; from sim.hydra.app import console; "
    sweep = ["-m", "mediator.engagement=0,1", f"hydra.sweep.dir={tmp_path / 'sweep'}"]
    single = [f"hydra.run.dir={tmp_path / 'run'}", "plots=false"]
    for args, code in ((sweep, 2), (single, 0)):
        script = f"{start}sys.argv[1:] = {[*args, 'replicates=10']!r}; console()"
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300
        )
        assert done.returncode == code, done.stderr[-2000:]
        if code == 2:
            assert done.stderr.startswith("error: hydra.sweeper: ") and "1.4.0" in done.stderr
            assert done.stderr.count("\n") == 1 and not (tmp_path / "sweep").exists()
    assert (tmp_path / "run" / "summary.csv").is_file()


def test_hydras_plugin_discovery_loads_none_of_the_simulator():
    """Any Hydra app installed beside this one scans hydra_plugins: that must stay cheap and inert."""
    probe = (
        "import os, sys; before = dict(os.environ)\n"
        "from hydra.core.plugins import Plugins\n"
        "from hydra.plugins.launcher import Launcher\n"
        "from hydra.plugins.sweeper import Sweeper\n"
        "found = {c.__name__ for c in Plugins.instance().discover(Launcher) + Plugins.instance().discover(Sweeper)}\n"
        "assert {'BatchLauncher', 'BatchSweeper'} <= found, found\n"
        "assert not [m for m in sys.modules if m == 'sim' or m.startswith(('sim.', 'numba'))]\n"
        "assert dict(os.environ) == before\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.parametrize(
    "overrides",
    [
        ["mediator.engagement=0,0.5,1", "seed=1,2", "replicates=10"],
        ["seed=1,2", "seed=3", "mediator.strategy=courting,persuadable"],
        ["+experiment=saudi_by_2029", "seed=range(1,4)", "params.threshold=choice(0.1,0.2)"],
        [],
    ],
)
def test_the_batch_sweepers_grid_is_hydras_basic_grid(overrides):
    parsed = OverridesParser.create(config_loader=None).parse_overrides(overrides)
    (expected,) = BasicSweeper.split_arguments(parsed, None)
    assert grid(parsed) == expected and len(expected) >= 1

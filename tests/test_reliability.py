"""Same answer everywhere, no code from configs, output paths contained, bounded memory."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from sim.commands.bench import peak_memory_mib

from .conftest import ROOT, cli, result_tables


@pytest.mark.slow
def test_reruns_chunk_sizes_and_thread_counts_give_byte_identical_tables(tmp_path):
    runs = {
        "first": ([], {}),
        "rerun": ([], {}),
        "chunk 777, one thread": (["chunk=777"], {"NUMBA_NUM_THREADS": "1"}),
        "chunk 64, two threads": (["chunk=64"], {"NUMBA_NUM_THREADS": "2"}),
    }
    tables = {}
    for name, (args, env) in runs.items():
        folder = tmp_path / name.replace(" ", "_").replace(",", "")
        done = cli("replicates=3000", "seed=11", *args, f"hydra.run.dir={folder}", env=env)
        assert done.returncode == 0, done.stderr
        tables[name] = result_tables(folder)
    expected = {
        "joining_probabilities.csv",
        "summary.csv",
        "members.csv",
        "contributions.csv",
        "why.csv",
        "spread.csv",
        "outcomes.parquet",
    }
    assert set(tables["first"]) == expected
    for name, got in tables.items():
        assert got == tables["first"], name


def test_the_run_record_says_what_reproduces_it(tmp_path):
    done = cli("replicates=200", "seed=5", "mediator.engagement=0.5", f"hydra.run.dir={tmp_path}")
    assert done.returncode == 0, done.stderr
    record = json.loads((tmp_path / "job.json").read_text())
    assert record["seed"] == 5 and record["replicates"] == 200
    assert record["overrides"] == ["replicates=200", "seed=5", "mediator.engagement=0.5"]
    assert record["config"]["mediator"]["engagement"] == 0.5
    assert re.fullmatch(r"[0-9a-f]{16}", record["roster_hash"]) and re.fullmatch(
        r"[0-9a-f]{16}", record["hash"]
    )
    for package in ("python", "mesa", "numpy", "numba", "hydra-core", "pandas"):
        assert record["versions"][package] not in ("", "not installed")
    # the roster hash follows the roster data only
    other = tmp_path / "other"
    assert cli("replicates=200", "seed=6", f"hydra.run.dir={other}").returncode == 0
    changed = tmp_path / "changed"
    assert (
        cli(
            "replicates=200", "roster.countries.oman.iran_threat=0.4", f"hydra.run.dir={changed}"
        ).returncode
        == 0
    )
    hashes = [
        json.loads((f / "job.json").read_text())["roster_hash"] for f in (tmp_path, other, changed)
    ]
    assert hashes[0] == hashes[1] != hashes[2]


def test_no_config_can_run_code(tmp_path):
    marker = tmp_path / "pwned"
    experiment = tmp_path / "experiment" / "evil.yaml"
    experiment.parent.mkdir()
    experiment.write_text(
        "# @package _global_\nhydra:\n  callbacks:\n    evil:\n      _target_: os.system\n"
        f"      _args_: ['touch {marker}']\n"
    )
    attempts = [
        ["--config-dir", str(tmp_path), "+experiment=evil"],
        [
            "+hydra.callbacks.evil._target_=os.system",
            f"+hydra.callbacks.evil._args_=['touch {marker}']",
        ],
        ["+hydra.job_logging.handlers.evil.()=os.system"],
        ["hydra.launcher._target_=os.system"],
        ["+params._target_=os.system"],
    ]
    for args in attempts:
        done = cli(*args, f"hydra.run.dir={tmp_path / 'run'}")
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.count("\n") == 1 and (
            "os.system" in done.stderr or "unknown key" in done.stderr
        )
        assert not marker.exists()
    for path in (ROOT / "sim").rglob("*.py"):  # our code never instantiates from a config
        text = path.read_text()
        assert (
            "instantiate(" not in text and "import_module(" not in text and "eval(" not in text
        ), path


def test_output_paths_stay_inside_the_output_folder(tmp_path):
    out = tmp_path / "a" / "b" / "run"
    evil = [
        "roster.countries.oman.name=../../../escape",
        "scenario.name=../../escape/x",
    ]
    assert cli(*evil, "replicates=200", f"hydra.run.dir={out}").returncode == 0
    small = [
        "sensitivity.method=morris",
        "sensitivity.samples=2",
        "sensitivity.replicates=5",
        "sensitivity.resamples=10",
        "sensitivity.outputs=[oman]",
    ]
    done = cli(*evil[:2], *small, f"hydra.run.dir={out}", module="sim.sensitivity")
    assert done.returncode == 0, done.stderr
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and out not in p.parents]
    assert outside == []
    assert (out / "sensitivity_escape.png").is_file()
    assert "../../../escape" in set(pd.read_csv(out / "summary.csv")["country"])


@pytest.mark.slow
def test_a_million_replicates_stay_within_a_gibibyte(tmp_path):
    peak = peak_memory_mib(["plots=true", f"hydra.run.dir={tmp_path}"], 1_000_000)
    assert peak < 1024, f"peak RSS {peak:.0f} MiB"
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert summary["p_joined_by_horizon"].between(0, 1).all()
    assert (tmp_path / "members.png").is_file()

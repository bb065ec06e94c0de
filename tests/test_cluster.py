"""Cluster launchers against real back ends: a local Ray head, and submitit's local executor.

Ray binds to the machine's network address even when told 127.0.0.1, so the head and the sweep
run inside a private network namespace (`unshare -n`) where loopback is the only address. The
dashboard is off, Ray's temporary files and home folder are inside the test's own folder, and the
test checks that no Ray process outlives it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from .conftest import ROOT, cli, result_tables

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

BIN = Path(sys.executable).parent
SWEEP = ["replicates=800", "plots=false", "mediator.engagement=0.0,0.5,1.0", "seed=3"]


def sweep(folder: Path, *extra: str) -> dict[str, bytes]:
    """Run the sweep in `folder` and return its tables (every job's and the comparison's)."""
    done = cli(*SWEEP, *extra, f"hydra.sweep.dir={folder}", "--multirun")
    assert done.returncode == 0, done.stderr[-2000:]
    return result_tables(folder)


@pytest.fixture(scope="module")
def basic_table(tmp_path_factory) -> dict[str, bytes]:
    return sweep(tmp_path_factory.mktemp("basic") / "sweep", "hydra/launcher=basic")


def test_submitit_local_executor_gives_the_same_comparison(tmp_path, basic_table):
    assert sweep(tmp_path / "sweep", "hydra/launcher=submitit_local") == basic_table


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)")
def test_ray_cluster_on_loopback_gives_the_same_comparison(basic_table):
    # A short folder: Ray's socket paths must stay under the 107-character limit.
    home = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))
    try:
        folder = home / "sweep"
        overrides = " ".join([*SWEEP, "hydra/launcher=ray_cluster", f"hydra.sweep.dir={folder}"])
        script = f"""
set -e
ip link set lo up
export HOME={home} RAY_USAGE_STATS_ENABLED=0 RAY_ADDRESS=127.0.0.1:6379
{BIN}/ray start --head --node-ip-address=127.0.0.1 --port=6379 --include-dashboard=false \\
    --temp-dir={home}/tmp --num-cpus=2 --disable-usage-stats > {home}/head.log 2>&1
status=0
cd {ROOT} && {sys.executable} -m sim {overrides} --multirun > {home}/sweep.log 2>&1 || status=$?
{BIN}/ray stop --force > /dev/null 2>&1
exit $status
"""
        done = subprocess.run(
            ["unshare", "-n", "sh", "-c", script],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        log = (home / "sweep.log").read_text() if (home / "sweep.log").exists() else done.stderr
        assert done.returncode == 0, log[-3000:]
        assert "127.0.0.1:6379" in (home / "head.log").read_text()
        assert result_tables(folder) == basic_table
        assert [p.name for p in (folder / ".points").iterdir()] == [
            "0.json"
        ]  # the three points: one Ray job
        assert "Ray Launcher is launching 1 jobs" in log, log[-3000:]
        left = subprocess.run(
            ["pgrep", "-f", str(home)], capture_output=True, text=True, check=False
        )
        assert left.stdout.strip() == "", f"Ray processes left behind: {left.stdout}"
    finally:
        shutil.rmtree(home, ignore_errors=True)

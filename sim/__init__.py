"""Accord expansion simulator: Mesa agents, a mediator, peers and shocks; Hydra-configured."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

COMPILED = ("core", "engine", "inference/likelihood.py")  # where the numba-compiled code lives


def compiled_cache_dir(here: Path = Path(__file__).parent) -> Path:
    """Where numba keeps this version's compiled code: a folder per hash of the compiled
    modules' sources. numba's own cache checks only the file of each function, so a change in a
    function it calls (sim/core/mediator.py under the kernel) would leave the kernel stale."""
    sources = sorted(
        p
        for part in COMPILED
        for p in ([here / part] if part.endswith(".py") else (here / part).glob("*.py"))
    )
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    return here / "__pycache__" / f"numba-{digest}"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


if "NUMBA_CACHE_DIR" not in os.environ:  # the user's choice wins
    _cache = compiled_cache_dir()
    if not _writable(_cache):  # an install the user cannot write to: the user's own cache folder
        _cache = Path.home() / ".cache" / "accord-sim" / _cache.name
    os.environ["NUMBA_CACHE_DIR"] = str(_cache)
    if "numba" in sys.modules:  # imported before us: its config has read the environment already
        sys.modules["numba"].config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]


# The commands live in sim/commands/; `python -m sim.NAME` finds them here too (a package may
# span several folders: its __path__ is the list Python searches for its submodules).
__path__.append(str(Path(__file__).parent / "commands"))


def run(overrides=(), **kwargs):
    """Run a scenario from the project's configs; see `sim.api.scenario.run`."""
    from sim.api.scenario import run as _run

    return _run(overrides, **kwargs)


__all__ = ["run"]

"""The architecture holds: the import contract (pyproject.toml), and code a reader can take in."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from sim.engine.inputs import Numbers, Recorders, Rows, Shared, fixed
from sim.engine.world import World

from .conftest import ROOT

MAX_PARAMETERS = 8
MAX_LINES = 400
SOURCES = sorted((ROOT / "sim").rglob("*.py"))


def test_the_import_contract_holds():
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
    assert f"{len(contracts)} kept, 0 broken" in done.stdout, done.stdout[-2000:]


@pytest.mark.parametrize("check", [["format", "--check"], ["check"]], ids=" ".join)
def test_the_code_is_formatted_and_passes_the_linter(check):
    ruff = Path(sys.executable).parent / "ruff"
    done = subprocess.run(
        [str(ruff), *check, "."], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_are_short_and_functions_take_few_parameters(path):
    text = path.read_text()
    assert text.count("\n") <= MAX_LINES, f"{path.name}: {text.count(chr(10))} lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            n = (
                len(a.posonlyargs)
                + len(a.args)
                + len(a.kwonlyargs)
                + bool(a.vararg)
                + bool(a.kwarg)
            )
            assert n <= MAX_PARAMETERS, (
                f"{path.name}:{node.lineno} {node.name} takes {n} parameters"
            )


def test_no_function_level_import_of_the_project_hides_a_cycle():
    for path in SOURCES:
        if path == ROOT / "sim" / "__init__.py":
            continue  # `sim.run` imports the API when called, so `import sim.core` stays light
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("sim"):
                        pytest.fail(
                            f"{path.name}:{inner.lineno} imports {inner.module} inside {node.name}"
                        )


@pytest.mark.parametrize("kind", [Shared, Numbers, Rows, Recorders])
def test_every_kernel_input_has_a_declared_dtype(kind):
    annotations = kind.__annotations__
    assert set(annotations) == set(kind._fields)
    for name, dtype in annotations.items():
        assert dtype in (int, float, bool) or issubclass(dtype, np.generic), name


def test_fixed_gives_the_declared_dtypes_and_contiguity():
    rows = fixed(Rows([0, 1], [[1, 2], [3, 4]], [[5], [6]], [[7], [8]]))
    assert rows.points.dtype == "int64" and rows.country_streams.dtype == "uint64"
    assert all(a.flags.c_contiguous for a in rows)
    world_fields = set(World.__dataclass_fields__)
    assert {"shared", "numbers"} <= world_fields


def test_compiled_code_is_cached_per_version_of_every_compiled_module(tmp_path):
    """numba checks only a function's own file: the cache folder is keyed by all compiled sources,
    so a change in a callee (the mediator under the kernel) cannot leave a stale kernel."""
    import shutil

    import sim

    copy = tmp_path / "sim"
    for part in ("core", "engine", "inference"):
        shutil.copytree(
            ROOT / "sim" / part, copy / part, ignore=shutil.ignore_patterns("__pycache__")
        )
    assert sim.compiled_cache_dir(copy).name == sim.compiled_cache_dir().name
    mediator = copy / "core" / "mediator.py"
    mediator.write_text(mediator.read_text() + "\n# a change\n")
    assert sim.compiled_cache_dir(copy).name != sim.compiled_cache_dir().name

"""Which file a config key came from, so an error can name it.

Hydra does not track the origin of a composed value, so we reconstruct it: a command-line
override wins, then the selected experiment file if it sets the key, then the option file of the
key's config group, then the primary config. Files are looked up in Hydra's search path.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "conf"


def source_of(
    key: str, overrides: list[str], choices: dict[str, str | None], search: list[Path] = (CONF,)
) -> str:
    """A short description of where `key` (dotted path, maybe with [i]) was set."""
    path = key.replace("[", ".").replace("]", "").split(".")
    group_file = _option_file(path[0], choices, search)
    for override in overrides:
        name = override.split("=", 1)[0].lstrip("+~")
        if name in choices:  # a group choice such as roster=bad: the value is in that file
            continue
        if name and _is_prefix(name.split("."), path):
            return f"command line: {override}"
        added = name.split(".")[:-1]  # +events.dated.x.start=... also made events.dated.x
        if (
            override.startswith("+")
            and len(added) > 1
            and _is_prefix(added, path[:-1])
            and not (group_file and _sets(group_file, path[:-1]))
        ):
            return f"command line: {override}"
    experiment = _option_file("experiment", choices, search)
    if experiment and _sets(experiment, path):
        return _show(experiment)
    if group_file:
        return _show(group_file)
    primary = next((d / "config.yaml" for d in search if (d / "config.yaml").is_file()), None)
    return _show(primary) if primary else "conf/config.yaml"


def _option_file(group: str, choices: dict, search: list[Path]) -> Path | None:
    option = choices.get(group)
    if not option:
        return None
    return next(
        (d / group / f"{option}.yaml" for d in search if (d / group / f"{option}.yaml").is_file()),
        None,
    )


def _show(file: Path) -> str:
    real = file.resolve()
    return str(real.relative_to(ROOT)) if real.is_relative_to(ROOT) else str(real)


def _is_prefix(prefix: list[str], path: list[str]) -> bool:
    return path[: len(prefix)] == prefix or prefix[: len(path)] == path


def _sets(file: Path, path: list[str]) -> bool:
    try:
        node = yaml.safe_load(file.read_text())
    except (OSError, yaml.YAMLError):
        return False
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True

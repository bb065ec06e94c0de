"""Which file a config key came from, so an error can name it.

Hydra does not track the origin of a composed value, so we reconstruct it: a command-line
override wins, then the selected experiment file if it sets the key, then the option file of the
key's config group, then the primary config.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "conf"
EXPERIMENTS = ROOT / "experiments"


def source_of(key: str, overrides: list[str], choices: dict[str, str | None]) -> str:
    """A short description of where `key` (dotted path, maybe with [i]) was set."""
    path = key.replace("[", ".").replace("]", "").split(".")
    for override in overrides:
        name = override.split("=", 1)[0].lstrip("+~")
        if name and _is_prefix(name.split("."), path):
            return f"command line: {override}"
    experiment = choices.get("experiment")
    if experiment and _sets(EXPERIMENTS / f"{experiment}.yaml", path):
        return f"experiments/{experiment}.yaml"
    group = path[0]
    if choices.get(group):
        return f"conf/{group}/{choices[group]}.yaml"
    return "conf/config.yaml"


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

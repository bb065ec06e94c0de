"""Build frozen dataclasses from plain nested dicts, failing with one line per problem.

We check values ourselves rather than through OmegaConf's structured merge: every error then has
the same form, `key.path: expected ..., got ...`, which the entry point completes with the file
the key came from. Field constraints live next to the fields, as dataclass metadata:

    threshold: float = field(metadata=between(-5, 5))
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from typing import Any

from sim.config.dated import dated, is_dated
from sim.config.errors import ConfigError
from sim.config.months import read_month
from sim.config.spans import read_spans
from sim.config.uncertainty import parse

_MISSING = dataclasses.MISSING


def between(low: float | None = None, high: float | None = None) -> dict:
    """Metadata: a number in [low, high] (either side may be open)."""
    return {"range": (low, high)}


def one_of(*choices: str) -> dict:
    """Metadata: a string from a closed set."""
    return {"choices": choices}


UNIT = between(0.0, 1.0)
MONTH = {"month": True}  # 'YYYY-MM' text, read as an absolute month number (sim.config.months)
DATED = {"dated": True}  # the value may be given by date: {2020-06: 0.5, 2024-12: 0.3}


def build(cls: type, data: Any, path: str = "", like: tuple[dict, Any] | None = None) -> Any:
    """An instance of dataclass `cls` from `data`, or ConfigError naming the first bad key.
    `like`, another config's (data, instance): a part of `data` that is the same object as
    that data's takes that instance's value as it stands (a sweep's jobs share all but the
    values they set, and building the roster again was most of a job's validation)."""
    if not isinstance(data, dict):
        raise ConfigError(path, f"expected a mapping of {cls.__name__} fields, got {_show(data)}")
    hints = _hints(cls)  # cached: resolving the annotations was most of the cost of a build
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key in data:
        if key not in fields:
            known = ", ".join(fields)
            raise ConfigError(_join(path, key), f"unknown key (known keys: {known})")
    values = {}
    for name, f in fields.items():
        key = _join(path, name)
        if name not in data or data[name] is None and not _optional(hints[name]):
            if f.default is _MISSING and f.default_factory is _MISSING:
                raise ConfigError(key, "missing required value")
            continue
        before, built = (
            (like[0].get(name, _MISSING), getattr(like[1], name))
            if like is not None
            else (_MISSING, None)
        )
        if before is data[name]:  # the very part the other config was built from
            values[name] = built
        elif (
            isinstance(before, dict)
            and isinstance(data[name], dict)
            and dataclasses.is_dataclass(built)
        ):
            values[name] = build(
                type(built), data[name], key, (before, built)
            )  # a part with a changed value below
        else:
            values[name] = _convert(hints[name], data[name], key, f.metadata)
    return cls(**values)


def _convert(hint: Any, value: Any, key: str, meta: typing.Mapping) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(inner, value, key, meta)
    if dataclasses.is_dataclass(hint):
        return build(hint, value, key)
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(key, f"expected a mapping, got {_show(value)}")
        return {str(k): _convert(args[1], v, _join(key, str(k)), meta) for k, v in value.items()}
    if meta.get("dated") and is_dated(value):  # a value by date (sim.config.dated)
        return dated(value, key, lambda v, k: _convert(hint, v, k, {**meta, "dated": False}))
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(key, f"expected a list, got {_show(value)}")
        items = [_convert(args[0], v, f"{key}[{i}]", meta) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    return _scalar(hint, value, key, meta)


def _scalar(hint: type, value: Any, key: str, meta: typing.Mapping) -> Any:
    if meta.get("month"):
        if not isinstance(value, str):
            raise ConfigError(key, f"expected text, got {_show(value)}")
        return read_month(value, key)
    if meta.get("spans"):
        return read_spans(value, key)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(key, f"expected true or false, got {_show(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(
                key, f"expected a whole number{_range_text(meta)}, got {_show(value)}"
            )
        return _in_range(value, key, meta, "a whole number")
    if hint is float:
        if isinstance(value, dict):  # a range or distribution: an uncertain input
            return parse(value, key, *meta.get("range", (None, None)))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(key, f"expected a number{_range_text(meta)}, got {_show(value)}")
        if not math.isfinite(value):
            raise ConfigError(key, f"expected a finite number{_range_text(meta)}, got {value}")
        return _in_range(float(value), key, meta, "a number")
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(key, f"expected text, got {_show(value)}")
        if "choices" in meta and value not in meta["choices"]:
            raise ConfigError(key, f"expected one of {', '.join(meta['choices'])}, got {value!r}")
        return value
    if hint is Any:
        return value
    raise TypeError(f"{key}: unsupported schema type {hint!r}")


def with_value(node: Any, key: str, value: Any, path: str = "", meta: typing.Mapping = {}) -> Any:
    """A copy of the dataclass tree `node` with the setting at dotted `key` (a number, flag or
    text) set to `value` (rounded for whole-number fields), checked against the field's
    constraints; ConfigError names a key that does not exist or a bad value."""
    return with_settings(node, {key: value}, path, meta)


class _Branch(dict):
    """Settings below one key, by the rest of their dotted keys (with_settings)."""


def with_settings(
    node: Any, values: typing.Mapping[str, Any], path: str = "", meta: typing.Mapping = {}
) -> Any:
    """`with_value` for many settings at once: each node on their paths is copied once (a
    posterior draw sets a dozen numbers under `params`)."""
    branches: dict[str, Any] = {}
    for key, value in values.items():
        head, _, rest = key.partition(".")
        if rest:
            branch = branches.setdefault(head, _Branch())
            if not isinstance(branch, _Branch):
                raise ConfigError(
                    _join(path, key), f"expected a key into a mapping, got {_show(branch)}"
                )
            branch[rest] = value
        elif isinstance(branches.get(head), _Branch):
            raise ConfigError(
                _join(path, key),
                "expected a number, flag or text, got a key that has keys below it",
            )
        else:
            branches[head] = value
    if dataclasses.is_dataclass(node):
        fields = {f.name: f for f in dataclasses.fields(node)}
        new = {}
        for head, value in branches.items():
            here = _join(path, head)
            if head not in fields:
                raise ConfigError(here, f"unknown key (known keys: {', '.join(fields)})")
            child, child_meta = getattr(node, head), fields[head].metadata
            if isinstance(value, _Branch):
                new[head] = with_settings(child, value, here, child_meta)
            else:
                new[head] = _number(_hints(type(node))[head], child, value, here, child_meta)
        return dataclasses.replace(node, **new)
    if isinstance(node, dict):
        new = {}
        for head, value in branches.items():
            here = _join(path, head)
            if head not in node:
                raise ConfigError(here, f"unknown key (known keys: {', '.join(map(str, node))})")
            child = node[head]
            new[head] = (
                with_settings(child, value, here, meta)
                if isinstance(value, _Branch)
                else _number(float, child, value, here, meta)
            )
        return type(node)({**node, **new})  # a Dated stays dated
    raise ConfigError(
        _join(path, next(iter(branches))), f"expected a key into a mapping, got {_show(node)}"
    )


def _number(hint: Any, current: Any, value: Any, key: str, meta: typing.Mapping) -> Any:
    inner = ([a for a in typing.get_args(hint) if a is not type(None)] or [hint])[0]
    if inner not in (int, float, bool, str):
        raise ConfigError(key, f"expected a key to a number, flag or text, got {_show(current)}")
    if inner is int and isinstance(value, float) and not meta.get("month"):
        return _scalar(int, round(value), key, meta)
    if inner is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = float(value)
    return _scalar(inner, value, key, meta)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _in_range(value: float, key: str, meta: typing.Mapping, noun: str) -> float:
    low, high = meta.get("range", (None, None))
    if (low is not None and value < low) or (high is not None and value > high):
        raise ConfigError(key, f"expected {noun}{_range_text(meta)}, got {value}")
    return value


def _range_text(meta: typing.Mapping) -> str:
    low, high = meta.get("range", (None, None))
    if low is not None and high is not None:
        return f" in [{low}, {high}]"
    if low is not None:
        return f" >= {low}"
    if high is not None:
        return f" <= {high}"
    return ""


def _optional(hint: Any) -> bool:
    return type(None) in typing.get_args(hint)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

"""The config of each job of a sweep, composed once per kind of job.

Hydra composes every job of a multirun from its YAML files, twice (the sweeper composes the
batch to check it, the launcher composes each job to run it): about half a second a job here,
most of it reading the roster. But the points of a sweep mostly differ in plain values
(`mediator.engagement=0.2,0.4`), which Hydra applies after composing, one `OmegaConf.update`
each. So this module composes the first job of each kind (the same config groups, additions
and deletions, and the same keys set) and derives its siblings by copying that config and
setting their values the way Hydra does, with the job's own override records; a first job
that only sets plain values where the sweep's own config (composed by Hydra already) sweeps is
derived from that config. The derived config equals Hydra's (tested); anything else, or any
error, is composed by Hydra as always.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Sequence

from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from sim.hydra.compat import get_overrides_dirname

POINTS_ENV = "ACCORD_SIM_POINTS"  # set for a job that runs several points: the file listing them

_CACHE: dict[
    int, JobConfigs
] = {}  # one per multirun (its master config): shared by the sweeper and launcher


def job_configs(loader, master: DictConfig) -> JobConfigs:
    """The job configs of the multirun whose config is `master` (one cache per multirun)."""
    if id(master) not in _CACHE:
        _CACHE.clear()
        _CACHE[id(master)] = JobConfigs(loader, master)
    return _CACHE[id(master)]


@functools.lru_cache(maxsize=1024)
def parse(overrides: tuple[str, ...]) -> tuple[Override, ...]:
    """Hydra's parse of these overrides, once a process: a sweep's sweeper, launcher and
    validation each read every job's. Callers read the Overrides, never change them."""
    return tuple(OverridesParser.create().parse_overrides(list(overrides)))


def plain_override(o: Override) -> bool:
    """A value set after composition (`key=value`): not an addition, a deletion, a sweep, a
    package or an override of Hydra's own config (a config group, the caller checks)."""
    return (
        o.type == OverrideType.CHANGE
        and o.package is None
        and not o.is_hydra_override()
        and not o.is_sweep_override()
    )


def free_of_interpolations(cfg: DictConfig) -> bool:
    """True when no node outside Hydra's own is an interpolation: a value set in the resolved
    data then leaves no other value stale."""

    def walk(node, keys) -> bool:
        for key in keys:
            if OmegaConf.is_interpolation(node, key):
                return False
            child = None if OmegaConf.is_missing(node, key) else node[key]
            if OmegaConf.is_config(child) and not walk(child, _keys(child)):
                return False
        return True

    return walk(cfg, [k for k in cfg if k != "hydra"])


def _keys(node) -> list:
    return list(node.keys()) if OmegaConf.is_dict(node) else list(range(len(node)))


def derive_plain(
    first: tuple[list[str], DictConfig, dict], variant: list[str], groups, adding: bool = False
) -> dict | None:
    """The plain config data (sim.api.scenario.plain_config) of the overrides `variant`, derived from
    `first` (overrides, their composed config, its plain data): a value set after composition
    is set in the data. None when it must be composed: it differs in more than plain values
    (a config group, an addition, Hydra's settings, another list of keys; with `adding`, keys
    `first` does not set may be set too), or the config has interpolations (`cfg` None: known
    to have none). `groups`: the config groups (Hydra's runtime choices)."""
    overrides, cfg, data = first
    keys = [o.split("=", 1)[0] for o in overrides]
    if adding:  # every override of `first` kept, the others setting keys it does not
        changed = [o for o in variant if o not in overrides]
        if any(o not in variant for o in overrides) or any(
            o.split("=", 1)[0] in keys for o in changed
        ):
            return None
    elif len(variant) != len(overrides) or [o.split("=", 1)[0] for o in variant] != keys:
        return None
    else:
        changed = [o for o, f in zip(variant, overrides) if o != f]
    parsed = [o for o in parse(tuple(variant)) if o.input_line in changed]
    if any(not plain_override(o) or o.key_or_group in groups for o in parsed):
        return None
    if cfg is not None and not free_of_interpolations(cfg):
        return None
    data = dict(data)  # copied along each key's path only: the rest is shared with `first`'s data
    for o in parsed:
        *path, last = o.key_or_group.split(".")
        node = data
        for key in path:
            child = node.get(key) if isinstance(node, dict) else None
            if not isinstance(child, dict):
                return None
            node[key] = node = dict(child)
        if last not in node:
            return None
        node[last] = copy.deepcopy(o.value())  # a list or mapping of its own, not the parse's
    return data


class JobConfigs:
    def __init__(self, loader, master: DictConfig):
        self.loader, self.master = loader, master
        self.templates: dict[tuple, DictConfig] = {}  # the first composed config of each kind
        self.working: dict[tuple, DictConfig] = {}  # each kind's config that `job` sets in place
        self.kinds: dict[tuple, tuple] = {}  # `kind` of each job's overrides: parsed once a sweep
        self.held: tuple | None = None  # (the config HydraConfig was last set from, its copy there)
        self.composed = 0  # configs Hydra composed (the rest were derived)

    def check(self, overrides: Sequence[str]) -> None:
        """Compose the job if it is the first of its kind, or derive it from the sweep's own config
        (`_from_master`): a sibling sets the same keys, which its kind's config has, to values of
        its own: nothing Hydra could refuse."""
        if self.kind(overrides)[2] not in self.templates:
            self.get(overrides)

    def get(self, overrides: Sequence[str]) -> DictConfig:
        """The config of the job with these overrides: Hydra's `load_sweep_config`, or derived."""
        parsed, plain, kind = self.kind(overrides)
        template = self.templates.get(kind)
        if template is not None:
            try:
                return self._derive(template, parsed, plain)
            except Exception:  # noqa: BLE001, S110 - whatever fails here, Hydra's composition reports
                pass
        elif (template := self._from_master(parsed, plain)) is not None:
            self.templates[kind] = template
            return copy.deepcopy(template)
        cfg = self.loader.load_sweep_config(self.master, list(overrides))
        self.composed += 1
        self.templates.setdefault(kind, cfg)
        return copy.deepcopy(cfg)

    def kind(self, overrides: Sequence[str]) -> tuple[list[Override], list[Override], tuple]:
        """The parsed overrides, the plain ones, and the job's kind: its other overrides and the
        keys its plain ones set. Parsed once a sweep (the sweeper and the launcher ask again)."""
        key = tuple(overrides)
        if key not in self.kinds:
            parsed = list(parse(key))
            plain = [o for o in parsed if self._plain(o)]
            kind = (
                tuple(o.input_line for o in parsed if not self._plain(o)),
                tuple(o.key_or_group for o in plain),
            )
            self.kinds[key] = (parsed, plain, kind)
        return self.kinds[key]

    def _from_master(self, parsed: list[Override], plain: list[Override]) -> DictConfig | None:
        """The job's config derived from the sweep's own (`master`, which Hydra composed from
        the same overrides with a sweep where the job has a value): when the job differs from
        it only in plain values where it sweeps, Hydra's composition of the job differs from
        `master` only in those values and the override records (tested). None otherwise."""
        swept = parse(tuple(self.master.hydra.overrides.task))
        if len(swept) != len(parsed):
            return None
        for o, m in zip(parsed, swept):
            if o.input_line != m.input_line and not (
                m.is_sweep_override()
                and o.key_or_group == m.key_or_group
                and any(o is p for p in plain)
            ):
                return None
        try:
            return self._set(copy.deepcopy(self.master), parsed, plain)
        except Exception:  # noqa: BLE001 - composed instead, where Hydra reports what is wrong
            return None

    def _plain(self, o: Override) -> bool:
        """A value set after composition, not a config group."""
        return plain_override(o) and not self.loader.repository.group_exists(o.key_or_group)

    def job(self, overrides: Sequence[str], idx: int) -> DictConfig:
        """The config of job `idx` for running it now: one config per kind, set in place for each
        job in turn (Hydra's run_job copies what it keeps), so a job costs no copy here. Valid
        until the next call for a job of the same kind."""
        parsed, plain, kind = self.kind(overrides)
        cfg = self.working.get(kind)
        try:
            cfg = self._set(cfg, parsed, plain) if cfg is not None else None
        except Exception:  # noqa: BLE001 - composed below, where Hydra reports what is wrong
            cfg = None
        if cfg is None:
            cfg = self.working[kind] = self.get(overrides)
        with open_dict(cfg):
            cfg.hydra.job.id = cfg.hydra.job.num = idx
        return cfg

    def set_hydra_config(self, cfg: DictConfig) -> None:
        """`HydraConfig.set_config(cfg)` for a config `job` gave (its folder set in
        hydra.runtime.output_dir), as run_job does, with the hydra node copied once per kind:
        the next job of the kind differs only in what `job` and `_set` set in place (its
        number, its override records) and its folder, which are set in that copy. As with
        `job`'s config, the copy is valid until the next job of the kind."""
        hc = HydraConfig.instance()
        if self.held is None or self.held[0] is not cfg or hc.cfg is not self.held[1]:
            hc.set_config(cfg)
            self.held = (cfg, hc.cfg)
            return
        node, job = hc.cfg.hydra, cfg.hydra
        with read_write(node):
            node.job.num, node.job.id, node.job.override_dirname = (
                job.job.num,
                job.job.id,
                job.job.override_dirname,
            )
            node.overrides.task = list(job.overrides.task)
            node.runtime.output_dir = job.runtime.output_dir

    def _derive(
        self, template: DictConfig, parsed: list[Override], plain: list[Override]
    ) -> DictConfig:
        return self._set(copy.deepcopy(template), parsed, plain)

    def _set(self, cfg: DictConfig, parsed: list[Override], plain: list[Override]) -> DictConfig:
        """`cfg`, of the job's kind, with the job's values and override records, in place."""
        OmegaConf.set_readonly(
            cfg.hydra, False
        )  # as composed (Hydra marks it read-only when a job runs)
        for o in plain:
            OmegaConf.update(
                cfg, o.key_or_group, o.value(), merge=True
            )  # as Hydra applies a config override
        task = [o for o in parsed if not o.is_hydra_override()]
        cfg.hydra.overrides.task = [o.input_line for o in task]
        cfg.hydra.job.override_dirname = get_overrides_dirname(
            overrides=task,
            kv_sep=cfg.hydra.job.config.override_dirname.kv_sep,
            item_sep=cfg.hydra.job.config.override_dirname.item_sep,
            exclude_keys=cfg.hydra.job.config.override_dirname.exclude_keys,
        )
        OmegaConf.copy_cache(from_config=self.master, to_config=cfg)
        return cfg

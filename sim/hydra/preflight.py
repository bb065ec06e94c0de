"""What every command line entry point does with bad input: one line, exit code 2, no folder.

Hydra reports its own composition errors (an unknown group option or experiment, a key that needs
a `+`, a YAML syntax error, an override it cannot parse) as several lines with exit code 1, before
our code runs. So `preflight` composes what the command line asks for first, every value of a
sweep included, turns those errors into our one-line form, and checks that the Hydra settings
only name classes from a fixed registry: a shared config file must not be able to run code.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from pathlib import Path

import yaml
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException, MissingConfigException, OverrideParseException
from omegaconf import DictConfig, OmegaConf

from sim.config.errors import ConfigError
from sim.config.schema import RunConfig
from sim.config.sources import CONF
from sim.hydra.callback import running_sweep
from sim.hydra.compat import BASIC_LAUNCHER, BASIC_SWEEPER, require
from sim.hydra.configs import config_from_dict, plain_config
from sim.hydra.jobs import derive_plain
from sim.output.store import JOB_FILE
from sim.runs.progress import Interrupted

EXIT_BAD_INPUT = 2
ALLOWED_TARGETS = {
    "hydra.callbacks": {"sim.hydra.callback.CompareSweep"},
    "hydra.launcher": {
        "hydra_plugins.accord_sim.batch_launcher.BatchLauncher",
        BASIC_LAUNCHER,
        "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",
        "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
        "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher",
        "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher",
    },
    "hydra.sweeper": {
        "hydra_plugins.accord_sim.batch_sweeper.BatchSweeper",
        BASIC_SWEEPER,
    },
}
"""The registry: the only classes the Hydra settings may name (`_target_`), per section."""
_WITH_VALUE = {
    "--config-dir",
    "-cd",
    "--config-name",
    "-cn",
    "--config-path",
    "-cp",
    "--package",
    "-p",
    "--experimental-rerun",
}
_NO_RUN = {
    "--help",
    "-h",
    "--hydra-help",
    "--info",
    "-i",
    "--cfg",
    "-c",
    "--shell-completion",
    "-sc",
}


def preflight(argv: list[str], config_name: str = "config", validate: bool = True) -> None:
    """Compose the configs a command line asks for (each sweep value in turn), validate them
    (unless the command validates its own extra sections), and check the Hydra settings against
    the registry; ConfigError on the first problem."""
    overrides, config_dir = [], None
    multirun = "--multirun" in argv or "-m" in argv
    args = iter(argv)
    for arg in args:
        flag, _, inline = arg.partition("=")
        if arg in _NO_RUN or flag in _NO_RUN:
            return  # Hydra prints help or config; nothing runs
        if flag in _WITH_VALUE:
            value = inline or next(args, "")
            if flag in ("--config-dir", "-cd"):
                config_dir = value
            elif flag in ("--config-name", "-cn"):
                config_name = value
            continue
        if not arg.startswith("-"):
            overrides.append(arg)
    fixed = None  # a multirun's fixed overrides (overrides, config, data): its first variant may derive from them
    if multirun:  # the sweeps an experiment file declares are checked like command-line ones
        fixed = [o for o in overrides if not _is_sweep(o)]
        cfg = _compose(fixed, config_name, config_dir)
        check_hydra_settings(cfg.hydra)
        _check_hydra_version(cfg.hydra)
        fixed = (fixed, cfg, plain_config(cfg))
        given = {o.lstrip("+~").split("=", 1)[0] for o in overrides}
        params = cfg.hydra.sweeper.get("params")
        declared = OmegaConf.to_container(params, resolve=False) if params else {}
        swept = [f"{k}={v}" for k, v in declared.items() if k not in given]
        overrides += swept
    first, like = (
        None,
        None,
    )  # the first variant (overrides, config, data), and its (data, validated config)
    for variant in _variants(overrides):
        if first is not None:
            data = derive_plain(first, variant, first[1].hydra.runtime.choices)
        elif (
            fixed is not None
        ):  # the first variant: the fixed overrides and a plain value of each sweep
            data = derive_plain(fixed, variant, fixed[1].hydra.runtime.choices, adding=True)
            first = (variant, fixed[1], data) if data is not None else None
        else:
            data = None
        if (
            data is None
        ):  # compose it: the first, or a variant that differs in more than a plain value
            cfg = _compose(variant, config_name, config_dir)
            check_hydra_settings(cfg.hydra)
            data, runtime = plain_config(cfg), cfg.hydra.runtime
            first = first or (variant, cfg, data)
        else:
            runtime = first[1].hydra.runtime
        if validate:
            try:
                config = config_from_dict(data, variant, runtime, like)
                like = like or (data, config)
            except ConfigError as err:  # a value from the experiment's sweep, not the command line
                sweep = (err.file or "").removeprefix("command line: ")
                from_experiment = sweep.lstrip("+~").split("=", 1)[0] not in {
                    o.lstrip("+~").split("=", 1)[0] for o in argv
                }
                if multirun and sweep in variant and from_experiment:
                    raise err.in_file(f"hydra.sweeper.params of the experiment: {sweep}") from None
                raise


def check_hydra_settings(node: DictConfig) -> None:
    """Every `_target_` under the Hydra node must be in the registry; no logging factory `()`
    or handler class outside the logging package."""

    def walk(value, path: str) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                here = f"{path}.{key}"
                if key == "_target_":
                    section = next((s for s in ALLOWED_TARGETS if here.startswith(s + ".")), None)
                    if section is None or child not in ALLOWED_TARGETS[section]:
                        allowed = sorted(ALLOWED_TARGETS.get(section, ()))
                        raise ConfigError(
                            here,
                            f"expected a class from the registry ({', '.join(allowed) or 'none here'}), got {child!r}",
                        )
                elif key == "()" or (key == "class" and not str(child).startswith("logging.")):
                    raise ConfigError(
                        here, f"expected no code reference in the logging settings, got {child!r}"
                    )
                walk(child, here)
        elif isinstance(value, list):
            for i, child in enumerate(value):
                walk(child, f"{path}[{i}]")

    walk(OmegaConf.to_container(node, resolve=False), "hydra")


def _check_hydra_version(node: DictConfig) -> None:
    """The batch sweeper and launcher need a Hydra whose internals they were tested with."""
    for section in ("sweeper", "launcher"):
        if str(node[section].get("_target_", "")).startswith("hydra_plugins.accord_sim."):
            require(f"hydra.{section}")


def config_or_exit(cfg: DictConfig, check: Callable[[RunConfig], None] | None = None) -> RunConfig:
    """The validated config of this Hydra job (and `check` passed), or print the problem as one
    line, remove the folder Hydra made for the job, and exit with code 2 (`debug=true`: raise)."""
    hc = HydraConfig.get()
    try:
        config = config_from_dict(plain_config(cfg), list(hc.overrides.task), hc.runtime)
        if check is not None:
            check(config)
        return config
    except ConfigError as err:
        discard(Path(hc.runtime.output_dir), hc.mode.name == "RUN")
        if cfg.get("debug") is True:
            raise
        print(f"error: {err}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


@contextmanager
def bad_input_exits(out_dir: Path, debug: bool = False):
    """Inside: a ConfigError raised while running (a drawn input or a sampled point that breaks
    a rule the file's values keep) prints its one line, removes the job's folder, exits 2."""
    try:
        yield
    except ConfigError as err:
        discard(out_dir, HydraConfig.get().mode.name == "RUN")
        if debug:
            raise
        print(f"error: {err}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


@contextmanager
def interrupted_exits(out_dir: Path):
    """Inside: work stopped by Ctrl-C or SIGTERM (sim.runs.progress) removes the folder Hydra made
    for it, prints one line and exits with 130 (143)."""
    try:
        yield
    except Interrupted as stop:
        multirun = HydraConfig.get().mode.name == "MULTIRUN"
        discard(out_dir, not multirun)
        kept = "; finished jobs are kept, and a rerun resumes" if multirun else ""
        job = f"job {HydraConfig.get().job.num} " if multirun else ""
        print(f"{job}interrupted: nothing written{kept}", file=sys.stderr)
        sys.exit(stop.exit_code)


def run_checked(
    main: Callable[[], None], config_name: str = "config", validate: bool = True
) -> None:
    """Preflight the command line, then hand it to the Hydra app `main`."""
    try:
        preflight(sys.argv[1:], config_name, validate)
    except ConfigError as err:
        if "debug=true" in sys.argv:
            raise
        print(f"error: {err}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    main()


def discard(out_dir: Path, single_run: bool) -> None:
    """Remove the folder Hydra made for a run that never started (only Hydra's own files)."""
    try:
        hydras_only = out_dir.is_dir() and all(
            p.name == ".hydra" or p.suffix == ".log" for p in out_dir.iterdir()
        )
    except FileNotFoundError:  # removed meanwhile (a stopped sweep's worker cleaning up its own)
        return
    if hydras_only:
        shutil.rmtree(out_dir, ignore_errors=True)
        if single_run:  # outputs/DATE/TIME: drop the empty date folder too
            parent = out_dir.parent
            if parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()


def discard_unfinished_jobs() -> str:
    """After a sweep was stopped: remove its job folders that hold no finished job (only Hydra's
    files: a rerun redoes them, as after SIGKILL), and the sweep folder if no job finished.
    Says what was kept."""
    sweep = running_sweep()
    if sweep is None or not sweep.is_dir():
        return ""
    for folder in [p for p in sweep.iterdir() if p.is_dir() and not (p / JOB_FILE).is_file()]:
        discard(folder, single_run=False)
    finished = [p for p in sweep.iterdir() if (p / JOB_FILE).is_file()]
    if not finished and {p.name for p in sweep.iterdir()} <= {"multirun.yaml"}:
        shutil.rmtree(sweep, ignore_errors=True)
        return "nothing written"
    return f"{len(finished)} finished jobs kept in {sweep}; a rerun resumes"


def _variants(overrides: list[str]) -> list[list[str]]:
    """The override lists to check: the first value of every sweep, then each other value of
    each sweep in turn (not every combination: each value is checked once)."""
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except OverrideParseException as err:
        bad = next((o for o in overrides if not _parses(o)), overrides[-1] if overrides else "")
        raise ConfigError(
            bad.split("=", 1)[0].lstrip("+~"),
            f"cannot parse the override: {str(err).splitlines()[0]}",
            f"command line: {bad}",
        ) from None
    values = [
        [o.input_line]
        if not o.is_sweep_override()
        else [f"{o.get_key_element()}={v}" for v in o.sweep_string_iterator()]
        for o in parsed
    ]
    first = [v[0] for v in values]
    variants = [first]
    for i, options in enumerate(values):
        variants += [first[:i] + [option] + first[i + 1 :] for option in options[1:]]
    return variants


def _is_sweep(override: str) -> bool:
    try:
        return OverridesParser.create().parse_overrides([override])[0].is_sweep_override()
    except OverrideParseException:
        return False


def _parses(override: str) -> bool:
    try:
        OverridesParser.create().parse_overrides([override])
        return True
    except OverrideParseException:
        return False


def compose_checked(overrides: list[str], config_name: str) -> DictConfig:
    """`config_name` composed with `overrides`, also from inside a running Hydra app (with its
    search path); Hydra's errors as one-line ConfigErrors."""
    return _compose(overrides, config_name, None)


def _compose(overrides: list[str], config_name: str, config_dir: str | None) -> DictConfig:
    extra = [f"hydra.searchpath=[file://{Path(config_dir).resolve()}]"] if config_dir else []
    inside = GlobalHydra.instance().is_initialized()  # in a running app: compose on its search path
    try:
        with nullcontext() if inside else initialize_config_dir(str(CONF), version_base="1.3"):
            return compose(config_name, overrides=overrides + extra, return_hydra_config=True)
    except MissingConfigException as err:
        raise _missing(err, overrides) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        raise ConfigError(
            "",
            f"YAML syntax: {err.problem} at line {mark.line + 1}, column {mark.column + 1}",
            mark.name,
        ) from None
    except yaml.YAMLError as err:
        raise ConfigError("", f"YAML syntax: {str(err).splitlines()[0]}") from None
    except HydraException as err:
        raise _composition(err, overrides) from None


def _missing(err: MissingConfigException, overrides: list[str]) -> ConfigError:
    group, _, option = (err.missing_cfg_file or "").rpartition("/")
    known = ", ".join(err.options or []) or "none"
    where = next(
        (f"command line: {o}" for o in overrides if o.lstrip("+~").split("=", 1)[0] == group), None
    )
    if not group:
        return ConfigError("", f"no config named {option!r}", where)
    return ConfigError(group, f"unknown option {option!r} (known: {known})", where)


def _composition(err: HydraException, overrides: list[str]) -> ConfigError:
    text = str(err).splitlines()[0]
    if text.startswith("Could not override '"):
        key = text.split("'")[1]
        where = next((f"command line: {o}" for o in overrides if o.split("=", 1)[0] == key), None)
        return ConfigError(
            key, f"unknown key (to add a key the config does not set, write +{key}=...)", where
        )
    if text.startswith("Could not append to config. An item is already at '"):
        key = text.split("'")[1]
        where = next(
            (f"command line: {o}" for o in overrides if o.lstrip("+").split("=", 1)[0] == key), None
        )
        return ConfigError(key, f"already set (to change it, write {key}=... without the +)", where)
    return ConfigError("", text)

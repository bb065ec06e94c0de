"""Long work that can be seen and stopped: a progress bar on stderr, and Ctrl-C that stops.

The compiled kernel cannot be interrupted from inside: Python's default SIGINT handler raises
KeyboardInterrupt when the kernel returns, which numba reports as a SystemError. So, while a
command runs, SIGINT and SIGTERM only set a flag; the loops that call the kernel (chunks of
replicates, drawn worlds, sweep points, sampler steps) report each step to a `Watch`, which
raises `Interrupted` at the next step. A second Ctrl-C stops at once. The entry point then
removes what was half made and prints one line.

The bar shows only when stderr is a terminal (and `progress=true`): logs and tests stay clean.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from contextlib import contextmanager
from typing import Self

from tqdm import tqdm

_stop: list[int] = []  # the signal that asked to stop, if any
_depth: list[int] = [0]  # how many `stoppable` blocks are open


class Interrupted(BaseException):
    """A stop asked for by a signal. A BaseException, like KeyboardInterrupt, so that Hydra's
    handlers of ordinary errors let it through to the command's own one-line message."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.exit_code = 128 + signum  # 130 for SIGINT, 143 for SIGTERM, as a shell reports them


@contextmanager
def stoppable():
    """Inside: SIGINT and SIGTERM ask the running work to stop at its next step."""

    def ask(signum, frame):
        if _stop:  # asked twice: stop now
            raise KeyboardInterrupt
        _stop.append(signum)

    previous = {s: signal.signal(s, ask) for s in (signal.SIGINT, signal.SIGTERM)}
    _depth[0] += 1
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _depth[0] -= 1
        if not _depth[0]:  # a stop asked for inside a block within another (a job's, after its last
            _stop.clear()  # step: its writing) is left for the next step of the enclosing one (the next job)


def check() -> None:
    """Raise `Interrupted` if a stop was asked for."""
    if _stop:
        raise Interrupted(_stop[0])


class Watch:
    """What long work reports to: `watch(label, done, total)` after each step. Checks for a stop
    and draws one bar per label on stderr when it is a terminal."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and sys.stderr.isatty()
        self.bars: dict[str, tqdm] = {}

    def __call__(self, label: str, done: int, total: int) -> None:
        check()
        if not self.enabled:
            return
        bar = self.bars.get(label)
        if bar is None:
            bar = self.bars[label] = tqdm(
                total=total, desc=label, file=sys.stderr, leave=False, dynamic_ncols=True
            )
        bar.update(done - bar.n)
        if done >= total:  # the next work of this label gets a new bar
            self.bars.pop(label).close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> bool:
        for bar in self.bars.values():
            bar.close()
        return False


@contextmanager
def stopped_quietly(clean_up: Callable[[], str] | None = None):
    """Around a whole command: a Ctrl-C that arrives where no work is watched (Hydra starting, a
    parallel launcher waiting for its workers, a second Ctrl-C), or a stop no job handled (the
    batch launcher's), ends it with one line, no traceback, after `clean_up()` (which says what
    it kept)."""
    try:
        yield
    except (
        SystemExit
    ) as done:  # a job that stopped said so itself (in a parallel launcher's worker)
        if done.code in (128 + signal.SIGINT, 128 + signal.SIGTERM) and clean_up is not None:
            clean_up()
        raise
    except (KeyboardInterrupt, Interrupted) as stop:
        kept = clean_up() if clean_up is not None else ""
        print(f"interrupted{': ' + kept if kept else ''}", file=sys.stderr)
        sys.exit(stop.exit_code if isinstance(stop, Interrupted) else 128 + signal.SIGINT)

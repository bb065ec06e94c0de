"""Accord expansion simulator: Mesa agents, a mediator, peers and shocks; Hydra-configured."""

from __future__ import annotations


def run(overrides=(), **kwargs):
    """Run a scenario from the project's configs; see `sim.api.run`."""
    from sim.api import run as _run

    return _run(overrides, **kwargs)


__all__ = ["run"]

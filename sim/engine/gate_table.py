"""The gates of a config (conf/gates) as the arrays the engines read (sim.core.gates)."""

from __future__ import annotations

import numpy as np

from sim.config.schema import RunConfig


def gate_names(cfg: RunConfig) -> list[str]:
    """The enabled gates, in config order."""
    return [name for name, gate in cfg.gates.gates.items() if gate.enabled]


def gate_wiring(cfg: RunConfig, index: dict[str, int]) -> dict[str, np.ndarray]:
    """`Shared`'s gate fields: whom each enabled gate blocks, from what, and its earliest month."""
    gates = [cfg.gates.gates[name] for name in gate_names(cfg)]
    sign, talks = np.zeros((2, len(gates), len(index)), dtype=bool)
    for g, gate in enumerate(gates):
        blocked = sign if gate.blocks == "accession" else talks
        blocked[g, [index[c] for c in gate.countries]] = True
    earliest = [0 if g.earliest is None else g.earliest for g in gates]
    return {
        "gate_blocks_sign": sign,
        "gate_blocks_talks": talks,
        "gate_earliest": np.array(earliest, dtype=np.int64),
    }


def gate_numbers(cfg: RunConfig) -> dict[str, np.ndarray]:
    """`Numbers`' gate fields for one design point: when each opens, or its monthly hazard."""
    gates = [cfg.gates.gates[name] for name in gate_names(cfg)]
    return {
        "gate_opens": np.array([-1 if g.opens is None else g.opens for g in gates], np.int64),
        "gate_p_monthly": np.array([g.p_monthly for g in gates], dtype=np.float64),
    }


def closed_on_record(world, point: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(T, C) bool each: the months in which a country may not sign, and may not open talks,
    as a record shows it: a gate is closed until its given month, if any (the record's months
    never see a gate open by chance)."""
    shared, numbers = world.shared, world.numbers
    opens = numbers.gate_opens[point]
    opened = np.where(opens >= 0, opens, np.iinfo(np.int64).max)
    months = world.months[:, None]
    closed = months < opened[None, :]  # (T, G)
    return closed @ shared.gate_blocks_sign > 0, closed @ shared.gate_blocks_talks > 0


def waits_on(world, point: int = 0) -> list[str]:
    """Per country, the gates that block it and the chance each is open by the horizon, e.g.
    'armenia_treaty (open by the end: 0.61)'; '' for none. The chance is exact for the gate's
    given month or its monthly hazard (the engines draw the same)."""
    shared, numbers = world.shared, world.numbers
    last = world.start + world.n_months - 1
    out = []
    for i in range(len(world.ids)):
        named = []
        for g, name in enumerate(world.gate_names):
            if not (shared.gate_blocks_sign[g, i] or shared.gate_blocks_talks[g, i]):
                continue
            opens, p = numbers.gate_opens[point, g], numbers.gate_p_monthly[point, g]
            if opens >= 0:
                chance = float(opens <= last)
            else:
                months = max(last - max(world.start, shared.gate_earliest[g]) + 1, 0)
                chance = 1.0 - (1.0 - p) ** months
            named.append(f"{name} (open by the end: {chance:.2f})")
        out.append(", ".join(named))
    return out

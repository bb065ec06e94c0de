"""Gates (sim.core.gates, conf/gates): a closed gate holds exactly, in both engines and the
likelihood; a gate opens on its date or at its hazard; conditions can name one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.condition import Setting, conditional_table
from sim.config.errors import ConfigError
from sim.core import gates, streams
from sim.core.calendar import parse_month
from sim.core.decision import EXITED, MEMBER, OUTSIDE, TALKS
from sim.engine.kernel import gate_openings
from sim.engine.outcomes import NEVER
from sim.engine.simulate import simulate
from sim.engine.world import compile_world
from sim.hydra.configs import compose_config
from sim.inference.likelihood import load_record, log_likelihood

from .conftest import calibration_config
from .strategies import build, country

STATUSES = st.sampled_from([OUTSIDE, TALKS, MEMBER, EXITED])


def calibration_run_config(*overrides: str):
    """The calibration's run config (the record's window and its gates), with `overrides`."""
    return calibration_config("calibrate", overrides)[0]


@settings(deadline=None)  # the first call compiles
@given(old=STATUSES, new=STATUSES, month=st.integers(0, 100), sign=st.integers(0, 100))
def test_a_closed_accession_gate_changes_only_a_signing(old, new, month, sign):
    held = gates.held(old, new, month, sign, 0)
    if old == TALKS and new == MEMBER and month < sign:
        assert held == TALKS
    else:
        assert held == new


@settings(deadline=None)
@given(old=STATUSES, new=STATUSES, month=st.integers(0, 100), talks=st.integers(0, 100))
def test_a_closed_talks_gate_changes_only_an_opening(old, new, month, talks):
    held = gates.held(old, new, month, 0, talks)
    assert held == (OUTSIDE if (old, new) == (OUTSIDE, TALKS) and month < talks else new)


def test_a_gate_opens_on_its_date_or_at_its_hazard_from_its_earliest_month():
    key = streams.name_keys(["gate:x"])[0]
    assert gates.opening_month(30, 0.9, 0, key, 10, 50) == 30  # a date wins
    assert gates.opening_month(-1, 0.0, 0, key, 10, 50) == gates.SHUT
    assert gates.opening_month(-1, 1.0, 20, key, 10, 50) == 20  # certain, from its earliest
    assert gates.opening_month(-1, 1.0, 60, key, 10, 50) == gates.SHUT  # after the horizon
    months = [
        gates.opening_month(-1, 0.1, 0, key, 0, 10**6)
        for key in streams.base_streams(np.uint64(7), np.arange(4000), np.array([key]))[:, 0]
    ]
    assert abs(np.mean(months) - 9.0) < 0.6  # geometric: mean (1 - p) / p, se ~0.15


def gated_world(**gate):
    """Two countries in talks that sign readily, in two regions (no peer ties) and with no
    mediator; a gate on the first."""
    countries = {
        "a": country("A", status="talks", level=0.9),
        "b": country("B", region="South", status="talks", level=0.9),  # no ties to a
    }
    config = build(
        countries,
        scenario={"start": "2030-01", "end": "2032-12"},
        mediator={"strategy": "none"},  # no mediator either, whose offers would couple them
        gates={"g": {"countries": ["a"], **gate}},
        replicates=400,
    )
    return compile_world(config)


@pytest.mark.parametrize("engine", ["ensemble", "mesa"])
def test_no_accession_while_the_gate_is_closed_in_either_engine(engine):
    replicates = 400 if engine == "ensemble" else 60
    closed = simulate(gated_world(), replicates=replicates, seed=3, engine=engine)
    assert (closed.join_month[:, 0] == NEVER).all()  # never opens: never signs
    assert (closed.join_month[:, 1] != NEVER).mean() > 0.5  # the other signs as usual
    opens = parse_month("2031-07") - parse_month("2030-01")
    dated = simulate(gated_world(opens="2031-07"), replicates=replicates, seed=3, engine=engine)
    joined = dated.join_month[:, 0]
    assert (joined[joined != NEVER] >= opens).all() and (joined != NEVER).mean() > 0.3
    np.testing.assert_array_equal(dated.join_month[:, 1], closed.join_month[:, 1])


def test_both_engines_draw_the_same_gates_replicate_by_replicate():
    world = gated_world(p_monthly=0.05)
    mesa = simulate(world, replicates=40, seed=5, engine="mesa")
    ensemble = simulate(world, replicates=40, seed=5, engine="ensemble")
    np.testing.assert_array_equal(mesa.join_month, ensemble.join_month)
    openings = gate_openings(world, np.zeros(40, np.int64), np.arange(40), 5)[:, 0]
    joined = ensemble.join_month[:, 0]
    assert (joined[joined != NEVER] >= openings[joined != NEVER]).all()
    assert 0 < (openings != NEVER).mean() < 1


def test_the_likelihood_gives_no_signing_while_a_gate_is_closed():
    config = calibration_run_config("gates=abraham_2026")
    world = compile_world(config)
    record = load_record(config.record, world)
    azerbaijan = world.ids.index("azerbaijan")
    assert "armenia_treaty" in world.gate_names
    gated = log_likelihood(world, record, 0.05)
    free = log_likelihood(compile_world(calibration_run_config("gates=none")), record, 0.05)
    assert gated[azerbaijan] > free[azerbaijan]  # it did not sign: more likely when it could not
    others = np.arange(len(world.ids)) != azerbaijan
    gated_ids = [world.ids.index(c) for c in ("somaliland", "saudi_arabia")]
    others[gated_ids] = False
    np.testing.assert_array_equal(gated[others], free[others])  # untouched elsewhere, bit for bit


def test_a_record_that_joins_through_a_closed_gate_is_refused_in_one_line():
    config = calibration_run_config("gates=abraham_2026", "+gates.gates.held.countries=[bahrain]")
    with pytest.raises(ConfigError, match="bahrain joined on the record in 2020-09"):
        load_record(config.record, compile_world(config))


def test_a_condition_can_name_a_gate():
    config = compose_config(
        ["replicates=2000", "gates=abraham_2026", "gates.gates.armenia_treaty.p_monthly=0.05"]
    )
    world = compile_world(config)
    out = simulate(world, replicates=2000, seed=config.seed)
    rows = np.arange(2000)
    openings = gate_openings(world, np.zeros(2000, np.int64), rows, config.seed)
    setting = Setting(
        world.ids,
        world.names,
        world.start,
        world.n_months,
        world.counted,
        gates=tuple(world.gate_names),
        openings=openings,
    )
    _, summary = conditional_table(out, setting, "gate armenia_treaty by 2027-12", 12)
    months = parse_month("2027-12") - max(world.start, parse_month("2026-07")) + 1
    expected = 1 - 0.95**months
    held = summary["share_kept"]
    assert abs(held - expected) < 4 * np.sqrt(expected * (1 - expected) / 2000)
    azerbaijan = world.ids.index("azerbaijan")
    joined = out.join_month[:, azerbaijan]
    assert (joined[openings[:, 0] == NEVER] == NEVER).all()

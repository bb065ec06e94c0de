"""Golden numbers of tiny seeded scenarios (tests/golden_scenarios.py), written inline.

They change only with a reviewed change of the model's semantics: regenerate them with
`python -m tests.golden_scenarios --write` and review the diff.
"""

from __future__ import annotations

import pytest

from .golden_scenarios import SCENARIOS, numbers

GOLDEN = {
    "default_judgement": {
        "Azerbaijan": 0.6285,
        "Uzbekistan": 0.1055,
        "Saudi Arabia": 0.127,
        "members_mean": 6.4875,
        "uzbekistan_inducement_at_join": 0.282938,
    },
    "mesa_engine": {
        "Azerbaijan": 0.65,
        "Uzbekistan": 0.0,
        "Saudi Arabia": 0.1,
        "members_mean": 6.4,
    },
    "no_mediator": {
        "Azerbaijan": 0.571,
        "Uzbekistan": 0.054,
        "Saudi Arabia": 0.07,
        "members_mean": 6.111,
        "uzbekistan_inducement_at_join": 0.0,
    },
    "uncertain_input": {
        "Azerbaijan": 0.585,
        "Uzbekistan": 0.072,
        "Saudi Arabia": 0.123,
        "members_mean": 6.424,
        "uzbekistan_inducement_at_join": 0.225,
    },
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_golden_numbers(name):
    assert numbers(name) == pytest.approx(GOLDEN[name], abs=1e-12)

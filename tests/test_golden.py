"""Golden numbers of tiny seeded scenarios (tests/golden_scenarios.py), written inline.

They change only with a reviewed change of the model's semantics: regenerate them with
`python -m tests.golden_scenarios --write` and review the diff.
"""

from __future__ import annotations

import pytest

from .golden_scenarios import SCENARIOS, numbers

GOLDEN = {
    "default_judgement": {
        "Azerbaijan": 0.251,
        "Uzbekistan": 0.1035,
        "Saudi Arabia": 0.016,
        "members_mean": 5.869,
        "uzbekistan_inducement_at_join": 0.284058,
    },
    "mesa_engine": {
        "Azerbaijan": 0.225,
        "Uzbekistan": 0.0,
        "Saudi Arabia": 0.025,
        "members_mean": 5.8,
    },
    "no_mediator": {
        "Azerbaijan": 0.2,
        "Uzbekistan": 0.048,
        "Saudi Arabia": 0.008,
        "members_mean": 5.625,
        "uzbekistan_inducement_at_join": 0.0,
    },
    "uncertain_input": {
        "Azerbaijan": 0.215,
        "Uzbekistan": 0.069,
        "Saudi Arabia": 0.014,
        "members_mean": 5.8,
        "uzbekistan_inducement_at_join": 0.230435,
    },
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_golden_numbers(name):
    assert numbers(name) == pytest.approx(GOLDEN[name], abs=1e-12)

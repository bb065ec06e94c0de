"""Golden numbers of tiny seeded scenarios (tests/golden_scenarios.py), written inline.

They change only with a reviewed change of the model's semantics: regenerate them with
`python -m tests.golden_scenarios --write` and review the diff.
"""

from __future__ import annotations

import pytest

from .golden_scenarios import SCENARIOS, numbers

GOLDEN = {
    "default_judgement": {
        "Azerbaijan": 0.6945,
        "Uzbekistan": 0.1125,
        "Saudi Arabia": 0.1545,
        "members_mean": 6.674,
        "uzbekistan_inducement_at_join": 0.268,
    },
    "mesa_engine": {
        "Azerbaijan": 0.7,
        "Uzbekistan": 0.05,
        "Saudi Arabia": 0.1,
        "members_mean": 6.45,
    },
    "no_mediator": {
        "Azerbaijan": 0.634,
        "Uzbekistan": 0.059,
        "Saudi Arabia": 0.076,
        "members_mean": 6.218,
        "uzbekistan_inducement_at_join": 0.0,
    },
    "uncertain_input": {
        "Azerbaijan": 0.654,
        "Uzbekistan": 0.087,
        "Saudi Arabia": 0.149,
        "members_mean": 6.61,
        "uzbekistan_inducement_at_join": 0.217241,
    },
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_golden_numbers(name):
    assert numbers(name) == pytest.approx(GOLDEN[name], abs=1e-12)

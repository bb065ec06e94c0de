"""Golden numbers of tiny seeded scenarios (tests/golden_scenarios.py), written inline.

They change only with a reviewed change of the model's semantics: regenerate them with
`python -m tests.golden_scenarios --write` and review the diff.
"""

from __future__ import annotations

import pytest

from .golden_scenarios import SCENARIOS, numbers

GOLDEN = {
    'default_judgement': {'Azerbaijan': 0.6765, 'Uzbekistan': 0.292, 'Saudi Arabia': 0.083, 'members_mean': 6.6045, 'uzbekistan_inducement_at_join': 0.519349},
    'mesa_engine': {'Azerbaijan': 0.675, 'Uzbekistan': 0.275, 'Saudi Arabia': 0.1, 'members_mean': 6.7},
    'no_mediator': {'Azerbaijan': 0.632, 'Uzbekistan': 0.032, 'Saudi Arabia': 0.081, 'members_mean': 6.034, 'uzbekistan_inducement_at_join': 0.0},
    'uncertain_input': {'Azerbaijan': 0.626, 'Uzbekistan': 0.263, 'Saudi Arabia': 0.092, 'members_mean': 6.569, 'uzbekistan_inducement_at_join': 0.529278},
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_golden_numbers(name):
    assert numbers(name) == pytest.approx(GOLDEN[name], abs=1e-12)

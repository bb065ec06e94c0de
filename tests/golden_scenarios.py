"""The tiny seeded scenarios behind tests/test_golden.py, and the numbers each one reports.

Regenerate the golden numbers only with a reviewed change of the model's semantics:

    .venv/bin/python -m tests.golden_scenarios          # prints the numbers as they are now
    .venv/bin/python -m tests.golden_scenarios --write  # rewrites the GOLDEN block in tests/test_golden.py

then review the diff of tests/test_golden.py like any other change. Scenarios are pinned to
params=judgement so that a new calibration does not move them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from sim import run

SCENARIOS = {
    "default_judgement": ["params=judgement", "replicates=2000", "seed=1"],
    "mesa_engine": ["params=judgement", "replicates=40", "seed=3", "engine=mesa", "explain=false"],
    "no_mediator": ["params=judgement", "replicates=1000", "seed=2", "mediator.strategy=none"],
    "uncertain_input": [
        "params=judgement",
        "replicates=1000",
        "seed=4",
        "replicates_per_draw=10",
        "roster.countries.azerbaijan.iran_threat={low: 0.2, high: 0.9}",
    ],
}
COUNTRIES = ("Azerbaijan", "Uzbekistan", "Saudi Arabia")


def numbers(name: str) -> dict[str, float]:
    """What a scenario reports: p_joined_by_horizon of a few countries, the mean number of
    members at the horizon, and (when explained) Uzbekistan's mean inducement term at joining."""
    result = run(SCENARIOS[name])
    p = result.summary.set_index("country")["p_joined_by_horizon"]
    out = {country: float(p[country]) for country in COUNTRIES}
    out["members_mean"] = float(result.members["mean"].iloc[-1])
    if result.tables.why is not None:
        why = result.tables.why.set_index("country")
        out["uzbekistan_inducement_at_join"] = float(why.loc["Uzbekistan", "inducement"])
    return out


def main() -> None:
    golden = {name: numbers(name) for name in SCENARIOS}
    text = (
        "GOLDEN = {\n"
        + "".join(f"    {name!r}: {values!r},\n" for name, values in golden.items())
        + "}"
    )
    if "--write" in sys.argv:
        path = Path(__file__).with_name("test_golden.py")
        source = path.read_text()
        path.write_text(
            re.sub(r"GOLDEN = \{.*?\n\}", lambda _: text, source, count=1, flags=re.DOTALL)
        )
        print(f"rewrote the GOLDEN block in {path}; review the diff before committing")
    else:
        print(text)


if __name__ == "__main__":
    main()

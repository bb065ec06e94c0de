"""Why countries join in a run: the mean contribution of each utility term, by country and month.

The kernel sums, over the replicates in which a country is still deciding (outside or in
talks) in a month, each contribution to its accession utility (the world's declared terms:
for the Abraham world the incentives, the mediator's offer, peer pressure, the domestic costs;
and what active events add), the utility and the threshold, and the same at the month it joins. Means of those sums are
the tables here; the contributions add up to the utility in every row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.calendar import format_month
from sim.core.decision import Status
from sim.engine.gate_table import waits_on
from sim.engine.outcomes import FIXED_POINT, ContributionSums
from sim.engine.world import World


def contributions_of(world: World) -> list[str]:
    """The columns of an explanation: the world's declared terms, then `events` (what active
    events add through the terms they move). They sum to the utility."""
    return [*world.term_names, "events"]


SHOWN = 3  # terms named in a "why" row
DECIMALS = 6  # the sums' resolution is 6e-8


def contributions_table(sums: ContributionSums, world: World, replicates: int) -> pd.DataFrame:
    """One row per country and month: the share of replicates deciding, and the mean of each
    contribution, the utility and the threshold over them (NaN when none was deciding)."""
    n_months, n_country = sums.deciding.shape
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums.by_month / FIXED_POINT / sums.deciding[..., None]
    values = [*contributions_of(world), "utility", "threshold"]
    table = pd.DataFrame(means.reshape(-1, len(values)), columns=values).round(DECIMALS)
    table.insert(0, "country", np.tile(world.names, n_months))
    table.insert(1, "month", np.repeat([format_month(m) for m in world.months], n_country))
    table.insert(2, "deciding", (sums.deciding / replicates).ravel())
    return table


def why_table(
    sums: ContributionSums, world: World, joined: np.ndarray, summary: pd.DataFrame, countries: int
) -> pd.DataFrame:
    """For the `countries` most likely to join (not members at the start): the mean
    contributions in the month they joined, the margin over the threshold, the largest terms
    for and against, the terms most above their level in the months before (what tipped), and
    the gates it waits on (conf/gates) with the chance each is open by the horizon."""
    index = {name: i for i, name in enumerate(world.names)}
    outside = [
        name
        for name in summary["country"]
        if world.status0[index[name]] != Status.MEMBER and joined[index[name]] > 0
    ][:countries]
    deciding = sums.deciding.sum(axis=0)
    p_joined = dict(zip(summary["country"], summary["p_joined_by_horizon"]))
    contributions = contributions_of(world)
    n, gated = len(contributions), waits_on(world)
    rows = []
    for name in outside:
        i = index[name]
        at_join = sums.at_join[i] / FIXED_POINT / joined[i]
        usual = sums.by_month[:, i].sum(axis=0) / FIXED_POINT / deciding[i]
        terms = dict(zip(contributions, at_join[:n]))
        lift = dict(zip(contributions, at_join[:n] - usual[:n]))
        utility, threshold = at_join[n], at_join[n + 1]
        rows.append(
            {
                "country": name,
                "p_joined_by_horizon": p_joined[name],
                "joins": int(joined[i]),
                **{t: terms[t] for t in contributions},
                "utility": utility,
                "threshold": threshold,
                "margin": utility - threshold,
                "carried_by": _named(terms, positive=True),
                "held_back_by": _named(terms, positive=False),
                "tipped_by": _named(lift, positive=True),
                "waits_on": gated[i],
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "country",
            "p_joined_by_horizon",
            "joins",
            *contributions,
            "utility",
            "threshold",
            "margin",
            "carried_by",
            "held_back_by",
            "tipped_by",
            "waits_on",
        ],
    ).round(DECIMALS)


def _named(values: dict[str, float], positive: bool) -> str:
    """The largest terms of one sign, as 'term +0.52, term +0.10'."""
    sign = 1 if positive else -1
    chosen = sorted(
        (v for v in values.items() if sign * v[1] >= 0.005), key=lambda kv: -sign * kv[1]
    )
    return ", ".join(f"{k} {v:+.2f}" for k, v in chosen[:SHOWN])

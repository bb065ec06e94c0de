"""The comparison's figure: each scenario's probability of being a member at the horizon, and
its change against the baseline.

A heatmap of scenario x country on the left; on the right each scenario's delta with its 95%
interval, or for a sweep of more than MANY_SCENARIOS scenarios a second heatmap of the deltas,
dotted where the interval excludes 0. sim.output.report writes it with the comparison's tables.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.output.plots.caption import TRIVIAL, caption

MANY_SCENARIOS = (
    12  # past this many, the comparison shows its deltas as a grid and its cells without numbers
)


def plot_comparison(
    table: pd.DataFrame, *, baseline: str, max_countries: int = 15, note: str = ""
) -> Figure:
    """Left: p_joined_by_horizon as a scenario x country heatmap. Right: each scenario's delta
    against the baseline, for the countries that move most: with its 95% interval for a few
    scenarios; as a second heatmap for many (a sweep), a dot where the interval excludes 0."""
    wide = table.pivot_table(
        index="label", columns="country", values="p_joined_by_horizon", sort=False
    )
    moving = wide.columns[(wide.max() > TRIVIAL) & (wide.min() < 1 - TRIVIAL)]
    spread = (
        table[table["country"].isin(moving)]
        .groupby("country")["delta"]
        .apply(lambda d: d.abs().max())
    )
    order = wide[moving].max().sort_values(ascending=False).index
    shown = list(order[:max_countries])
    many = len(wide) > MANY_SCENARIOS
    row = 0.2 if many else 0.45  # inches a scenario
    fig, (heat, deltas) = plt.subplots(
        1,
        2,
        figsize=(14, 1.8 + row * max(len(wide), len(shown) * 0.6)),
        layout="constrained",
        gridspec_kw={"width_ratios": [1.4, 1]},
    )
    image = heat.imshow(wide[shown].to_numpy(), vmin=0, vmax=1, cmap="viridis", aspect="auto")
    heat.set_xticks(range(len(shown)), shown, rotation=60, ha="right", fontsize=8)
    heat.set_yticks(range(len(wide)), wide.index, fontsize=8 if not many else 6)
    labelled = np.zeros((0, 0)) if many else wide[shown].to_numpy()  # a large sweep: colour alone
    for (i, j), value in np.ndenumerate(labelled):
        heat.text(
            j,
            i,
            f"{value:.2f}",
            ha="center",
            va="center",
            fontsize=6,
            color="white" if value < 0.5 else "black",
        )
    fig.colorbar(image, ax=heat, label="probability of being a member at the horizon", shrink=0.8)
    heat.set_title("Probability of being a member at the horizon")
    if many:
        _delta_grid(fig, deltas, table, list(wide.index), shown)
    else:
        others = [label for label in wide.index if label != baseline]
        _delta_intervals(deltas, table, others, list(spread.reindex(shown).sort_values().index))
    deltas.set_title(f"Change against the baseline\n({baseline})", fontsize=9)
    fig.supxlabel(caption(note), x=0.01, ha="left", fontsize=7, color="0.4")
    return fig


def _delta_intervals(ax, table: pd.DataFrame, others: list[str], countries: list[str]) -> None:
    """Each scenario's delta per country with its 95% interval, one colour a scenario."""
    colours = plt.get_cmap("tab10")
    for n, label in enumerate(others):
        rows = table[table["label"] == label].set_index("country").reindex(countries)
        y = np.arange(len(countries)) + (n - (len(others) - 1) / 2) * 0.8 / max(len(others), 1)
        err = [rows["delta"] - rows["delta_ci_low"], rows["delta_ci_high"] - rows["delta"]]
        ax.errorbar(
            rows["delta"], y, xerr=err, fmt="o", ms=3, capsize=2, color=colours(n % 10), label=label
        )
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(countries)), countries, fontsize=8)
    ax.set_xlabel("delta vs baseline (95% interval)")
    if others:
        ax.legend(fontsize=7, loc="best", frameon=False)
    ax.grid(alpha=0.3, axis="x")


def _delta_grid(
    fig: Figure, ax, table: pd.DataFrame, labels: list[str], countries: list[str]
) -> None:
    """The deltas as a scenario x country heatmap (the rows of the left panel); a dot where the
    95% interval excludes 0 (comparison.csv has the intervals)."""
    cell = table.set_index(["label", "country"])
    delta = cell["delta"].unstack().reindex(index=labels, columns=countries)
    clear = (
        ((cell["delta_ci_low"] > 0) | (cell["delta_ci_high"] < 0))
        .unstack()
        .reindex(index=labels, columns=countries)
    )
    limit = max(float(np.nanmax(np.abs(delta.to_numpy()))), 1e-3)
    image = ax.imshow(delta.to_numpy(), vmin=-limit, vmax=limit, cmap="RdBu_r", aspect="auto")
    rows, cols = np.nonzero(clear.fillna(False).to_numpy())
    ax.scatter(cols, rows, s=2, color="black")
    ax.set_xticks(range(len(countries)), countries, rotation=60, ha="right", fontsize=8)
    ax.set_yticks([])
    fig.colorbar(image, ax=ax, label="delta vs baseline (dot: 95% interval excludes 0)", shrink=0.8)

"""A sensitivity study's figures: which parameters matter for each output, and for all.

Tornado-style bars of Sobol (S1, ST) or Morris (mu*, sigma) indices with their bootstrap
intervals, one figure an output; and one heatmap of an index over every output and parameter.
Both read the indices table of sim.analysis.sensitivity.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.output.plots.caption import CAPTION


def plot_indices(table: pd.DataFrame, output: str, method: str) -> Figure:
    """Tornado-style bars for one output: Sobol S1 and ST (or Morris mu* and sigma) per
    parameter with 95% bootstrap intervals, the most influential at the top."""
    first, second = ("ST", "S1") if method == "sobol" else ("mu_star", "sigma")
    wide = table.pivot(index="parameter", columns="index", values="value")
    low = table.pivot(index="parameter", columns="index", values="ci_low")
    high = table.pivot(index="parameter", columns="index", values="ci_high")
    order = wide[first].sort_values().index
    y = np.arange(len(order))
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.32 * len(order)), layout="constrained")
    for offset, index, colour in ((0.2, first, "tab:blue"), (-0.2, second, "tab:orange")):
        value = wide.loc[order, index]
        err = [value - low.loc[order, index], high.loc[order, index] - value]
        ax.barh(
            y + offset,
            value,
            height=0.38,
            color=colour,
            label=index,
            xerr=err if index != "sigma" else None,
            capsize=2,
        )
    ax.set_yticks(y, order, fontsize=8)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel(
        {"sobol": "Sobol index (95% bootstrap interval)", "morris": "elementary effects"}[method]
    )
    ax.set_title(f"{output}: which parameters matter", fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.grid(alpha=0.3, axis="x")
    fig.supxlabel(CAPTION, x=0.01, ha="left", fontsize=7, color="0.4")
    return fig


def plot_sensitivity_heatmap(table: pd.DataFrame, index: str, name: str) -> Figure:
    """One index (ST or mu*) for every output x parameter, parameters by their largest value."""
    wide = table[table["index"] == index].pivot_table(
        index="output", columns="parameter", values="value", sort=False
    )
    wide = wide[wide.max().sort_values(ascending=False).index]
    fig, ax = plt.subplots(
        figsize=(1.6 + 0.55 * wide.shape[1], 1.5 + 0.32 * wide.shape[0]), layout="constrained"
    )
    image = ax.imshow(wide.to_numpy(), cmap="magma_r", aspect="auto", vmin=0)
    ax.set_xticks(range(wide.shape[1]), wide.columns, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(wide.shape[0]), wide.index, fontsize=8)
    for (i, j), value in np.ndenumerate(wide.to_numpy()):
        ax.text(
            j,
            i,
            f"{value:.2f}",
            ha="center",
            va="center",
            fontsize=6,
            color="white" if value > 0.5 * np.nanmax(wide.to_numpy()) else "black",
        )
    fig.colorbar(image, ax=ax, label=index, shrink=0.8)
    ax.set_title(f"Sensitivity study {name!r}: {index} by output and parameter", fontsize=10)
    fig.supxlabel(CAPTION, x=0.01, ha="left", fontsize=7, color="0.4")
    return fig

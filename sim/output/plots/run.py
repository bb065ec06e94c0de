"""A run's figures: the probability of being a member by month, the member fan, and why
countries join.

Each reads a table of sim.analysis.tables (joining_probabilities, members, contributions) and
returns a Figure; the run writes them next to its CSVs. The contributions panel stacks each
utility term's mean contribution against the country's threshold, one panel a country.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from sim.output.plots.caption import TRIVIAL, caption

BANDS = 3  # countries of plot_join_probability drawn with their interval
LOW = 0.1  # curves ending below this are also drawn magnified in an inset


# Below this a chance of joining is not estimated: the record bounds the response's noise from
# above only (issue 30; README, "Tails"), so a chance under 1% is what the prior on the noise
# makes of a country well below its threshold. summary.csv keeps the numbers; the terminal and
# the figures show them as "<0.01" and "<1%".
NOT_ESTIMATED = 0.01


def plot_join_probability(
    table: pd.DataFrame, *, max_countries: int = 10, title: str = "", note: str = "", ax=None
) -> Figure:
    """Curves of p_joined by month, for the non-trivial countries (most likely by the horizon
    first, at most `max_countries`), with the 95% bands of the first `BANDS`."""
    fig, ax = _figure(ax, (9, 5.5))
    wide = table.pivot(index="month", columns="country", values="p_joined")
    moving = wide.columns[(wide.max() > TRIVIAL) & (wide.min() < 1 - TRIVIAL)]
    order = wide[moving].iloc[-1].sort_values(ascending=False).index
    shown = list(order[:max_countries])
    dates = pd.to_datetime(wide.index)
    colours = plt.get_cmap("tab10" if len(shown) <= 10 else "tab20")
    for i, country in enumerate(shown):
        rows = table[table["country"] == country]
        colour = colours(i % colours.N)
        final = rows["p_joined"].iloc[-1]
        ax.step(
            dates,
            rows["p_joined"],
            where="post",
            color=colour,
            label=f"{country} ({_percent(final)})",
        )
        if i < BANDS:  # more bands than this hide each other when they cover parameter uncertainty
            ax.fill_between(
                dates, rows["ci_low"], rows["ci_high"], step="post", color=colour, alpha=0.15, lw=0
            )
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability of being a member (share of replicates)")
    hidden = len(order) - len(shown)
    more = f"; {hidden} more not shown" if hidden > 0 else ""
    ax.set_title(title or "Probability of being a member, by month")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    low = [(i, c) for i, c in enumerate(shown) if wide[c].iloc[-1] < LOW]
    if low and len(low) < len(shown):  # curves that crowd the bottom: magnified in an inset
        inset = ax.inset_axes([0.05, 0.56, 0.36, 0.36])
        for i, country in low:
            inset.step(dates, wide[country], where="post", color=colours(i % colours.N), lw=1)
        inset.set_ylim(0, wide[[c for _, c in low]].to_numpy().max() * 1.15)
        inset.set_title(f"below {LOW:.0%} at the horizon, magnified", fontsize=7)
        inset.tick_params(labelsize=6)
        inset.xaxis.set_major_locator(mdates.YearLocator())
        inset.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        inset.grid(alpha=0.3)
    _finish(
        fig,
        ax,
        f"{note}; bands: 95% intervals of the {min(BANDS, len(shown))} likeliest{more}".lstrip(
            "; "
        ),
    )
    return fig


def plot_members(table: pd.DataFrame, *, title: str = "", note: str = "", ax=None) -> Figure:
    """Number of members over time: median with 50% and 90% bands across replicates."""
    fig, ax = _figure(ax, (8, 4.5))
    dates = pd.to_datetime(table["month"])
    band = {"step": "post", "color": "tab:blue", "lw": 0}
    ax.fill_between(dates, table["q05"], table["q95"], alpha=0.2, label="90% of replicates", **band)
    ax.fill_between(dates, table["q25"], table["q75"], alpha=0.4, label="50% of replicates", **band)
    ax.step(dates, table["median"], where="post", color="black", label="median")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("members of the accord")
    ax.set_title(title or "Members over time across replicates")
    ax.legend(loc="upper left", frameon=False)
    _finish(fig, ax, note)
    return fig


def _figure(ax, size):
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    return fig, ax


def _finish(fig: Figure, ax, note: str = "") -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.grid(alpha=0.3)
    fig.supxlabel(caption(note), x=0.01, ha="left", fontsize=7, color="0.4")


def readable(term: str) -> str:
    """A term's name as a legend shows it: 'public_opposition' -> 'Public opposition'."""
    words = term.replace("_", " ")
    return {"us security": "US security", "econ gain": "Economic gain"}.get(
        words, words[:1].upper() + words[1:]
    )


def plot_contributions(
    table: pd.DataFrame, countries: list[str], *, title: str = "", note: str = ""
) -> Figure:
    """One panel per country: the mean contribution of each term to accession utility by month
    (stacked: incentives up, costs down), the utility and the threshold, over the replicates in
    which the country is still deciding."""
    cols = 2
    rows = max((len(countries) + cols - 1) // cols, 1)
    fig, axes = plt.subplots(
        rows, cols, figsize=(12, 2.6 * rows), squeeze=False, sharex=True, sharey=True
    )  # one scale: panels compare
    fig.subplots_adjust(
        left=0.07,
        right=0.84,
        top=1 - 0.8 / (2.6 * rows),
        bottom=0.8 / (2.6 * rows),
        hspace=0.35,
        wspace=0.15,
    )  # fixed margins: a constrained layout costs ~0.4 s here
    colours = plt.get_cmap("tab10" if len(table.columns) < 16 else "tab20")
    columns = list(table.columns)
    contributions = columns[
        columns.index("deciding") + 1 : columns.index("utility")
    ]  # the terms, then events
    for ax, country in zip(axes.flat, countries):
        part = table[table["country"] == country]
        dates = pd.to_datetime(part["month"])
        x = mdates.date2num(dates)
        edges = np.concatenate([[x[0] - 15], (x[1:] + x[:-1]) / 2, [x[-1] + 15]])  # month steps
        left, right = edges[:-1], edges[1:]
        up, down = np.zeros(len(part)), np.zeros(len(part))
        polygons, faces = [], []
        for k, term in enumerate(
            contributions
        ):  # one collection per panel: fill_between per term is slow
            value = part[term].fillna(0).to_numpy()
            for base, piece in ((up, np.maximum(value, 0)), (down, np.minimum(value, 0))):
                top = base + piece
                xs = np.column_stack([left, right]).ravel()
                outline = np.column_stack(
                    [np.r_[xs, xs[::-1]], np.r_[np.repeat(top, 2), np.repeat(base, 2)[::-1]]]
                )
                polygons.append(outline)
                faces.append(colours(k))
                base += piece
        ax.add_collection(PolyCollection(polygons, facecolors=faces, linewidths=0))
        ax.autoscale_view()
        ax.step(dates, part["utility"], where="mid", color="black", lw=1.2, label="Utility")
        ax.step(
            dates, part["threshold"], where="mid", color="black", lw=1, ls="--", label="Threshold"
        )
        ax.axhline(0, color="0.3", lw=0.5)
        ax.set_title(
            f"{country} (deciding in {part['deciding'].mean():.0%} of replicate-months)", fontsize=9
        )
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3, axis="y")
    for ax in axes.flat[len(countries) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    patches = [
        Patch(color=colours(k), label=readable(term)) for k, term in enumerate(contributions)
    ]
    fig.legend(
        patches + handles,
        [p.get_label() for p in patches] + labels,
        loc="upper right",
        fontsize=7,
        frameon=False,
    )
    fig.suptitle(title or "Mean contribution of each term to accession utility", fontsize=10)
    fig.supylabel("contribution to accession utility (utility units)", fontsize=8)
    for ax in axes.flat:
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    fig.supxlabel(caption(note), x=0.01, ha="left", fontsize=7, color="0.4")
    return fig


def _percent(p: float) -> str:
    """A chance as the legend shows it: "<1%" below NOT_ESTIMATED (README, "Tails")."""
    return "<1%" if p < NOT_ESTIMATED else f"{p:.0%}"

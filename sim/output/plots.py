"""Figures from tables, never from models: each function takes a table and returns a Figure."""

from __future__ import annotations

import functools

import matplotlib

matplotlib.use("Agg")  # files, not windows: runs headless and in workers

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

TRIVIAL = 0.005  # a curve that never leaves [0, 0.005] or [0.995, 1] is not drawn
CAPTION = "Consequences of stated, overridable assumptions; not a forecast."


BANDS = 3  # countries of plot_join_probability drawn with their interval
LOW = 0.1  # curves ending below this are also drawn magnified in an inset


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
            dates, rows["p_joined"], where="post", color=colour, label=f"{country} ({final:.0%})"
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


def caption(note: str = "") -> str:
    """The line under a figure: what it rests on (replicates, parameters), then the caveat."""
    return f"{note}.\n{CAPTION}" if note else CAPTION


def readable(term: str) -> str:
    """A term's name as a legend shows it: 'public_opposition' -> 'Public opposition'."""
    words = term.replace("_", " ")
    return {"us security": "US security", "econ gain": "Economic gain"}.get(
        words, words[:1].upper() + words[1:]
    )


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


def plot_profiles(profiles: dict, estimate: dict, low: dict, high: dict) -> Figure:
    """One panel per fitted parameter: profile log-posterior (and log-likelihood) against its
    value, the mode and the 95% interval."""
    names = list(profiles)
    cols = 4
    rows = (len(names) + cols - 1) // cols
    fig, axes = plt.subplots(
        rows, cols, figsize=(3.2 * cols, 2.4 * rows), layout="constrained", squeeze=False
    )
    for ax, name in zip(axes.flat, names):
        values, post, lik = profiles[name]
        ax.plot(values, post - post.max(), "o-", ms=3, label="log-posterior")
        ax.plot(values, lik - lik.max(), "s--", ms=2, alpha=0.6, label="log-likelihood")
        ax.axhline(-1.92, color="grey", lw=0.8)
        ax.axvspan(low[name], high[name], color="tab:blue", alpha=0.1)
        ax.axvline(estimate[name], color="black", lw=0.8)
        ax.set_title(name, fontsize=8)
        ax.set_ylim(-8, 0.5)
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(names) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6, frameon=False)
    fig.supxlabel("profile: others re-fitted; shaded: 95% interval (drop of 1.92)", fontsize=8)
    return fig


def plot_posterior(draws: pd.DataFrame, names: list[str]) -> dict:
    """ArviZ's trace plot (each walker a chain) and pair plot of the posterior draws, by file
    name (ArviZ plot collections: `savefig` each). The pairs: the six parameters with the widest
    posterior relative to their median, to stay readable."""
    import arviz  # heavy; only the calibration draws these

    walkers, steps = draws["walker"].nunique(), draws["step"].nunique()
    chains = {n: draws[n].to_numpy().reshape(steps, walkers).T for n in names}
    data = arviz.from_dict({"posterior": chains})
    spread = {n: draws[n].std() / max(abs(draws[n].median()), 1e-9) for n in names}
    paired = sorted(names, key=spread.get, reverse=True)[:6]
    return {
        "posterior_trace.png": arviz.plot_trace_dist(data, backend="matplotlib"),
        "posterior_pairs.png": arviz.plot_pair(data, var_names=paired, backend="matplotlib"),
    }


def plot_predictive_check(table: pd.DataFrame) -> Figure:
    """One panel per period: the predictive distribution of the number of accessions, its 90%
    interval, and the count on the record."""
    fig, axes = plt.subplots(
        1, len(table), figsize=(3.6 * len(table), 3.2), layout="constrained", squeeze=False
    )
    for ax, row in zip(axes.flat, table.itertuples()):
        counts = np.asarray(row.counts)
        edges = np.arange(counts.max() + 2) - 0.5
        ax.hist(counts, bins=edges, density=True, color="tab:blue", alpha=0.6)
        ax.axvspan(row.q05 - 0.5, row.q95 + 0.5, color="grey", alpha=0.15, label="90% interval")
        ax.axvline(row.observed, color="black", lw=2, label=f"record: {row.observed}")
        ax.set_title(f"accessions {row.period}", fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=7, frameon=False)
    axes.flat[0].set_ylabel("share of replicates")
    fig.suptitle(
        "Posterior predictive check: the record replayed with posterior draws and the fitted mediator",
        fontsize=9,
    )
    return fig


def plot_backtest(predictions: pd.DataFrame, years: pd.DataFrame, bins: int = 5) -> Figure:
    """The out-of-time backtest: free running, each year's accessions on the record against the
    model's 90% predictive interval (left); one step ahead, the observed share of joins against
    the predicted probability, per predictor in quantile bins (right)."""
    fig, (counts, ax) = plt.subplots(1, 2, figsize=(10, 4.5), layout="constrained")
    x = np.arange(len(years))
    counts.bar(x, years["observed"], color="lightgrey", label="on the record")
    counts.errorbar(
        x,
        years["mean"],
        yerr=[years["mean"] - years["q05"], years["q95"] - years["mean"]],
        fmt="o",
        color="tab:blue",
        capsize=4,
        label="model: mean and 90% interval",
    )
    counts.set_xticks(x, [str(y) for y in years["year"]])
    counts.set_ylabel("accessions in the year")
    counts.set_title("Free running, knowing only the past")
    counts.legend(frameon=False)
    top = 0.0
    for name in ("model", "constant", "region"):
        p = predictions[name]
        edges = np.unique(np.quantile(p, np.linspace(0, 1, bins + 1)))
        group = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, max(len(edges) - 2, 0))
        table = (
            predictions.assign(bin=group).groupby("bin").agg(p=(name, "mean"), y=("joined", "mean"))
        )
        ax.plot(table["p"], table["y"], "o-", label=name)
        top = max(top, table["p"].max(), table["y"].max())
    ax.plot([0, top], [0, top], color="grey", lw=0.8)
    ax.set_xlabel("predicted monthly probability of joining")
    ax.set_ylabel("observed share that joined")
    ax.set_title("Reliability, one step ahead")
    ax.legend(frameon=False)
    return fig


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


STATUS_COLOURS = {
    "outside": "#bbbbbb",
    "talks": "#f0a500",
    "member": "#1f77b4",
    "exited": "#d62728",
}


def plot_network(
    names: list[str], ties: np.ndarray, statuses: list[str], *, title: str = ""
) -> Figure:
    """The countries as a network (peer ties), each coloured by its status."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(len(names)))
    rows, cols = np.nonzero(np.triu(ties) > 0)
    graph.add_edges_from(zip(rows.tolist(), cols.tolist()))
    positions = _layout(tuple(names), tuple(map(tuple, (ties > 0).astype(int))))
    fig, ax = plt.subplots(figsize=(8, 6.5), layout="constrained")
    nx.draw_networkx_edges(graph, positions, ax=ax, alpha=0.15)
    nx.draw_networkx_nodes(
        graph, positions, ax=ax, node_size=160, node_color=[STATUS_COLOURS[s] for s in statuses]
    )
    nx.draw_networkx_labels(graph, positions, ax=ax, labels=dict(enumerate(names)), font_size=6)
    for status, colour in STATUS_COLOURS.items():
        ax.scatter([], [], color=colour, label=status)
    ax.legend(loc="lower left", fontsize=7, frameon=False, title="status", title_fontsize=7)
    ax.margins(0.08)  # room for the labels of the outermost countries
    ax.set_title(title or "Countries by status", fontsize=10)
    ax.axis("off")
    return fig


@functools.cache
def _layout(names: tuple[str, ...], ties: tuple[tuple[int, ...], ...]) -> dict:
    import networkx as nx

    graph = nx.from_numpy_array(np.array(ties))
    return nx.spring_layout(graph, seed=1, k=0.35)

"""The calibration's figures: the profiles of the fitted parameters, the posterior's trace and
pairs, the posterior predictive check, and the out-of-time backtest.

Each takes the tables (or dicts of arrays) the fit, the sampler, the check and the backtest
return, and the calibration report (sim.output.calibration) embeds the files by name.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator


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
        # a skewed count's mean can lie above its 95th percentile (0-1 with mean 0.22 is fine,
        # 0-0 with mean 0.04 is not): the bar then reaches the mean, not beyond
        yerr=[
            (years["mean"] - years["q05"]).clip(lower=0),
            (years["q95"] - years["mean"]).clip(lower=0),
        ],
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

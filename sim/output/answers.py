"""The answers to the analysts' questions as files: each a table, a figure and a paragraph.

sim.commands.condition ("who follows if X joins"), sim.commands.optimize (the cheapest package) and sim.commands.discover
(which conditions make X join) compute; this module writes what they found, in the words and
with the caveats a brief needs.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.output.plots.caption import CAPTION
from sim.output.store import atomic_write


def write_answer(
    folder: Path, stem: str, table: pd.DataFrame, figure: Figure, paragraph: str
) -> list[Path]:
    """`stem`.csv, `stem`.png and `stem`.md in `folder`, each written whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [
        atomic_write(folder / f"{stem}.csv", lambda p: table.to_csv(p, index=False)),
        atomic_write(folder / f"{stem}.png", lambda p: figure.savefig(p, dpi=150, format="png")),
        atomic_write(folder / f"{stem}.md", lambda p: p.write_text(paragraph + "\n")),
    ]
    plt.close(figure)
    return written


def plot_condition(table: pd.DataFrame, summary: dict, max_countries: int = 12) -> Figure:
    """Each country's chance of joining by the horizon, over all replicates and over those where
    the condition holds (95% intervals), and of joining within K months after it came true."""
    within = f"p_within_{summary['within_months']}_months_after"
    rows = table.dropna(subset=["p_if"])
    likely = rows.assign(top=rows[["p_if", "p_joined_by_horizon"]].max(axis=1)).nlargest(
        max_countries, "top"
    )
    shown = likely.sort_values("delta").reset_index(drop=True)  # the largest rise at the top
    fig, ax = plt.subplots(figsize=(9, 1.4 + 0.42 * max(len(shown), 1)), layout="constrained")
    y = np.arange(len(shown))
    for offset, (p, low, high, label, colour) in zip(
        (0.2, -0.2),
        (
            ("p_joined_by_horizon", "ci_low", "ci_high", "all replicates", "0.55"),
            ("p_if", "if_ci_low", "if_ci_high", "where the condition holds", "tab:blue"),
        ),
    ):
        ax.barh(y + offset, shown[p], height=0.38, color=colour, label=label)
        ax.errorbar(
            shown[p],
            y + offset,
            xerr=[shown[p] - shown[low], shown[high] - shown[p]],
            fmt="none",
            ecolor="black",
            lw=0.8,
            capsize=2,
        )
    ax.scatter(
        shown[within],
        y - 0.2,
        marker="|",
        s=140,
        color="tab:red",
        zorder=3,
        label=f"joins within {summary['within_months']} months after it",
    )
    ax.set_yticks(y, shown["country"])
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"probability of being a member by {summary['horizon']} (95% interval)")
    ax.set_title(f"If {summary['condition']}", fontsize=11)
    ax.legend(fontsize=8, loc="lower right", frameon=False)
    ax.grid(alpha=0.3, axis="x")
    kept = f"the condition held in {summary['kept']:,} of {summary['replicates']:,} replicates ({summary['share_kept']:.1%})"
    fig.supxlabel(f"{kept}. {CAPTION}", x=0.01, ha="left", fontsize=7, color="0.4")
    return fig


def condition_paragraph(table: pd.DataFrame, summary: dict, warning: str | None) -> str:
    """What the conditional table says, in a few sentences, with its caveats."""
    within = f"p_within_{summary['within_months']}_months_after"
    lines = [f"## If {summary['condition']}", ""]
    lines.append(
        f"The condition held in {summary['kept']:,} of {summary['replicates']:,} replicates "
        f"({summary['share_kept']:.1%}). Over those replicates, against all of them:"
    )
    named = [
        i for i in table["id"] if i in summary["condition"]
    ]  # the condition's own countries: not followers
    movers = table[~table["id"].isin(named)].dropna(subset=["p_if"]).head(5)
    for row in movers.itertuples(index=False):
        d = row.delta
        lines.append(
            f"- {row.country}: {row.p_if:.2f} ({row.if_ci_low:.2f}-{row.if_ci_high:.2f}) by {summary['horizon']} "
            f"against {row.p_joined_by_horizon:.2f} ({d:+.2f}); {getattr(row, within):.2f} within "
            f"{summary['within_months']} months after the condition came true."
        )
    lines += [
        "",
        "A condition selects replicates; it does not make the condition happen. The difference mixes "
        "the condition's effect through peers and the mediator with what made it likely (the posterior "
        "draws and chances in which it held). " + CAPTION,
    ]
    if warning:
        lines += ["", f"Note: {warning}."]
    return "\n".join(lines)


def plot_discovery(box, goal: str) -> Figure:
    """Left: PRIM's peeling trajectory (coverage against density, the reported box marked).
    Right: the reported box's limits within each parameter's range (restricted ones in colour)."""
    fig, (path, limits) = plt.subplots(
        1,
        2,
        figsize=(12, 1.8 + 0.35 * max(len(box.limits), 6)),
        layout="constrained",
        gridspec_kw={"width_ratios": [1, 1.2]},
    )
    t = box.trajectory
    dots = path.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=18)
    path.scatter(
        [box.coverage],
        [box.density],
        s=140,
        facecolors="none",
        edgecolors="tab:red",
        lw=1.5,
        label="reported box",
    )
    fig.colorbar(dots, ax=path, label="parameters restricted")
    path.set_xlabel("coverage: share of the samples of interest inside the box")
    path.set_ylabel("density: share of the box's samples of interest")
    path.set_xlim(0, 1.02)
    path.set_ylim(0, 1.02)
    path.legend(fontsize=8, loc="lower left", frameon=False)
    path.set_title("Peeling trajectory", fontsize=10)
    path.grid(alpha=0.3)
    rows = box.limits.iloc[::-1].reset_index(drop=True)
    span = (rows["range_high"] - rows["range_low"]).replace(0, 1)
    low, high = (rows["low"] - rows["range_low"]) / span, (rows["high"] - rows["range_low"]) / span
    colours = np.where(rows["restricted"], "tab:blue", "0.8")
    limits.barh(np.arange(len(rows)), high - low, left=low, color=colours, height=0.5)
    for i, r in rows.iterrows():
        if r["restricted"]:
            limits.text(1.02, i, f"{r['low']:.3g} to {r['high']:.3g}", va="center", fontsize=8)
    limits.set_yticks(np.arange(len(rows)), rows["parameter"])
    limits.set_xlim(0, 1.3)
    limits.set_xticks([0, 0.5, 1], ["range low", "middle", "range high"])
    limits.set_title(f"Where {goal}: the box (blue: restricted)", fontsize=10)
    fig.supxlabel(
        f"coverage {box.coverage:.2f}, density {box.density:.2f}; {box.share_of_interest:.1%} of all samples reach the goal. {CAPTION}",
        x=0.01,
        ha="left",
        fontsize=7,
        color="0.4",
    )
    return fig


def discovery_paragraph(box, goal: str, samples: int, replicates: int) -> str:
    restricted = box.limits[box.limits["restricted"]]
    lines = [f"## Where {goal}", ""]
    lines.append(
        f"{samples:,} scenarios sampled over the study's ranges ({replicates:,} replicates each, the same streams); "
        f"{box.share_of_interest:.1%} reach the goal. PRIM's reported box holds {box.coverage:.0%} of them "
        f"(coverage), and {box.density:.0%} of the scenarios inside it reach the goal (density). It restricts:"
    )
    for r in restricted.itertuples(index=False):
        lines.append(
            f"- {r.parameter}: {r.low:.3g} to {r.high:.3g} (of {r.range_low:.3g} to {r.range_high:.3g})"
        )
    if restricted.empty:
        lines.append("- nothing: no box is denser than the whole space.")
    lines += [
        "",
        "A box describes the model's response within the stated ranges; the ranges are the "
        "study's assumptions (judgement where so marked), not a claim about which world is likely. "
        + CAPTION,
    ]
    return "\n".join(lines)


def plot_pareto(table: pd.DataFrame, info: dict) -> Figure:
    """Every candidate's cost against its probability, the Pareto front joined, the target line
    and the package chosen (with its confirmed probability and interval)."""
    fig, ax = plt.subplots(figsize=(9, 5.5), layout="constrained")
    ax.scatter(table["cost"], table["probability"], s=12, color="0.7", label="candidates evaluated")
    front = table[table["pareto"]]
    ax.step(
        front["cost"],
        front["probability"],
        where="post",
        color="tab:blue",
        lw=1.5,
        label="Pareto front (cost against probability)",
    )
    ax.axhline(info["at_least"], color="tab:red", lw=0.8, ls="--", label="probability asked for")
    if np.isfinite(info["budget"]):
        ax.axvline(info["budget"], color="0.3", lw=0.8, ls=":", label="budget")
    err = [[info["probability"] - info["ci_low"]], [info["ci_high"] - info["probability"]]]
    ax.errorbar(
        [info["cost"]],
        [info["probability"]],
        yerr=err,
        fmt="*",
        ms=14,
        color="tab:red",
        capsize=3,
        label=f"chosen, confirmed on {info['replicates']:,} fresh replicates",
    )
    ax.set_xlabel(
        "cost of the package (sum of the offered types' costs, paid if taken up; conf/mediator)"
    )
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"The cheapest package: {info['question']}", fontsize=10)
    ax.legend(fontsize=8, loc="lower right", frameon=False)
    ax.grid(alpha=0.3)
    fig.supxlabel(
        f"{info['evaluated']} candidates ({info['method']}), common random numbers. "
        f"The model's mediator, not advice to any government. {CAPTION}",
        x=0.01,
        ha="left",
        fontsize=7,
        color="0.4",
    )
    return fig


def optimize_paragraph(info: dict, moved: pd.DataFrame) -> str:
    lines = [f"## The cheapest package: {info['question']}", ""]
    lines.append(
        f"Of {info['evaluated']} packages evaluated ({info['method']}, {info['seconds']:.0f} s), the cheapest that reaches "
        f"the probability within the budget is: {info['package']}, at a cost of {info['cost']:g}. Run again on "
        f"{info['replicates']:,} fresh replicates it reaches {info['probability']:.3f} ({info['ci_low']:.3f}-{info['ci_high']:.3f}): "
        + (
            "the target holds."
            if info["ci_low"] >= info["at_least"]
            else "within noise of the target."
            if info["ci_high"] >= info["at_least"]
            else "short of the target: the search's estimate was flattered by its own streams (the winner's curse); "
            "search again with more replicates."
        )
    )
    moving = moved[(moved["delta_ci_low"] > 0) | (moved["delta_ci_high"] < 0)]
    lines += [
        "",
        "Against the same scenario without it (paired: the same streams), by the deadline:",
    ]
    for r in (
        moving.reindex(moving["delta"].abs().sort_values(ascending=False).index)
        .head(8)
        .itertuples(index=False)
    ):
        lines.append(
            f"- {r.country}: {r.p_with:.3f} against {r.p_without:.3f} ({r.delta:+.3f}, {r.delta_ci_low:+.3f} to {r.delta_ci_high:+.3f})"
        )
    if moving.empty:
        lines.append("- no country moves beyond its interval.")
    lines += [
        "",
        "This describes the model's mediator under stated, overridable assumptions (the types' worth and "
        "cost are judgement: conf/mediator); it is not advice to any government. " + CAPTION,
    ]
    return "\n".join(lines)

"""The structures report (`python -m sim.structures`): the table of scores with and without each
structure, as markdown. It reads the table only (sim.inference.structures builds it)."""

from __future__ import annotations

import math

import pandas as pd

RULE = (
    "Verdict rule (sim/inference/structures.py): a difference counts when it exceeds both 2 se "
    "and 4 nats (smaller elpd differences are small whatever their se: Sivula, Magnusson & "
    "Vehtari 2022). **keeps** if PSIS-LOO is better with the structure by a difference that "
    "counts and neither held-out one-step score (leave one era out, out of time) is worse by one; "
    "**loses** if some score is worse by a difference that counts and none better by one; "
    "**cannot tell** otherwise. The default keeps a structure "
    "that keeps; where the scores cannot tell, only if a source requires it; otherwise it stays "
    "a scenario choice, off by default."
)


def _num(x: float, digits: int = 2) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _diff(row, key: str) -> str:
    d, se = row[f"d_{key}"], row[f"se_{key}"]
    if isinstance(d, float) and math.isnan(d):
        return ""
    return f"{d:+.2f}" + ("" if math.isnan(se) else f" ({se:.2f})")


def structures_section(table: pd.DataFrame, chain: str, world: str, seconds: float) -> str:
    """The report: one row per structure and variant, the differences on the `with` row."""
    lines = [
        f"# Structures the record keeps ({world})",
        "",
        (
            "Each structure fitted with and without it, and scored (log scores in nats, higher is "
            "better): **LOO**, PSIS-LOO of each country's record over the draws of a short "
            f"posterior chain ({chain}); **LOEO**, leave one era out, the one-step log score of each "
            "held-out era summed over the eras (each fit's mode); **OOT**, out of time, the one-step "
            "log score after the backtest's cut-off (the training fit's mode); free-running window "
            "log scores of both (reported, not voting: Monte Carlo noise); the predictive check: "
            "periods whose observed count lies in the 90% interval. Differences are with - without, "
            "with the standard error of the paired pointwise differences in brackets."
        ),
        "",
        "| structure | variant | fitted | LOO (se) | Pareto k max (bad) | LOEO | OOT | LOEO free | OOT free | check | d LOO | d LOEO | d OOT | d LOEO free | d OOT free | verdict | default |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        lines.append(
            f"| {r.structure} | {r.variant} | {r.fitted} | {_num(r.elpd_loo)} ({_num(r.loo_se)}) | "
            f"{_num(r.pareto_k_max)} ({r.pareto_k_bad}) | {_num(r.loeo)} | {_num(r.oot)} | "
            f"{_num(r.loeo_free)} | {_num(r.oot_free)} | {r.check_inside} | {_diff(r, 'loo')} | "
            f"{_diff(r, 'loeo')} | {_diff(r, 'oot')} | {_diff(r, 'loeo_free')} | "
            f"{_diff(r, 'oot_free')} | {r.verdict} | {r.default} |"
        )
    bad = table[table["pareto_k_bad"] > 0]
    warnings = (
        "Pareto k warnings: "
        + ", ".join(f"{r.structure} {r.variant} ({r.pareto_k_bad})" for r in bad.itertuples())
        + ": PSIS-LOO is unreliable for those countries (k above ArviZ's threshold)."
        if len(bad)
        else "No Pareto k warnings."
    )
    checks = [f"- {r.structure} {r.variant}: {r.check}" for r in table.itertuples()]
    lines += ["", warnings, "", RULE, "", "Predictive checks (observed, 90% interval):", *checks]
    lines += ["", f"Wall time {seconds / 60:.1f} min."]
    return "\n".join(lines) + "\n"

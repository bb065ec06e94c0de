"""Conditional outcomes: "if Saudi Arabia joins by 2027-12, who follows within 12 months?"

A condition is a statement about a replicate's outcomes, so it needs no new simulation: the
replicates where it holds are kept, and every country's chance of joining is read off them and
set against all replicates. The grammar (country ids as in the roster, months as YYYY-MM):

    saudi_arabia joins by 2027-12        saudi_arabia joins           (by the horizon)
    oman in talks by 2027-06             oman talks collapse by 2028-06  (talks end without accession)
    shock gaza_war_resumes by 2027-12    bahrain leaves by 2028-01    (exit, where enabled)
    gate armenia_treaty by 2027-12       (a gate opened: conf/gates)
    at least 2 new members by 2028-12
    not ..., ... and ..., ... or ..., ( ... )

Each statement also says *when* it came true in a replicate (its trigger month): an accession's
month, the month talks opened, the month the count of new members reached N; `and` takes the
later, `or` the earlier of those that hold, `not` the statement's deadline (when it is known
not to have happened). "Follows within K months" is joining in the K months after the trigger.
A shock's onsets are not stored with a run: events do not depend on what countries do, so they
are drawn again from the run's keyed streams (sim.engine.kernel.shock_onsets), the same months;
so are the months the gates open (sim.engine.kernel.gate_openings).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.intervals import wilson_interval
from sim.config.errors import ConfigError
from sim.config.months import read_month
from sim.core.calendar import format_month
from sim.engine.outcomes import BEFORE, NEVER, Outcomes

FEW = 200  # kept replicates below which a result is flagged as resting on few


@dataclass(frozen=True)
class Setting:
    """What a condition is read against: a run's countries, window and counting."""

    ids: list[str]
    names: list[str]
    start: int  # absolute month of step 0
    n_months: int
    counted: np.ndarray  # (C,) bool: counts as a new member
    events: tuple[str, ...] = ()  # the world's event names, e.g. "random:gaza_war_resumes"
    shocks: np.ndarray | None = (
        None  # (R, E) each event's first onset step (sim.engine.kernel.shock_onsets)
    )
    gates: tuple[str, ...] = ()  # the world's gates (conf/gates)
    openings: np.ndarray | None = None  # (R, G) each gate's opening step (gate_openings)


@dataclass(frozen=True)
class Held:
    holds: np.ndarray  # (R,) bool
    month: np.ndarray  # (R,) int: the step at which it came true (meaningful where it holds)


_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z_][A-Za-z0-9_]*|\d{4}-\d{2}|\d+|\S)")


def parse(text: str, setting: Setting):
    """The condition `text` as a function of outcomes -> Held; ConfigError (key `condition`) with
    what was expected where it fails."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        raise ConfigError(
            "condition", "expected a condition, e.g. 'saudi_arabia joins by 2027-12', got nothing"
        )
    parser = _Parser(tokens, setting, text)
    node, _ = parser.expression()
    if parser.i != len(tokens):
        parser.fail(f"'and', 'or' or the end after {' '.join(tokens[: parser.i])!r}")
    return node


class _Parser:
    def __init__(self, tokens: list[str], setting: Setting, text: str):
        self.tokens, self.i, self.setting, self.text = tokens, 0, setting, text

    def fail(self, expected: str):
        got = self.tokens[self.i] if self.i < len(self.tokens) else "the end"
        raise ConfigError("condition", f"expected {expected}, got {got!r} in {self.text!r}")

    def peek(self) -> str | None:
        return self.tokens[self.i].lower() if self.i < len(self.tokens) else None

    def take(self, *words: str) -> str:
        if self.peek() not in words:
            self.fail(" or ".join(repr(w) for w in words))
        self.i += 1
        return self.tokens[self.i - 1]

    # Each rule returns (function of outcomes -> Held, deadline step): the last month it names.
    def expression(self):
        node, deadline = self.conjunction()
        while self.peek() == "or":
            self.i += 1
            other, later = self.conjunction()
            node, deadline = _either(node, other), max(deadline, later)
        return node, deadline

    def conjunction(self):
        node, deadline = self.factor()
        while self.peek() == "and":
            self.i += 1
            other, later = self.factor()
            node, deadline = _both(node, other), max(deadline, later)
        return node, deadline

    def factor(self):
        if self.peek() == "not":
            self.i += 1
            node, deadline = self.factor()
            return _negation(node, deadline), deadline
        if self.peek() == "(":
            self.i += 1
            node = self.expression()
            self.take(")")
            return node  # with its deadline
        if self.peek() == "at":
            self.take("at")
            self.take("least")
            return self.count()
        if self.peek() is not None and self.peek().isdigit():
            return self.count()
        if self.peek() == "shock":
            return self.shock()
        if self.peek() == "gate":
            return self.gate()
        return self.country_statement()

    def gate(self):
        self.take("gate")
        names = self.setting.gates
        if self.peek() not in names:
            self.fail(f"a gate of the run ({', '.join(names) or 'none'})")
        g = names.index(self.peek())
        self.i += 1
        last, openings = self.by(), self.setting.openings
        return (lambda o: _milestone(openings[:, g], last)), last

    def shock(self):
        self.take("shock")
        word, names = self.peek(), self.setting.events
        short = [n.split(":", 1)[1] for n in names]
        if word is None or (word not in names and short.count(word) != 1):
            self.fail(f"an event of the run ({', '.join(short) or 'none'})")
        e = names.index(word) if word in names else short.index(word)
        self.i += 1
        last, shocks = self.by(), self.setting.shocks
        return (lambda o: _milestone(shocks[:, e], last)), last

    def count(self):
        word = self.peek()
        if word is None or not word.isdigit():
            self.fail("a number of new members")
        self.i += 1
        self.take("new")
        self.take("members", "member")
        last, counted, n = self.by(), self.setting.counted, int(word)
        return (lambda o: _count_reached(o, counted, n, last)), last

    def country_statement(self):
        word = self.peek()
        ids = self.setting.ids
        if word is None or word not in ids:
            close = [
                c for c in ids if word and c.startswith(word[:3])
            ] or difflib.get_close_matches(word or "", ids, n=1)
            hint = f" (closest: {close[0]})" if close else ""
            self.fail(f"a country id of the roster{hint}, 'not', 'at least N new members' or '('")
        i = ids.index(word)
        self.i += 1
        verb = self.take("joins", "leaves", "in", "talks")
        if verb.lower() == "in":
            self.take("talks")
            last = self.by()
            return (
                lambda o: _milestone(np.minimum(o.talks_month[:, i], o.join_month[:, i]), last)
            ), last
        if verb.lower() == "talks":
            self.take("collapse")
            last = self.by()
            return (lambda o: _milestone(o.collapse_month[:, i], last)), last
        last = self.by()
        column = "join_month" if verb.lower() == "joins" else "exit_month"
        return (lambda o: _milestone(getattr(o, column)[:, i], last)), last

    def by(self) -> int:
        if self.peek() != "by":
            return self.setting.n_months - 1  # the horizon
        self.i += 1
        if self.peek() is None or not re.fullmatch(r"\d{4}-\d{2}", self.peek()):
            self.fail("a month as YYYY-MM after 'by'")
        return self._step(self.take(self.peek()))

    def _step(self, month: str) -> int:
        step = read_month(month, "condition") - self.setting.start
        first, last = (
            format_month(self.setting.start),
            format_month(self.setting.start + self.setting.n_months - 1),
        )
        if not 0 <= step < self.setting.n_months:
            raise ConfigError(
                "condition",
                f"expected a month in the run's window {first} to {last}, got {month!r}",
            )
        return step


def _milestone(month: np.ndarray, last: int) -> Held:
    month = month.astype(np.int32)
    return Held((month != NEVER) & (month <= last), np.maximum(month, BEFORE))


def _count_reached(outcomes: Outcomes, counted: np.ndarray, n: int, last: int) -> Held:
    join = np.where(
        counted & (outcomes.join_month >= 0), outcomes.join_month.astype(np.int32), NEVER
    )
    nth = np.sort(join, axis=1)[:, n - 1] if n > 0 else np.full(len(join), BEFORE)
    return Held((nth != NEVER) & (nth <= last), nth)


def _both(a, b):
    def held(o):
        x, y = a(o), b(o)
        return Held(x.holds & y.holds, np.maximum(x.month, y.month))

    return held


def _either(a, b):
    def held(o):
        x, y = a(o), b(o)
        month = np.where(
            x.holds & y.holds, np.minimum(x.month, y.month), np.where(x.holds, x.month, y.month)
        )
        return Held(x.holds | y.holds, month)

    return held


def _negation(a, deadline: int):
    def held(o):
        x = a(o)
        return Held(~x.holds, np.full(len(x.holds), deadline))

    return held


def conditional_table(
    outcomes: Outcomes, setting: Setting, condition: str, within: int
) -> tuple[pd.DataFrame, dict]:
    """Each country's chance of joining by the horizon over the replicates where `condition`
    holds, against all replicates (Wilson 95% intervals), and of joining within `within` months
    after the condition came true; and a summary (kept replicates, share)."""
    held = parse(condition, setting)(outcomes)
    kept, n = int(held.holds.sum()), outcomes.replicates
    last = setting.n_months - 1
    joined = (outcomes.join_month >= 0) & (outcomes.join_month <= last)
    outside = outcomes.join_month != BEFORE
    all_joined = (joined & outside).sum(axis=0)
    sub = outcomes.join_month[held.holds].astype(np.int32)
    trigger = held.month[held.holds][:, None]
    followed = ((sub > trigger) & (sub <= trigger + within) & (sub != NEVER)).sum(axis=0)
    if_joined = (joined[held.holds] & outside[held.holds]).sum(axis=0)
    low_all, high_all = wilson_interval(all_joined, n)
    low_if, high_if = wilson_interval(if_joined, max(kept, 1))
    low_f, high_f = wilson_interval(followed, max(kept, 1))
    start_members = (outcomes.join_month == BEFORE).all(axis=0)
    table = pd.DataFrame(
        {
            "country": setting.names,
            "id": setting.ids,
            "p_joined_by_horizon": all_joined / n,
            "ci_low": low_all,
            "ci_high": high_all,
            "p_if": if_joined / max(kept, 1),
            "if_ci_low": low_if,
            "if_ci_high": high_if,
            "delta": if_joined / max(kept, 1) - all_joined / n,
            f"p_within_{within}_months_after": followed / max(kept, 1),
            "within_ci_low": low_f,
            "within_ci_high": high_f,
        }
    )[~start_members]
    if kept == 0:
        table[
            [
                c
                for c in table.columns
                if c not in ("country", "id", "p_joined_by_horizon", "ci_low", "ci_high")
            ]
        ] = np.nan
    summary = {
        "condition": condition,
        "replicates": n,
        "kept": kept,
        "share_kept": kept / n,
        "within_months": within,
        "horizon": format_month(setting.start + last),
    }
    return table.sort_values("delta", ascending=False, na_position="last").reset_index(
        drop=True
    ), summary


def advice(summary: dict) -> str | None:
    """A line for a condition that rests on few replicates: how many more would keep enough."""
    kept, n = summary["kept"], summary["replicates"]
    if kept >= FEW:
        return None
    if kept == 0:
        return f"the condition held in none of {n:,} replicates: it is rarer than 1 in {n:,} here; rerun with more replicates or ask a likelier question"
    needed = int(np.ceil(n * 1000 / kept / 1000.0)) * 1000
    return f"the condition held in only {kept} of {n:,} replicates: the conditional numbers rest on few; about replicates={needed:,} keeps 1,000"

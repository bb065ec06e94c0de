"""The scenario schema: frozen dataclasses, one per config group, each field with its constraint.

YAML key = dataclass field = column name. A field's constraint (a range, a set of choices, a
month, a value that may change by date) sits next to it as metadata, which sim.config.validate
checks while it builds the dataclasses (a month, given as 'YYYY-MM', is held as its month number:
sim.config.months); the rules across fields are in sim.config.consistency, and sim.config.load
makes a checked `RunConfig` from the composed Hydra config (a plain dict).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from sim.config.sensitivity import Sensitivity
from sim.config.spans import SPANS
from sim.config.terms import Terms
from sim.config.validate import DATED, MONTH, UNIT, between, one_of

STATUSES = ("outside", "talks", "member")
PLOT_FORMATS = ("png", "svg", "pdf")
KINDS = (
    "new_relations",
    "symbolic",
    "unrecognised",
)  # new ties with Israel; old ties (Kazakhstan); unrecognised (Somaliland)
STRATEGIES = ("none", "priority", "persuadable", "scripted", "courting")
OFFER_KNOWN = ("before", "with_accession")
STAGES = ("announced", "signed")  # how far an accession got: the record keeps both months
ENGINES = ("ensemble", "mesa")
SHIFT = between(-1.0, 1.0)
DATED_UNIT = {**UNIT, **DATED}


@dataclass(frozen=True)
class Country:
    """One roster entry. Facts: name, region, status, granted, candidate, source. Judgement: the
    features in [0, 1] the declared terms read (the fields below, or `scores` for others),
    `values`, and any `weights` or `threshold` override. Every number, the
    `granted` list and `candidate` may be given by date (sim.config.dated)."""

    name: str
    region: str
    status: str = field(metadata=one_of(*STATUSES))
    # The Abraham world's features; a world whose terms (conf/terms) do not read them leaves them out.
    iran_threat: float | None = field(default=None, metadata=DATED_UNIT)
    us_security: float | None = field(default=None, metadata=DATED_UNIT)
    econ_gain: float | None = field(default=None, metadata=DATED_UNIT)
    public_permissiveness: float | None = field(default=None, metadata=DATED_UNIT)
    regime_insulation: float | None = field(default=None, metadata=DATED_UNIT)
    palestine_linkage: float | None = field(default=None, metadata=DATED_UNIT)
    values: dict[str, float] = field(default_factory=dict, metadata=DATED_UNIT)
    scores: dict[str, float] = field(
        default_factory=dict, metadata=DATED_UNIT
    )  # features of declared terms beyond the fields above
    granted: list[str] = field(default_factory=list, metadata=DATED)
    weights: dict[str, float] = field(
        default_factory=dict, metadata={**between(0.0, 10.0), **DATED}
    )
    threshold: float | None = field(default=None, metadata={**between(-5.0, 5.0), **DATED})
    candidate: bool = field(
        default=True, metadata=DATED
    )  # false: cannot join (not yet a candidate)
    kind: str = field(default="new_relations", metadata=one_of(*KINDS))
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Peers:
    """Who influences whom beyond the automatic same-region ties."""

    leader: str | None = None
    followers: list[str] = field(default_factory=list)
    edges: list[list[Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Roster:
    name: str
    as_of: int = field(metadata=MONTH)
    countries: dict[str, Country]
    peers: Peers = field(default_factory=Peers)


@dataclass(frozen=True)
class Inducement:
    """A type of inducement in the mediator's budget."""

    units: int = field(metadata=between(0, 1000))
    cost: float = field(metadata=between(1e-6, 1e6))
    value: float = field(metadata=UNIT)  # worth to a country that does not say otherwise


@dataclass(frozen=True)
class Era:
    start: int = field(metadata=MONTH)
    engagement: float = field(metadata=UNIT)


@dataclass(frozen=True)
class ScriptedOffer:
    """An offer on the record: `type` offered to `country` from `start` to `end` (inclusive)."""

    country: str
    type: str
    start: int = field(metadata=MONTH)
    end: int = field(metadata=MONTH)
    known: str = field(
        default="before", metadata=one_of(*OFFER_KNOWN)
    )  # announced with the accession, or known before (or without) it
    source: str = ""


@dataclass(frozen=True)
class Mediator:
    name: str
    strategy: str = field(metadata=one_of(*STRATEGIES))
    max_targets: int = field(metadata=between(0, 100))
    engagement: float = field(metadata=between(0.0, 10.0))  # multiplies every era's level
    eras: dict[str, Era]
    inducements: dict[str, Inducement]
    priority: list[str] = field(default_factory=list)
    withheld: dict[str, list[str]] = field(
        default_factory=dict
    )  # country id -> types never offered
    package: dict[str, ScriptedOffer] = field(
        default_factory=dict
    )  # offers added in the run's window (a what-if; sim.commands.optimize)


@dataclass(frozen=True)
class Scenario:
    name: str
    end: int = field(metadata=MONTH)
    salience: float = field(metadata=UNIT)
    start: int | None = field(default=None, metadata=MONTH)  # none: the month after the record ends
    exit_enabled: bool = False
    latent_talks: bool = (
        False  # start countries outside in talks with the record's filtered probability
    )


@dataclass(frozen=True)
class Event:
    """A dated event (`start`) or a random shock (`p_monthly`); targets all when none named."""

    months: int = field(default=1, metadata=between(1, 600))
    start: int | None = field(default=None, metadata=MONTH)
    p_monthly: float | None = field(default=None, metadata=UNIT)
    countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    salience: float = field(default=0.0, metadata=SHIFT)
    iran_threat: float = field(default=0.0, metadata=SHIFT)
    engagement: float = field(default=0.0, metadata=SHIFT)
    collapses_talks: bool = False
    grants: list[str] = field(default_factory=list)
    enabled: bool = True
    confidence: str = field(default="medium", metadata=one_of("high", "medium", "low"))
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Events:
    name: str
    dated: dict[str, Event] = field(default_factory=dict)
    random: dict[str, Event] = field(default_factory=dict)


GATE_BLOCKS = ("accession", "talks")


@dataclass(frozen=True)
class Gate:
    """A condition that must hold before `countries` may sign (`blocks: accession`) or open talks
    (`blocks: talks`): closed until it opens, then open for good. It opens in the month `opens`
    (a fact, or a what-if) or, with none, at the monthly hazard `p_monthly` from `earliest` on
    (the record's months never see a gate open by chance: they show it closed)."""

    countries: list[str]
    blocks: str = field(default="accession", metadata=one_of(*GATE_BLOCKS))
    opens: int | None = field(default=None, metadata=MONTH)
    p_monthly: float = field(default=0.0, metadata=UNIT)
    earliest: int | None = field(default=None, metadata=MONTH)
    enabled: bool = True
    confidence: str = field(default="medium", metadata=one_of("high", "medium", "low"))
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Gates:
    name: str = "none"
    gates: dict[str, Gate] = field(default_factory=dict)


@dataclass(frozen=True)
class Params:
    """Behavioural parameters: weights, threshold, hazards, network strengths."""

    name: str
    weights: dict[str, float] = field(
        metadata=between(0.0, 10.0)
    )  # each declared term's weight (conf/terms); countries may override
    threshold: float = field(metadata=between(-5.0, 5.0))
    noise: float = field(metadata=between(1e-3, 10.0))
    rate_open: float = field(metadata=UNIT)
    rate_sign: float = field(metadata=UNIT)
    rate_collapse: float = field(metadata=UNIT)
    rate_exit: float = field(metadata=UNIT)
    collapse_on_shock: float = field(metadata=UNIT)
    region_weight: float = field(metadata=between(0.0, 10.0))
    leader_multiplier: float = field(metadata=between(0.0, 100.0))
    court_rate: float = field(
        metadata=between(0.0, 10.0)
    )  # a `courting` mediator: how readily a spell starts
    court_persistence: float = field(
        metadata=between(0.0, 0.99)
    )  # ... and the chance a spell goes on a month
    talks_at_record_start: float = field(
        metadata=UNIT
    )  # share of countries outside in (latent) talks when the record starts
    talks_decay: float = field(
        metadata=between(-1.0, 1.0)
    )  # per month in talks, how the signing hazard falls (rises, if negative): sim.core.decision
    era_engagement: dict[str, float] = field(
        default_factory=dict
    )  # fitted levels by era: replace mediator.eras.<era>.engagement
    kind_effect: dict[str, float] = field(
        default_factory=dict, metadata=between(-5.0, 5.0)
    )  # by kind of accession (KINDS): how much lower its threshold lies (none given: 0)
    draws: str | None = (
        None  # posterior draws (Parquet, from sim.commands.calibrate), relative to conf/params: one per group of replicates
    )
    fixed: list[str] = field(
        default_factory=list
    )  # with draws: held at the values above (`params.` overrides join)


@dataclass(frozen=True)
class RecordConfig:
    """What was observed, month by month, to `as_of`, the last month its sources cover (silence
    included): the month each country joined (announced) and signed, the spans of talks on the
    record, the dated events and the mediator's offers. A run with a record takes its statuses
    at the start, its past events and offers from here. An old record's `end` is refused with a
    message to rename it (sim.config.load)."""

    name: str
    start: int = field(metadata=MONTH)
    as_of: int = field(metadata=MONTH)
    joined: dict[str, int] = field(default_factory=dict, metadata=MONTH)
    signed: dict[str, int] = field(default_factory=dict, metadata=MONTH)  # documentation only
    in_talks: dict[str, list] = field(
        default_factory=dict, metadata=SPANS
    )  # [first, last] or a list of them (sim.config.spans)
    out_of_talks: dict[str, list] = field(
        default_factory=dict, metadata=SPANS
    )  # talks ended or broken off
    reports: dict[str, Any] = field(
        default_factory=dict
    )  # documentation: the sourced reports behind each span (tests/test_talks_rule.py)
    events: dict[str, Event] = field(default_factory=dict)  # dated events of the record
    offers: dict[str, ScriptedOffer] = field(
        default_factory=dict
    )  # what the mediator offered, when


@dataclass(frozen=True)
class RunConfig:
    """Everything one run needs: the four config groups, the parameters and the run knobs."""

    roster: Roster
    mediator: Mediator
    scenario: Scenario
    events: Events
    params: Params
    replicates: int = field(metadata=between(1, 100_000_000))
    seed: int = field(metadata=between(0, 2**63 - 1))
    engine: str = field(default="ensemble", metadata=one_of(*ENGINES))
    replicates_per_draw: int = field(
        default=20, metadata=between(1, 100_000_000)
    )  # per draw of uncertain inputs
    explain: bool = True  # tabulate why countries join (contributions of each utility term)
    chunk: int = field(
        default=16384, metadata=between(1, 10_000_000)
    )  # replicates per kernel call; results do not depend on it
    plot_countries: int = field(default=10, metadata=between(1, 100))
    plots: bool = True
    plot_format: list[str] = field(
        default_factory=lambda: ["png"]
    )  # figure files: any of png, svg, pdf
    sweep_plots: bool = (
        False  # in a multirun, each job's figures too (the comparison's are always drawn)
    )
    count_kinds: list[str] = field(
        default_factory=lambda: list(KINDS)
    )  # kinds of accession counted as new members
    count_stage: str = field(
        default="announced", metadata=one_of(*STAGES)
    )  # the stage counted as joining
    signing_lag: int = field(
        default=1, metadata=between(0, 120)
    )  # months from announcement to signing (count_stage: signed)
    resume: bool = True  # skip a job whose folder holds results of the same config
    debug: bool = False
    progress: bool = True  # a progress bar on stderr, when it is a terminal
    sensitivity: Sensitivity | None = None  # read by python -m sim.sensitivity only
    record: RecordConfig | None = None  # what was observed: the statuses at the start come from it
    terms: Terms | None = (
        None  # the utility's terms (conf/terms); none given: conf/terms/abraham.yaml
    )
    gates: Gates = field(default_factory=Gates)  # conditions accessions wait on (conf/gates)


def params_values(params: Params) -> dict[str, float]:
    """Every number of a params option by its name under `params`: 'weights.peer', 'threshold'."""
    values = {f"weights.{k}": v for k, v in params.weights.items()}
    values |= {f"era_engagement.{k}": v for k, v in params.era_engagement.items()}
    values |= {f"kind_effect.{k}": v for k, v in params.kind_effect.items()}
    return values | {
        f.name: v
        for f in dataclasses.fields(params)
        if isinstance(v := getattr(params, f.name), float)
    }

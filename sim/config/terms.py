"""The utility's terms, declared by a world (conf/terms/*.yaml): which roster features each term
reads, how (sim.core.terms.TERM_KINDS) and with which sign. The engines, the explanations and the
tables read whatever is declared; the Abraham world's seven terms are conf/terms/abraham.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sim.config.errors import ConfigError
from sim.config.validate import between, build, one_of
from sim.core.terms import TERM_KINDS

DEFAULT = (
    Path(__file__).resolve().parents[2] / "conf" / "terms" / "abraham.yaml"
)  # for a config that names none
NEEDS_FEATURE = {"threat", "feature", "exposed", "salience"}


@dataclass(frozen=True)
class Term:
    kind: str = field(metadata=one_of(*TERM_KINDS))
    sign: float = field(metadata=between(-1.0, 1.0))  # +1 an incentive, -1 a cost
    feature: str | None = None  # the roster feature it reads (threat, feature, exposed, salience)
    feature2: str | None = None  # the second feature of an `exposed` term
    weight: float | None = field(
        default=None, metadata=between(0.0, 10.0)
    )  # when params.weights does not name it
    note: str = ""


@dataclass(frozen=True)
class Terms:
    name: str
    terms: dict[str, Term]

    @property
    def names(self) -> list[str]:
        return list(self.terms)

    @property
    def features(self) -> list[str]:
        """The features the terms read, in the order they are first named."""
        named = [n for t in self.terms.values() for n in (t.feature, t.feature2) if n is not None]
        return list(dict.fromkeys(named))


def default_terms() -> dict:
    """The Abraham world's terms as plain data (conf/terms/abraham.yaml)."""
    return yaml.safe_load(DEFAULT.read_text())


def check_terms(terms: Terms, countries: dict, weights: dict[str, float]) -> None:
    """The terms make sense for this roster and these parameters; ConfigError on the first problem."""
    offers = [n for n, t in terms.terms.items() if t.kind == "offer"]
    if len(offers) != 1:
        raise ConfigError(
            "terms.terms",
            f"expected exactly one term of kind offer (the mediator's), got {len(offers)}",
        )
    for name, term in terms.terms.items():
        key = f"terms.terms.{name}"
        if term.sign not in (-1.0, 1.0):
            raise ConfigError(f"{key}.sign", f"expected 1 or -1, got {term.sign}")
        if (term.kind in NEEDS_FEATURE) != (term.feature is not None):
            raise ConfigError(
                f"{key}.feature",
                f"a {term.kind} term {'needs' if term.kind in NEEDS_FEATURE else 'takes no'} feature",
            )
        if (term.kind == "exposed") != (term.feature2 is not None):
            raise ConfigError(
                f"{key}.feature2", "only an exposed term has a second feature, and it needs one"
            )
        if term.weight is None and name not in weights:
            raise ConfigError(
                f"{key}.weight", "missing required value (params.weights does not name this term)"
            )
    for name in weights:
        if name not in terms.terms:
            raise ConfigError(
                f"params.weights.{name}",
                f"not a term of the world (terms {terms.name}: {', '.join(terms.names)})",
            )
    for feature in terms.features:
        for cid, country in countries.items():
            if getattr(country, feature, None) is None and feature not in country.scores:
                where = (
                    feature if hasattr(country, feature) else f"scores.{feature}"
                )  # a field of its own, or a score
                raise ConfigError(
                    f"roster.countries.{cid}.{where}",
                    "missing required value (a term reads this feature)",
                )


def build_terms(data) -> Terms:
    return build(Terms, data, "terms")

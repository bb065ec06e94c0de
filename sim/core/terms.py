"""Names of the utility's terms and of a country's features: plain data, nothing compiled, so
that the config schema, the tables and the figures can name them without loading the kernel."""

from __future__ import annotations

TERMS = (  # the Abraham world's terms (conf/terms/abraham.yaml), by name; the engines read the declared ones
    "iran_threat",
    "us_security",
    "econ_gain",
    "inducement",
    "peer",
    "public_opposition",
    "palestine",
)
"""Names of the utility terms: the columns of a terms array and of a weight matrix."""

FEATURES = (
    "iran_threat",
    "us_security",
    "econ_gain",
    "public_permissiveness",
    "regime_insulation",
    "palestine_linkage",
)
"""A country's incentive features in [0, 1]: the columns of a features matrix."""

TERM_KINDS = ("threat", "feature", "exposed", "salience", "peers", "offer")
"""How a declared term is computed (conf/terms/*.yaml; sim.core.utility.fill_terms):
threat: w * clip(feature + threat shift); feature: w * feature; exposed: w * (1 - f) * (1 - f2);
salience: w * feature * clip(salience); peers: w * peer pressure; offer: w * the offer's worth.
The kinds `threat` and `salience` move with events (the explanation's `events` column)."""
THREAT, FEATURE, EXPOSED, SALIENCE, PEERS, OFFER = range(len(TERM_KINDS))

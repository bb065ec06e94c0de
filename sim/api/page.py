"""The interactive page: Mesa's Solara controls over the accord model, with the ensemble beside it.

    .venv/bin/solara run sim/api/page.py --host 127.0.0.1        (make viz does it)

Controls (scenario, mediator, weights, peer and leader strength, shocks) change one set of
settings. Each change rebuilds the config from the chosen scenario with `with_values`, reruns the
ensemble (sim.runs.runner.execute, the default 10,000 replicates) for the joining-probability curves
and the member fan (sim.output.plots), and starts a new single replicate: a `WorldModel` that
Mesa's controls step month by month, drawn as a network coloured by status. Nothing here computes
what the engines, tables or plots already do.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import io
import zipfile

import matplotlib
import matplotlib.pyplot as plt
import solara
from matplotlib.ticker import MaxNLocator
from mesa.visualization.solara_viz import ModelController, ShowSteps
from mesa.visualization.utils import update_counter

from sim.config.held import hold
from sim.config.load import with_values
from sim.config.schema import RunConfig
from sim.config.sources import ROOT
from sim.engine.model import WorldModel
from sim.hydra.configs import compose_config
from sim.output.plots.caption import caption
from sim.output.plots.network import plot_network
from sim.output.plots.run import plot_join_probability, plot_members
from sim.runs.runner import RunResult, execute

SCENARIOS = [
    "baseline",
    *sorted(p.stem for p in (ROOT / "experiments").glob("*.yaml") if p.stem != "history"),
]
STRATEGIES = ["courting", "persuadable", "priority", "none"]
REPLICATES = 10_000
matplotlib.rcParams["svg.fonttype"] = (
    "none"  # text in the network's SVG stays text: readable, findable
)
PAGE_CSS = """.accord-figure img, .accord-figure svg {max-width: 100%; height: auto;}
.download-tables {display: inline-block; margin: 8px 0; font-weight: 500;}
.solara-autorouter-content .v-row {margin-left: 0; margin-right: 0;}"""  # figures fit their column


@functools.cache
def scenario_config(name: str) -> RunConfig:
    """The composed config of a scenario: the default run, or an experiment's settings."""
    return compose_config([] if name == "baseline" else [f"+experiment={name}"])


def defaults(name: str = "baseline") -> dict:
    """The controls' values as the scenario's config sets them."""
    cfg = scenario_config(name)
    return {
        "scenario": name,
        "engagement": cfg.mediator.engagement,
        "strategy": cfg.mediator.strategy if cfg.mediator.strategy in STRATEGIES else STRATEGIES[0],
        **{
            f"w_{t}": cfg.params.weights.get(t, term.weight) for t, term in cfg.terms.terms.items()
        },  # the world's terms
        "leader_multiplier": cfg.params.leader_multiplier,
        **{f"shock_{s}": shock.enabled for s, shock in cfg.events.random.items()},
        "dated_events": True,
    }


def configure(settings: dict) -> RunConfig:
    """The run config the controls describe."""
    cfg = dataclasses.replace(
        scenario_config(settings["scenario"]), replicates=REPLICATES, explain=False
    )
    changes = {
        "mediator.engagement": settings["engagement"],
        "mediator.strategy": settings["strategy"],
        **{f"params.weights.{k[2:]}": v for k, v in settings.items() if k.startswith("w_")},
        "params.leader_multiplier": settings["leader_multiplier"],
        **{
            f"events.random.{k[6:]}.enabled": v
            for k, v in settings.items()
            if k.startswith("shock_")
        },
        # off: no dated event; on: each as the scenario sets it (the 2026 election stays a choice)
        **{
            f"events.dated.{e}.enabled": settings["dated_events"] and ev.enabled
            for e, ev in cfg.events.dated.items()
        },
    }
    configured = with_values(cfg, changes, origin="the page's controls")
    moved = [
        k for k in changes if k.startswith("params.") and _value(configured, k) != _value(cfg, k)
    ]
    return hold(configured, moved)  # a moved slider holds in every posterior draw


def _value(cfg: RunConfig, key: str):
    node = cfg
    for part in key.split("."):
        node = (
            node[part] if isinstance(node, dict) else getattr(node, part)
        )  # params.weights is a mapping
    return node


settings = solara.reactive(defaults())


class ExplorerModel(WorldModel):
    """One replicate of the configured scenario, and the ensemble of the same config."""

    def __init__(self, config: dict | None = None, rng=None):
        current = config or settings.value
        run_config = configure(current)
        self.ensemble: RunResult = execute(run_config)
        super().__init__(self.ensemble.world, rng=run_config.seed if rng is None else rng)
        self.settings = current


model = solara.reactive(ExplorerModel(defaults()))


def _change(name: str, value) -> None:
    new = defaults(value) if name == "scenario" else {**settings.value, name: value}
    settings.value = new
    model.value = ExplorerModel(new)  # a new ensemble and a new replicate


def Slider(label: str, key: str, low: float, high: float, step: float):
    """A slider whose label shows its value."""
    value = settings.value[key]
    solara.SliderFloat(
        f"{label}: {value:.{2 if step < 0.1 else 1}f}",
        value=value,
        min=low,
        max=high,
        step=step,
        on_value=lambda v: _change(key, v),
    )


@solara.component
def Controls(m: ExplorerModel):
    s = settings.value
    with solara.Card("Scenario"):
        solara.Select(
            "scenario",
            value=s["scenario"],
            values=SCENARIOS,
            on_value=lambda v: _change("scenario", v),
        )
        Slider("mediator engagement", "engagement", 0.0, 2.0, 0.05)
        solara.Select(
            "mediator strategy",
            value=s["strategy"],
            values=STRATEGIES,
            on_value=lambda v: _change("strategy", v),
        )
        for key in [
            k for k in s if k.startswith("w_")
        ]:  # one slider per declared term of the world
            Slider(f"weight: {key[2:]}", key, 0.0, 5.0, 0.05)
        if scenario_config(
            s["scenario"]
        ).roster.peers.leader:  # a world without a leader has nothing to multiply
            Slider("leader multiplier", "leader_multiplier", 0.0, 10.0, 0.1)
        for key in [k for k in s if k.startswith("shock_")]:
            solara.Switch(
                label=f"shock: {key[6:]}", value=s[key], on_value=lambda v, k=key: _change(k, v)
            )
        solara.Switch(
            label="dated events of the scenario",
            value=s["dated_events"],
            on_value=lambda v: _change("dated_events", v),
        )
        archive = base64.b64encode(
            tables_zip(m.ensemble)
        ).decode()  # a link, not solara.FileDownload: its script fails offline
        solara.HTML(
            tag="a",
            unsafe_innerHTML="download tables",
            classes=["download-tables"],
            attributes={
                "href": f"data:application/zip;base64,{archive}",
                "download": "accord-sim-tables.zip",
            },
        )
        solara.Markdown("*Consequences of stated, overridable assumptions; not a forecast.*")


def tables_zip(result: RunResult) -> bytes:
    """The ensemble's tables as CSV files in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, table in (
            ("summary", result.summary),
            ("joining_probabilities", result.joining_probabilities),
            ("members", result.members),
        ):
            archive.writestr(f"{name}.csv", table.to_csv(index=False))
    return buffer.getvalue()


@solara.component
def JoiningCurves(m: ExplorerModel):
    tables = m.ensemble.tables
    fig = plot_join_probability(
        tables.joining_probabilities,
        title=f"{m.settings['scenario']}: probability of being a member",
    )
    with solara.Div(classes=["accord-figure"]):
        solara.FigureMatplotlib(fig, format="png", dpi=90)
    plt.close(fig)
    top = tables.summary[tables.summary["status_at_start"] != "member"].head(8)
    rows = "\n".join(
        f"| {r.country} | <span class='p-joined'>{r.p_joined_by_horizon:.3f}</span> |"
        for r in top.itertuples()
    )
    solara.Markdown(
        f"| country | p by {m.world.months[-1] // 12}-12 ({REPLICATES:,} replicates) |\n|---|---|\n{rows}"
    )


@solara.component
def MembersFan(m: ExplorerModel):
    fig = plot_members(m.ensemble.tables.members, title="members over time, across replicates")
    with solara.Div(classes=["accord-figure"]):
        solara.FigureMatplotlib(fig, format="png", dpi=90)
    plt.close(fig)


@solara.component
def Network(m: ExplorerModel):
    update_counter.get()  # redraw at every step of Mesa's controls
    statuses = [c.status.name.lower() for c in m.countries]
    fig = plot_network(
        m.world.names,
        m.numbers.ties,
        statuses,
        title=f"one replicate, month {m.month_index} of {m.world.n_months}",
    )
    svg = io.StringIO()
    fig.savefig(svg, format="svg")
    plt.close(fig)
    text = svg.getvalue()
    solara.HTML(
        tag="div", unsafe_innerHTML=text[text.index("<svg") :], classes=["accord-figure", "network"]
    )  # inline: names are text


@solara.component
def MembersOfReplicate(m: ExplorerModel):
    """The stepped replicate's members by month, on whole numbers."""
    update_counter.get()
    counts = m.datacollector.get_model_vars_dataframe()["members"]
    fig, ax = plt.subplots(figsize=(5, 3.2), layout="constrained")
    ax.step(
        counts.index, counts.to_numpy(), where="post", color="tab:blue", marker="o", ms=3
    )  # month 0 too
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(counts.min() - 1, counts.max() + 1)
    ax.set_xlim(0, m.world.n_months)
    ax.set_xlabel("month of the replicate")
    ax.set_ylabel("members")
    ax.set_title("members in this replicate", fontsize=10)
    ax.grid(alpha=0.3)
    fig.supxlabel(caption(), x=0.01, ha="left", fontsize=6, color="0.4")
    with solara.Div(classes=["accord-figure"]):
        solara.FigureMatplotlib(fig, format="png", dpi=90)
    plt.close(fig)


@solara.component
def Page():
    """Mesa's model controls (step, play, reset) and our scenario controls on the left; the
    ensemble's curves and fan, and the stepped replicate, on the right. Laid out with plain
    Solara columns rather than SolaraViz's draggable grid, whose script (vue-grid-layout) fails
    to load in Solara's Vue 3 app without network access ("GlobalVue.use is not a function")."""
    m = model.value
    solara.Title("accord-sim")
    solara.Style(PAGE_CSS)
    solara.Markdown("## accord-sim: explore a scenario")
    with solara.Columns([1, 3]):
        with solara.Column():
            with solara.Card("One replicate, month by month"):
                ModelController(
                    model,
                    play_interval=play_interval,
                    render_interval=render_interval,
                    use_threads=use_threads,
                )
                ShowSteps(m)
            Controls(m)
        with solara.Column():
            with solara.Columns([1, 1]):
                JoiningCurves(m)
                MembersFan(m)
            with solara.Columns([1, 1]):
                Network(m)
                MembersOfReplicate(m)


play_interval = solara.reactive(400)
render_interval = solara.reactive(1)
use_threads = solara.reactive(False)

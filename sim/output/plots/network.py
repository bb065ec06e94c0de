"""The countries as a network of peer ties, each country coloured by its status.

Drawn by the live view (sim.viz) month by month; the layout depends only on the names and ties,
so it is computed once (a fixed seed) and cached, and the countries stay put as statuses change.
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

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

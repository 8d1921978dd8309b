"""Drawings (SVG/PNG) of a projected graph: the layout engine by size, and the size limit.

Graphviz ``dot`` (layered, left to right) is the most readable layout, but its time grows
steeply with edges (parallel labelled edges above all): measured on the ANSM graph (2 CPUs),
at most 0.4 s up to 280 edges, 3-9 s around 330-1,000 edges, over 20 s from 660 edges with many
parallel inferred edges. ``sfdp`` (force-directed) draws those in 0.1-0.5 s and 2,900 edges in
about 2 s (PNG about 3 times the SVG time). So ``dot`` draws up to :data:`DOT_MAX_EDGES` edges,
``sfdp`` up to :data:`MAX_DRAWN_EDGES` edges and :data:`MAX_DRAWN_NODES` nodes, and a larger
selection is refused before Graphviz runs (:class:`GraphTooLarge`, 400): graph tools (GraphML,
GEXF, Cytoscape) take any size.
"""

from __future__ import annotations

import networkx as nx

from graph_service.errors import BadRequest
from graph_service.serializers.graph_render import DEFAULT_TIMEOUT, render, to_dot

__all__ = ["DOT_MAX_EDGES", "MAX_DRAWN_EDGES", "MAX_DRAWN_NODES", "GraphTooLarge", "check_drawable",
           "draw", "fits", "layout_for"]

#: the layered ``dot`` layout draws selections up to this many edges; ``sfdp`` draws larger ones
DOT_MAX_EDGES = 200
#: the largest selection drawn as SVG/PNG (about 1 s for SVG with sfdp on an idle 2-CPU machine)
MAX_DRAWN_EDGES = 1500
MAX_DRAWN_NODES = 1000


class GraphTooLarge(BadRequest):
    """The selection has more nodes or edges than a drawing can hold in time."""

    code = "graph_too_large"


def fits(nodes: int, edges: int) -> bool:
    """Whether a selection of this size can be drawn.

    >>> fits(256, 560), fits(1490, 4583)
    (True, False)
    """
    return nodes <= MAX_DRAWN_NODES and edges <= MAX_DRAWN_EDGES


def layout_for(graph: nx.MultiDiGraph) -> str:
    """``dot`` for small selections, ``sfdp`` for larger ones."""
    return "dot" if graph.number_of_edges() <= DOT_MAX_EDGES else "sfdp"


def check_drawable(nodes: int, edges: int, *, hint: str = "") -> None:
    """:raises GraphTooLarge: naming the size, the limits and how to narrow the selection."""
    if fits(nodes, edges):
        return
    raise GraphTooLarge(
        f"the selection has {nodes} nodes and {edges} edges; a drawing (svg, png) holds at "
        f"most {MAX_DRAWN_NODES} nodes and {MAX_DRAWN_EDGES} edges. "
        + (hint or "Choose a focus entity (focus=naltrexone) and a small depth (depth=1), ")
        + "or export the whole selection for a graph tool (format=graphml or gexf).",
        nodes=nodes, edges=edges, max_nodes=MAX_DRAWN_NODES, max_edges=MAX_DRAWN_EDGES)


def draw(graph: nx.MultiDiGraph, *, output: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """``graph`` drawn by Graphviz as ``output`` (``svg`` or ``png``) with its size's layout.

    :raises GraphTooLarge: when the graph is over the drawing limits.
    :raises QueryTimeout: when Graphviz takes longer than ``timeout`` seconds.
    """
    check_drawable(graph.number_of_nodes(), graph.number_of_edges())
    text = to_dot(graph)
    layout = layout_for(graph)
    if layout != "dot":  # the DOT text picks the engine: `dot -T...` then runs sfdp
        text = text.replace(b"{\n", f'{{\n  graph ["layout"="{layout}"];\n'.encode(), 1)
    return render(text, output=output, timeout=timeout)

"""Drawing a selection as SVG/PNG: refused up front when too large, with how to narrow it."""

from __future__ import annotations

from dataclasses import dataclass

from graph_service.serializers.graph_drawing import check_drawable, fits, layout_for
from graph_service.serializers.graph_formats import GraphFormat
from graph_service.services.graph_selection import ProjectedGraph, Selection, select

__all__ = ["Drawing", "draw_selection"]


@dataclass(frozen=True)
class Drawing:
    """A finished drawing and what it holds."""

    body: bytes
    nodes: int
    edges: int
    layout: str  # the Graphviz layout engine: dot or sfdp


def _narrower(projected: ProjectedGraph, selection: Selection) -> str:
    """How to narrow a selection too large to draw: the largest depth that fits, if any."""
    if selection.focus is None:
        return "Choose a focus entity (focus=naltrexone) and a small depth (depth=1), "
    for depth in range(selection.depth - 1, -1, -1):
        smaller = select(projected, Selection(focus=selection.focus, depth=depth,
                                              types=selection.types, include=selection.include))
        if fits(smaller.number_of_nodes(), smaller.number_of_edges()):
            return f"Around this focus depth={depth} fits: choose it, or fewer types (types=), "
    return "Choose fewer node types (types=) or leave out include=inferred, "


def draw_selection(projected: ProjectedGraph, selection: Selection, chosen: GraphFormat, *,
                   timeout: float) -> Drawing:
    """The selection drawn by Graphviz in ``chosen`` format.

    :raises GraphTooLarge: before Graphviz runs, when the selection is over the drawing limits.
    :raises QueryTimeout: when Graphviz takes longer than ``timeout`` seconds.
    """
    selected = select(projected, selection)
    nodes, edges = selected.number_of_nodes(), selected.number_of_edges()
    if not fits(nodes, edges):
        check_drawable(nodes, edges, hint=_narrower(projected, selection))
    return Drawing(chosen.writer(selected, timeout=timeout), nodes, edges, layout_for(selected))

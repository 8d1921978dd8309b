"""Graph exports for graph tools: ``GET /export?format=&focus=&depth=&include=&types=``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from graph_service.errors import InvalidParameter
from graph_service.serializers.graph_formats import FORMATS
from graph_service.services.exports import export_graph
from graph_service.services.graph_selection import INCLUDE_OPTIONS, MAX_DEPTH
from graph_service.state import get_state

__all__ = ["bp", "export_cache", "list_arg"]

bp = Blueprint("exports", __name__)

_CACHE_KEY = "export_cache"


def export_cache() -> dict[str, Any]:
    """This app's projection cache (one graph version at a time)."""
    cache: dict[str, Any] = get_state().extras.setdefault(_CACHE_KEY, {})
    return cache


def list_arg(name: str) -> frozenset[str]:
    """A list parameter given as ``a,b`` and/or repeated (``?x=a&x=b``), empty items dropped."""
    return frozenset(item.strip() for value in request.args.getlist(name)
                     for item in value.split(",") if item.strip())


def _depth(text: str | None) -> int:
    if text is None or text == "":
        return 1
    try:
        return int(text)
    except ValueError:
        raise InvalidParameter(f"depth must be an integer between 0 and {MAX_DEPTH}, got "
                               f"{text!r}", parameter="depth") from None


@bp.get("/export")
def export() -> Response:
    """One graph file: the whole graph, or a focus entity's neighbourhood to ``depth`` hops.

    Query parameters: ``format`` (required; see ``FORMATS``), ``focus`` (name, id or IRI),
    ``depth`` (0-5, default 1), ``include`` (``inferred``, ``sources``, ``contradicted``),
    ``types`` (node types to keep, e.g. ``Drug,Receptor``). SVG/PNG drawings are limited in
    size (400 ``graph_too_large`` with how to narrow the selection) and cached per graph version.
    """
    name = request.args.get("format", "").strip()
    if not name:
        raise InvalidParameter(f"the format parameter is required; valid formats: "
                               f"{', '.join(FORMATS)}", parameter="format", formats=list(FORMATS))
    state = get_state()
    focus = request.args.get("focus", "").strip() or None
    exported = export_graph(
        state.backend, queries_dir=state.settings.queries_dir,
        graph_version=state.graph_version, format=name, focus=focus,
        depth=_depth(request.args.get("depth")), types=list_arg("types"),
        include=list_arg("include"), cache=export_cache(), catalog=state.catalog,
        render_timeout=state.settings.query_timeout)
    response = Response(exported.body, mimetype=None, content_type=exported.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response.headers["X-Graph-Nodes"] = str(exported.nodes)
    response.headers["X-Graph-Edges"] = str(exported.edges)
    response.headers["X-Graph-Version"] = state.graph_version
    if exported.layout:
        response.headers["X-Graph-Layout"] = exported.layout
    return response


@bp.get("/export/formats")
def formats() -> dict[str, Any]:
    """The export formats with their media types and extensions, and the selection options."""
    return {"formats": [{"name": f.name, "extension": f.extension, "media_type": f.media_type,
                         "summary": f.summary} for f in FORMATS.values()],
            "include": list(INCLUDE_OPTIONS), "max_depth": MAX_DEPTH}

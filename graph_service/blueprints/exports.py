"""Graph exports for graph tools: ``GET /export?format=&focus=&depth=&include=&types=``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, request

from graph_service.errors import InvalidParameter
from graph_service.request_rules import NAME_MAX_LENGTH, TYPE_LIST, comma_list, digits, matches
from graph_service.serializers.graph_formats import FORMATS
from graph_service.services.exports import export_graph
from graph_service.services.graph_selection import INCLUDE_OPTIONS, MAX_DEPTH
from graph_service.state import get_state

__all__ = ["PROJECTION_WAIT", "bp", "export_cache", "list_arg", "projection_root"]

bp = Blueprint("exports", __name__)

_CACHE_KEY = "export_cache"
#: seconds one export waits for the projection of a new graph version (the others get 503
#: warming_up at once; see services/projection_builds.py)
PROJECTION_WAIT = 30.0


def export_cache() -> dict[str, Any]:
    """This app's projection cache (one graph version at a time)."""
    cache: dict[str, Any] = get_state().extras.setdefault(_CACHE_KEY, {})
    return cache


def projection_root() -> Path | None:
    """Where the export projection of each graph version is saved: the on-disk store's root
    (``None`` for in-memory, rdflib and remote stores: the projection is then built here)."""
    settings = get_state().settings
    return settings.store_path if settings.store == "oxigraph" else None


def list_arg(name: str, pattern: str, valid: str, *,
             options: tuple[str, ...] = ()) -> frozenset[str]:
    """A list parameter given as ``a,b`` and/or repeated (``?x=a&x=b``); every value must match
    ``pattern`` (no empty items, no spaces), as /openapi.json states.

    :raises InvalidParameter: naming the parameter and what it takes.
    """
    values = request.args.getlist(name)
    for value in values:
        if not matches(pattern, value):
            raise InvalidParameter(f"{name} takes comma-separated {valid} without spaces or "
                                   f"empty items, got {value[:100]!r}", parameter=name,
                                   **({"valid": list(options)} if options else {}))
    return frozenset(item for value in values for item in value.split(","))


def _depth(text: str | None) -> int:
    if text is None or text == "":
        return 1
    if not digits(text) or int(text) > MAX_DEPTH:
        raise InvalidParameter(f"depth must be an integer between 0 and {MAX_DEPTH}, got "
                               f"{text[:100]!r}", parameter="depth")
    return int(text)


def _focus(text: str) -> str | None:
    if len(text) > NAME_MAX_LENGTH:
        raise InvalidParameter(f"focus must be a name, id or IRI of at most {NAME_MAX_LENGTH} "
                               "characters", parameter="focus")
    return text.strip() or None


@bp.get("/export")
def export() -> Response:
    """One graph file: the whole graph, or a focus entity's neighbourhood to ``depth`` hops.

    Query parameters: ``format`` (required; see ``FORMATS``), ``focus`` (name, id or IRI),
    ``depth`` (0-5, default 1), ``include`` (``inferred``, ``sources``, ``contradicted``),
    ``types`` (node types to keep, e.g. ``Drug,Receptor``). SVG/PNG drawings are limited in
    size (400 ``graph_too_large`` with how to narrow the selection) and cached per graph version.
    """
    name = request.args.get("format", "")
    if not name:
        raise InvalidParameter(f"the format parameter is required; valid formats: "
                               f"{', '.join(FORMATS)}", parameter="format", formats=list(FORMATS))
    state = get_state()
    focus = _focus(request.args.get("focus", ""))
    exported = export_graph(
        state.backend, queries_dir=state.settings.queries_dir,
        graph_version=state.graph_version, format=name, focus=focus,
        depth=_depth(request.args.get("depth")),
        types=list_arg("types", TYPE_LIST, "node type names"),
        include=list_arg("include", comma_list(INCLUDE_OPTIONS), "/".join(INCLUDE_OPTIONS),
                         options=INCLUDE_OPTIONS),
        cache=export_cache(), catalog=state.catalog,
        render_timeout=state.settings.query_timeout, wait=PROJECTION_WAIT,
        saved_under=projection_root())
    response = Response(exported.body, mimetype=None, content_type=exported.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response.headers["X-Graph-Nodes"] = str(exported.nodes)
    response.headers["X-Graph-Edges"] = str(exported.edges)
    response.headers["X-Graph-Version"] = state.graph_version
    if exported.layout:
        response.headers["X-Graph-Layout"] = exported.layout
    return response


@bp.after_request
def _retry_after(response: Response) -> Response:
    """``Retry-After`` on a 503 ``warming_up`` (the export graph is being prepared)."""
    if response.status_code == 503 and response.is_json:
        body = response.get_json(silent=True) or {}
        if body.get("error") == "warming_up" and "retry_after" in body:
            response.headers["Retry-After"] = str(body["retry_after"])
    return response


@bp.get("/export/formats")
def formats() -> dict[str, Any]:
    """The export formats with their media types and extensions, and the selection options."""
    return {"formats": [{"name": f.name, "extension": f.extension, "media_type": f.media_type,
                         "summary": f.summary} for f in FORMATS.values()],
            "include": list(INCLUDE_OPTIONS), "max_depth": MAX_DEPTH}

"""Curator writes over HTTP: the Graph Store Protocol at /store, and the version-following hook.

``/store?graph=IRI`` or ``/store?default``: GET (the graph), PUT (replace), POST (add), DELETE
(drop), all with ``Authorization: Bearer <admin token>`` (403 otherwise; not served at all
when no token is configured). Each write is one validated transaction (422 with the violations
when refused) and one change-log line; ``From: curator@example.org`` names the curator in the
log. Every request of the app first follows the store to its current version (see
``services/refresh.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, jsonify, request
from flask.blueprints import BlueprintSetupState

from graph_service.backends.base import RdfSource
from graph_service.errors import BadRequest, NotAcceptable, UnsupportedMediaType
from graph_service.services.query_guard import IriTooLong
from graph_service.services.refresh import StoreWatcher, innermost
from graph_service.services.releases import read_graph
from graph_service.services.sparql import UpdateRefused, update_allowed
from graph_service.services.writes import (
    StoreProtocolUnavailable,
    Write,
    WriteResult,
    commit,
    scratch_update,
)
from graph_service.state import GraphServiceState, get_state

__all__ = ["bp", "curator", "perform"]

bp = Blueprint("store", __name__)

_WATCHER = "store_watcher"
_BODY_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt",
                 "application/rdf+xml": "xml", "application/ld+json": "json-ld"}
_GET_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
                "application/rdf+xml": ox.RdfFormat.RDF_XML}


def _root(state: GraphServiceState) -> Path | None:
    """The store root when the service runs on the embedded on-disk store."""
    settings = state.settings
    if settings.store != "oxigraph" or settings.store_path is None:
        return None
    return settings.store_path if getattr(innermost(state.backend), "path", None) else None


def _watcher(state: GraphServiceState) -> StoreWatcher | None:
    if _WATCHER not in state.extras:
        root = _root(state)
        state.extras.setdefault(_WATCHER, StoreWatcher(root) if root is not None else None)
    watcher: StoreWatcher | None = state.extras[_WATCHER]
    return watcher


@bp.before_app_request
def _follow_versions() -> None:
    """Switch this worker to the store's current version before answering (one stat)."""
    state = get_state()
    watcher = _watcher(state)
    if watcher is not None:
        watcher.refresh(state)


def curator() -> tuple[str, str | None]:
    """Who writes: the admin token (and the ``From`` header's curator), from which client."""
    named = (request.headers.get("From") or "").strip()[:200]
    return (f"admin-token ({named})" if named else "admin-token"), request.remote_addr


def perform(write: Write) -> WriteResult:
    """Run a checked write on the current store and switch this worker to the result."""
    state = get_state()
    own = state.settings.ontology_dir / "shapes.ttl"
    from graph_service.validation import DEFAULT_SHAPES

    shapes = own if own.exists() else DEFAULT_SHAPES
    root = _root(state)
    if root is None:
        result = scratch_update(state.backend, write, shapes=shapes,
                                version=state.graph_version)
        state.graph_version = result.version_after
        return result
    result = commit(root, write, shapes=shapes)
    watcher = _watcher(state)
    assert watcher is not None
    watcher.refresh(state)
    return result


def _target() -> str | None:
    graph, default = request.args.getlist("graph"), "default" in request.args
    if len(graph) + int(default) != 1:
        raise BadRequest("name exactly one graph: ?graph=IRI or ?default")
    if default:
        return None
    limit = get_state().settings.max_iri_length
    if len(graph[0]) > limit:
        raise IriTooLong(f"the graph IRI has {len(graph[0])} characters; the limit is {limit}",
                         limit=limit)
    try:
        ox.NamedNode(graph[0])
    except ValueError:
        raise BadRequest(f"{graph[0][:200]!r} is not an absolute IRI") from None
    return graph[0]


def _get(root: Path | None, graph: str | None) -> Response:
    best = request.accept_mimetypes.best_match(list(_GET_FORMATS))
    if request.headers.get("Accept") and best is None:
        raise NotAcceptable("GET /store answers " + ", ".join(_GET_FORMATS),
                            accepted=list(_GET_FORMATS))
    media_type = best or "text/turtle"
    if root is None:
        raise StoreProtocolUnavailable("the Graph Store Protocol needs the embedded on-disk store")
    body = read_graph(root, graph, _GET_FORMATS[media_type])
    return Response(body, content_type=f"{media_type}; charset=utf-8")


def graph_store() -> Any:
    """Graph Store Protocol (token-protected): GET, PUT, POST, DELETE of one graph."""
    state = get_state()
    if not update_allowed(state.settings, request.headers.get("Authorization")):
        raise UpdateRefused("the graph store needs the admin token as "
                            "'Authorization: Bearer <token>'")
    graph = _target()
    if request.method == "GET":
        return _get(_root(state), graph)
    who, client = curator()
    data = None
    if request.method in ("PUT", "POST"):
        fmt = _BODY_FORMATS.get(request.mimetype)
        if fmt is None:
            raise UnsupportedMediaType(
                f"send the graph as one of {', '.join(_BODY_FORMATS)}, not "
                f"{request.mimetype or 'no type'}", accepted=list(_BODY_FORMATS))
        data = RdfSource(request.get_data(cache=False), fmt, graph=graph, name="the request body")
    write = Write(operation=request.method.lower(), who=who, client=client, graph=graph,
                  data=data)
    result = perform(write)
    response = jsonify(result.to_json())
    response.status_code = 201 if result.created else 200
    return response


@bp.record_once
def _register_store(setup: BlueprintSetupState) -> None:
    """Serve /store only when writes are on (an admin token is configured)."""
    app = setup.app
    assert isinstance(app, Flask)
    if get_state(app).settings.admin_token:
        setup.add_url_rule("/store", view_func=graph_store,
                           methods=["GET", "PUT", "POST", "DELETE"])

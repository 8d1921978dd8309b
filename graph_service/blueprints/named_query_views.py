"""Named queries as REST operations: GET /api/v1/queries and GET/POST /api/v1/queries/{name}."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from graph_service.blueprints.api_support import json_body, resolver
from graph_service.errors import BadRequest, MethodNotAllowed, NotAcceptable
from graph_service.named_queries import NamedQuery
from graph_service.services import query_results
from graph_service.services.queries import bind_params, run_named_query
from graph_service.state import get_state

__all__ = ["describe", "list_queries", "run_query"]

_RDF_FORMATS = {"turtle": "turtle", "nt": "nt", "json-ld": "json-ld"}
_LIST_TYPES = ("entity_list", "iri_list")


def describe(query: NamedQuery) -> dict[str, Any]:
    """The public description of a named query."""
    return {"name": query.name, "summary": query.summary, "description": query.description,
            "returns": query.returns, "methods": list(query.methods), "tags": list(query.tags),
            "url": f"/api/v1/queries/{query.name}",
            "params": [{"name": p.name, "type": p.type, "required": p.required,
                        "description": p.description, "entity_type": p.entity_type,
                        "default": p.default} for p in query.params]}


def list_queries() -> dict[str, Any]:
    """Every public named query with its typed parameters."""
    return {"queries": [describe(q) for q in get_state().catalog.public()]}


def _raw_params(query: NamedQuery) -> dict[str, Any]:
    if request.method == "POST":
        body = json_body()
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object of parameter values")
        return body
    raw: dict[str, Any] = {}
    for key in request.args:
        if key == "format":
            continue
        values = request.args.getlist(key)
        param = query.param(key)
        raw[key] = values if param is not None and param.type in _LIST_TYPES else values[-1]
    return raw


def _format(kind: str) -> str:
    offered = query_results.FORMATS[kind]
    fmt = request.args.get("format")
    if fmt is None:
        best = request.accept_mimetypes.best_match(list(offered.values()))
        if best is None and request.accept_mimetypes.provided:
            raise NotAcceptable("no offered format matches Accept",
                                formats=list(offered.values()))
        return query_results.MEDIA_TYPES.get(best or "", "json")
    if fmt not in offered:
        raise NotAcceptable(f"format {fmt!r} is not offered for this query",
                            formats=list(offered))
    return fmt


def run_query(name: str) -> Response:
    """Run a public named query with typed parameters (query string or JSON body)."""
    state = get_state()
    query = state.catalog.get(name, public=True)
    if request.method not in query.methods:
        raise MethodNotAllowed(f"query {name!r} accepts {', '.join(query.methods)}")
    kind = "graph" if query.returns == "construct" else query.returns
    fmt = _format(kind)
    bindings = bind_params(query, _raw_params(query), resolve=resolver(state))
    result = run_named_query(state.backend, query, bindings, max_rows=state.settings.max_rows)
    if fmt == "csv":
        return Response(query_results.to_csv(result), mimetype="text/csv")
    if fmt in _RDF_FORMATS:
        return Response(query_results.to_rdf(result, _RDF_FORMATS[fmt]),
                        mimetype=query_results.FORMATS["graph"][fmt])
    return jsonify(query_results.to_json(query, result, bindings,
                                         graph_version=state.graph_version))

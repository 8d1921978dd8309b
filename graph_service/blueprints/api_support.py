"""Helpers the /api/v1 views share: the name index, entity-parameter resolution, JSON bodies."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from rdflib import URIRef

from graph_service.errors import BadRequest, NotFound, UnsupportedMediaType
from graph_service.services.resolution import ResolutionIndex, get_index, resolve
from graph_service.state import GraphServiceState

__all__ = ["json_body", "resolution_index", "resolver"]


def resolution_index(state: GraphServiceState) -> ResolutionIndex:
    """The name index of the current graph version (built once per version)."""
    return get_index(state.backend, state.catalog, version=state.graph_version,
                     cache=state.extras)


def resolver(state: GraphServiceState) -> Any:
    """A resolver for named-query entity parameters: one entity or a 404 with candidates."""
    index = resolution_index(state)

    def resolve_param(text: str, entity_type: str, name: str) -> URIRef:
        outcome = resolve(index, text, entity_type=entity_type)
        if outcome.entity is None:
            raise NotFound(f"parameter {name!r}: no single {entity_type} matches {text!r}",
                           parameter=name, reason=outcome.reason,
                           candidates=[c.to_json() for c in outcome.candidates])
        return URIRef(outcome.entity.iri)

    return resolve_param


def json_body() -> Any:
    """The decoded JSON body: 415 unless it is JSON, 400 when it does not parse."""
    if not request.mimetype or request.mimetype != "application/json":
        raise UnsupportedMediaType("send the body as application/json",
                                   content_type=request.mimetype or None)
    try:
        return json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise BadRequest("the JSON body is nested too deeply") from exc

"""The JSON REST API under /api/v1: entities, drug cards, check, named queries, sources."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from graph_service.blueprints import named_query_views as nq
from graph_service.blueprints.api_support import json_body, resolution_index
from graph_service.errors import InvalidParameter
from graph_service.named_queries import QueryParam
from graph_service.request_rules import (
    ENTITIES_MAX_LIMIT,
    IRI_MAX_LENGTH,
    NAME_MAX_LENGTH,
    digits,
    is_iri,
)
from graph_service.services import checks, drug_cards, sources
from graph_service.services.resolution import CATEGORIES, Candidate, resolve, search
from graph_service.state import GraphServiceState, get_state

__all__ = ["ENTITY_TYPES", "MAX_LIMIT", "MAX_QUERY_LENGTH", "bp"]

bp = Blueprint("api", __name__)
ENTITY_TYPES = ("any", "medication", *CATEGORIES)
MAX_LIMIT = ENTITIES_MAX_LIMIT
MAX_QUERY_LENGTH = NAME_MAX_LENGTH


def _drug(ident: str) -> tuple[GraphServiceState, Candidate]:
    state = get_state()
    return state, drug_cards.find_drug(resolution_index(state), ident)


@bp.get("/entities")
def entities() -> dict[str, Any]:
    """Name resolution: ranked candidates, and the entity when the name resolves unambiguously."""
    raw = request.args.get("q", "")
    text = raw.strip()
    if not text or len(raw) > MAX_QUERY_LENGTH:
        raise InvalidParameter(f"'q' must be a name or identifier of 1 to {MAX_QUERY_LENGTH} "
                               "characters, not only white space", parameter="q")
    entity_type = request.args.get("type", "any")
    if entity_type not in ENTITY_TYPES:
        raise InvalidParameter(f"'type' must be one of {', '.join(ENTITY_TYPES)}",
                               parameter="type")
    raw_limit = request.args.get("limit", "10")
    if not digits(raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise InvalidParameter(f"'limit' must be an integer from 1 to {MAX_LIMIT}",
                               parameter="limit")
    state = get_state()
    index = resolution_index(state)
    outcome = resolve(index, text, entity_type=entity_type)
    return {"query": text, "type": entity_type,
            "resolved": outcome.entity.to_json() if outcome.entity else None,
            "candidates": [c.to_json() for c in search(index, text, entity_type=entity_type,
                                                       limit=int(raw_limit))],
            "graph_version": state.graph_version}


@bp.get("/drugs/<path:ident>")
def drug(ident: str) -> dict[str, Any]:
    """The drug card."""
    state, entity = _drug(ident)
    return drug_cards.drug_card(state.backend, state.catalog, entity,
                                version=state.graph_version, cache=state.extras)


@bp.get("/drugs/<path:ident>/contraindications", defaults={"section": "contraindications"})
@bp.get("/drugs/<path:ident>/interactions", defaults={"section": "interactions"})
def drug_safety(ident: str, section: str) -> dict[str, Any]:
    """Contraindications or interactions of a drug, stated and inherited, with explanations."""
    state, entity = _drug(ident)
    items = drug_cards.safety_section(state.backend, state.catalog, entity.iri, section=section,
                                      version=state.graph_version, cache=state.extras)
    return {"drug": {"iri": entity.iri, "label": entity.label}, section: items,
            "graph_version": state.graph_version}


@bp.get("/drugs/<path:ident>/alternatives")
def drug_alternatives(ident: str) -> dict[str, Any]:
    """Alternatives of a drug with what differs."""
    state, entity = _drug(ident)
    return {"drug": {"iri": entity.iri, "label": entity.label},
            "alternatives": drug_cards.alternatives(state.backend, state.catalog, entity.iri),
            "graph_version": state.graph_version}


@bp.post("/check")
def check() -> dict[str, Any]:
    """Is this combination a known problem, and why?"""
    body = checks.parse_check_request(json_body())
    state = get_state()
    return checks.run_check(state.backend, state.catalog, resolution_index(state), request=body,
                            graph_version=state.graph_version, cache=state.extras)


@bp.get("/sources")
def list_sources() -> dict[str, Any]:
    """The source documents with claim counts."""
    state = get_state()
    return {"sources": sources.list_sources(state.backend, state.catalog),
            "graph_version": state.graph_version}


@bp.get("/conflicts")
def conflicts() -> dict[str, Any]:
    """Contradicted claims beside the claims that contradict them, and claims whose sources
    give the same pair different severities."""
    state = get_state()
    return {"conflicts": sources.conflicts(state.backend, state.catalog),
            "severity_conflicts": sources.severity_conflicts(state.backend, state.catalog),
            "graph_version": state.graph_version}


def _iri_values(param: QueryParam) -> list[Any]:
    """The raw values of an ``iri``/``iri_list`` parameter, as the named query will read them."""
    if request.method == "POST":
        body = json_body()
        value = body.get(param.name) if isinstance(body, dict) else None
    else:
        values = request.args.getlist(param.name)
        value = values if param.type == "iri_list" else (values[-1] if values else None)
    if param.type == "iri_list" and isinstance(value, str):
        return [item.strip() for item in value.split(",")]
    return value if isinstance(value, list) else [value]


def run_query(name: str) -> Any:
    """A named query, its IRI parameters held to the rule /openapi.json states first."""
    query = get_state().catalog.get(name, public=True)
    if request.method in query.methods:
        for param in query.params:
            if param.type in ("iri", "iri_list") and not all(
                    not isinstance(v, str) or is_iri(v) for v in _iri_values(param)):
                raise InvalidParameter(
                    f"parameter {param.name!r} must be an absolute IRI: http(s)://host/path or "
                    "scheme:path, then ?query and #fragment, in ASCII with %XX escapes, at most "
                    f"{IRI_MAX_LENGTH} characters", parameter=param.name)
    return nq.run_query(name)


bp.add_url_rule("/queries", "list_queries", nq.list_queries, methods=["GET"])
bp.add_url_rule("/queries/<name>", "run_query", run_query, methods=["GET", "POST"])

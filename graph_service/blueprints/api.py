"""The JSON REST API under /api/v1: entities, drug cards, check, named queries, sources."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from graph_service.blueprints import named_query_views as nq
from graph_service.blueprints.api_support import json_body, resolution_index
from graph_service.errors import InvalidParameter
from graph_service.services import checks, drug_cards, sources
from graph_service.services.resolution import CATEGORIES, Candidate, resolve, search
from graph_service.state import GraphServiceState, get_state

__all__ = ["ENTITY_TYPES", "bp"]

bp = Blueprint("api", __name__)
ENTITY_TYPES = ("any", "medication", *CATEGORIES)
MAX_LIMIT = 50


def _drug(ident: str) -> tuple[GraphServiceState, Candidate]:
    state = get_state()
    return state, drug_cards.find_drug(resolution_index(state), ident)


@bp.get("/entities")
def entities() -> dict[str, Any]:
    """Name resolution: ranked candidates, and the entity when the name resolves unambiguously."""
    text = request.args.get("q", "").strip()
    if not text or len(text) > 500:
        raise InvalidParameter("'q' must be a name or identifier of 1 to 500 characters",
                               parameter="q")
    entity_type = request.args.get("type", "any")
    if entity_type not in ENTITY_TYPES:
        raise InvalidParameter(f"'type' must be one of {', '.join(ENTITY_TYPES)}",
                               parameter="type")
    raw_limit = request.args.get("limit", "10")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
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


bp.add_url_rule("/queries", "list_queries", nq.list_queries, methods=["GET"])
bp.add_url_rule("/queries/<name>", "run_query", nq.run_query, methods=["GET", "POST"])

"""Operators' endpoints: liveness (/health) and readiness (/ready), with graph version and size."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from graph_service import __version__
from graph_service.errors import GraphServiceError
from graph_service.state import get_state

__all__ = ["bp"]

bp = Blueprint("ops", __name__)


@bp.get("/health")
def health() -> dict[str, Any]:
    """Liveness: the process answers and the store can count its triples."""
    state = get_state()
    return {
        "status": "ok",
        "version": __version__,
        "store": state.settings.store,
        "graph_version": state.graph_version,
        "triples": state.backend.triple_count(),
    }


@bp.get("/ready")
def ready() -> Response:
    """Readiness: the graph is loaded (validated at start-up) and the named queries are loaded.

    503 (``{"error": "not_ready", "message", "status", ...}``) with the failed checks when the
    store is empty or cannot be reached, or no named query was loaded; a broken graph or query
    file already stops the service at start-up.
    """
    state = get_state()
    checks: dict[str, Any] = {"named_queries": len(state.catalog),
                              "validated": state.settings.validate_on_load}
    failures: list[str] = []
    try:
        checks["triples"] = state.backend.triple_count()
    except GraphServiceError as exc:
        checks["triples"] = None
        failures.append(f"store: {exc.message}")
    if not checks["triples"]:
        failures.append("graph: the store holds no triples")
    if state.graph_version == "empty":
        failures.append("graph: nothing was loaded at start-up")
    if not checks["named_queries"]:
        failures.append("named queries: none loaded")
    if failures:  # the error contract: {"error", "message", "status"} and the details
        response = jsonify({"error": "not_ready", "message": "; ".join(failures), "status": 503,
                            "graph_version": state.graph_version, **checks,
                            "failures": failures})
        response.status_code = 503
        return response
    return jsonify({"status": "ready", "graph_version": state.graph_version, **checks,
                    "failures": []})

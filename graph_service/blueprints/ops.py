"""Operators' endpoints: liveness (/health), readiness (/ready), Prometheus metrics (/metrics)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from graph_service import __version__
from graph_service.errors import GraphServiceError
from graph_service.observability import get_metrics
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


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus metrics (text format; OpenMetrics when the scraper asks for it).

    Requests by endpoint and status, latency histograms, query timeouts, truncated answers,
    rate-limited requests, the graph version (``dikg_graph_info{graph_version}``) and its size.
    Under ``dikg serve`` the numbers cover every worker (see ``graph_service.metrics``).
    """
    state = get_state()
    collected = get_metrics()
    try:
        triples: int | None = state.backend.triple_count()
    except GraphServiceError:  # the store is down: the other metrics still answer
        triples = None
    collected.set_graph(version=state.graph_version, triples=triples)
    body, content_type = collected.render(request.headers.get("Accept"))
    return Response(body, headers={"Content-Type": content_type})

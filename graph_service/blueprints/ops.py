"""Operators' endpoints: liveness and readiness with the graph version and size."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from graph_service import __version__
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

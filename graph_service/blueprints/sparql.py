"""SPARQL 1.1 Protocol endpoint (query side) at /sparql."""

from __future__ import annotations

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("sparql", __name__)

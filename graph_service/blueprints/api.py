"""The JSON REST API under /api/v1: entities, drug cards, check, named queries, sources."""

from __future__ import annotations

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("api", __name__)

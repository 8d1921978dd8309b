"""OpenAPI 3.1 description at /openapi.json and the interactive docs page at /docs."""

from __future__ import annotations

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("docs", __name__)

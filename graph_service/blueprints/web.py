"""The web page at /: query editor, result table, graph view; entity IRIs under /id/."""

from __future__ import annotations

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("web", __name__)

"""Graph exports for visualization tools at /export."""

from __future__ import annotations

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("exports", __name__)

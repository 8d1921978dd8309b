"""The WSGI entry point for gunicorn: ``graph_service.wsgi:app``, configured by the environment.

Settings come from ``FLASK_GRAPH_SERVICE_*`` variables (``create_app`` reads them with
``from_prefixed_env``); ``dikg serve`` sets them before it starts gunicorn.
"""

from __future__ import annotations

from graph_service.app import create_app

__all__ = ["app"]

app = create_app()

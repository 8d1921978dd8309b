"""The Flask application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from graph_service.backends import GraphBackend
from graph_service.blueprints import register_blueprints
from graph_service.blueprints.errors import register_error_handlers
from graph_service.config import DEFAULTS, load_settings
from graph_service.observability import init_observability
from graph_service.state import init_app

__all__ = ["create_app"]


def create_app(
    config: Mapping[str, Any] | None = None, *, backend: GraphBackend | None = None
) -> Flask:
    """Build the service: settings, store, named queries, blueprints and error handlers.

    :param config: ``GRAPH_SERVICE_*`` overrides (tests pass them here).
    :param backend: an already built store; the service then loads into it and does not
        wrap it in a query process.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if config:
        app.config.update(config)
    settings = load_settings(app.config)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    init_app(app, settings, backend=backend)
    init_observability(app)  # request ids, JSON access logs, /metrics counters, rate limit
    register_error_handlers(app)
    register_blueprints(app)
    return app

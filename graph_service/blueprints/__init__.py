"""The whole URL map in one place: each blueprint parses HTTP and calls one service."""

from __future__ import annotations

from flask import Flask

__all__ = ["register_blueprints"]


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint of the service to ``app``."""
    from graph_service.blueprints import api, docs, exports, ops, sparql, store, web

    app.register_blueprint(ops.bp)  # /health, /ready, /metrics
    app.register_blueprint(sparql.bp)  # /sparql
    app.register_blueprint(api.bp, url_prefix="/api/v1")  # JSON REST API
    app.register_blueprint(docs.bp)  # /openapi.json, /docs
    app.register_blueprint(exports.bp)  # /export
    app.register_blueprint(web.bp)  # /, /id/<local>, static assets
    app.register_blueprint(store.bp)  # /store (Graph Store Protocol), follows graph versions

"""OpenAPI 3.1 description at /openapi.json and the interactive docs page at /docs.

The page loads swagger-ui from the npm package ``swagger-ui-dist`` (``web/package.json``),
served locally under ``/static/vendor/swagger-ui-dist/`` by the web blueprint; no CDN.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from graph_service.openapi import build_openapi
from graph_service.serializers.graph_formats import ALIASES, FORMATS
from graph_service.services.graph_selection import INCLUDE_OPTIONS, MAX_DEPTH
from graph_service.state import get_state

__all__ = ["bp", "openapi_document"]

bp = Blueprint("docs", __name__)

_ASSETS = "/static/vendor/swagger-ui-dist"
_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>dikg API</title>
<link rel="stylesheet" href="{_ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"><p>Loading the API description from <a href="/openapi.json">/openapi.json</a>
(swagger-ui from the <code>swagger-ui-dist</code> npm package; run
<code>npm ci --prefix web</code> if it does not appear).</p></div>
<script src="{_ASSETS}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""
_INIT = """window.addEventListener("load", function () {
  if (typeof SwaggerUIBundle === "undefined") { return; }
  window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
                               presets: [SwaggerUIBundle.presets.apis]});
});
"""


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the running app (cached per app)."""
    state = get_state()
    cached = state.extras.get("openapi")
    if cached is None:
        cached = state.extras["openapi"] = build_openapi(
            state.catalog, export_formats={k: f.media_type for k, f in FORMATS.items()},
            export_aliases=list(ALIASES), include_options=list(INCLUDE_OPTIONS),
            max_depth=MAX_DEPTH)
    return dict(cached)


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document."""
    return jsonify(openapi_document())


@bp.get("/docs")
def docs() -> Response:
    """The interactive docs page (swagger-ui, local assets)."""
    return Response(_PAGE, content_type="text/html; charset=utf-8")


@bp.get("/docs/init.js")
def docs_init() -> Response:
    """The script that starts swagger-ui on /openapi.json."""
    return Response(_INIT, content_type="text/javascript; charset=utf-8")

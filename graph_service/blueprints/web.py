"""The web page at /: query editor, result table, graph view; entity IRIs under /id/.

npm assets (YASGUI, Cytoscape.js, swagger-ui-dist) are served from ``web/node_modules`` at
``/static/vendor/<package>/<file>``; ``npm ci --prefix web`` installs them, nothing is committed.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, render_template, request, send_from_directory

from graph_service.blueprints.exports import export_cache, projection_root
from graph_service.errors import NotAcceptable, NotFound
from graph_service.models import ID, PROJECT_ROOT
from graph_service.serializers.graph_render import TYPE_COLORS
from graph_service.services.exports import describe_entity, load_projection
from graph_service.services.graph_selection import ProjectedGraph
from graph_service.services.query_examples import examples
from graph_service.state import get_state

__all__ = ["RDF_MEDIA_TYPES", "VENDOR_PACKAGES", "bp", "vendor_dir"]

bp = Blueprint("web", __name__)

#: the npm packages whose files the page may load, under web/node_modules
VENDOR_PACKAGES = ("@zazuko/yasgui", "cytoscape", "swagger-ui-dist")
#: RDF representations of /id/ resources: media type -> rdflib format
RDF_MEDIA_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt",
                   "application/ld+json": "json-ld", "application/rdf+xml": "xml"}
_OFFERS = ["text/turtle", "text/html", "application/xhtml+xml", *list(RDF_MEDIA_TYPES)[1:]]
NPM_HINT = "the page's npm assets are not installed: run `npm ci --prefix web`"


def vendor_dir() -> Path:
    """Where the npm packages are: ``GRAPH_SERVICE_STATIC_DIR`` or ``web/node_modules``."""
    configured = get_state().settings.static_dir
    return configured if configured is not None else PROJECT_ROOT / "web" / "node_modules"


def _projection() -> ProjectedGraph:
    state = get_state()
    return load_projection(state.backend, queries_dir=state.settings.queries_dir,
                           graph_version=state.graph_version, cache=export_cache(),
                           saved_under=projection_root())


def _entities() -> list[list[str]]:
    """``[local, label, type]`` of every entity, for the graph view's name suggestions."""
    projected = _projection()
    return sorted([[str(a.get("local", "")), str(a.get("label", "")), str(a.get("type", ""))]
                   for _, a in projected.graph.nodes(data=True)], key=lambda e: e[1].lower())


def _page(focus: str | None) -> str:
    config = {"endpoint": "/sparql", "export": "/export", "drugCard": "/api/v1/drugs/",
              "entityBase": str(ID), "focus": focus,
              "examples": examples(get_state().catalog), "entities": _entities(),
              "typeColors": TYPE_COLORS, "vendorMissing": not (vendor_dir() / "cytoscape").is_dir(),
              "npmHint": NPM_HINT}
    return render_template("index.html", config=config)


@bp.get("/")
def index() -> str:
    """The query editor and graph view; ``?focus=`` opens the graph view on an entity."""
    return _page(request.args.get("focus") or None)


@bp.get("/static/vendor/<path:path>")
def vendor(path: str) -> Response:
    """A file of an allowed npm package from ``web/node_modules``."""
    package = next((p for p in VENDOR_PACKAGES if path.startswith(p + "/")), None)
    if package is None:
        raise NotFound(f"/static/vendor/ serves only {', '.join(VENDOR_PACKAGES)}")
    root = vendor_dir()
    if not (root / package).is_dir():
        raise NotFound(f"{package} is missing: {NPM_HINT}")
    return send_from_directory(root, path, max_age=86400)


@bp.get("/id/<path:local>")
def entity(local: str) -> Response:
    """An entity IRI: HTML (the graph view on it) for browsers, its description for RDF clients.

    :raises NotFound: when the graph has no such entity.
    :raises NotAcceptable: when ``Accept`` names neither HTML nor an RDF format.
    """
    state = get_state()
    iri = f"{ID}{local}"
    chosen = request.accept_mimetypes.best_match(_OFFERS) if request.accept_mimetypes else \
        "text/turtle"
    if chosen is None:
        raise NotAcceptable("no representation matches Accept",
                            formats=["text/html", *RDF_MEDIA_TYPES])
    if chosen in ("text/html", "application/xhtml+xml"):
        if iri not in _projection().graph:
            raise NotFound(f"no entity {iri}")
        page = Response(_page(local), content_type="text/html; charset=utf-8")
        page.headers["Vary"] = "Accept"
        return page
    graph = describe_entity(state.backend, queries_dir=state.settings.queries_dir, iri=iri)
    graph.bind("id", ID)
    body = graph.serialize(format=RDF_MEDIA_TYPES[chosen], encoding="utf-8")
    response = Response(body, content_type=chosen + ("; charset=utf-8"
                                                     if chosen == "text/turtle" else ""))
    response.headers["Vary"] = "Accept"
    return response

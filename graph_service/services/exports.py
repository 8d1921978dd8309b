"""Graph exports: read the graph with the ``export_*`` named queries, project, select, write.

The whole graph is read once per graph version (``export_graph.rq`` and ``export_inferred.rq``)
and kept in a caller-owned cache; each export then selects from the projection in memory.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef

from graph_service.backends import GraphBackend
from graph_service.backends.base import time_limit
from graph_service.errors import GraphServiceError, InvalidParameter, NotFound
from graph_service.named_queries import Catalog
from graph_service.serializers.graph_formats import FORMATS, GraphFormat, resolve_format
from graph_service.serializers.graph_render import DEFAULT_TIMEOUT
from graph_service.serializers.graphs import Reach, local_name, project
from graph_service.services.drawing_cache import drawing_cache
from graph_service.services.export_drawings import draw_selection
from graph_service.services.graph_selection import (
    ProjectedGraph,
    Selection,
    rdf_subgraph,
    resolve_focus,
    select,
)
from graph_service.services.projection_builds import built_in_background
from graph_service.services.projection_store import load_or_build
from graph_service.services.queries import INDEX_TIME_LIMIT
from graph_service.services.resolution import get_index, resolve

__all__ = ["ExportFile", "describe_entity", "export_graph", "format_for", "load_projection",
           "read_query"]

_BUILD_LOCK = threading.Lock()

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportFile:
    """A written export: bytes, media type, download file name, and what it holds."""

    body: bytes
    media_type: str
    filename: str
    nodes: int
    edges: int
    layout: str = ""  # the Graphviz layout engine of a drawing (dot or sfdp)


def read_query(queries_dir: Path, name: str) -> str:
    """The text of ``queries/<name>.rq`` (its ``#+`` header lines are SPARQL comments).

    :raises GraphServiceError: when the file is missing (the service is broken, not the request).
    """
    path = queries_dir / f"{name}.rq"
    if not path.is_file():
        raise GraphServiceError(f"the named query {name!r} is missing from {queries_dir}")
    return path.read_text(encoding="utf-8")


def format_for(name: str) -> GraphFormat:
    """The export format called ``name``.

    :raises InvalidParameter: listing the valid formats.
    """
    found = resolve_format(name)
    if found is None:
        raise InvalidParameter(f"unknown export format {name!r}; valid formats: "
                               f"{', '.join(FORMATS)}", parameter="format",
                               formats=list(FORMATS))
    return found


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def load_projection(backend: GraphBackend, *, queries_dir: Path, graph_version: str,
                    cache: MutableMapping[str, Any] | None = None,
                    on_progress: Progress | None = None,
                    saved_under: Path | None = None) -> ProjectedGraph:
    """The whole graph and its projection (with inferred reaches), cached per graph version.

    :param saved_under: the root of an on-disk store: the projection is read from its saved
        file there, or built once and saved (:mod:`.projection_store`).
    :raises GraphServiceError: when the store cut the graph short (an export must be complete).
    """
    if cache is not None and graph_version in cache:
        cached: ProjectedGraph = cache[graph_version]
        return cached
    with _BUILD_LOCK:  # one build per process: concurrent exports wait for it, not redo it
        if cache is not None and graph_version in cache:
            built: ProjectedGraph = cache[graph_version]
            return built

        def build() -> ProjectedGraph:
            return _build_projection(backend, queries_dir=queries_dir,
                                     graph_version=graph_version, on_progress=on_progress)

        projected = build() if saved_under is None else \
            load_or_build(saved_under, graph_version, build)
        if cache is not None:
            cache.clear()  # one version at a time
            cache[graph_version] = projected
        return projected


def _build_projection(backend: GraphBackend, *, queries_dir: Path, graph_version: str,
                      on_progress: Progress | None) -> ProjectedGraph:
    """Read the whole graph and its inferred reaches and project it."""
    with time_limit(INDEX_TIME_LIMIT):  # whole-graph reads, once per graph version
        triples = backend.query(read_query(queries_dir, "export_graph"), max_rows=None)
        rows = backend.query(read_query(queries_dir, "export_inferred"), max_rows=None).rows
    if triples.truncated:
        raise GraphServiceError("the store returned part of the graph only; raise "
                                "GRAPH_SERVICE_MAX_ROWS to export it")
    rdf = Graph(bind_namespaces="core")
    for triple in triples.triples:
        rdf.add(triple)
    reaches = [Reach(_text(r.get("claim")), _text(r.get("source")), _text(r.get("target")),
                     _text(r.get("sourceVia")), _text(r.get("targetVia"))) for r in rows]
    return ProjectedGraph(rdf, project(rdf, reaches=reaches, on_progress=on_progress),
                          graph_version)


def _focus_node(backend: GraphBackend, projected: ProjectedGraph, text: str, *,
                catalog: Catalog | None, cache: MutableMapping[str, Any]) -> str:
    """The node a focus names: exact names first, then the resolution service's rules.

    :raises NotFound: with the resolution service's candidates (or close names).
    """
    try:
        return resolve_focus(projected, text)
    except NotFound as missing:
        if catalog is None or "entity_labels" not in catalog:
            raise
        index = get_index(backend, catalog, version=projected.version, cache=cache)
        outcome = resolve(index, text)
        if outcome.entity is not None and outcome.entity.iri in projected.graph:
            return outcome.entity.iri
        candidates = [{"id": local_name(c.iri), "iri": c.iri, "label": c.label,
                       "type": str(projected.graph.nodes[c.iri].get("type", c.category))}
                      for c in outcome.candidates if c.iri in projected.graph]
        raise NotFound(missing.message,
                       candidates=candidates or missing.extra.get("candidates", [])) from None


def _filename(focus: str | None, depth: int, extension: str) -> str:
    if focus is None:
        return f"dikg-graph.{extension}"
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", local_name(focus)).strip("-") or "entity"
    return f"dikg-{safe}-d{depth}.{extension}"


def export_graph(backend: GraphBackend, *, queries_dir: Path, graph_version: str,
                 format: str, focus: str | None = None, depth: int = 1,
                 types: frozenset[str] = frozenset(), include: frozenset[str] = frozenset(),
                 cache: MutableMapping[str, Any] | None = None, catalog: Catalog | None = None,
                 render_timeout: float = DEFAULT_TIMEOUT, wait: float | None = None,
                 on_progress: Progress | None = None,
                 saved_under: Path | None = None) -> ExportFile:
    """Write the selected part of the graph in ``format``.

    :param saved_under: the root of an on-disk store holding the saved projection.
    :param wait: build a missing projection in the background and wait at most this long
        (:mod:`.projection_builds`); ``None`` builds it in this thread.
    :raises ProjectionWarmingUp: (503) when the projection is still being built.

    :param focus: an entity's local name, IRI, label, synonym or identifier (with ``catalog``,
        by the name resolution service); ``None`` exports everything.
    :raises InvalidParameter: unknown format, include option or type; depth out of range.
    :raises NotFound: unknown focus (with candidates).
    """
    chosen_format = format_for(format)
    Selection(depth=depth, types=types, include=include)  # validate before reading the store
    def build() -> ProjectedGraph:
        return load_projection(backend, queries_dir=queries_dir, graph_version=graph_version,
                               cache=cache, on_progress=on_progress, saved_under=saved_under)

    if wait is not None and cache is not None and graph_version not in cache:
        projected: ProjectedGraph = built_in_background(cache, graph_version, build, wait=wait)
    else:
        projected = build()
    node = None
    if focus is not None:
        node = _focus_node(backend, projected, focus, catalog=catalog,
                           cache=cache if cache is not None else {})
    selection = Selection(focus=node, depth=depth, types=types, include=include)
    if chosen_format.drawn:
        key = (chosen_format.name, node, depth, frozenset(t.lower() for t in types), include)
        drawn = drawing_cache(cache if cache is not None else {}, projected.version).get_or_make(
            key, lambda: draw_selection(projected, selection, chosen_format,
                                        timeout=render_timeout), size=lambda d: len(d.body))
        return ExportFile(body=drawn.body, media_type=chosen_format.media_type,
                          filename=_filename(node, depth, chosen_format.extension),
                          nodes=drawn.nodes, edges=drawn.edges, layout=drawn.layout)
    selected = select(projected, selection)
    if chosen_format.reads == "rdf":
        body = chosen_format.writer(rdf_subgraph(projected, selected, include=include))
    else:
        body = chosen_format.writer(selected)
    return ExportFile(body=body, media_type=chosen_format.media_type,
                      filename=_filename(node, depth, chosen_format.extension),
                      nodes=selected.number_of_nodes(), edges=selected.number_of_edges())


def describe_entity(backend: GraphBackend, *, queries_dir: Path, iri: str) -> Graph:
    """The entity's triples, the claims naming it and their citations (``drug_subgraph.rq``).

    :raises NotFound: when the graph says nothing about ``iri``.
    """
    result = backend.query(read_query(queries_dir, "drug_subgraph"),
                           bindings={"drug": URIRef(iri)}, max_rows=None)
    graph = Graph(bind_namespaces="core")
    for triple in result.triples:
        graph.add(triple)
    if (URIRef(iri), None, None) not in graph:
        raise NotFound(f"no entity {iri}")
    return graph

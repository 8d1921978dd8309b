"""Choosing part of the projected graph: a focus entity's neighbourhood, types, edge kinds.

Works on a :class:`ProjectedGraph` (the RDF graph and its networkx projection, see
:mod:`graph_service.serializers.graphs`) and returns the selected ``MultiDiGraph`` and, for the RDF
formats, the rdflib subgraph describing the same nodes and claims.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from graph_service.errors import InvalidParameter, NotFound
from graph_service.models import DIKG, ID

__all__ = ["INCLUDE_OPTIONS", "MAX_DEPTH", "ProjectedGraph", "Selection", "rdf_subgraph",
           "resolve_focus", "select"]

INCLUDE_OPTIONS = ("inferred", "sources", "contradicted")
MAX_DEPTH = 5
_SOURCE_ATTRIBUTES = ("sources", "source_titles", "citations")


@dataclass
class ProjectedGraph:
    """The whole graph as RDF and as its projection, for one graph version."""

    rdf: Graph
    graph: nx.MultiDiGraph
    version: str
    _names: dict[str, str] = field(default_factory=dict)

    def names(self) -> dict[str, str]:
        """Lower-cased local names, IRIs and labels, then synonyms → node id (built once)."""
        if not self._names:
            nodes = list(self.graph.nodes(data=True))
            for node, attrs in nodes:
                for name in (node, attrs.get("local", ""), attrs.get("label", "")):
                    if name:
                        self._names.setdefault(name.lower(), node)
            for node, attrs in nodes:  # a synonym never hides another entity's own name
                for name in attrs.get("altLabel", "").split("; "):
                    if name:
                        self._names.setdefault(name.lower(), node)
        return self._names


@dataclass(frozen=True)
class Selection:
    """What to export: whole graph or a focus's neighbourhood, node types, optional edge kinds."""

    focus: str | None = None  # a node id (IRI); None = the whole graph
    depth: int = 1
    types: frozenset[str] = frozenset()
    include: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not 0 <= self.depth <= MAX_DEPTH:
            raise InvalidParameter(f"depth must be between 0 and {MAX_DEPTH}, got {self.depth}",
                                   parameter="depth")
        unknown = sorted(self.include - set(INCLUDE_OPTIONS))
        if unknown:
            raise InvalidParameter(f"unknown include option(s) {', '.join(unknown)}; valid: "
                                   f"{', '.join(INCLUDE_OPTIONS)}", parameter="include",
                                   valid=list(INCLUDE_OPTIONS))


def resolve_focus(projected: ProjectedGraph, text: str) -> str:
    """The node a focus names: local name, IRI, label or synonym (case-insensitive).

    :raises NotFound: with up to 10 ``candidates`` whose names resemble ``text``.
    """
    names = projected.names()
    key = text.strip().lower()
    if key in names:
        return names[key]
    if key.startswith("id:") and f"{ID}{key[3:]}" in names:
        return names[f"{ID}{key[3:]}"]
    close = {n for n in names if key and key in n}
    close.update(difflib.get_close_matches(key, list(names), n=10, cutoff=0.7))
    ranked = sorted(close, key=lambda n: (-difflib.SequenceMatcher(None, key, n).ratio(), n))
    candidates: list[dict[str, Any]] = []
    for name in ranked:
        node = names[name]
        attrs = projected.graph.nodes[node]
        entry = {"id": attrs.get("local", ""), "iri": node, "label": attrs.get("label", ""),
                 "type": attrs.get("type", "")}
        if entry not in candidates:
            candidates.append(entry)
    raise NotFound(f"no entity is called {text!r}", candidates=candidates[:10])


def _keep_edge(graph: nx.MultiDiGraph, include: frozenset[str]) -> Any:
    def keep(source: str, target: str, key: str) -> bool:
        attrs = graph.edges[source, target, key]
        if attrs.get("inferred") and "inferred" not in include:
            return False
        return not (attrs.get("contradicted") and "contradicted" not in include)

    return keep


def select(projected: ProjectedGraph, selection: Selection) -> nx.MultiDiGraph:
    """The nodes and edges ``selection`` asks for, as a new ``MultiDiGraph``.

    :raises InvalidParameter: when ``selection.types`` names a type the graph does not have.
    """
    full = projected.graph
    view = nx.subgraph_view(full, filter_edge=_keep_edge(full, selection.include))
    if selection.focus is None:
        nodes: set[str] = set(view.nodes)
    else:
        reach = nx.single_source_shortest_path_length(view.to_undirected(as_view=True),
                                                      selection.focus, cutoff=selection.depth)
        nodes = set(reach)
    if selection.types:
        known = {str(t).lower(): str(t) for _, t in full.nodes(data="type")}
        wanted = {t.lower() for t in selection.types}
        if wanted - set(known):
            raise InvalidParameter(
                f"unknown type(s) {', '.join(sorted(wanted - set(known)))}; valid: "
                f"{', '.join(sorted(known.values()))}", parameter="types",
                valid=sorted(known.values()))
        nodes = {n for n in nodes if str(full.nodes[n].get("type", "")).lower() in wanted
                 or n == selection.focus}
    chosen: nx.MultiDiGraph = view.subgraph(nodes).copy()
    if "sources" not in selection.include:
        for _, _, attrs in chosen.edges(data=True):
            for name in _SOURCE_ATTRIBUTES:
                attrs.pop(name, None)
    chosen.graph.update({"name": "dikg", "graph_version": projected.version})
    return chosen


def _describe(source: Graph, target: Graph, subjects: Iterable[URIRef]) -> None:
    for subject in subjects:
        for triple in source.triples((subject, None, None)):
            target.add(triple)


def rdf_subgraph(projected: ProjectedGraph, selected: nx.MultiDiGraph, *,
                 include: frozenset[str] = frozenset()) -> Graph:
    """The triples about the selected nodes and their claims (with citations and sources when
    ``include`` has ``sources``), with the source graph's prefixes."""
    rdf = projected.rdf
    result = Graph(bind_namespaces="core")
    for prefix, namespace in rdf.namespaces():
        result.bind(prefix, namespace, override=False)
    result.bind("dikg", DIKG)
    result.bind("id", ID)
    _describe(rdf, result, (URIRef(n) for n in selected.nodes))
    claims = {URIRef(c) for _, _, c in selected.edges(data="claim") if c}
    _describe(rdf, result, claims)
    if "sources" in include:
        citations = {c for claim in claims for c in rdf.objects(claim, DIKG.citation)}
        _describe(rdf, result, citations)  # type: ignore[arg-type]
        sources = {s for c in citations for s in rdf.objects(c, DCTERMS.source)}
        _describe(rdf, result, sources)  # type: ignore[arg-type]
    return result

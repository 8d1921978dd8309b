"""The reach graph of a graph version: the edges safety reaches follow, walked in memory.

A check needs, for each medication, everything it stands for (``reach.rq``:
``hasIngredient? / saltOf? / (rdf:type / rdfs:subClassOf*)?``), for each condition its broader
conditions (``condition_reach.rq``: ``skos:broader*``), and the stated edges that explain a
match. Instead of 2 queries per input and request, the edges those paths can use are read once
per graph version (``index_edges.rq``, ``index_entity_types.rq``, ``index_part_types.rq``: scans
without ranking joins) and walked here under the grammars of
:data:`~graph_service.services.explanations.GRAMMARS`, which are the property paths above.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from rdflib.namespace import RDF
from rdflib.term import Node

from graph_service.backends import GraphBackend
from graph_service.named_queries import Catalog
from graph_service.services import per_version
from graph_service.services.explanations import GRAMMARS, Triple
from graph_service.services.queries import select_for_index

__all__ = ["ReachGraph", "build_reach_graph", "get_reach_graph"]

_KEY = "reach_graph"
_TYPE = str(RDF.type)


@dataclass
class ReachGraph:
    """Outgoing edges ``subject -> [[predicate code, object]]`` of the reach predicates
    (codes index ``predicates``; lists, not tuples, so a saved graph loads as it is)."""

    predicates: list[str] = field(default_factory=list)
    out: dict[str, list[list[Any]]] = field(default_factory=dict)

    def walk(self, item: str, *, mode: str) -> list[Triple]:
        """The edges a reach of ``item`` follows under ``mode`` (``medication`` or
        ``condition``), in breadth-first order.

        >>> g = build_reach_graph([("p", "https://w3id.org/dikg/hasIngredient", "d")],
        ...                       [("d", _TYPE, "C"), ("C", _TYPE, "X")])
        >>> g.reach("p", mode="medication") == {"p", "d", "C"}  # rdf:type twice is no reach
        True
        """
        if mode not in ("medication", "condition"):
            raise ValueError(f"no forward walk for mode {mode!r}")
        grammar = GRAMMARS[mode]
        names = self.predicates
        edges: dict[Triple, None] = {}
        seen = {(item, 0)}
        queue: deque[tuple[str, int]] = deque([(item, 0)])
        while queue:
            node, state = queue.popleft()
            for code, obj in self.out.get(node, ()):
                nxt = grammar.get(state, {}).get(names[code])
                if nxt is None:
                    continue
                edges.setdefault((node, names[code], obj))
                if (obj, nxt) not in seen:
                    seen.add((obj, nxt))
                    queue.append((obj, nxt))
        return list(edges)

    def reach(self, item: str, *, mode: str) -> set[str]:
        """``item`` and every node its reach under ``mode`` arrives at."""
        return {item, *(edge[2] for edge in self.walk(item, mode=mode))}

    def to_json(self) -> dict[str, Any]:
        """The graph as JSON-ready data (see :meth:`from_json`)."""
        return {"predicates": self.predicates, "out": self.out}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReachGraph:
        """The graph saved by :meth:`to_json`."""
        return cls(predicates=list(data["predicates"]), out=dict(data["out"]))


def build_reach_graph(edges: Iterable[tuple[str, str, str]],
                      types: Iterable[tuple[str, str, str]]) -> ReachGraph:
    """The graph of ``edges`` (ingredient, salt, subclass, broader) and ``types``."""
    graph = ReachGraph()
    codes: dict[str, int] = {}
    seen: set[tuple[str, str, str]] = set()
    for s, p, o in (*edges, *types):
        if (s, p, o) not in seen:
            seen.add((s, p, o))
            graph.out.setdefault(s, []).append([codes.setdefault(p, len(codes)), o])
    graph.predicates = list(codes)
    return graph


def _triples(rows: Iterable[Mapping[str, Node]], p: str | None = None) -> list[Triple]:
    return [(str(r["node" if p else "s"]), p or str(r["p"]), str(r["type" if p else "o"]))
            for r in rows]


def get_reach_graph(backend: GraphBackend, catalog: Catalog, *, version: str,
                    cache: MutableMapping[str, Any]) -> ReachGraph:
    """The reach graph of ``version``: cached, loaded from the version's index file, or built."""
    def build() -> ReachGraph:
        edges = _triples(select_for_index(backend, catalog, "index_edges"))
        types = [*_triples(select_for_index(backend, catalog, "index_entity_types"), _TYPE),
                 *_triples(select_for_index(backend, catalog, "index_part_types"), _TYPE)]
        return build_reach_graph(edges, types)

    return per_version.get_or_build(cache, _KEY, backend, catalog, version, build)

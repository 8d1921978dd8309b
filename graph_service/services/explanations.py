"""Explanations: the chain of stated triples behind a derived answer, each with labels.

A reach is rebuilt from the stated edges ``reach_edges.rq`` returns, following the same grammar as
the property paths of the named queries, so every triple of an explanation exists in the graph:

- medication: ``hasIngredient? / saltOf? / (rdf:type / rdfs:subClassOf*)?``
- condition: ``skos:broader*``
- contained: ``(hasIngredient | saltOf)+`` from a product or salt down to the drug
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, MutableMapping, Sequence
from typing import Any

from rdflib import URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from graph_service.backends import GraphBackend
from graph_service.models import DIKG
from graph_service.named_queries import Catalog
from graph_service.services import per_version
from graph_service.services.queries import select, select_for_index

__all__ = [
    "GRAMMARS",
    "Triple",
    "chain",
    "claim_triples",
    "get_labels",
    "label_of",
    "reach_edges",
    "render",
]

Triple = tuple[str, str, str]

_TYPE, _SUB, _BROADER = str(RDF.type), str(RDFS.subClassOf), str(SKOS.broader)
_INGREDIENT, _SALT = str(DIKG.hasIngredient), str(DIKG.saltOf)
#: mode -> state -> predicate -> next state (every state accepts)
GRAMMARS: dict[str, dict[int, dict[str, int]]] = {
    "medication": {0: {_INGREDIENT: 1, _SALT: 2, _TYPE: 3}, 1: {_SALT: 2, _TYPE: 3},
                   2: {_TYPE: 3}, 3: {_SUB: 3}},
    "condition": {0: {_BROADER: 0}},
    "contained": {0: {_INGREDIENT: 0, _SALT: 0}},
}
_FALLBACK_LABELS = {_TYPE: "is a", _SUB: "subclass of", _BROADER: "broader",
                    str(RDFS.label): "label", str(SKOS.prefLabel): "preferred label"}
_MAX_STEPS = 50


def reach_edges(backend: GraphBackend, catalog: Catalog, item: str,
                cache: MutableMapping[str, list[Triple]]) -> list[Triple]:
    """The stated reach edges around ``item`` (memoized in ``cache`` for one answer)."""
    if item not in cache:
        rows = select(backend, catalog, "reach_edges", item=URIRef(item))
        cache[item] = [(str(r["s"]), str(r["p"]), str(r["o"])) for r in rows]
    return cache[item]


def chain(edges: Iterable[Triple], start: str, target: str, *, mode: str) -> list[Triple] | None:
    """The shortest chain of ``edges`` from ``start`` to ``target`` under ``mode``'s grammar.

    ``[]`` when ``start`` is ``target``; ``None`` when no chain exists. For ``contained`` the
    chain runs from ``target`` (a product or salt) down to ``start`` (the drug).

    >>> edges = [("p", _INGREDIENT, "d"), ("d", _TYPE, "C"), ("C", _TYPE, "X")]
    >>> chain(edges, "p", "C", mode="medication") == edges[:2]
    True
    >>> chain(edges, "p", "X", mode="medication") is None  # rdf:type twice is not a reach
    True
    """
    if start == target:
        return []
    grammar = GRAMMARS[mode]
    origin, goal = (target, start) if mode == "contained" else (start, target)
    outgoing: dict[str, list[Triple]] = {}
    for edge in edges:
        outgoing.setdefault(edge[0], []).append(edge)
    queue: deque[tuple[str, int, list[Triple]]] = deque([(origin, 0, [])])
    seen = {(origin, 0)}
    while queue:
        node, state, path = queue.popleft()
        if len(path) >= _MAX_STEPS:
            continue
        for edge in outgoing.get(node, ()):
            nxt = grammar.get(state, {}).get(edge[1])
            if nxt is None or (edge[2], nxt) in seen:
                continue
            if edge[2] == goal:
                return [*path, edge]
            seen.add((edge[2], nxt))
            queue.append((edge[2], nxt, [*path, edge]))
    return None


def claim_triples(claim: str, row: MutableMapping[str, Any]) -> list[Triple]:
    """The stated triples of a claim that an explanation ends with (type, subject, relation,
    object, severity)."""
    triples = [(claim, _TYPE, str(row["claim_type"])),
               (claim, str(DIKG.subject), str(row["claim_subject"])),
               (claim, str(DIKG.relation), str(row["relation"]))]
    if row.get("claim_object") is not None:
        triples.append((claim, str(DIKG.object), str(row["claim_object"])))
    if row.get("severity") is not None:
        triples.append((claim, str(DIKG.severity), str(row["severity"])))
    return triples


def get_labels(backend: GraphBackend, catalog: Catalog, *, version: str,
               cache: MutableMapping[str, Any]) -> dict[str, str]:
    """Labels of every labelled IRI (``term_labels.rq``), built once per graph version."""
    def build() -> dict[str, str]:
        labels = dict(_FALLBACK_LABELS)
        for row in select_for_index(backend, catalog, "term_labels"):
            label = row.get("pref_label") or row.get("rdfs_label")
            if _foreign(label) and row.get("english_label") is not None:
                label = row["english_label"]  # e.g. an ANSM substance's English INN
            if label is not None:
                labels[str(row["node"])] = str(label)
        return labels

    return per_version.get_or_build(cache, "term_labels", backend, catalog, version, build)


def _foreign(label: Any) -> bool:
    """True for a literal tagged with a language other than English."""
    language = getattr(label, "language", None)
    return bool(language) and not str(language).lower().startswith("en")


def label_of(iri: str, labels: dict[str, str]) -> str:
    """The label of ``iri``, or its local name."""
    return labels.get(iri) or iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def render(triples: Sequence[Triple], labels: dict[str, str]) -> list[dict[str, Any]]:
    """Triples as ``{subject, predicate, object}``, each ``{"iri", "label"}``."""
    return [{role: {"iri": term, "label": label_of(term, labels)}
             for role, term in zip(("subject", "predicate", "object"), triple, strict=True)}
            for triple in triples]

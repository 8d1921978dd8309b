"""The rows of ``safety_claims.rq`` for the safety index, from scans instead of one wide join.

``safety_claims.rq`` joins eleven patterns per claim (four of them OPTIONAL, two nested) and
filters contradicted claims with ``NOT EXISTS``: 17-23 s on a 1M-triple store. The same rows
come from ``index_claims.rq`` (the required values), ``index_claim_options.rq`` (severity, kind,
management and mechanism: one scan) and ``index_term_details.rq`` (label and rank of each of the
few controlled values), joined here with the query's semantics: a claim with any
``dikg:Contradicted`` status is left out, an absent optional value leaves its variables unbound,
several values give one row each, and rows are ordered by descending severity rank (unbound
last), then claim.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import product
from typing import Any

from rdflib import URIRef
from rdflib.term import Node

from graph_service.backends import GraphBackend
from graph_service.models import DIKG
from graph_service.named_queries import Catalog
from graph_service.services.queries import plain, select, select_for_index

__all__ = ["safety_claim_rows"]

_CONTRADICTED = str(DIKG.Contradicted)
_SEVERITY, _KIND = str(DIKG.severity), str(DIKG.kind)
_MANAGEMENT, _MECHANISM = str(DIKG.management), str(DIKG.mechanism)


def _order(row: Mapping[str, Node]) -> tuple[Any, ...]:
    """ORDER BY DESC(?severity_rank) ?claim (unbound ranks last, as SPARQL orders them)."""
    rank = plain(row.get("severity_rank"))
    if rank is None:
        return (2, 0, "", str(row["claim"]))
    if isinstance(rank, int | float) and not isinstance(rank, bool):
        return (0, -rank, "", str(row["claim"]))
    return (1, 0, str(rank), str(row["claim"]))


class _Details:
    """Labels and ranks of controlled values, one query each, asked once."""

    def __init__(self, backend: GraphBackend, catalog: Catalog) -> None:
        self.backend, self.catalog = backend, catalog
        self.found: dict[Node, list[tuple[Node | None, Node | None]]] = {}

    def pairs(self, node: Node) -> list[tuple[Node | None, Node | None]]:
        if node not in self.found:
            rows = select(self.backend, self.catalog, "index_term_details", node=node) \
                if isinstance(node, URIRef) else []
            self.found[node] = [(r.get("label"), r.get("rank")) for r in rows] or [(None, None)]
        return self.found[node]

    def labels(self, node: Node) -> list[Node | None]:
        return list(dict.fromkeys(label for label, _ in self.pairs(node)))


def safety_claim_rows(backend: GraphBackend, catalog: Catalog) -> list[dict[str, Node]]:
    """The rows ``safety_claims.rq`` answers, in its order."""
    required = select_for_index(backend, catalog, "index_claims")
    contradicted = {str(r["claim"]) for r in required if str(r["status"]) == _CONTRADICTED}
    options: dict[str, dict[str, list[Node]]] = {}
    for r in select_for_index(backend, catalog, "index_claim_options"):
        options.setdefault(str(r["claim"]), {}).setdefault(str(r["p"]), []).append(r["value"])
    for found in options.values():  # several values: in a fixed order (the query's is the
        for values in found.values():  # engine's), which decides the text a merge keeps
            values.sort(key=str)
    details = _Details(backend, catalog)
    rows: list[dict[str, Node]] = []  # distinct already: each part comes from distinct triples
    for base in required:
        if str(base["claim"]) in contradicted:
            continue
        found = options.get(str(base["claim"]), {})
        severities: list[tuple[Node | None, ...]] = [
            (s, label, rank) for s in found.get(_SEVERITY, ())
            for label, rank in details.pairs(s)] or [(None, None, None)]
        kinds: list[tuple[Node | None, ...]] = [
            (k, label) for k in found.get(_KIND, ()) for label in details.labels(k)] \
            or [(None, None)]
        managements: list[Node | None] = [*found.get(_MANAGEMENT, ())] or [None]
        mechanisms: list[Node | None] = [*found.get(_MECHANISM, ())] or [None]
        for (sev, sev_label, rank), (kind, kind_label), status_label, management, mechanism \
                in product(severities, kinds, details.labels(base["status"]), managements,
                           mechanisms):
            row = dict(base)
            for key, value in (("severity", sev), ("severity_label", sev_label),
                               ("severity_rank", rank), ("claim_kind", kind),
                               ("claim_kind_label", kind_label), ("status_label", status_label),
                               ("management", management), ("mechanism", mechanism)):
                if value is not None:
                    row[key] = value
            rows.append(row)
    return sorted(rows, key=_order)

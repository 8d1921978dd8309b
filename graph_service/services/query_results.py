"""Named-query answers as JSON, CSV or RDF text: pure functions over a ``QueryResult``."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from rdflib import Graph
from rdflib.term import Node

from graph_service.backends import QueryResult
from graph_service.named_queries import NamedQuery
from graph_service.services.queries import plain, result_rows

__all__ = ["FORMATS", "MEDIA_TYPES", "to_csv", "to_json", "to_rdf"]

# result kind -> format name -> media type (the first is the default)
FORMATS: dict[str, dict[str, str]] = {
    "select": {"json": "application/json", "csv": "text/csv"},
    "ask": {"json": "application/json"},
    "graph": {"json": "application/json", "turtle": "text/turtle",
              "nt": "application/n-triples", "json-ld": "application/ld+json"},
}
MEDIA_TYPES = {media: name for table in FORMATS.values() for name, media in table.items()}


def to_json(query: NamedQuery, result: QueryResult, bindings: Mapping[str, Node], *,
            graph_version: str) -> dict[str, Any]:
    """The JSON answer of a named query: rows of plain values, a boolean, or triples."""
    answer: dict[str, Any] = {"query": query.name, "kind": result.kind,
                              "params": {k: plain(v) for k, v in bindings.items()},
                              "graph_version": graph_version}
    if result.kind == "select":
        answer.update(variables=result.variables, rows=result_rows(result),
                      count=len(result.rows), truncated=result.truncated)
    elif result.kind == "ask":
        answer["boolean"] = bool(result.boolean)
    else:
        answer.update(triples=[{"subject": str(s), "predicate": str(p), "object": str(o)}
                               for s, p, o in result.triples],
                      count=len(result.triples), truncated=result.truncated)
    return answer


def to_csv(result: QueryResult) -> str:
    """SELECT rows as CSV with a header line (values as plain text)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if row.get(v) is None else str(row[v]) for v in result.variables])
    return out.getvalue()


def to_rdf(result: QueryResult, fmt: str) -> str:
    """CONSTRUCT triples as Turtle, N-Triples or JSON-LD (rdflib format names)."""
    graph = Graph()
    graph.bind("dikg", "https://w3id.org/dikg/")
    graph.bind("id", "https://w3id.org/dikg/id/")
    for triple in result.triples:
        graph.add(triple)
    return graph.serialize(format=fmt)

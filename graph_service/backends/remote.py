"""Any SPARQL 1.1 server by URL: Protocol queries and updates, Graph Store Protocol loads.

Bindings travel as a one-row ``VALUES`` block placed first inside every group of the WHERE
clause (so FILTERs in nested groups see the values, as with engine-side substitution, which
replaces the variable everywhere), each value written as a
strict N-Triples term (:func:`~graph_service.backends.terms.to_ntriples`), so a value can
never change the query around it. Network failures are ``BackendUnavailable`` (503).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from graph_service.backends.base import (
    Dataset,
    QueryResult,
    RdfSource,
    SerializedResult,
    effective_time_limit,
)
from graph_service.backends.oxigraph import parse_source
from graph_service.backends.results import write_answer
from graph_service.backends.terms import check_variable, from_oxigraph, to_ntriples
from graph_service.errors import (
    BackendUnavailable,
    InvalidParameter,
    MalformedQuery,
    QueryTimeout,
)
from graph_service.sparql_lexer import group_starts

__all__ = ["RemoteBackend", "values_block", "with_bindings"]

_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


def values_block(bindings: Mapping[str, Node]) -> str:
    """A one-row ``VALUES`` block for ``bindings`` (checked names, escaped terms).

    >>> values_block({"d": Literal('x" } ; DROP ALL #')})
    '\\nVALUES (?d) { ("x\\\\" } ; DROP ALL #") }\\n'
    """
    names = [check_variable(name) for name in bindings]
    for name, value in bindings.items():
        if isinstance(value, BNode):
            raise InvalidParameter(f"a blank node cannot be sent as the value of ?{name}")
    terms = " ".join(to_ntriples(bindings[n]) for n in names)
    return f"\nVALUES ({' '.join('?' + n for n in names)}) {{ ({terms}) }}\n"


def with_bindings(text: str, bindings: Mapping[str, Node]) -> str:
    """``text`` with a ``VALUES`` block for ``bindings`` opening every group of its WHERE clause.

    >>> with_bindings("SELECT * { ?d ?p 1 { FILTER(?d != ?x) } }", {"x": URIRef("urn:a")})
    'SELECT * { VALUES (?x) { (<urn:a>) } ?d ?p 1 { VALUES (?x) { (<urn:a>) } FILTER(?d != ?x) } }'
    """
    block = " " + values_block(bindings).strip()
    starts = group_starts(text)
    if not starts:
        return text + "\n" + block
    pieces, last = [], 0
    for offset in starts:
        pieces += [text[last:offset], block]
        last = offset
    return "".join([*pieces, text[last:]])


def _term(value: Mapping[str, str]) -> Node:
    kind = value.get("type")
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if "xml:lang" in value:
        return Literal(value["value"], lang=value["xml:lang"])
    datatype = value.get("datatype")
    if datatype and datatype != "http://www.w3.org/2001/XMLSchema#string":
        return Literal(value["value"], datatype=URIRef(datatype))
    return Literal(value["value"])


class RemoteBackend:
    """A SPARQL 1.1 server: ``query_url`` for queries, optional update and store URLs."""

    name = "remote"

    def __init__(self, *, query_url: str, update_url: str | None = None,
                 store_url: str | None = None, timeout: float = 10.0) -> None:
        self.query_url = query_url
        self.update_url = update_url
        self.store_url = store_url
        self.timeout = timeout

    def _send(self, url: str, *, body: bytes | None, content_type: str | None,
              accept: str, method: str = "POST") -> tuple[str, bytes]:
        headers = {"Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            limit = effective_time_limit(self.timeout)
            with urllib.request.urlopen(request, timeout=limit) as response:
                return response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:2000].decode("utf-8", "replace").strip()
            if exc.code == 400:
                raise MalformedQuery(f"the SPARQL server refused the request: {detail}") from exc
            raise BackendUnavailable(
                f"the SPARQL server at {url} answered {exc.code}: {detail}") from exc
        except TimeoutError as exc:
            raise QueryTimeout(f"the SPARQL server at {url} did not answer within "
                               f"{effective_time_limit(self.timeout):g} s") from exc
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            raise BackendUnavailable(f"the SPARQL server at {url} cannot be reached: "
                                     f"{getattr(exc, 'reason', exc)}") from exc

    def query(self, text: str, *, bindings: Mapping[str, Node] | None = None,
              dataset: Dataset | None = None, max_rows: int | None = None) -> QueryResult:
        """POST the query (``application/sparql-query``) and parse SPARQL JSON or N-Triples."""
        full = with_bindings(text, bindings) if bindings else text
        params: list[tuple[str, str]] = []
        if dataset is not None:
            params += [("default-graph-uri", g) for g in dataset.default_graphs]
            params += [("named-graph-uri", g) for g in dataset.named_graphs]
        url = self.query_url + ("?" + urllib.parse.urlencode(params) if params else "")
        content_type, body = self._send(url, body=full.encode(),
                                        content_type="application/sparql-query", accept=_ACCEPT)
        if "json" in content_type:
            data: dict[str, Any] = json.loads(body)
            if "boolean" in data:
                return QueryResult(kind="ask", boolean=bool(data["boolean"]))
            names = list(data["head"].get("vars", []))
            bound = data["results"]["bindings"]
            truncated = max_rows is not None and len(bound) > max_rows
            rows = [{k: _term(v) for k, v in row.items()} for row in bound[:max_rows]]
            return QueryResult(kind="select", variables=names, rows=rows, truncated=truncated)
        triples = [(from_oxigraph(t.subject), from_oxigraph(t.predicate), from_oxigraph(t.object))
                   for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
        truncated = max_rows is not None and len(triples) > max_rows
        return QueryResult(kind="graph", truncated=truncated, triples=triples[:max_rows])

    def serialize_query(self, text: str, *, media_type: str,
                        bindings: Mapping[str, Node] | None = None,
                        dataset: Dataset | None = None, max_rows: int | None = None,
                        max_bytes: int | None = None) -> SerializedResult:
        """Run the query remotely and write the answer here, within the limits."""
        answer = self.query(text, bindings=bindings, dataset=dataset, max_rows=max_rows)
        return write_answer(answer, media_type, max_bytes=max_bytes)

    def load(self, sources: Iterable[RdfSource]) -> int:
        """Parse locally (errors name file and line), then send each graph as N-Triples."""
        by_graph: dict[str | None, list[str]] = {}
        count = 0
        for source in sources:
            for quad in parse_source(source):
                graph = None if isinstance(quad.graph_name, ox.DefaultGraph) \
                    else quad.graph_name.value
                by_graph.setdefault(graph, []).append(str(ox.Triple(
                    quad.subject, quad.predicate, quad.object)) + " .")
                count += 1
        for graph, lines in by_graph.items():
            if self.store_url:
                target = "default" if graph is None else "graph=" + urllib.parse.quote(graph)
                self._send(f"{self.store_url}?{target}", body="\n".join(lines).encode(),
                           content_type="application/n-triples", accept="*/*")
            else:
                data = "\n".join(lines)
                wrapped = data if graph is None else f"GRAPH <{graph}> {{\n{data}\n}}"
                self.update(f"INSERT DATA {{\n{wrapped}\n}}")
        return count

    def update(self, text: str) -> None:
        """POST a SPARQL Update to the update URL."""
        if not self.update_url:
            raise NotImplementedError("the remote store has no update URL configured")
        self._send(self.update_url, body=text.encode(), content_type="application/sparql-update",
                   accept="*/*")

    def triple_count(self) -> int:
        """Quads in the default graph and every named graph."""
        answer = self.query(_COUNT)
        return int(answer.rows[0]["n"]) if answer.rows else 0  # type: ignore[call-overload]

    def dump(self, *, format: str = "nquads") -> bytes:
        """The dataset from the Graph Store endpoint, or the default graph by CONSTRUCT."""
        if self.store_url and format == "nquads":
            return self._send(self.store_url, body=None, content_type=None,
                              accept="application/n-quads", method="GET")[1]
        return self.serialize_query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                    media_type="application/n-triples").body

    def clear(self) -> None:
        """Remove everything (``CLEAR ALL``)."""
        self.update("CLEAR ALL")

    def close(self) -> None:
        """Nothing held open between requests."""

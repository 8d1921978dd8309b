"""The reference engine: an rdflib ``Dataset`` on the Memory store, for small graphs and checks.

``FROM``/``LOAD`` never fetch (``SPARQL_LOAD_GRAPHS`` is off), ``SERVICE`` is refused, files are
parsed by pyoxigraph (no XML entity expansion), and rdflib's query parser, which is not
thread-safe, runs under a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox
import rdflib.plugins.sparql
from pyparsing import ParseException
from rdflib import Dataset as RdfDataset
from rdflib import Graph, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate, traverse
from rdflib.plugins.sparql.evaluate import evalQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.processor import SPARQLResult
from rdflib.plugins.sparql.sparql import Query
from rdflib.plugins.sparql.update import evalUpdate
from rdflib.term import Node

from graph_service.backends.base import Dataset, QueryResult, RdfSource, SerializedResult
from graph_service.backends.oxigraph import RDF_FORMATS, parse_source
from graph_service.backends.results import write_answer
from graph_service.backends.terms import check_variable, from_oxigraph, to_oxigraph
from graph_service.errors import Forbidden, MalformedQuery, NotAcceptable

__all__ = ["RdflibBackend"]

rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
rdflib.plugins.sparql.SPARQL_DEFAULT_GRAPH_UNION = False  # SPARQL semantics, as in oxigraph
_PARSER_LOCK = threading.Lock()


def _refuse_service(node: Any) -> None:
    if isinstance(node, CompValue) and node.name == "ServiceGraphPattern":
        raise Forbidden("SERVICE is not allowed: this service makes no outbound requests")


def _parse(text: str) -> Query:
    """Parse and translate under the lock (rdflib's grammar objects are not thread-safe)."""
    with _PARSER_LOCK:
        try:
            query = translateQuery(parseQuery(text))
        except ParseException as exc:
            raise MalformedQuery(f"query does not parse: {exc.msg} at line {exc.lineno}, "
                                 f"column {exc.col}", line=exc.lineno, column=exc.col) from exc
        except Exception as exc:  # rdflib raises bare Exception for e.g. unknown prefixes
            raise MalformedQuery(f"query does not parse: {exc}") from exc
    traverse(query.algebra, _refuse_service)
    return query


class _Dataset(RdfDataset):
    """rdflib 7.6's own query code calls its deprecated ``default_context``/``identifier``."""

    @property  # type: ignore[misc]
    def default_context(self) -> Graph:
        return self.default_graph  # type: ignore[no-any-return]

    @property
    def identifier(self) -> Any:
        return Graph.identifier.fget(self)  # type: ignore[attr-defined]

    def contexts(self, triple: Any = None) -> Any:
        return self.graphs(triple)


class RdflibBackend:
    """rdflib ``Dataset`` (Memory store); the default graph is not the union of named graphs."""

    name = "rdflib"

    def __init__(self) -> None:
        self.dataset = _Dataset(store="Memory")
        self._write_lock = threading.RLock()

    def load(self, sources: Iterable[RdfSource]) -> int:
        """Parse every source (pyoxigraph's parser), then add all quads; return the count."""
        quads = [q for source in sources for q in parse_source(source)]
        with self._write_lock:
            default = self.dataset.default_graph
            for q in quads:
                triple = (from_oxigraph(q.subject), from_oxigraph(q.predicate),
                          from_oxigraph(q.object))
                if isinstance(q.graph_name, ox.DefaultGraph):
                    default.add(triple)
                else:
                    self.dataset.graph(from_oxigraph(q.graph_name)).add(triple)  # type: ignore[arg-type]
        return len(quads)

    def _view(self, dataset: Dataset | None) -> RdfDataset:
        """The dataset a request names (copies of the graphs; rdflib graphs are small)."""
        if dataset is None or dataset.is_default():
            return self.dataset
        view = _Dataset(store="Memory")
        for name in dataset.default_graphs:
            view.default_graph += self.dataset.graph(URIRef(name))
        for name in dataset.named_graphs:
            named = view.graph(URIRef(name))
            named += self.dataset.graph(URIRef(name))
        return view

    def _run(self, text: str, bindings: Mapping[str, Node] | None,
             dataset: Dataset | None) -> Any:
        query = _parse(text)
        init = {Variable(check_variable(k)): v for k, v in (bindings or {}).items()}
        return SPARQLResult(evalQuery(self._view(dataset), query, init))  # type: ignore[arg-type]

    def query(self, text: str, *, bindings: Mapping[str, Node] | None = None,
              dataset: Dataset | None = None, max_rows: int | None = None) -> QueryResult:
        """Run a query with rdflib's engine; ``bindings`` go in as ``initBindings``."""
        result = self._run(text, bindings, dataset)
        if result.type == "ASK":
            return QueryResult(kind="ask", boolean=bool(result.askAnswer))
        if result.type == "SELECT":
            names = [str(v) for v in result.vars or []]
            rows = [{str(k): v for k, v in row.asdict().items() if v is not None}
                    for row in result]
            truncated = max_rows is not None and len(rows) > max_rows
            return QueryResult(kind="select", variables=names, truncated=truncated,
                               rows=rows[:max_rows] if truncated else rows)
        triples = list(result.graph) if result.graph is not None else []
        truncated = max_rows is not None and len(triples) > max_rows
        return QueryResult(kind="graph", truncated=truncated,
                           triples=triples[:max_rows] if truncated else triples)

    def serialize_query(self, text: str, *, media_type: str,
                        bindings: Mapping[str, Node] | None = None,
                        dataset: Dataset | None = None, max_rows: int | None = None,
                        max_bytes: int | None = None) -> SerializedResult:
        """Run a query and write it (rdflib has no TSV writer: pyoxigraph's writers are used)."""
        answer = self.query(text, bindings=bindings, dataset=dataset, max_rows=max_rows)
        return write_answer(answer, media_type, max_bytes=max_bytes)

    def update(self, text: str) -> None:
        """Run a SPARQL Update (``LOAD`` and ``SERVICE`` are refused: no outbound requests)."""
        with _PARSER_LOCK:
            try:
                request = translateUpdate(parseUpdate(text))
            except ParseException as exc:
                raise MalformedQuery(f"update does not parse: {exc.msg} at line {exc.lineno}, "
                                     f"column {exc.col}") from exc
        for operation in request.algebra:
            if operation.name == "Load":
                raise Forbidden("LOAD is not allowed: this service makes no outbound requests")
            traverse(operation, _refuse_service)
        with self._write_lock:
            evalUpdate(self.dataset, request)

    def triple_count(self) -> int:
        """Number of quads in the store."""
        return sum(len(g) for g in self.dataset.graphs())

    def dump(self, *, format: str = "nquads") -> bytes:
        """The whole dataset as N-Quads / TriG, or the default graph for triple formats."""
        fmt = RDF_FORMATS.get(format.lower())
        if fmt is None:
            raise NotAcceptable(f"cannot dump as {format!r}", formats=sorted(RDF_FORMATS))
        quads: list[ox.Quad] = []
        for graph in self.dataset.graphs():
            default = graph.identifier == DATASET_DEFAULT_GRAPH_ID
            if not default and not fmt.supports_datasets:
                continue
            name = ox.DefaultGraph() if default else to_oxigraph(graph.identifier)
            quads.extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), name)  # type: ignore[arg-type]
                         for s, p, o in graph)
        items = quads if fmt.supports_datasets else [q.triple for q in quads]
        out = ox.serialize(items, format=fmt)
        assert out is not None
        return out

    def clear(self) -> None:
        """Remove everything."""
        with self._write_lock:
            for graph in list(self.dataset.graphs()):
                graph.remove((None, None, None))

    def close(self) -> None:
        """Nothing to release for the Memory store."""


"""The embedded store: a pyoxigraph ``Store`` in memory or in an on-disk directory (default)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.term import Node

from graph_service.backends.base import Dataset, QueryResult, RdfSource, SerializedResult
from graph_service.backends.bulk import Piece, bulk_load_pieces
from graph_service.backends.results import write_boolean, write_solutions, write_triples
from graph_service.backends.terms import check_variable, from_oxigraph, to_oxigraph
from graph_service.errors import (
    BackendUnavailable,
    Forbidden,
    InvalidDataError,
    InvalidParameter,
    MalformedQuery,
)

__all__ = ["RDF_FORMATS", "OxigraphBackend", "parse_source"]

RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "xml": ox.RdfFormat.RDF_XML,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "json-ld": ox.RdfFormat.JSON_LD,
    "jsonld": ox.RdfFormat.JSON_LD,
}
_BULK_THRESHOLD = 100_000  # quads; above this a validated batch goes in through bulk_extend


def parse_source(source: RdfSource) -> list[ox.Quad]:
    """Parse one source completely (nothing is loaded if any line is bad).

    :raises InvalidDataError: naming the file, line and column of the first error.
    """
    name = source.name or (str(source.data) if isinstance(source.data, Path) else "<data>")
    try:
        fmt = RDF_FORMATS[source.format.lower()]
    except KeyError:
        raise InvalidDataError(f"{name}: unknown RDF format {source.format!r}") from None
    graph = ox.NamedNode(source.graph) if source.graph else None
    try:
        if isinstance(source.data, Path):
            parsed = ox.parse(path=str(source.data), format=fmt, rename_blank_nodes=True)
        else:
            parsed = ox.parse(source.data, format=fmt, rename_blank_nodes=True)
        quads = list(parsed)
    except SyntaxError as exc:
        line = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        raise InvalidDataError(f"{name}{line}: {exc.msg}", file=name,
                               line=getattr(exc, "lineno", None)) from exc
    except OSError as exc:
        raise InvalidDataError(f"{name}: cannot read: {exc}", file=name) from exc
    if graph is not None:
        quads = [ox.Quad(q.subject, q.predicate, q.object, graph)
                 if isinstance(q.graph_name, ox.DefaultGraph) else q for q in quads]
    return quads


class OxigraphBackend:
    """pyoxigraph store: ``path=None`` in memory; ``read_only`` opens a directory to read."""

    name = "oxigraph"

    def __init__(self, *, path: Path | str | None = None, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only and self.path is not None
        if self.path is None:
            self.store = ox.Store()
        elif self.read_only:
            self.store = ox.Store.read_only(str(self.path))
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            self.store = ox.Store(str(self.path))

    def _writable(self) -> None:
        if self.read_only:
            raise Forbidden(f"the store at {self.path} is open read-only")

    def load(self, sources: Iterable[RdfSource]) -> int:
        """Parse every source first, then add all quads in one transaction; return the count."""
        self._writable()
        quads: list[ox.Quad] = []
        for source in sources:
            quads.extend(parse_source(source))
        if len(quads) > _BULK_THRESHOLD:
            self.store.bulk_extend(quads)
        else:
            self.store.extend(quads)
        return len(quads)

    def bulk_load(self, pieces: Sequence[Piece], *, format: str,
                  on_bytes: Callable[[int], None] | None = None) -> None:
        """Stream the pieces into the store as one document in one atomic bulk load.

        :raises InvalidDataError: naming the piece's file and line; nothing is loaded then.
        """
        self._writable()
        bulk_load_pieces(self.store, pieces, RDF_FORMATS[format.lower()], on_bytes=on_bytes)

    def _run(self, text: str, bindings: Mapping[str, Node] | None,
             dataset: Dataset | None) -> Any:
        options: dict[str, Any] = {}
        if bindings:
            options["substitutions"] = {ox.Variable(check_variable(k)): to_oxigraph(v)
                                        for k, v in bindings.items()}
        if dataset is not None and not dataset.is_default():
            options["default_graph"] = [ox.NamedNode(g) for g in dataset.default_graphs]
            options["named_graphs"] = [ox.NamedNode(g) for g in dataset.named_graphs]
        try:
            return self.store.query(text, **options)
        except SyntaxError as exc:
            raise MalformedQuery(f"query does not parse: {exc}") from exc
        except ValueError as exc:
            raise MalformedQuery(f"query cannot run: {exc}") from exc
        except RuntimeError as exc:  # e.g. a binding for a variable the SELECT does not project
            raise InvalidParameter(f"cannot bind the query's variables: {exc}") from exc
        except OSError as exc:
            raise BackendUnavailable(f"the store failed: {exc}") from exc

    @staticmethod
    def _consume(items: Iterator[Any], max_rows: int | None) -> tuple[list[Any], bool]:
        try:
            if max_rows is None:
                return list(items), False
            rows = list(islice(items, max_rows + 1))
        except OSError as exc:
            raise BackendUnavailable(f"the store failed: {exc}") from exc
        except (ValueError, TypeError) as exc:
            raise MalformedQuery(f"query cannot run: {exc}") from exc
        return rows[:max_rows], len(rows) > max_rows

    def query(self, text: str, *, bindings: Mapping[str, Node] | None = None,
              dataset: Dataset | None = None, max_rows: int | None = None) -> QueryResult:
        """Run a query; answers come back as rdflib terms."""
        answer = self._run(text, bindings, dataset)
        if isinstance(answer, ox.QueryBoolean):
            return QueryResult(kind="ask", boolean=bool(answer))
        if isinstance(answer, ox.QuerySolutions):
            names = [v.value for v in answer.variables]
            solutions, truncated = self._consume(answer, max_rows)
            rows = [{n: from_oxigraph(t) for n, t in zip(names, s, strict=True) if t is not None}
                    for s in solutions]
            return QueryResult(kind="select", variables=names, rows=rows, truncated=truncated)
        triples, truncated = self._consume(answer, max_rows)
        return QueryResult(kind="graph", truncated=truncated, triples=[
            (from_oxigraph(t.subject), from_oxigraph(t.predicate), from_oxigraph(t.object))
            for t in triples])

    def serialize_query(self, text: str, *, media_type: str,
                        bindings: Mapping[str, Node] | None = None,
                        dataset: Dataset | None = None, max_rows: int | None = None,
                        max_bytes: int | None = None) -> SerializedResult:
        """Run a query and write the answer with pyoxigraph's own serializers."""
        answer = self._run(text, bindings, dataset)
        if isinstance(answer, ox.QueryBoolean):
            return SerializedResult("ask", media_type, write_boolean(bool(answer), media_type), 1)
        if isinstance(answer, ox.QuerySolutions):
            names = [v.value for v in answer.variables]
            solutions, cut = self._consume(answer, max_rows)
            rows = [["" if t is None else str(t) for t in s] for s in solutions]
            body, count, cut_bytes = write_solutions(names, rows, media_type, max_bytes=max_bytes)
            return SerializedResult("select", media_type, body, count, cut or cut_bytes)
        triples, cut = self._consume(answer, max_rows)
        body, count, cut_bytes = write_triples(triples, media_type, max_bytes=max_bytes)
        return SerializedResult("graph", media_type, body, count, cut or cut_bytes)

    def update(self, text: str) -> None:
        """Run a SPARQL Update (pyoxigraph applies it in one transaction)."""
        self._writable()
        try:
            self.store.update(text)
        except SyntaxError as exc:
            raise MalformedQuery(f"update does not parse: {exc}") from exc
        except OSError as exc:
            raise BackendUnavailable(f"the store failed: {exc}") from exc

    def triple_count(self) -> int:
        """Number of quads in the store."""
        return len(self.store)

    def dump(self, *, format: str = "nquads") -> bytes:
        """The whole store (N-Quads / TriG), or its default graph for triple formats."""
        fmt = RDF_FORMATS[format.lower()]
        options: dict[str, Any] = {} if fmt.supports_datasets else {"from_graph": ox.DefaultGraph()}
        out = self.store.dump(format=fmt, **options)
        assert out is not None
        return out

    def clear(self) -> None:
        """Remove every quad."""
        self._writable()
        self.store.clear()

    def close(self) -> None:
        """Flush a directory store and release its files (the backend is empty afterwards)."""
        if self.path is not None:
            if not self.read_only:
                self.store.flush()
            self.store = ox.Store()  # drops the last reference to the on-disk store

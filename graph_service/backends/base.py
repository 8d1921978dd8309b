"""The store interface every backend implements: query text + bindings in, results out.

Results cross the boundary as rdflib terms (``URIRef``, ``Literal``, ``BNode``) so services
do not care which engine answered. ``serialize_query`` is the fast path for the SPARQL
endpoint: the engine writes the requested format itself where it can.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from rdflib.term import Node

__all__ = [
    "Dataset",
    "GraphBackend",
    "QueryKind",
    "QueryResult",
    "RdfSource",
    "SerializedResult",
    "effective_time_limit",
    "time_limit",
]

#: the time limit of the queries run in this context, when it differs from the service's
_TIME_LIMIT: ContextVar[float | None] = ContextVar("dikg_time_limit", default=None)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Run the queries of this block under ``seconds`` instead of the service's limit.

    For the service's own whole-graph index queries (built once per graph version), never
    for a caller's query.
    """
    token = _TIME_LIMIT.set(seconds)
    try:
        yield
    finally:
        _TIME_LIMIT.reset(token)


def effective_time_limit(default: float) -> float:
    """The limit set by an enclosing :func:`time_limit`, else ``default``."""
    limit = _TIME_LIMIT.get()
    return default if limit is None else limit

QueryKind = Literal["select", "ask", "graph"]


@dataclass(frozen=True)
class Dataset:
    """A SPARQL dataset chosen by the request (``default-graph-uri``, ``named-graph-uri``)."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    def is_default(self) -> bool:
        """True when the request names no graphs (the store's default graph is used)."""
        return not self.default_graphs and not self.named_graphs


@dataclass(frozen=True)
class RdfSource:
    """RDF to load: a file path or bytes, its rdflib/oxigraph format name, a target graph."""

    data: Path | bytes
    format: str  # "turtle", "nt", "nquads", "trig", "xml", "json-ld"
    graph: str | None = None
    name: str = ""  # shown in error messages; the file name for paths


@dataclass
class QueryResult:
    """A query's answer in engine-neutral form."""

    kind: QueryKind
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Node, Node, Node]] = field(default_factory=list)
    truncated: bool = False


@dataclass(frozen=True)
class SerializedResult:
    """A query's answer already written in one media type."""

    kind: QueryKind
    media_type: str
    body: bytes
    rows: int  # solutions or triples written
    truncated: bool = False  # rows or bytes were cut at a limit


@runtime_checkable
class GraphBackend(Protocol):
    """What the services need from a store. Unsupported calls raise ``NotImplementedError``."""

    name: str

    def load(self, sources: Iterable[RdfSource]) -> int:
        """Add RDF to the store in one transaction; return the number of quads added."""
        ...

    def query(
        self,
        text: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        dataset: Dataset | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        """Run a SPARQL query; ``bindings`` are values for variables, never pasted in text."""
        ...

    def serialize_query(
        self,
        text: str,
        *,
        media_type: str,
        bindings: Mapping[str, Node] | None = None,
        dataset: Dataset | None = None,
        max_rows: int | None = None,
        max_bytes: int | None = None,
    ) -> SerializedResult:
        """Run a query and write its answer in ``media_type``."""
        ...

    def update(self, text: str) -> None:
        """Run a SPARQL Update in one transaction."""
        ...

    def triple_count(self) -> int:
        """Number of quads in the store."""
        ...

    def dump(self, *, format: str = "nquads") -> bytes:
        """The whole store, serialized."""
        ...

    def clear(self) -> None:
        """Remove everything."""
        ...

    def close(self) -> None:
        """Release files, processes and connections."""
        ...


def graph_names(dataset: Dataset | None) -> tuple[Sequence[str], Sequence[str]]:
    """The default and named graph IRIs of a dataset (empty when none is given)."""
    if dataset is None:
        return (), ()
    return dataset.default_graphs, dataset.named_graphs

"""The pieces of a curator write: what it is, how it runs on a store, what it changed.

:class:`Write` is one SPARQL Update or Graph Store Protocol change; :func:`apply` runs it on a
pyoxigraph store in one transaction; :func:`diff` compares N-Quads dumps; :func:`check_write`
SHACL-checks the result (see :mod:`~graph_service.services.write_checks`) and protects the
release marker. :mod:`~graph_service.services.writes` puts them together.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from graph_service.backends.base import RdfSource
from graph_service.backends.oxigraph import parse_source
from graph_service.backends.release import RELEASE
from graph_service.errors import (
    BackendUnavailable,
    Forbidden,
    GraphServiceError,
    InvalidDataError,
    MalformedQuery,
    NotFound,
)

if TYPE_CHECKING:
    from graph_service.services.write_checks import ChangeCheck

__all__ = [
    "StoreProtocolUnavailable",
    "Write",
    "WriteResult",
    "apply",
    "check_write",
    "diff",
    "nquads",
    "release_marker",
]


class StoreProtocolUnavailable(GraphServiceError):
    """The Graph Store Protocol runs only on the embedded on-disk store (501)."""

    status_code = 501
    code = "not_implemented"


@dataclass(frozen=True)
class Write:
    """One curator change: ``update`` (SPARQL Update) or GSP ``put`` / ``post`` / ``delete``."""

    operation: str
    who: str
    client: str | None = None
    text: str | None = None  # the SPARQL Update
    graph: str | None = None  # GSP target graph; None = the default graph
    data: RdfSource | None = None  # GSP body

    def label(self) -> str:
        """How violations and the log name this write."""
        if self.operation == "update":
            return "SPARQL Update"
        target = f"graph=<{self.graph}>" if self.graph else "default"
        return f"{self.operation.upper()} /store?{target}"

    def digest(self) -> str:
        """sha256 of what was sent (the update text or the GSP body)."""
        body = self.text.encode() if self.text is not None else b""
        if self.data is not None and isinstance(self.data.data, bytes):
            body = self.data.data
        return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class WriteResult:
    """What an accepted write did."""

    version_before: str
    version_after: str
    added: int
    removed: int
    triples: int
    check: ChangeCheck | None
    seconds: float
    created: bool = False  # a GSP PUT / POST made a graph that did not exist

    def to_json(self) -> dict[str, Any]:
        """The JSON answer of the write endpoints."""
        check = self.check
        return {"status": "ok", "graph_version": self.version_after,
                "version_before": self.version_before, "added": self.added,
                "removed": self.removed, "triples": self.triples,
                "validation": None if check is None else {
                    "scope": check.scope, "nodes": check.nodes,
                    "seconds": round(check.seconds, 3), "reason": check.reason},
                "seconds": round(self.seconds, 3)}


def _graph(iri: str | None) -> ox.NamedNode | ox.DefaultGraph:
    return ox.NamedNode(iri) if iri else ox.DefaultGraph()


def apply(store: ox.Store, write: Write) -> bool:
    """Run ``write`` on ``store``; return True when it created a graph.

    :raises MalformedQuery: the update does not parse or cannot run (400).
    :raises InvalidDataError: the GSP body does not parse (422, with line).
    :raises NotFound: GSP DELETE of a graph that does not exist (404).
    """
    graph = _graph(write.graph)
    existed = write.graph is None or store.contains_named_graph(graph)
    if write.operation == "update":
        try:
            store.update(write.text or "")
        except (SyntaxError, ValueError) as exc:
            raise MalformedQuery(f"the update cannot run: {exc}") from None
        except OSError as exc:
            raise BackendUnavailable(f"the store failed: {exc}") from exc
        return False
    if write.operation == "delete":
        if not existed:
            raise NotFound(f"the store has no graph <{write.graph}>")
        store.clear_graph(graph) if write.graph is None else store.remove_graph(graph)
        return False
    assert write.data is not None
    quads = parse_source(write.data)
    if write.operation == "put":
        store.clear_graph(graph)
    if write.graph:
        store.add_graph(graph)
    store.extend(quads)
    return not existed


def nquads(store: ox.Store) -> bytes:
    """The whole store as N-Quads."""
    return store.dump(format=ox.RdfFormat.N_QUADS) or b""


def diff(before: bytes, after: bytes) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """Added and removed quads between two N-Quads dumps of one store."""
    old, new = set(before.splitlines()), set(after.splitlines())

    def parsed(lines: set[bytes]) -> list[ox.Quad]:
        return list(ox.parse(b"\n".join(sorted(lines)), format=ox.RdfFormat.N_QUADS))

    return parsed(new - old), parsed(old - new)


def release_marker(store: ox.Store) -> str | None:
    """The release marker recorded in the data (see ``backends/release.py``)."""
    for quad in store.quads_for_pattern(ox.NamedNode(RELEASE), None, None, None):
        return str(getattr(quad.object, "value", quad.object))
    return None


def check_write(store: ox.Store, write: Write, added: list[ox.Quad],
                removed: list[ox.Quad], shapes: Path) -> ChangeCheck:
    """SHACL-check the store after ``write``; refuse a change of the release marker.

    :raises InvalidDataError: the violations (422), each with file, node, path and rule.
    :raises Forbidden: the write changes the release marker (403).
    """
    from graph_service.services.write_checks import check_change
    from graph_service.validation import load_shapes

    if any(q.subject == ox.NamedNode(RELEASE) for q in (*added, *removed)):
        raise Forbidden(f"<{RELEASE}> records the graph release and only releases change it")
    check = check_change(store, [*added, *removed], shapes=load_shapes(shapes),
                         label=write.label())
    if not check.report.conforms:
        raise InvalidDataError(
            f"the write was refused, nothing changed: {check.report.describe()}",
            violations=[{"file": v.file, "node": v.focus_node, "path": v.path,
                         "rule": v.rule, "message": v.message, "value": v.value}
                        for v in check.report.violations[:100]],
            validation=check.scope)
    return check

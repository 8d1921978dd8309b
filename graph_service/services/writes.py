"""Curator writes: one SPARQL Update or Graph Store Protocol change = one validated new version.

On the on-disk store (:func:`commit`), holding the store's write lock: checkpoint the current
version into a new directory, apply the change there, diff it, SHACL-check what it can affect
(:mod:`~graph_service.services.write_checks`), fsync, append the change-log line, then publish
the new version. Nothing is visible before the publish; a refused or failed write deletes its
directory and changes nothing. Other stores (:func:`scratch_update`) check an in-memory copy and
then run the update on the store itself; they keep no change log.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from graph_service.backends.base import GraphBackend, RdfSource
from graph_service.backends.oxigraph import parse_source
from graph_service.backends.release import RELEASE
from graph_service.backends.versions import (
    Head,
    checkpoint,
    collect_garbage,
    current_dir,
    fsync_tree,
    new_version_dir,
    publish,
    read_head,
    write_lock,
)
from graph_service.errors import (
    BackendUnavailable,
    Forbidden,
    GraphServiceError,
    InvalidDataError,
    MalformedQuery,
    NotFound,
)
from graph_service.services import changelog

if TYPE_CHECKING:
    from graph_service.services.write_checks import ChangeCheck

__all__ = [
    "StoreProtocolUnavailable",
    "Write",
    "WriteResult",
    "apply",
    "commit",
    "diff",
    "nquads",
    "release_marker",
    "scratch_update",
    "store_version",
]

_SCRATCH_LOCK = threading.Lock()
_LAST_DUMP: dict[tuple[str, str | None, int], bytes] = {}  # last published version's N-Quads


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


def store_version(store: ox.Store, head: Head | None) -> str:
    """The served graph version of ``store``, the current version's directory.

    The pointer's version, unless the data's release marker differs from the one recorded when
    it was published: then the directory was rebuilt in place (``dikg serve`` rebuilds a store
    whose files changed) and the marker names the data.
    """
    marker = release_marker(store)
    if head is not None and (not head.release or head.release == marker):
        return head.version
    return marker if marker is not None else f"unversioned-{len(store)}"


def _check(store: ox.Store, write: Write, added: list[ox.Quad], removed: list[ox.Quad],
           shapes: Path) -> ChangeCheck:
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


def _record(write: Write, result: WriteResult, before: Head | None, seq: int) -> dict[str, Any]:
    check = result.check
    return {"event": "write", "time": changelog.timestamp(), "who": write.who,
            "client": write.client, "operation": write.operation, "graph": write.graph,
            "what": write.text if write.operation == "update" else write.label(),
            "sha256": write.digest(), "added": result.added, "removed": result.removed,
            "triples": result.triples, "version_before": result.version_before,
            "version_after": result.version_after, "seq_before": before.seq if before else 0,
            "seq_after": seq, "validation": check.scope if check else None,
            "seconds": round(result.seconds, 3)}


def commit(root: Path, write: Write, *, shapes: Path) -> WriteResult:
    """Apply ``write`` to the on-disk store at ``root`` as one validated, logged new version.

    :raises InvalidDataError: SHACL violations (422, each with file, node and rule).
    :raises BackendUnavailable: another writer holds the lock too long (503).
    """
    root = Path(root)
    started = time.perf_counter()
    with write_lock(root):
        head = read_head(root)
        changelog.recover(root, head)
        seq, target = new_version_dir(root)
        try:
            source = str(current_dir(root).resolve())
            store = checkpoint(Path(source), target)
            before, marker = store_version(store, head), release_marker(store)
            key = (source, marker, len(store))  # a directory rebuilt in place misses
            dump = _LAST_DUMP.get(key) or nquads(store)
            created = apply(store, write)
            after_dump = nquads(store)
            added, removed = diff(dump, after_dump)
            check = _check(store, write, added, removed, shapes) if added or removed else None
            triples = len(store)
            store.flush()
            del store
            if not added and not removed:  # nothing changed: no new version
                shutil.rmtree(target)
                seq = head.seq if head else 0
            else:
                fsync_tree(target)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        after = before if seq == (head.seq if head else 0) else hashlib.sha256(
            f"{before}\0{seq}\0{write.digest()}".encode()).hexdigest()[:12]
        result = WriteResult(before, after, len(added), len(removed), triples, check,
                             time.perf_counter() - started, created)
        changelog.append(root, _record(write, result, head, seq))
        if after != before:
            _LAST_DUMP.clear()  # versions never change once published: the next write's base
            _LAST_DUMP[(str(target.resolve()), marker, triples)] = after_dump
            publish(root, Head(version=after, dir=str(target.relative_to(root)), seq=seq,
                               published=time.time(), operation=write.operation,
                               release=marker or ""))
            collect_garbage(root)
    return result


def scratch_update(backend: GraphBackend, write: Write, *, shapes: Path,
                   version: str) -> WriteResult:
    """A validated SPARQL Update on a store without versions (memory, rdflib, remote).

    The update runs first on an in-memory copy; only if the result validates does it run
    on ``backend`` itself (its own transaction). No change log: there is no store directory.
    """
    if write.operation != "update":
        raise StoreProtocolUnavailable("the Graph Store Protocol needs the embedded on-disk store")
    started = time.perf_counter()
    with _SCRATCH_LOCK:
        dump = backend.dump(format="nquads")
        scratch = ox.Store()
        scratch.extend(ox.parse(dump, format=ox.RdfFormat.N_QUADS))
        apply(scratch, write)
        added, removed = diff(dump, nquads(scratch))
        check = _check(scratch, write, added, removed, shapes) if added or removed else None
        backend.update(write.text or "")
        after = version if not (added or removed) else hashlib.sha256(
            f"{version}\0{write.digest()}".encode()).hexdigest()[:12]
        return WriteResult(version, after, len(added), len(removed), backend.triple_count(),
                           check, time.perf_counter() - started)

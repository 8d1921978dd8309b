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
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph_service.backends.base import GraphBackend
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
from graph_service.services import changelog
from graph_service.services.write_ops import (
    StoreProtocolUnavailable,
    Write,
    WriteResult,
    apply,
    check_write,
    diff,
    nquads,
    release_marker,
)

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
            check = check_write(store, write, added, removed, shapes) if added or removed else None
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
        check = check_write(scratch, write, added, removed, shapes) if added or removed else None
        backend.update(write.text or "")
        after = version if not (added or removed) else hashlib.sha256(
            f"{version}\0{write.digest()}".encode()).hexdigest()[:12]
        return WriteResult(version, after, len(added), len(removed), backend.triple_count(),
                           check, time.perf_counter() - started)

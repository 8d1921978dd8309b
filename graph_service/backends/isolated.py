"""Queries in child processes the parent can kill: real time limits and crash containment.

pyoxigraph cannot cancel a query (an aggregate over a cartesian product computes fully
before its first row) and a deeply nested query overflows its stack and kills the process.
So :func:`isolate` runs queries in a small pool of long-lived ``forkserver`` children that
each hold a read view of the store (a read-only directory, a checkpoint of a writable one,
or a copy of an in-memory store). A query past ``query_timeout`` gets its child SIGKILLed (503
``QueryTimeout``); a child that dies is replaced (503 ``BackendUnavailable``). Writes go to
the parent's store and bump a generation number; children reopen before their next query.
The service's own whole-graph builds (run under a longer ``time_limit``) use one extra child,
so a long index or projection build never holds a slot that callers' queries wait for.

The per-query path is kept short (see bench/notes.md): free children wait on a LIFO stack, so at
low concurrency one warm child (its RocksDB block cache, its CPU caches) answers every query and
the others start only when queries overlap; a serialized answer's body crosses the pipe as raw
bytes (``send_bytes``), not inside a pickle; an idle child's death is noticed by polling its
sentinel, a single non-blocking ``poll(2)``.
"""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from rdflib.term import Node

from graph_service.backends.base import (
    Dataset,
    GraphBackend,
    QueryResult,
    RdfSource,
    SerializedResult,
    effective_time_limit,
)
from graph_service.backends.query_process import Child, Slots, receive
from graph_service.errors import BackendUnavailable, QueryTimeout

if TYPE_CHECKING:
    from graph_service.config import Settings

__all__ = ["IsolatedBackend", "isolate"]


class IsolatedBackend:
    """Wraps an embedded backend; reads run in killable children, writes in the parent."""

    def __init__(self, inner: GraphBackend, *, timeout: float, processes: int = 2) -> None:
        self.inner = inner
        self.name = inner.name
        self.timeout = timeout
        self.generation = 0
        self.last_pid: int | None = None  # pid of the child that ran the latest query
        self._lock = threading.Lock()
        self._spec: tuple[int, tuple[str, Any]] | None = None
        self._snapshots: list[str] = []
        self._idle = Slots()
        for _ in range(processes):
            self._idle.put(None)  # a free slot; the child starts on first use
        # The service's own whole-graph builds (under a longer ``time_limit``) get a child of
        # their own: a 40 s index or projection build must not take a slot callers wait for.
        self._builds = Slots()
        self._builds.put(None)

    def _current_spec(self) -> tuple[str, Any]:
        with self._lock:
            if self._spec is None or self._spec[0] != self.generation:
                path = getattr(self.inner, "path", None)
                if self.inner.name == "oxigraph" and path is not None:
                    spec: tuple[str, Any] = ("oxigraph-dir", str(path))
                    if not getattr(self.inner, "read_only", False):
                        spec = ("oxigraph-dir", self._snapshot())
                else:
                    spec = (self.inner.name, self.inner.dump(format="nquads"))
                self._spec = (self.generation, spec)
            return self._spec[1]

    def _snapshot(self) -> str:
        """A RocksDB checkpoint (hard links) of a writable directory store for the children.

        Opening the live directory read-only while this process writes to it is undefined
        behaviour in pyoxigraph (compaction deletes files under the reader).
        """
        for old in self._snapshots:
            shutil.rmtree(old, ignore_errors=True)
        self._snapshots = [tempfile.mkdtemp(prefix="dikg-snapshot-")]
        target = os.path.join(self._snapshots[0], "store")
        self.inner.store.backup(target)  # type: ignore[attr-defined]
        return target

    def _call(self, method: str, **kwargs: Any) -> Any:
        limit = effective_time_limit(self.timeout)
        slots = self._builds if limit > self.timeout else self._idle
        try:
            child = slots.get(timeout=limit)
        except queue.Empty:
            raise QueryTimeout(f"no query process became free within {limit:g} s") from None
        try:
            if child is not None and (child.generation != self.generation or child.exited()):
                child.kill()
                child = None
            if child is None:
                generation = self.generation
                child = Child(self._current_spec(), generation)
            self.last_pid = child.pid
            child.conn.send((method, kwargs))
            if not child.conn.poll(limit):
                child.kill()
                child = None
                raise QueryTimeout(f"the query ran longer than the {limit:g} s limit "
                                   "and its work was stopped")
            try:
                status, payload = receive(child.conn)
            except (EOFError, OSError):
                child.process.join(5)
                code = child.process.exitcode
                child.kill()
                child = None
                raise BackendUnavailable(
                    f"the query process died while running the query (exit code {code}); "
                    "it has been replaced, other queries are not affected") from None
        finally:
            slots.put(child)
        if status == "error":
            cls, message, extra = payload
            raise cls(message, **extra)
        return payload

    def query(self, text: str, *, bindings: Mapping[str, Node] | None = None,
              dataset: Dataset | None = None, max_rows: int | None = None) -> QueryResult:
        """Run the query in a child, bounded by the time limit."""
        result: QueryResult = self._call("query", text=text, bindings=bindings,
                                         dataset=dataset, max_rows=max_rows)
        return result

    def serialize_query(self, text: str, *, media_type: str,
                        bindings: Mapping[str, Node] | None = None,
                        dataset: Dataset | None = None, max_rows: int | None = None,
                        max_bytes: int | None = None) -> SerializedResult:
        """Run and serialize in a child, bounded by the time limit."""
        result: SerializedResult = self._call(
            "serialize_query", text=text, media_type=media_type, bindings=bindings,
            dataset=dataset, max_rows=max_rows, max_bytes=max_bytes)
        return result

    def _changed(self) -> None:
        with self._lock:
            self.generation += 1

    def replace_inner(self, inner: GraphBackend) -> GraphBackend:
        """Serve ``inner`` from now on (a new graph version); return the old store.

        Children reopen before their next query; a query running now finishes on the old one.
        """
        with self._lock:
            old, self.inner = self.inner, inner
            self.generation += 1
        return old

    def load(self, sources: Iterable[RdfSource]) -> int:
        """Load in the parent's store; children reopen before their next query."""
        count = self.inner.load(sources)
        self._changed()
        return count

    def update(self, text: str) -> None:
        """Update the parent's store; children reopen before their next query."""
        self.inner.update(text)
        self._changed()

    def clear(self) -> None:
        """Empty the parent's store; children reopen before their next query."""
        self.inner.clear()
        self._changed()

    def triple_count(self) -> int:
        """Counted by the parent's store."""
        return self.inner.triple_count()

    def dump(self, *, format: str = "nquads") -> bytes:
        """Dumped by the parent's store."""
        return self.inner.dump(format=format)

    def close(self) -> None:
        """Stop every child, then close the parent's store."""
        for slots in (self._idle, self._builds):
            while True:
                try:
                    child = slots.get_nowait()
                except queue.Empty:
                    break
                if child is not None:
                    child.kill()
        for old in self._snapshots:
            shutil.rmtree(old, ignore_errors=True)
        self.inner.close()


def isolate(backend: GraphBackend, settings: Settings, *, processes: int = 2) -> GraphBackend:
    """Wrap an embedded backend in query processes when ``settings.isolation == "process"``.

    The remote backend is returned as it is: its HTTP timeout bounds every query.
    """
    if settings.isolation != "process" or backend.name == "remote":
        return backend
    return IsolatedBackend(backend, timeout=settings.query_timeout, processes=processes)

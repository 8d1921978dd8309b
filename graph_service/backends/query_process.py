"""One query process: its main loop, the parent's handle on it, and the pool of free ones.

The child opens a read view of the store (``spec``: a read-only directory or an N-Quads dump to
load), then answers ``(method, kwargs)`` requests on its end of a pipe until the pipe closes.
A serialized answer's body crosses the pipe as raw bytes (``send_bytes``), not inside a pickle.
Used by :mod:`graph_service.backends.isolated`, which decides when a child is killed.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import select
import signal
import threading
from collections import deque
from multiprocessing.connection import Connection
from typing import Any

from graph_service.backends.base import GraphBackend, RdfSource, SerializedResult
from graph_service.errors import BackendUnavailable, GraphServiceError

__all__ = ["Child", "Slots", "receive"]

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["graph_service.backends.query_process", "pyoxigraph", "rdflib"])
_START_TIMEOUT = 60.0


def _open(spec: tuple[str, Any]) -> GraphBackend:
    """Build the child's read view from ``spec``: (kind, directory path or N-Quads dump)."""
    kind, payload = spec
    if kind == "oxigraph-dir":
        from graph_service.backends.oxigraph import OxigraphBackend

        return OxigraphBackend(path=payload, read_only=True)
    if kind == "oxigraph":
        from graph_service.backends.oxigraph import OxigraphBackend

        store: GraphBackend = OxigraphBackend()
    else:
        from graph_service.backends.rdflib_store import RdflibBackend

        store = RdflibBackend()
    if payload:
        store.load([RdfSource(payload, "nquads", name="parent store")])
    return store


def _child(conn: Connection, spec: tuple[str, Any]) -> None:
    """Child main loop: answer (method, kwargs) requests until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when children stop
    store = _open(spec)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            method, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        try:  # a reply that cannot be pickled is reported too: nothing was sent yet then
            _reply(conn, getattr(store, method)(**kwargs))
        except GraphServiceError as exc:
            conn.send(("error", (type(exc), exc.message, exc.extra)))
        except Exception as exc:  # a bug: report it as a 500 instead of losing the child
            conn.send(("error", (GraphServiceError, f"{type(exc).__name__}: {exc}", {})))


def _reply(conn: Connection, answer: Any) -> None:
    """Send an answer: a serialized one as a small header, then its body as raw bytes."""
    if isinstance(answer, SerializedResult):
        conn.send(("body", (answer.kind, answer.media_type, answer.rows, answer.truncated)))
        conn.send_bytes(answer.body)
    else:
        conn.send(("ok", answer))


def receive(conn: Connection) -> tuple[str, Any]:
    """The child's reply to one request (the counterpart of :func:`_reply`)."""
    status, payload = conn.recv()
    if status == "body":
        kind, media_type, rows, truncated = payload
        return "ok", SerializedResult(kind, media_type, conn.recv_bytes(), rows, truncated)
    return status, payload


class Child:
    """One query process and the parent's end of its pipe."""

    def __init__(self, spec: tuple[str, Any], generation: int) -> None:
        self.generation = generation
        self.conn, child_conn = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_child, args=(child_conn, spec), daemon=True)
        self.process.start()
        child_conn.close()
        if not self.conn.poll(_START_TIMEOUT):
            self.kill()
            raise BackendUnavailable("the query process did not start in time")
        try:
            self.conn.recv()
        except EOFError as exc:
            self.kill()
            raise BackendUnavailable("the query process could not open the store") from exc

    @property
    def pid(self) -> int:
        """Process id of the child."""
        return self.process.pid or 0

    def exited(self) -> bool:
        """True when the child has died (its sentinel is readable); one ``poll(2)``."""
        poller = select.poll()
        poller.register(self.process.sentinel, select.POLLIN)
        return bool(poller.poll(0))

    def kill(self) -> None:
        """SIGKILL the child and reap it (its CPU and memory are freed)."""
        if self.process.is_alive():
            os.kill(self.pid, signal.SIGKILL)
        self.process.join(timeout=10)
        self.conn.close()


class Slots:
    """The free query-process slots: started children last-in first-out, empty slots last.

    The child that answered last (the warmest) is taken first, and an empty slot (``None``)
    starts a new child only when every started child is busy.
    """

    def __init__(self) -> None:
        self._items: deque[Child | None] = deque()
        self._ready = threading.Condition()

    def put(self, child: Child | None) -> None:
        """Give a slot back: a child on top, an empty slot at the bottom."""
        with self._ready:
            if child is None:
                self._items.appendleft(child)
            else:
                self._items.append(child)
            self._ready.notify()

    def get(self, timeout: float) -> Child | None:
        """Take the top slot, waiting at most ``timeout`` seconds.

        :raises queue.Empty: when no slot became free in time.
        """
        with self._ready:
            if not self._ready.wait_for(lambda: bool(self._items), timeout):
                raise queue.Empty
            return self._items.pop()

    def get_nowait(self) -> Child | None:
        """Take the top slot now.

        :raises queue.Empty: when every slot is in use.
        """
        with self._ready:
            if not self._items:
                raise queue.Empty
            return self._items.pop()

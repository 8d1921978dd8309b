"""Serving workers follow the store's current version: a ``stat`` per request, a reopen per change.

Every request starts with :meth:`StoreWatcher.refresh`: when the pointer file
(``dikg-current.json``) has changed since the last look, the worker opens the new version
read-only, puts it under its wrappers (query processes, result cache) and sets the state's
``graph_version`` (which empties the result cache). A request that is already running keeps the
store object it started with and finishes on the old version. A version whose per-version
indexes are not saved yet gets them built in the background right away
(:mod:`~graph_service.services.index_builds`): in the worker that wrote it, before the write
is acknowledged, so the next request reads them instead of building them.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from graph_service.backends.base import GraphBackend
from graph_service.backends.oxigraph import OxigraphBackend
from graph_service.backends.versions import HEAD, Head, read_head
from graph_service.services.index_builds import build_after_switch
from graph_service.services.writes import store_version

if TYPE_CHECKING:
    from graph_service.backends.cached import CachedBackend
    from graph_service.backends.isolated import IsolatedBackend
    from graph_service.state import GraphServiceState

__all__ = ["StoreWatcher", "innermost", "replace_store"]


def _wrappers() -> tuple[type[CachedBackend], type[IsolatedBackend]]:
    from graph_service.backends.cached import CachedBackend
    from graph_service.backends.isolated import IsolatedBackend

    return CachedBackend, IsolatedBackend


def innermost(backend: GraphBackend) -> GraphBackend:
    """The store under the query-process and cache wrappers."""
    wrappers = _wrappers()
    while isinstance(backend, wrappers):
        backend = backend.inner
    return backend


def replace_store(top: GraphBackend, new: GraphBackend) -> bool:
    """Put ``new`` in place of the innermost store under ``top``'s wrappers.

    :returns: False when ``top`` is the store itself (the caller replaces it).
    """
    from graph_service.backends.cached import CachedBackend
    from graph_service.backends.isolated import IsolatedBackend

    holder: GraphBackend = top
    while True:
        if isinstance(holder, IsolatedBackend):
            holder.replace_inner(new)
            return True
        if not isinstance(holder, CachedBackend):
            return False
        if not isinstance(holder.inner, CachedBackend | IsolatedBackend):
            holder.inner = new
            return True
        holder = holder.inner


class StoreWatcher:
    """Watches one store root for a new current version and switches a state to it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.switches = 0
        self._stamp: tuple[int, int, int] | None = None
        self._lock = threading.Lock()

    def _look(self) -> tuple[int, int, int] | None:
        try:
            found = os.stat(self.root / HEAD)
        except FileNotFoundError:
            return None
        return found.st_ino, found.st_mtime_ns, found.st_size

    def refresh(self, state: GraphServiceState) -> Head | None:
        """Switch ``state`` to the current version if it changed; return the new head.

        Threads of one worker that notice the change together wait for the one that switches,
        so every request after a write's acknowledgement sees the write.
        """
        stamp = self._look()
        if stamp == self._stamp:
            return None
        with self._lock:
            stamp = self._look()
            if stamp == self._stamp:
                return None
            head = read_head(self.root)
            if head is None:
                self._stamp = stamp
                return None
            self._switch(state, head)
            self._stamp = stamp
            return head

    def _switch(self, state: GraphServiceState, head: Head) -> None:
        target = (self.root / head.dir).resolve()
        store = innermost(state.backend)
        opened = getattr(store, "path", None)
        if opened is None or Path(opened).resolve() != target:
            store = OxigraphBackend(path=target, read_only=True)
            if not replace_store(state.backend, store):
                state.backend = store
            self.switches += 1
        # after the store: a cache key never pairs the new version with the old data
        state.graph_version = store_version(store.store, head)  # type: ignore[attr-defined]
        build_after_switch(state, state.graph_version, target)

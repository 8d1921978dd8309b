"""The indexes of a new graph version: built before a release, in the background after a write.

A curator write (or a release another process published) gives a new graph version whose
per-version indexes (:mod:`~graph_service.services.index_store`) do not exist yet. Instead of
letting the first request that needs them build them (seconds at 1M triples, while it waits),
the worker that switches to the version starts one background thread that builds them from
that version's own immutable directory and saves the file, holding the same build lock as a
request would. A request that needs them meanwhile waits on that lock and then reads the file
(no second build); a version superseded before its turn is skipped. A release or restore
(:func:`index_prepared`) builds them before it is published. Files are per version, so
an old version's indexes are never served for a new one.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from graph_service.services.index_store import IndexProvider, index_path
from graph_service.services.per_version import INDEX_KEYS, PROVIDER_KEY, remember

if TYPE_CHECKING:
    from graph_service.config import Settings
    from graph_service.services.releases import Prepared
    from graph_service.state import GraphServiceState

__all__ = ["BUILDER_KEY", "IndexBuilder", "build_after_switch", "index_prepared"]

log = logging.getLogger(__name__)

BUILDER_KEY = "index_builder"


class IndexBuilder:
    """One background thread per worker building the latest version it was asked for."""

    def __init__(self, state: GraphServiceState, provider: IndexProvider) -> None:
        self.state = state
        self.provider = provider
        self.provided: list[str] = []  # versions whose indexes it built or read, in order
        self._pending: tuple[str, Path] | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def request(self, version: str, directory: Path) -> None:
        """Build the indexes of ``version`` (stored in ``directory``) soon, off this thread."""
        with self._lock:
            self._pending = (version, Path(directory))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="dikg-index-build")
                self._thread.start()

    def wait(self, timeout: float) -> bool:
        """Wait until nothing is being built (at most ``timeout`` s); True when idle."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self._thread is None or not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            with self._lock:
                job, self._pending = self._pending, None
                if job is None:
                    self._thread = None
                    return
            try:
                self._build(*job)
            except Exception:  # the indexes are a cache: a request builds them if this fails
                log.warning("background index build of graph version %s failed", job[0],
                            exc_info=True)

    def _build(self, version: str, directory: Path) -> None:
        from graph_service.backends.isolated import isolate
        from graph_service.backends.oxigraph import OxigraphBackend

        if self.state.graph_version != version:
            return  # superseded before its turn: the newer version is pending
        pinned = OxigraphBackend(path=directory, read_only=True)  # this version, whatever comes
        backend = isolate(pinned, self.state.settings, processes=1)
        try:
            found = self.provider(backend, self.state.catalog, version)
        finally:
            backend.close()
        if found is None:
            return
        self.provided.append(version)
        if self.state.graph_version == version:
            for key in INDEX_KEYS:
                remember(self.state.extras, key, version, found[key])


def build_after_switch(state: GraphServiceState, version: str, directory: Path) -> bool:
    """Start building the indexes of ``version`` when its file is missing; True when started.

    Only an app on an on-disk store (one with an index provider) saves indexes.
    """
    provider = state.extras.get(PROVIDER_KEY)
    if not isinstance(provider, IndexProvider):
        return False
    if index_path(provider.root, version).exists():
        return False
    builder = state.extras.get(BUILDER_KEY)
    if not isinstance(builder, IndexBuilder):
        builder = state.extras.setdefault(BUILDER_KEY, IndexBuilder(state, provider))
    builder.request(version, directory)
    return True


def index_prepared(prepared: Prepared, settings: Settings) -> Path:
    """Build and save the indexes of a prepared release or restore before it is published,
    under every name workers give it (the pointer's version and the data's release marker),
    so that no request after the switch builds them. Returns the index file.
    """
    from graph_service.backends.oxigraph import OxigraphBackend
    from graph_service.services.index_store import build_indexes

    aliases = [prepared.marker] if prepared.marker and prepared.marker != prepared.version \
        else []
    backend = OxigraphBackend(path=prepared.build, read_only=True)
    try:
        return build_indexes(backend, replace(settings, store_path=prepared.root),
                             prepared.version, aliases=aliases)
    finally:
        backend.close()  # before the directory is renamed into place

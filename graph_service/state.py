"""Per-app state: settings, the store backend, the named-query catalog, the graph version.

Built by :func:`init_app` inside ``create_app`` and kept in
``app.extensions["graph_service"]``; nothing is built at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from graph_service.backends import GraphBackend, get_backend
from graph_service.config import Settings

if TYPE_CHECKING:
    from graph_service.named_queries import Catalog

__all__ = ["GraphServiceState", "get_state", "init_app"]

EXTENSION_KEY = "graph_service"


@dataclass
class GraphServiceState:
    """Everything a request needs besides the request itself."""

    settings: Settings
    backend: GraphBackend
    catalog: Catalog
    graph_version: str
    extras: dict[str, Any] = field(default_factory=dict)


def init_app(app: Flask, settings: Settings, *, backend: GraphBackend | None = None) -> None:
    """Open the store, load and validate the graph if the store is empty, load named queries.

    :raises InvalidDataError: when the ontology files fail to parse or validate.
    :raises NamedQueryError: when a ``queries/*.rq`` file is broken (names the file).
    """
    from graph_service.named_queries import load_catalog
    from graph_service.services.loading import prepare_store

    catalog = load_catalog(settings.queries_dir, rdflib_check=settings.store == "rdflib")
    store = backend if backend is not None else get_backend(settings)
    version = prepare_store(store, settings)
    if backend is None:
        from graph_service.backends.isolated import isolate

        store = isolate(store, settings)
    state = GraphServiceState(
        settings=settings, backend=store, catalog=catalog, graph_version=version
    )
    if settings.cache_size > 0:  # answers keyed by graph version, emptied on every write
        from graph_service.backends.cached import CachedBackend

        state.backend = CachedBackend(store, max_entries=settings.cache_size,
                                      version=lambda: state.graph_version)
    app.extensions[EXTENSION_KEY] = state
    if settings.store == "oxigraph" and settings.store_path is not None:
        # per-version indexes: loaded from the file built once for the version (dikg serve,
        # dikg index), or built once by one worker and saved for the others
        from graph_service.services.index_store import IndexProvider
        from graph_service.services.per_version import PROVIDER_KEY

        state.extras[PROVIDER_KEY] = IndexProvider(settings.store_path)
    if settings.warm_up:  # the first request should not pay for the per-version indexes
        from graph_service.services.warmup import warm_caches

        warm_caches(state.backend, catalog, version=version, cache=state.extras)


def get_state(app: Flask | None = None) -> GraphServiceState:
    """The state of ``app`` (default: the current app)."""
    target = app if app is not None else current_app
    state: GraphServiceState = target.extensions[EXTENSION_KEY]
    return state

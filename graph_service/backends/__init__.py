"""Store backends behind one interface, found by name.

``BACKENDS`` maps a name to a factory taking the service ``Settings``; see
:func:`get_backend`. Backends only run queries; they never import Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from graph_service.backends.base import (
    Dataset,
    GraphBackend,
    QueryResult,
    RdfSource,
    SerializedResult,
)

if TYPE_CHECKING:
    from graph_service.config import Settings

__all__ = [
    "BACKENDS",
    "Dataset",
    "GraphBackend",
    "QueryResult",
    "RdfSource",
    "SerializedResult",
    "get_backend",
]


def _oxigraph(settings: Settings) -> GraphBackend:
    """In memory, or a directory; a prebuilt directory (``load_on_start`` off) opens read-only.

    Several gunicorn workers cannot hold one directory store read-write; ``dikg serve`` builds
    the store in the master and starts the workers with ``load_on_start`` off.
    """
    from graph_service.backends.oxigraph import OxigraphBackend
    from graph_service.backends.versions import current_dir

    read_only = settings.store_path is not None and not settings.load_on_start
    path = None if settings.store_path is None else current_dir(settings.store_path)
    return OxigraphBackend(path=path, read_only=read_only)


def _rdflib(settings: Settings) -> GraphBackend:
    from graph_service.backends.rdflib_store import RdflibBackend

    return RdflibBackend()


def _remote(settings: Settings) -> GraphBackend:
    from graph_service.backends.remote import RemoteBackend

    assert settings.remote_url is not None
    return RemoteBackend(
        query_url=settings.remote_url,
        update_url=settings.remote_update_url,
        store_url=settings.remote_store_url,
        timeout=settings.query_timeout,
    )


BACKENDS: dict[str, Callable[[Settings], GraphBackend]] = {
    "oxigraph": _oxigraph,
    "rdflib": _rdflib,
    "remote": _remote,
}


def get_backend(settings: Settings) -> GraphBackend:
    """Build the backend the settings name.

    :raises KeyError: for an unknown backend name (settings validation prevents it).
    """
    return BACKENDS[settings.store](settings)

"""Shared fixtures: the app from the factory, its client and CLI runner, and every backend.

``backend`` is parametrized over oxigraph (memory and directory), rdflib and a remote
``oxigraph serve`` process (started once per session on 127.0.0.1, emptied before each test).
Backends start empty; ``mini_backend`` holds ``tests/resources/mini.ttl``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live import OxigraphServer, oxigraph_server

from graph_service.backends import GraphBackend, RdfSource

RESOURCES = Path(__file__).resolve().parent / "resources"
MINI = RESOURCES / "mini.ttl"
BACKEND_IDS = ["oxigraph-memory", "oxigraph-dir", "rdflib", "remote"]


@pytest.fixture(scope="session")
def remote_server() -> Iterator[OxigraphServer]:
    """A real ``oxigraph serve`` on a free loopback port for the whole session."""
    with oxigraph_server([]) as url:
        yield url


def make_backend(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> GraphBackend:
    """An empty backend of ``kind`` (one of ``BACKEND_IDS``)."""
    if kind == "oxigraph-memory":
        from graph_service.backends.oxigraph import OxigraphBackend

        return OxigraphBackend()
    if kind == "oxigraph-dir":
        from graph_service.backends.oxigraph import OxigraphBackend

        return OxigraphBackend(path=tmp_path / "store")
    if kind == "rdflib":
        from graph_service.backends.rdflib_store import RdflibBackend

        return RdflibBackend()
    from graph_service.backends.remote import RemoteBackend

    server: OxigraphServer = request.getfixturevalue("remote_server")
    remote = RemoteBackend(query_url=server.query_url, update_url=server.update_url,
                           store_url=server.store_url, timeout=10)
    remote.clear()
    return remote


@pytest.fixture(params=BACKEND_IDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphBackend]:
    """An empty store of each kind; closed after the test."""
    store = make_backend(request.param, tmp_path, request)
    yield store
    store.close()


@pytest.fixture
def mini_backend(backend: GraphBackend) -> GraphBackend:
    """``backend`` loaded with ``tests/resources/mini.ttl``."""
    backend.load([RdfSource(MINI, "turtle", name=MINI.name)])
    return backend


@pytest.fixture(scope="session")
def graph_store() -> GraphBackend:
    """An in-memory oxigraph store holding the project's ontology, loaded and validated once."""
    from graph_service.backends.oxigraph import OxigraphBackend
    from graph_service.config import load_settings
    from graph_service.services.loading import prepare_store

    store = OxigraphBackend()
    prepare_store(store, load_settings({}))
    return store


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Config overrides for ``app``; override this fixture in a test module to change them."""
    return {"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none"}


@pytest.fixture
def app(app_config: dict[str, Any], graph_store: GraphBackend) -> Any:
    """The service over the shared ontology store (read-only by default; do not write to it)."""
    from graph_service import create_app

    return create_app(app_config, backend=graph_store)


@pytest.fixture
def client(app: Any) -> Any:
    """Flask test client of ``app``."""
    return app.test_client()


@pytest.fixture
def runner() -> Any:
    """click's CliRunner for ``dikg`` commands."""
    from click.testing import CliRunner

    return CliRunner()


@pytest.fixture
def slow_app(tmp_path: Path) -> Iterator[Any]:
    """The service over a 300-node chain graph, queries in killable processes, a 1 s limit:
    a four-way cartesian COUNT over it runs far past the limit."""
    from graph_service import create_app
    from graph_service.state import get_state

    data = tmp_path / "ontology"
    data.mkdir()
    lines = [f"<http://example.org/n{i}> <http://example.org/p> <http://example.org/n{i + 1}> ."
             for i in range(300)]
    (data / "data.ttl").write_text("\n".join(lines) + "\n")
    app = create_app({"TESTING": True, "GRAPH_SERVICE_ONTOLOGY_DIR": str(data),
                      "GRAPH_SERVICE_VALIDATE_ON_LOAD": False, "GRAPH_SERVICE_QUERY_TIMEOUT": 1})
    yield app
    get_state(app).backend.close()

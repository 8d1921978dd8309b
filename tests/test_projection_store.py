"""The export projection saved per graph version: built once, read back, never for another one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import RESOURCES

from graph_service.backends import GraphBackend, RdfSource
from graph_service.models import QUERIES_DIR
from graph_service.services import exports
from graph_service.services.exports import export_graph
from graph_service.services.projection_store import (
    projection_path,
    read_projection,
    write_projection,
)

FIXTURE = RESOURCES / "export_fixture.ttl"


@pytest.fixture(scope="module")
def store() -> Iterator[GraphBackend]:
    from graph_service.backends.oxigraph import OxigraphBackend

    backend = OxigraphBackend()
    backend.load([RdfSource(FIXTURE, "turtle", name=FIXTURE.name)])
    yield backend
    backend.close()


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The graph versions whose projection was built from the store (not read from a file)."""
    seen: list[str] = []
    real = exports._build_projection

    def counting(backend: GraphBackend, **kwargs: Any) -> Any:
        seen.append(kwargs["graph_version"])
        return real(backend, **kwargs)

    monkeypatch.setattr(exports, "_build_projection", counting)
    return seen


def _export(store: GraphBackend, root: Path, version: str) -> bytes:
    return export_graph(store, queries_dir=QUERIES_DIR, graph_version=version, format="node-link",
                        cache={}, saved_under=root).body


def test_a_saved_projection_is_read_back_instead_of_rebuilt(
        store: GraphBackend, tmp_path: Path, builds: list[str]) -> None:
    first = _export(store, tmp_path, "v1")
    assert builds == ["v1"] and projection_path(tmp_path, "v1").is_file()
    again = _export(store, tmp_path, "v1")  # a new worker: empty cache, the file is there
    assert builds == ["v1"] and again == first


def test_the_file_of_one_version_never_answers_for_another(
        store: GraphBackend, tmp_path: Path, builds: list[str]) -> None:
    _export(store, tmp_path, "v1")
    assert read_projection(tmp_path, "v2") is None
    saved = read_projection(tmp_path, "v1")
    assert saved is not None
    projection_path(tmp_path, "v1").rename(projection_path(tmp_path, "v2"))  # by hand
    assert read_projection(tmp_path, "v2") is None  # the version inside the file decides
    _export(store, tmp_path, "v2")
    assert builds == ["v1", "v2"]
    assert read_projection(tmp_path, "v2").version == "v2"  # type: ignore[union-attr]


def test_a_torn_file_is_rebuilt(store: GraphBackend, tmp_path: Path, builds: list[str]) -> None:
    first = _export(store, tmp_path, "v1")
    path = projection_path(tmp_path, "v1")
    path.write_bytes(path.read_bytes()[:1000])
    assert _export(store, tmp_path, "v1") == first
    assert builds == ["v1", "v1"] and read_projection(tmp_path, "v1") is not None


def test_a_root_that_cannot_hold_the_file_still_answers(
        store: GraphBackend, tmp_path: Path, builds: list[str]) -> None:
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    assert _export(store, not_a_directory, "v1")
    assert builds == ["v1"]


def test_old_versions_are_pruned(store: GraphBackend, tmp_path: Path) -> None:
    saved = read_projection(tmp_path, "none")
    assert saved is None
    _export(store, tmp_path, "v0")
    projected = read_projection(tmp_path, "v0")
    assert projected is not None
    for n in range(1, 6):
        projected.version = f"v{n}"
        write_projection(tmp_path, projected)
    files = sorted(p.name for p in (tmp_path / "dikg-indexes").glob("*.projection.pickle"))
    assert len(files) == 3 and projection_path(tmp_path, "v5").name in files


def test_the_service_saves_the_projection_beside_its_on_disk_store(
        store: GraphBackend, tmp_path: Path) -> None:
    from graph_service import create_app

    config = {"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none",
              "GRAPH_SERVICE_WARM_UP": False, "GRAPH_SERVICE_STORE_PATH": str(tmp_path)}
    app = create_app(config, backend=store)
    response = app.test_client().get("/export?format=node-link")
    assert response.status_code == 200, response.get_json()
    version = response.headers["X-Graph-Version"]
    assert read_projection(tmp_path, version) is not None

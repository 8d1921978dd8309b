"""The indexes of a new graph version are built right after a write or before a release switches."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from curation import ADMIN, ID, copy_root, curated_store, entity_update, service_app

from graph_service.backends.versions import read_head
from graph_service.models import ONTOLOGY_DIR
from graph_service.services import index_store
from graph_service.services.index_builds import BUILDER_KEY, IndexBuilder
from graph_service.services.index_store import index_path

RELEASED = """@prefix id: <https://w3id.org/dikg/id/> . @prefix dikg: <https://w3id.org/dikg/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
id:indexed-release a dikg:Drug ; skos:prefLabel "indexed release"@en ;
    rdfs:label "indexed release"@en ; skos:definition "A drug added by a release." .
"""


@pytest.fixture
def root(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return copy_root(curated_store(tmp_path_factory), tmp_path / "store")


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The versions whose indexes were built from the store (not read from a file)."""
    built: list[str] = []
    original = index_store.build_all

    def counting(backend: Any, catalog: Any, version: str) -> Any:
        built.append(version)
        return original(backend, catalog, version)

    monkeypatch.setattr(index_store, "build_all", counting)
    return built


def builder(app: Any) -> IndexBuilder:
    found = app.extensions["graph_service"].extras[BUILDER_KEY]
    assert isinstance(found, IndexBuilder)
    return found


def test_a_write_builds_the_new_versions_indexes_without_a_request(
        root: Path, builds: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    app = service_app(root, GRAPH_SERVICE_WARM_UP=False)
    written = app.test_client().post("/sparql", data={"update": entity_update("built-drug")},
                                     headers=ADMIN)
    assert written.status_code == 200, written.get_json()
    version = written.get_json()["graph_version"]
    assert builder(app).wait(60)
    assert index_path(root, version).exists() and builds == [version]  # no request asked

    def no_build(*args: Any) -> None:
        raise AssertionError("a request built indexes that the write had built")

    monkeypatch.setattr(index_store, "build_all", no_build)
    other = service_app(root, GRAPH_SERVICE_WARM_UP=False)  # (warm-up names it by the marker)
    for client in (app.test_client(), other.test_client()):  # this worker, another one
        found = client.get("/api/v1/entities", query_string={"q": "built drug"}).get_json()
        assert found["resolved"]["iri"] == f"{ID}built-drug" and found["graph_version"] == version


def test_a_request_during_the_background_build_waits_for_it(
        root: Path, builds: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    app = service_app(root, GRAPH_SERVICE_WARM_UP=False)
    gate, started = threading.Event(), threading.Event()
    counting = index_store.build_all

    def gated(backend: Any, catalog: Any, version: str) -> Any:
        started.set()
        assert gate.wait(60)
        return counting(backend, catalog, version)

    monkeypatch.setattr(index_store, "build_all", gated)
    written = app.test_client().post("/sparql", data={"update": entity_update("waited-drug")},
                                     headers=ADMIN)
    assert written.status_code == 200  # acknowledged while the build has not finished
    assert started.wait(30) and not index_path(root, written.get_json()["graph_version"]).exists()
    answers: list[Any] = []
    reader = threading.Thread(target=lambda: answers.append(app.test_client().get(
        "/api/v1/entities", query_string={"q": "waited drug"}).get_json()))
    reader.start()
    reader.join(0.5)
    assert reader.is_alive()  # waiting for the background build, not building its own
    gate.set()
    reader.join(60)
    assert builder(app).wait(60) and not reader.is_alive()
    assert answers[0]["resolved"]["iri"] == f"{ID}waited-drug"
    assert builds == [written.get_json()["graph_version"]]


def test_a_superseded_version_is_not_built(root: Path, builds: list[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    app = service_app(root, GRAPH_SERVICE_WARM_UP=False)
    gate = threading.Event()
    counting = index_store.build_all
    monkeypatch.setattr(index_store, "build_all", lambda *a: gate.wait(60) and counting(*a))
    client = app.test_client()
    versions = [client.post("/sparql", data={"update": entity_update(f"drug-{n}")},
                            headers=ADMIN).get_json()["graph_version"] for n in range(3)]
    gate.set()
    assert builder(app).wait(60)
    # the second was superseded while the first was building: never built
    assert builds[-1] == versions[2] and versions[1] not in builds and len(builds) <= 2
    assert index_path(root, versions[2]).exists()


def test_dikg_release_builds_the_indexes_before_switching(
        root: Path, tmp_path: Path, runner: Any, builds: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from graph_service.cli import main

    extra = tmp_path / "extra.ttl"
    extra.write_text(RELEASED)
    files = [*(str(p) for p in sorted(ONTOLOGY_DIR.glob("*.ttl"))), str(extra)]
    published: list[bool] = []
    from graph_service.services import releases

    publish = releases.publish_prepared

    def checking(prepared: Any, **kwargs: Any) -> Any:
        published.append(index_path(root, prepared.version).exists())  # before the switch
        return publish(prepared, **kwargs)

    monkeypatch.setattr(releases, "publish_prepared", checking)
    result = runner.invoke(main, ["release", *files, "--store", str(root)],
                           catch_exceptions=False)
    assert result.exit_code == 0 and "built the name, label and safety indexes" in result.output
    head = read_head(root)
    assert head is not None and published == [True] and builds == [head.version]

    def no_build(*args: Any) -> None:
        raise AssertionError("a worker built indexes that dikg release had built")

    monkeypatch.setattr(index_store, "build_all", no_build)
    client = service_app(root).test_client()  # warm-up on: it reads the file too
    found = client.get("/api/v1/entities", query_string={"q": "indexed release"}).get_json()
    assert found["resolved"]["iri"] == f"{ID}indexed-release"
    assert found["graph_version"] == head.version

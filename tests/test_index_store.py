"""Per-version indexes saved beside the store: built once, loaded by workers, never stale."""

from __future__ import annotations

import doctest
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from curation import ADMIN, ID, claim_update, copy_root, curated_store, entity_update, service_app

from graph_service.backends.oxigraph import OxigraphBackend
from graph_service.named_queries import load_catalog
from graph_service.services import (
    citation_index,
    index_store,
    per_version,
    reach_graph,
    resolution,
    safety_index,
)
from graph_service.services.index_store import (
    build_all,
    ensure_indexes,
    index_path,
    read_indexes,
    write_indexes,
)

CHECK = {"drugs": ["naltrexone", "oxycodone", "Antabuse"], "conditions": ["acute hepatitis"]}


@pytest.fixture
def root(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return copy_root(curated_store(tmp_path_factory), tmp_path / "store")


def index_files(root: Path) -> list[Path]:
    return sorted((root / index_store.DIRECTORY).glob("*.json"))


def comparable(parts: dict[str, Any]) -> dict[str, Any]:
    assert set(parts) == set(per_version.INDEX_KEYS)
    return {key: value.to_json() if hasattr(value, "to_json") else value
            for key, value in parts.items()}


def test_doctests() -> None:
    for module in (citation_index, index_store, per_version, reach_graph, resolution,
                   safety_index):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_saved_indexes_load_equal_to_the_built_ones_and_only_for_their_version(
        root: Path) -> None:
    backend = OxigraphBackend(path=root, read_only=True)
    catalog = load_catalog(Path("queries"))
    try:
        built, was_built = ensure_indexes(backend, catalog, root=root, version="v1",
                                          aliases=["v1-alias"])
        assert was_built and [p.name for p in index_files(root)] == sorted(
            [index_path(root, "v1").name, index_path(root, "v1-alias").name])
        loaded, was_built = ensure_indexes(backend, catalog, root=root, version="v1")
        assert not was_built
        assert comparable(loaded) == comparable(built) == comparable(build_all(backend, catalog,
                                                                               "v1"))
        assert comparable(read_indexes(root, "v1-alias")) == comparable(built)  # type: ignore[arg-type]
        assert read_indexes(root, "v2") is None
        # a file that names another version inside (copied, renamed by hand) is never used
        index_path(root, "v2").write_bytes(index_path(root, "v1").read_bytes())
        assert read_indexes(root, "v2") is None
        index_path(root, "v3").write_text("{torn")
        assert read_indexes(root, "v3") is None
        index_path(root, "v4").write_text(json.dumps(  # right format and version, wrong shape
            {"format": index_store.FORMAT, "version": "v4", "safety_index": {}}))
        assert read_indexes(root, "v4") is None
    finally:
        backend.close()


def test_concurrent_builders_build_once(root: Path) -> None:
    backend = OxigraphBackend(path=root, read_only=True)
    catalog = load_catalog(Path("queries"))
    queries: list[str] = []
    original = backend.query

    def counting(text: str, **kwargs: Any) -> Any:
        queries.append(text)
        return original(text, **kwargs)

    backend.query = counting  # type: ignore[method-assign]
    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(
        ensure_indexes(backend, catalog, root=root, version="v1")[1])) for _ in range(3)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(results) == [False, False, True]
        assert queries.count(catalog.text("index_names")) == 1  # the name scan ran once
    finally:
        backend.close()


def test_old_index_files_are_pruned(root: Path) -> None:
    parts = {"resolution_index": resolution.ResolutionIndex(), "term_labels": {},
             "safety_index": safety_index.SafetyIndex(), "safety_sources": [],
             "reach_graph": reach_graph.ReachGraph(),
             "citation_index": citation_index.CitationIndex()}
    for n in range(index_store.KEEP + 3):
        write_indexes(root, [f"v{n}"], parts)
    names = {p.name for p in index_files(root)}
    assert len(names) == index_store.KEEP + 1 and index_path(root, "v0").name not in names
    assert index_path(root, f"v{index_store.KEEP + 2}").name in names


def test_workers_load_the_saved_indexes_and_answer_as_without_them(
        root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain_root = copy_root(root, tmp_path / "plain")
    without = service_app(plain_root, GRAPH_SERVICE_WARM_UP=False)
    without.extensions["graph_service"].extras.pop(per_version.PROVIDER_KEY)
    expected = without.test_client().post("/api/v1/check", json=CHECK).get_json()
    assert expected["alerts"] and not index_files(plain_root)

    first = service_app(root)  # warm-up on: builds the file once
    [saved] = index_files(root)
    version = first.extensions["graph_service"].graph_version
    assert saved == index_path(root, version)
    assert json.loads(saved.read_bytes())["version"] == version

    def no_build(*args: Any) -> None:
        raise AssertionError("a worker rebuilt indexes that were saved")

    monkeypatch.setattr(index_store, "build_all", no_build)
    second = service_app(root)  # a second worker loads the file: no whole-graph query
    assert index_files(root) == [saved]
    state = second.extensions["graph_service"]
    assert state.extras["resolution_index"][0] == version
    assert state.extras["safety_index"][1].to_json() == \
        first.extensions["graph_service"].extras["safety_index"][1].to_json()
    answer = second.test_client().post("/api/v1/check", json=CHECK).get_json()
    assert answer == expected


def test_a_write_is_answered_from_indexes_of_the_new_version(root: Path) -> None:
    reader = service_app(root).test_client()  # indexes of the first version saved
    writer = service_app(root).test_client()
    [old] = index_files(root)
    check = {"drugs": ["naltrexone", "acamprosate"]}
    before = reader.post("/api/v1/check", json=check).get_json()
    claim = f"{ID}ix-curation-test-1"
    assert claim not in json.dumps(before)
    written = writer.post("/sparql", data={"update": claim_update(1)}, headers=ADMIN)
    assert written.status_code == 200, written.get_json()
    after = reader.post("/api/v1/check", json=check).get_json()
    assert after["graph_version"] == written.get_json()["graph_version"]
    assert claim in json.dumps(after)
    new = index_path(root, after["graph_version"])
    assert new.exists() and old.exists() and new != old
    writer.post("/sparql", data={"update": entity_update("indexed-drug")}, headers=ADMIN)
    found = reader.get("/api/v1/entities", query_string={"q": "indexed drug"}).get_json()
    assert found["resolved"]["iri"] == f"{ID}indexed-drug"


def test_dikg_index_builds_once_and_rebuilds_on_request(root: Path, runner: Any) -> None:
    from graph_service.cli import main

    built = runner.invoke(main, ["index", "--store", str(root)])
    assert built.exit_code == 0 and "indexes built in" in built.output, built.output
    [saved] = index_files(root)
    again = runner.invoke(main, ["index", "--store", str(root)])
    assert again.exit_code == 0 and "already present" in again.output, again.output
    stamp = saved.stat().st_mtime_ns
    rebuilt = runner.invoke(main, ["index", "--store", str(root), "--rebuild"])
    assert rebuilt.exit_code == 0 and "indexes built in" in rebuilt.output
    assert saved.stat().st_mtime_ns != stamp
    missing = runner.invoke(main, ["index", "--store", str(root / "nothing")])
    assert missing.exit_code != 0 and "not a store directory" in missing.output


def test_serve_builds_the_indexes_in_the_master_under_every_name_of_the_version(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graph_service.cli.data import cli_settings
    from graph_service.cli.serve import build_store
    from graph_service.services.writes import store_version

    settings = cli_settings(store="oxigraph", store_path=str(root), load_on_start=True)
    version = build_store(settings)
    assert index_files(root) == [index_path(root, version)]
    service_app(root).test_client().post(  # a write: a pointer names the new version
        "/sparql", data={"update": entity_update("served-drug")}, headers=ADMIN)
    for old in index_files(root):
        old.unlink()
    head = build_store(settings)
    backend = OxigraphBackend(path=root / read_head_dir(root), read_only=True)
    try:
        marker = store_version(backend.store, None)  # the name a worker starts with
    finally:
        backend.close()
    assert marker != head
    assert {p.name for p in index_files(root)} == {index_path(root, head).name,
                                                    index_path(root, marker).name}

    def no_build(*args: Any) -> None:
        raise AssertionError("a worker rebuilt indexes that dikg serve built")

    monkeypatch.setattr(index_store, "build_all", no_build)
    client = service_app(root).test_client()
    found = client.get("/api/v1/entities", query_string={"q": "served drug"}).get_json()
    assert found["resolved"]["iri"] == f"{ID}served-drug" and found["graph_version"] == head


def read_head_dir(root: Path) -> str:
    from graph_service.backends.versions import read_head

    head = read_head(root)
    assert head is not None
    return head.dir

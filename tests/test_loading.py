"""Loading files: bulk loads into the embedded store, all-or-nothing per file, on every backend.

The embedded store streams each file through pyoxigraph's atomic bulk loader with its
graph-release marker (and, into an empty store, the start-up ontology); other backends parse
and load in one transaction. The SHACL result of unchanged start-up files is remembered by
content hash, never a failure.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from conftest import MINI

from graph_service.backends import GraphBackend, RdfSource
from graph_service.backends.oxigraph import OxigraphBackend
from graph_service.backends.release import read_version
from graph_service.config import load_settings
from graph_service.errors import InvalidDataError
from graph_service.models import ONTOLOGY_DIR
from graph_service.services import validation_cache
from graph_service.services.loading import (
    checked_sources,
    graph_version,
    load_files,
    ontology_files,
    prepare_store,
)

RELEASE = "https://w3id.org/dikg/id/graph-release"
DRUG_CLASS = "SELECT ?c WHERE { <https://w3id.org/dikg/Drug> a ?c }"


def _lines(n: int, prefix: str = "s") -> bytes:
    return b"".join(b"<http://x/%s%d> <http://x/p> \"%d\" .\n" % (prefix.encode(), i, i)
                    for i in range(n))


def _markers(backend: GraphBackend) -> list[str]:
    rows = backend.query(f"SELECT ?v WHERE {{ <{RELEASE}> ?p ?v }}").rows
    return sorted(str(r["v"]) for r in rows)


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private validation cache for the test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("DIKG_CACHE_DIR", str(folder))
    return folder


def _settings(**extra: object) -> object:
    return load_settings({"GRAPH_SERVICE_EXTRA_DATA": [], **extra})


def test_counts_statements_and_chains_versions(backend: GraphBackend, tmp_path: Path) -> None:
    data = tmp_path / "data.nt"
    data.write_bytes(b"# a comment\n\n  " + _lines(3) + b"   \n\t# another\r\n" + _lines(2, "t")
                     + b"<http://x/last> <http://x/p> <http://x/o> .")  # no final newline
    packed = tmp_path / "more.nq.gz"
    packed.write_bytes(gzip.compress(b"<http://x/a> <http://x/p> <http://x/b> <http://x/g> .\n"))
    seen: list[int] = []
    counts = load_files(backend, [data, packed], on_bytes=seen.append)
    assert counts == [(data, 6), (packed, 1)]
    assert backend.triple_count() == 8  # the 7 quads and one version marker
    assert sum(seen) == data.stat().st_size + packed.stat().st_size
    first = graph_version([RdfSource(b"", "nt", name="previous"), RdfSource(data, "nt",
                                                                            name=str(data))])
    assert read_version(backend) != first and len(_markers(backend)) == 1
    named = backend.query("SELECT ?s WHERE { GRAPH <http://x/g> { ?s ?p ?o } }").rows
    assert [str(r["s"]) for r in named] == ["http://x/a"]


def test_embedded_version_is_the_chain_of_file_hashes(tmp_path: Path) -> None:
    data = tmp_path / "data.nt"
    data.write_bytes(_lines(5))
    store = OxigraphBackend(path=tmp_path / "store")
    load_files(store, [data])
    expected = graph_version([RdfSource(b"", "nt", name="previous"),
                              RdfSource(data.read_bytes(), "nt", name=data.name)])
    assert read_version(store) == expected
    store.close()


def test_a_bad_file_leaves_the_store_as_it_was(backend: GraphBackend, tmp_path: Path) -> None:
    good = tmp_path / "good.nt"
    good.write_bytes(_lines(10))
    load_files(backend, [good])
    before, version = backend.triple_count(), read_version(backend)
    bad = tmp_path / "bad.nt.gz"  # many good lines, then a bad one
    bad.write_bytes(gzip.compress(_lines(5000, "b") + b"<http://x/a> <http://x/p> .\n"))
    after_bad = tmp_path / "never.nt"
    after_bad.write_bytes(_lines(3, "n"))
    with pytest.raises(InvalidDataError) as info:
        load_files(backend, [bad, after_bad])
    assert str(bad) in info.value.message and "line 5001" in info.value.message
    assert backend.triple_count() == before and read_version(backend) == version


def test_every_syntax_loads_with_its_count(backend: GraphBackend, tmp_path: Path) -> None:
    files = {
        "a.ttl": (b"@prefix x: <http://x/> .\nx:a x:p x:b , x:c .\n", 2),
        "b.trig": (b"@prefix x: <http://x/> .\nx:g { x:d x:p x:e }\nx:f x:p x:g .\n", 2),
        "c.rdf": (b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
                  b'22-rdf-syntax-ns#" xmlns:x="http://x/"><rdf:Description rdf:about='
                  b'"http://x/h"><x:p rdf:resource="http://x/i"/></rdf:Description></rdf:RDF>\n',
                  1),
        "d.jsonld": (json.dumps({"@id": "http://x/j", "http://x/p": [
            {"@id": "http://x/k"}, {"@value": "v"}]}).encode(), 2),
    }
    paths = []
    for name, (data, _) in files.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    counts = load_files(backend, paths)
    assert [c for _, c in counts] == [n for _, n in files.values()]
    assert backend.triple_count() == 7 + 1 and len(_markers(backend)) == 1


@pytest.mark.parametrize(("name", "data", "where"), [
    ("open.ttl", b"@prefix x: <http://x/> .\nx:a x:p x:b ;\n  x:p x:c", "(line 3)"),
    ("open.nt", _lines(3) + b"<http://x/a> <http://x/p> <http://x/b>", "(end of file)"),
    ("bad.nt", _lines(3) + b"<http://x/a> <http://x/p> .\n" + _lines(3, "t"), "(line 4)"),
    ("bad.ttl", b"@prefix x: <http://x/> .\nx:a x:p x:b .\nx:a x:p .\n", "(line 3)"),
    ("bad.rdf", b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>\n"
                b"<rdf:Description>\n</rdf:RDF>\n", "bad.rdf"),
])
def test_errors_name_the_file_and_its_own_line(tmp_path: Path, name: str, data: bytes,
                                               where: str, cache: Path) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    store = OxigraphBackend()
    with pytest.raises(InvalidDataError) as info:  # into an empty store: the ontology precedes
        load_files(store, [path], settings=_settings(GRAPH_SERVICE_VALIDATE_ON_LOAD=False))
    assert info.value.message.startswith(str(path)) and where in info.value.message
    assert store.triple_count() == 0  # the ontology came with the file, so it is not there


def test_an_empty_store_gets_the_ontology_with_the_first_file(tmp_path: Path,
                                                              cache: Path) -> None:
    settings = _settings()
    data = tmp_path / "data.nt"
    data.write_bytes(_lines(4))
    store = OxigraphBackend(path=tmp_path / "store")
    assert load_files(store, [data], settings=settings) == [(data, 4)]
    assert store.query(DRUG_CLASS).rows  # the ontology is in
    _, sources = checked_sources(settings)
    start = graph_version(sources)
    expected = graph_version([RdfSource(start.encode(), "nt", name="previous"),
                              RdfSource(data.read_bytes(), "nt", name=data.name)])
    assert _markers(store) == [expected]
    memory = OxigraphBackend()
    prepare_store(memory, settings)
    assert store.triple_count() == memory.triple_count() + 4
    store.close()


def test_a_named_graph_ontology_loads_before_an_nt_file(tmp_path: Path, cache: Path) -> None:
    extra = tmp_path / "extra.nq"
    extra.write_bytes(b"<http://x/e> <http://x/p> <http://x/f> <http://x/graph> .\n")
    data = tmp_path / "data.nt"
    data.write_bytes(_lines(2))
    store = OxigraphBackend()
    settings = _settings(GRAPH_SERVICE_EXTRA_DATA=[str(extra)],
                         GRAPH_SERVICE_VALIDATE_ON_LOAD=False)
    load_files(store, [data], settings=settings)
    assert store.query("ASK { GRAPH <http://x/graph> { <http://x/e> ?p ?o } }").boolean
    assert len(_markers(store)) == 1 and store.query(DRUG_CLASS).rows


def test_validation_is_remembered_only_when_it_passes(tmp_path: Path, cache: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import graph_service.services.loading as loading

    calls: list[int] = []
    real = loading.validate_files

    def counted(*args: object, **kwargs: object) -> None:
        calls.append(1)
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loading, "validate_files", counted)
    settings = _settings()
    checked_sources(settings)
    checked_sources(settings)
    assert len(calls) == 1 and len(list((cache / "shacl").glob("*.json"))) == 1
    ontology = tmp_path / "ontology"
    shutil.copytree(ONTOLOGY_DIR, ontology)
    (ontology / "zz_broken.ttl").write_text(
        "@prefix dikg: <https://w3id.org/dikg/> .\n@prefix id: <https://w3id.org/dikg/id/> .\n"
        "id:ci-broken a dikg:Contraindication .\n")
    broken = _settings(GRAPH_SERVICE_ONTOLOGY_DIR=str(ontology))
    for _ in range(2):  # validated (and refused) every time
        with pytest.raises(InvalidDataError):
            checked_sources(broken)
    assert len(calls) == 3 and len(list((cache / "shacl").glob("*.json"))) == 1
    store = OxigraphBackend()
    with pytest.raises(InvalidDataError):
        load_files(store, [MINI], settings=broken)
    assert store.triple_count() == 0


def test_the_key_follows_files_and_shapes(tmp_path: Path) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_bytes(b"# shapes\n")
    key = validation_cache.validation_key([("a.ttl", b"x")], shapes=shapes)
    assert key == validation_cache.validation_key([("a.ttl", b"x")], shapes=shapes)
    assert key != validation_cache.validation_key([("a.ttl", b"y")], shapes=shapes)
    assert key != validation_cache.validation_key([("b.ttl", b"x")], shapes=shapes)
    shapes.write_bytes(b"# other shapes\n")
    assert key != validation_cache.validation_key([("a.ttl", b"x")], shapes=shapes)


def test_a_tampered_cache_entry_is_not_trusted(cache: Path) -> None:
    validation_cache.remember("abc", files=["a.ttl"])
    assert validation_cache.is_validated("abc")
    entry = cache / "shacl" / "abc.json"
    entry.write_text(json.dumps({"key": "other", "conforms": True}))
    assert not validation_cache.is_validated("abc")
    entry.write_text("not json")
    assert not validation_cache.is_validated("abc")


def test_start_up_files_are_the_ontology(tmp_path: Path) -> None:
    assert [p.name for p in ontology_files(_settings())] == sorted(
        p.name for p in ONTOLOGY_DIR.glob("*.ttl") if p.name != "shapes.ttl")


def test_a_byte_order_mark_after_the_ontology_is_dropped(tmp_path: Path, cache: Path) -> None:
    data = tmp_path / "bom.nt.gz"
    data.write_bytes(gzip.compress(b"\xef\xbb\xbf" + _lines(2)))
    store = OxigraphBackend()
    settings = _settings(GRAPH_SERVICE_VALIDATE_ON_LOAD=False)
    assert load_files(store, [data], settings=settings) == [(data, 2)]
    assert store.query(DRUG_CLASS).rows


def test_blank_nodes_of_two_files_stay_apart(tmp_path: Path) -> None:
    one, two = tmp_path / "one.nt", tmp_path / "two.ttl"
    one.write_bytes(b"_:b <http://x/p> <http://x/o> .\n")
    two.write_bytes(b"_:b <http://x/p> <http://x/o> .\n")
    store = OxigraphBackend(path=tmp_path / "store")
    load_files(store, [one, two])
    assert len(list(store.store.quads_for_pattern(None, ox.NamedNode("http://x/p"), None))) == 2
    store.close()


NO_VALIDATION = {"FLASK_GRAPH_SERVICE_VALIDATE_ON_LOAD": "false",
                 "FLASK_GRAPH_SERVICE_EXTRA_DATA": ""}


def test_cli_refuses_a_bad_first_file_and_leaves_the_new_store_empty(runner: Any,
                                                                      tmp_path: Path) -> None:
    from graph_service.cli import main

    bad = tmp_path / "bad.nt"
    bad.write_bytes(_lines(20) + b"<http://x/a> <http://x/p> .\n")
    store = tmp_path / "store"
    result = runner.invoke(main, ["load", str(bad), "--store", str(store)], env=NO_VALIDATION)
    assert result.exit_code == 1 and f"{bad} (line 21)" in result.output
    assert len(ox.Store.read_only(str(store))) == 0
    good = tmp_path / "good.nt"
    good.write_bytes(_lines(20))
    result = runner.invoke(main, ["load", str(good), "--store", str(store), "--optimize"],
                           env=NO_VALIDATION)
    assert result.exit_code == 0 and f"        20  {good}" in result.output
    reopened = OxigraphBackend(path=store, read_only=True)
    assert reopened.query(DRUG_CLASS).rows and len(_markers(reopened)) == 1
    reopened.close()


def test_cli_loads_into_a_remote_server(runner: Any, remote_server: Any) -> None:
    from graph_service.backends.remote import RemoteBackend
    from graph_service.cli import main

    remote = RemoteBackend(query_url=remote_server.query_url, update_url=remote_server.update_url,
                           store_url=remote_server.store_url, timeout=10)
    remote.clear()
    try:
        options = ["--remote-url", remote_server.query_url,
                   "--remote-store-url", remote_server.store_url]
        result = runner.invoke(main, ["load", str(MINI), *options], env=NO_VALIDATION)
        assert result.exit_code == 2 and "--remote-update-url" in result.output
        options += ["--remote-update-url", remote_server.update_url]
        result = runner.invoke(main, ["load", str(MINI), *options], env=NO_VALIDATION)
        assert result.exit_code == 0, result.output
        assert f"        46  {MINI}" in result.output
        assert remote.query(DRUG_CLASS).rows and len(_markers(remote)) == 1
    finally:
        remote.clear()


def test_an_interrupted_load_commits_nothing_and_is_not_a_data_error(tmp_path: Path) -> None:
    data = tmp_path / "data.nt"
    data.write_bytes(_lines(50))
    store = OxigraphBackend(path=tmp_path / "store")

    def interrupt(_: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load_files(store, [data], on_bytes=interrupt)
    assert store.triple_count() == 0
    store.close()

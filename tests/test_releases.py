"""Releases, backups and restores while serving: atomic switch, refusals that change nothing.

The live test runs the real gunicorn server: a slow query started before a release finishes on
the old version while requests after the switch see the new one.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from curation import (
    ADMIN,
    ID,
    copy_root,
    curated_store,
    entity_update,
    head_quads,
    server,
    service_app,
)

from graph_service.backends.versions import VERSIONS, read_head
from graph_service.models import ONTOLOGY_DIR

NEW_ENTITY = f"{ID}released-drug"
EXTRA = """@prefix id: <https://w3id.org/dikg/id/> . @prefix dikg: <https://w3id.org/dikg/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
id:released-drug a dikg:Drug ; skos:prefLabel "released drug"@en ;
    rdfs:label "released drug"@en ; skos:definition "A drug added by a release." .
"""
MARKER = ("SELECT ?v WHERE { <https://w3id.org/dikg/id/graph-release> "
          "<https://w3id.org/dikg/version> ?v }")


@pytest.fixture
def root(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return copy_root(curated_store(tmp_path_factory), tmp_path / "store")


def release_files(tmp_path: Path, extra: str = EXTRA, name: str = "extra.ttl") -> list[str]:
    path = tmp_path / name
    path.write_text(extra)
    return [*(str(p) for p in sorted(ONTOLOGY_DIR.glob("*.ttl"))), str(path)]


def invoke(runner: Any, *args: str) -> Any:
    from graph_service.cli import main

    return runner.invoke(main, list(args), catch_exceptions=False)


def ask(client: Any, iri: str) -> bool:
    """Is ``iri`` a subject in the default graph or a named graph?"""
    answer: bool = client.get("/sparql", query_string={
        "query": f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ GRAPH ?g {{ <{iri}> ?p ?o }} }} }}"}
    ).get_json()["boolean"]
    return answer


def test_a_release_switches_a_serving_worker_and_is_logged(root: Path, tmp_path: Path,
                                                            runner: Any) -> None:
    client = service_app(root).test_client()
    old = client.get("/health").get_json()["graph_version"]
    assert not ask(client, NEW_ENTITY)
    result = invoke(runner, "release", *release_files(tmp_path), "--store", str(root))
    assert result.exit_code == 0, result.output
    head = read_head(root)
    assert head is not None and head.version in result.output and head.version != old
    assert client.get("/health").get_json()["graph_version"] == head.version
    assert ask(client, NEW_ENTITY)
    [entry] = [json.loads(x) for x in (root / "dikg-changes.jsonl").read_text().splitlines()]
    assert entry["event"] == "release" and entry["version_before"] == old
    assert entry["what"][-1].endswith("extra.ttl") and entry["triples"] > entry["triples_before"]
    assert "release" in invoke(runner, "log", "--store", str(root)).output


@pytest.mark.parametrize(("extra", "expected"), [
    ("id:x a <https://w3id.org/dikg/Drug> ;;; .", ["bad.ttl", "line"]),
    (EXTRA.replace('rdfs:label "released drug"@en ;', ""),
     ["bad.ttl", "id:released-drug", "rdfs:label equals the preferred label"]),
])
def test_a_failed_release_leaves_the_live_graph_untouched(root: Path, tmp_path: Path,
                                                          runner: Any, extra: str,
                                                          expected: list[str]) -> None:
    client = service_app(root).test_client()
    client.post("/sparql", data={"update": entity_update("kept-drug")}, headers=ADMIN)
    head, quads = read_head(root), head_quads(root)
    result = invoke(runner, "release", *release_files(tmp_path, extra, "bad.ttl"),
                    "--store", str(root), "--force")
    assert result.exit_code == 1
    assert "release refused, the live graph is unchanged" in result.output
    assert all(text in result.output for text in expected), result.output
    assert read_head(root) == head and head_quads(root) == quads
    assert not list((root / VERSIONS).glob("build-*"))
    assert client.get("/health").get_json()["graph_version"] == head.version  # type: ignore[union-attr]


def test_a_release_does_not_drop_curator_writes_unless_forced(root: Path, tmp_path: Path,
                                                              runner: Any) -> None:
    service_app(root).test_client().post(
        "/sparql", data={"update": entity_update("curated-drug")}, headers=ADMIN)
    head = read_head(root)
    refused = invoke(runner, "release", *release_files(tmp_path), "--store", str(root))
    assert refused.exit_code == 1 and "1 curator write(s)" in refused.output
    assert read_head(root) == head


def test_dump_and_restore_round_trip_the_quads_exactly(root: Path, tmp_path: Path,
                                                       runner: Any) -> None:
    client = service_app(root).test_client()
    named = "https://w3id.org/dikg/graph/round-trip"
    client.put(f"/store?graph={named}", content_type="text/turtle", headers=ADMIN,
               data=EXTRA.replace("released-drug", "named-drug").replace("released drug",
                                                                         "named drug"))
    client.post("/sparql", headers=ADMIN, data={
        "update": "INSERT DATA { <https://w3id.org/dikg/id/x-note> "
                  "<http://www.w3.org/2000/01/rdf-schema#seeAlso> _:note . "
                  '_:note <http://www.w3.org/2000/01/rdf-schema#comment> "blank" }'})
    backup = tmp_path / "backup.nq"
    dumped = invoke(runner, "dump", "--store", str(root), "-o", str(backup))
    assert dumped.exit_code == 0 and read_head(root).version in dumped.output  # type: ignore[union-attr]
    lines = set(backup.read_text().splitlines())
    assert lines == head_quads(root) and any(f"<{named}> ." in x for x in lines)
    assert any(x.startswith("_:") for x in lines)
    before = client.get("/health").get_json()["graph_version"]
    client.delete(f"/store?graph={named}", headers=ADMIN)  # a change after the backup
    assert not ask(client, f"{ID}named-drug")
    packed = tmp_path / "backup.nq.gz"
    packed.write_bytes(gzip.compress(backup.read_bytes()))
    restored = invoke(runner, "restore", str(packed), "--store", str(root))
    assert restored.exit_code == 0, restored.output
    assert client.get("/health").get_json()["graph_version"] not in (before, None)
    assert ask(client, f"{ID}named-drug")  # the serving worker switched
    again = tmp_path / "again.nq"
    invoke(runner, "dump", "--store", str(root), "-o", str(again))
    assert again.read_bytes().count(b"\n") == len(lines)
    assert set(again.read_text().splitlines()) == lines  # blank node labels included
    assert json.loads(invoke(runner, "log", "--store", str(root), "--json")
                      .output.splitlines()[-1])["event"] == "restore"


def test_restore_into_an_empty_directory(tmp_path: Path, runner: Any) -> None:
    backup = tmp_path / "small.nq"
    backup.write_text(
        f'<{ID}small-drug> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
        '<https://w3id.org/dikg/Drug> <https://w3id.org/dikg/graph/g> .\n'
        f'<{ID}small-drug> <http://www.w3.org/2004/02/skos/core#prefLabel> "small drug"@en .\n'
        f'<{ID}small-drug> <http://www.w3.org/2000/01/rdf-schema#label> "small drug"@en .\n'
        f'<{ID}small-drug> <http://www.w3.org/2004/02/skos/core#definition> "Small." .\n'
        '_:b1 <http://www.w3.org/2000/01/rdf-schema#comment> "kept label" .\n')
    fresh = tmp_path / "fresh"
    assert invoke(runner, "restore", str(backup), "--store", str(fresh)).exit_code == 0
    assert head_quads(fresh) == set(backup.read_text().splitlines())
    client = service_app(fresh).test_client()
    assert client.get("/health").get_json()["graph_version"] == read_head(fresh).version  # type: ignore[union-attr]


def test_a_broken_backup_is_refused(root: Path, tmp_path: Path, runner: Any) -> None:
    broken = tmp_path / "broken.nq"
    broken.write_text('<http://x/a> <http://x/b> "c" .\n<http://x/a> <http://x/b> .\n')
    head = read_head(root)
    result = invoke(runner, "restore", str(broken), "--store", str(root))
    assert result.exit_code == 1 and "line 2" in result.output and read_head(root) == head
    assert "restore refused, the live graph is unchanged" in result.output


# --- the live swap ---------------------------------------------------------------------------

def _get(url: str) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _slow(rows: int) -> str:
    """Counts rows² solutions (all computed before the first answer) and names the release."""
    return ("SELECT ?v (COUNT(*) AS ?n) WHERE { <https://w3id.org/dikg/id/graph-release> "
            "<https://w3id.org/dikg/version> ?v . "
            f"{{ SELECT ?a WHERE {{ ?a ?b ?c }} LIMIT {rows} }} "
            f"{{ SELECT ?d WHERE {{ ?d ?e ?f }} LIMIT {rows} }} }} GROUP BY ?v")


@pytest.mark.live
def test_live_release_in_flight_request_finishes_on_the_old_version(root: Path,
                                                                     tmp_path: Path) -> None:
    from graph_service.services.releases import prepare_release, publish_prepared

    old = read_head(root)
    with server(root, tmp_path / "server.log") as (base, _):
        sparql = f"{base}/sparql?"
        old_marker = _get(sparql + urllib.parse.urlencode({"query": MARKER}))
        old_marker = old_marker["results"]["bindings"][0]["v"]["value"]
        prepared = prepare_release(root, [Path(p) for p in release_files(tmp_path)],
                                   ontology_dir=ONTOLOGY_DIR)  # built and validated beside
        started = time.monotonic()
        _get(sparql + urllib.parse.urlencode({"query": _slow(1500)}))
        rows = min(6000, int(1500 * (3.0 / max(time.monotonic() - started, 0.05)) ** 0.5))
        answer: dict[str, Any] = {}

        def slow() -> None:
            began = time.monotonic()
            answer["body"] = _get(sparql + urllib.parse.urlencode({"query": _slow(rows)}))
            answer["took"], answer["ended"] = time.monotonic() - began, time.monotonic()

        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.5)  # the slow request is running on the old version now
        head = publish_prepared(prepared, who="test")
        switched = time.monotonic()
        new_marker = _get(sparql + urllib.parse.urlencode({"query": MARKER}))
        with urllib.request.urlopen(f"{base}/health", timeout=10) as response:
            health = json.loads(response.read())
        check = urllib.request.Request(f"{base}/api/v1/check", method="POST",
                                       data=json.dumps({"drugs": ["naltrexone"]}).encode(),
                                       headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(check, timeout=30) as response:
            checked = json.loads(response.read())
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert health["graph_version"] == checked["graph_version"] == head.version != old_marker
    assert new_marker["results"]["bindings"][0]["v"]["value"] == prepared.version
    [row] = answer["body"]["results"]["bindings"]
    assert row["v"]["value"] == old_marker  # the in-flight request saw the old version
    assert int(row["n"]["value"]) == rows * rows
    assert answer["ended"] > switched  # ... and was still running after the switch
    assert answer["took"] < 10 and old is None


def test_serve_never_rebuilds_a_store_with_curator_writes(root: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    """Changed files do not make `dikg serve` rebuild over curator writes (only --rebuild)."""
    from graph_service.cli.data import cli_settings
    from graph_service.cli.serve import build_store

    service_app(root).test_client().post(
        "/sparql", data={"update": entity_update("kept-drug")}, headers=ADMIN)
    head, quads = read_head(root), head_quads(root)
    assert head is not None
    changed = cli_settings(store="oxigraph", store_path=str(root), load_on_start=True,
                           extra_data=[release_files(tmp_path)[-1]])
    assert build_store(changed) == head.version
    assert "has curator writes or releases" in capsys.readouterr().err
    assert read_head(root) == head and head_quads(root) == quads
    client = service_app(root).test_client()
    assert client.get("/health").get_json()["graph_version"] == head.version
    assert ask(client, f"{ID}kept-drug")
    rebuilt = build_store(changed, rebuild=True)
    assert read_head(root) is None and rebuilt != head.version
    assert not ask(service_app(root).test_client(), f"{ID}kept-drug")

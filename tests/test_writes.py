"""Curator writes: token, one validated transaction per write, 422 refusals, change log, GSP.

Every test runs the service as a gunicorn worker would (the on-disk store opened read-only)
over its own copy of a store built from the curated ontology.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from curation import (
    ADMIN,
    ID,
    PREFIXES,
    claim_iris,
    claim_update,
    copy_root,
    curated_store,
    entity_update,
    head_quads,
    service_app,
)
from rdflib import Graph, URIRef

from graph_service.backends.versions import VERSIONS, read_head


@pytest.fixture
def root(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return copy_root(curated_store(tmp_path_factory), tmp_path / "store")


def ask(client: Any, iri: str) -> bool:
    response = client.get("/sparql", query_string={"query": f"ASK {{ <{iri}> ?p ?o }}"})
    assert response.status_code == 200
    answer: bool = response.get_json()["boolean"]
    return answer


def log_lines(root: Path) -> list[dict[str, Any]]:
    path = root / "dikg-changes.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def test_writes_need_the_token_and_change_nothing_without_it(root: Path) -> None:
    client = service_app(root).test_client()
    before = head_quads(root)
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = client.post("/sparql", data={"update": entity_update("no-token")},
                               headers=headers)
        assert response.status_code == 403 and response.get_json()["error"] == "update_refused"
        response = client.put("/store?default", data="<a:b> <a:c> <a:d> .",
                              content_type="application/n-triples", headers=headers)
        assert response.status_code == 403
    assert head_quads(root) == before and read_head(root) is None and not log_lines(root)
    tokenless = service_app(root, GRAPH_SERVICE_ADMIN_TOKEN=None).test_client()
    assert tokenless.get("/store?default").status_code == 404  # writes off: no endpoint
    refused = tokenless.post("/sparql", data={"update": entity_update("no-token")},
                             headers={"Authorization": "Bearer "})
    assert refused.status_code == 403


def test_an_accepted_update_is_one_new_version_logged_before_it_is_acknowledged(
        root: Path, runner: Any) -> None:
    client = service_app(root).test_client()
    version = client.get("/health").get_json()["graph_version"]
    response = client.post("/sparql", data={"update": claim_update(1)},
                           headers={**ADMIN, "From": "alice@example.org"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["added"] == 14 and body["removed"] == 0 and body["version_before"] == version
    assert body["graph_version"] != version and body["validation"]["scope"] == "focused"
    assert client.get("/health").get_json()["graph_version"] == body["graph_version"]
    assert all(ask(client, iri) for iri in claim_iris(1))
    [entry] = log_lines(root)
    assert entry["who"] == "admin-token (alice@example.org)" and entry["client"] == "127.0.0.1"
    assert entry["what"] == claim_update(1) and entry["added"] == 14
    assert (entry["version_before"], entry["version_after"]) == (version, body["graph_version"])
    assert read_head(root).version == body["graph_version"]  # type: ignore[union-attr]
    from graph_service.cli import main

    printed = runner.invoke(main, ["log", "--store", str(root)])
    assert printed.exit_code == 0, printed.output
    assert "alice@example.org" in printed.output and f"{version} -> {body['graph_version']}" \
        in printed.output and "+14 -0" in printed.output


def test_an_invalid_write_is_refused_with_its_violations_and_changes_nothing(root: Path) -> None:
    client = service_app(root).test_client()
    client.post("/sparql", data={"update": entity_update("first-drug")}, headers=ADMIN)
    before, head, log = head_quads(root), read_head(root), log_lines(root)
    response = client.post("/sparql", headers=ADMIN, data={
        "update": entity_update("broken-drug", label="another name")})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_data" and body["status"] == 422
    violation = body["violations"][0]  # sh:equals reports each differing value
    assert {v["value"] for v in body["violations"]} == {"another name", "broken drug"}
    assert violation["file"] == "SPARQL Update" and violation["node"] == f"{ID}broken-drug"
    assert violation["rule"] == "rdfs:label equals the preferred label"
    assert "id:broken-drug" in body["message"] and "nothing changed" in body["message"]
    assert head_quads(root) == before and read_head(root) == head and log_lines(root) == log
    assert not ask(client, f"{ID}broken-drug")
    assert sorted(p.name for p in (root / VERSIONS).iterdir()) == ["000001", "000001.json"]


def test_a_claim_whose_subject_loses_its_type_is_refused(root: Path) -> None:
    """The change is on the drug; the broken rule is on the claims pointing at it."""
    client = service_app(root).test_client()
    response = client.post("/sparql", headers=ADMIN, data={
        "update": PREFIXES + "DELETE WHERE { id:acamprosate a ?type }"})
    assert response.status_code == 422
    nodes = {v["node"] for v in response.get_json()["violations"]}
    assert any(n.startswith(f"{ID}ix-") or n.startswith(f"{ID}alt-") for n in nodes)
    assert ask(client, f"{ID}acamprosate")


def test_the_release_marker_is_not_a_curator_write(root: Path) -> None:
    client = service_app(root).test_client()
    response = client.post("/sparql", headers=ADMIN, data={
        "update": "DELETE WHERE { <https://w3id.org/dikg/id/graph-release> ?p ?o }"})
    assert response.status_code == 403 and read_head(root) is None


def test_graph_store_protocol_put_get_post_delete(root: Path) -> None:
    client = service_app(root).test_client()
    graph = "https://w3id.org/dikg/graph/curation-test"
    url = f"/store?graph={graph}"
    turtle = ("@prefix id: <https://w3id.org/dikg/id/> . @prefix dikg: <https://w3id.org/dikg/> ."
              "@prefix skos: <http://www.w3.org/2004/02/skos/core#> ."
              "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
              'id:gsp-drug a dikg:Drug ; skos:prefLabel "gsp drug"@en ; '
              'rdfs:label "gsp drug"@en ; skos:definition "Made up." .')
    assert client.get(url, headers=ADMIN).status_code == 404
    created = client.put(url, data=turtle, content_type="text/turtle", headers=ADMIN)
    assert created.status_code == 201 and created.get_json()["added"] == 4
    fetched = client.get(url, headers={**ADMIN, "Accept": "application/n-triples"})
    assert fetched.status_code == 200 and fetched.mimetype == "application/n-triples"
    assert len(Graph().parse(data=fetched.data, format="nt")) == 4
    added = client.post(url, content_type="application/n-triples", headers=ADMIN,
                        data=f'<{ID}gsp-drug> <http://www.w3.org/2004/02/skos/core#altLabel> '
                             '"GSP" .')
    assert added.status_code == 200 and added.get_json()["added"] == 1
    bad = client.post(url, content_type="application/n-triples", headers=ADMIN,
                      data=f'<{ID}gsp-drug> <http://www.w3.org/2004/02/skos/core#prefLabel> '
                           '"second"@en .')
    assert bad.status_code == 422 and bad.get_json()["violations"][0]["file"].startswith("POST")
    replaced = client.put(url, data=turtle, content_type="text/turtle", headers=ADMIN)
    assert replaced.status_code == 200 and replaced.get_json()["removed"] == 1
    turtle_back = Graph().parse(data=client.get(url, headers=ADMIN).data, format="turtle")
    assert (URIRef(f"{ID}gsp-drug"), None, None) in turtle_back and len(turtle_back) == 4
    assert client.delete(url, headers=ADMIN).get_json()["removed"] == 4
    assert client.delete(url, headers=ADMIN).status_code == 404
    assert client.get(url, headers=ADMIN).status_code == 404
    assert [e["operation"] for e in log_lines(root)] == ["put", "post", "put", "delete"]


@pytest.mark.parametrize(("path", "kwargs", "status"), [
    ("/store", {"method": "PUT", "data": "", "content_type": "text/turtle"}, 400),
    ("/store?default&graph=http://x/g", {"method": "GET"}, 400),
    ("/store?graph=not-an-iri", {"method": "GET"}, 400),
    ("/store?default", {"method": "PUT", "data": "x", "content_type": "text/plain"}, 415),
    ("/store?default", {"method": "POST", "data": "<a:b> <a:c> .",
                        "content_type": "application/n-triples"}, 422),
    ("/store?default", {"method": "GET", "headers": {"Accept": "image/png"}}, 406),
    ("/store?default", {"method": "PATCH"}, 405),
])
def test_graph_store_protocol_errors(root: Path, path: str, kwargs: dict[str, Any],
                                     status: int) -> None:
    client = service_app(root).test_client()
    headers = {**ADMIN, **kwargs.pop("headers", {})}
    response = client.open(path, headers=headers, **kwargs)
    assert response.status_code == status
    assert response.get_json()["status"] == status and read_head(root) is None


def test_other_workers_and_the_cache_follow_a_write(root: Path) -> None:
    writer = service_app(root).test_client()
    reader = service_app(root, GRAPH_SERVICE_CACHE_SIZE=64).test_client()
    assert not ask(reader, f"{ID}followed-drug")  # cached now
    assert not ask(reader, f"{ID}followed-drug")
    found = reader.get("/api/v1/entities", query_string={"q": "followed drug"}).get_json()
    assert found["resolved"] is None  # the name index is built for this version
    version = writer.post("/sparql", data={"update": entity_update("followed-drug")},
                          headers=ADMIN).get_json()["graph_version"]
    assert ask(reader, f"{ID}followed-drug")
    assert reader.get("/health").get_json()["graph_version"] == version
    found = reader.get("/api/v1/entities", query_string={"q": "followed drug"}).get_json()
    assert found["resolved"]["iri"] == f"{ID}followed-drug"
    assert found["graph_version"] == version


def test_concurrent_writers_from_two_workers_are_serialized(root: Path) -> None:
    clients = [service_app(root).test_client() for _ in range(2)]
    statuses: list[int] = []

    def write(client: Any, start: int) -> None:
        for n in range(start, start + 3):
            statuses.append(client.post("/sparql", data={"update": claim_update(n)},
                                        headers=ADMIN).status_code)

    threads = [threading.Thread(target=write, args=(c, 10 * i)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 6
    log = log_lines(root)
    assert [e["seq_after"] for e in log] == list(range(1, 7))
    assert [e["seq_before"] for e in log] == list(range(0, 6))
    assert all(f"<{claim_iris(n)[0]}>" in " ".join(head_quads(root)) for n in (0, 1, 2, 10, 11))


def test_a_crashed_write_is_marked_abandoned_and_its_directory_removed(root: Path,
                                                                       runner: Any) -> None:
    from graph_service.cli import main
    from graph_service.services import changelog

    client = service_app(root).test_client()
    client.post("/sparql", data={"update": entity_update("before-crash")}, headers=ADMIN)
    changelog.append(root, {"event": "write", "time": "t", "who": "crashed", "added": 4,
                            "seq_before": 1, "seq_after": 2, "version_after": "lost"})
    (root / VERSIONS / "000002").mkdir()  # what the crashed writer left
    with (root / "dikg-changes.jsonl").open("a") as stream:
        stream.write('{"event": "write", "torn')  # a line cut by SIGKILL
    assert "pending" in runner.invoke(main, ["log", "--store", str(root)]).output
    client.post("/sparql", data={"update": entity_update("after-crash")}, headers=ADMIN)
    output = runner.invoke(main, ["log", "--store", str(root), "--json"]).output
    states = [(json.loads(x).get("who"), json.loads(x)["status"]) for x in output.splitlines()]
    assert states == [("admin-token", "committed"), ("crashed", "abandoned"),
                      ("admin-token", "committed")]
    assert read_head(root).seq == 3 and not (root / VERSIONS / "000002").exists()  # type: ignore[union-attr]


def test_an_in_memory_store_validates_updates_too() -> None:
    from graph_service import create_app
    from graph_service.backends.base import RdfSource
    from graph_service.backends.oxigraph import OxigraphBackend
    from graph_service.models import ONTOLOGY_DIR

    store = OxigraphBackend()  # the TBox is enough for the shapes of a drug
    store.load([RdfSource(ONTOLOGY_DIR / "dikg.ttl", "turtle", name="dikg.ttl")])
    app = create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none",
                      "GRAPH_SERVICE_ADMIN_TOKEN": "curator-secret"}, backend=store)
    client = app.test_client()
    refused = client.post("/sparql", headers=ADMIN,
                          data={"update": entity_update("memory-drug", label="other")})
    assert refused.status_code == 422 and not ask(client, f"{ID}memory-drug")
    accepted = client.post("/sparql", data={"update": entity_update("memory-drug")},
                           headers=ADMIN)
    assert accepted.status_code == 200 and ask(client, f"{ID}memory-drug")
    assert client.put("/store?default", data="", content_type="text/turtle",
                      headers=ADMIN).status_code == 501


def test_recovery_reads_the_end_of_a_long_log(tmp_path: Path) -> None:
    from graph_service.backends.versions import Head
    from graph_service.services import changelog

    head = Head(version="v2", dir="dikg-versions/000002", seq=2, published=0.0, operation="x")
    long_text = "x" * 300_000  # longer than one read-back chunk
    changelog.append(tmp_path, {"event": "write", "seq_before": 0, "seq_after": 1})
    changelog.append(tmp_path, {"event": "write", "seq_before": 1, "seq_after": 2,
                                "what": long_text})
    assert changelog.recover(tmp_path, head) is None  # the last change is current
    changelog.append(tmp_path, {"event": "write", "seq_before": 2, "seq_after": 3,
                                "what": long_text})
    marked = changelog.recover(tmp_path, head)
    assert marked is not None and marked["seq_after"] == 3
    assert changelog.recover(tmp_path, head) is None  # marked once
    assert [e.status for e in changelog.entries(tmp_path, head)] == [
        "committed", "committed", "abandoned"]


def test_focused_validation_finds_what_whole_graph_validation_finds(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Several broken changes at once: the nodes and rules found are the same both ways."""
    import pyoxigraph as ox

    from graph_service.services.write_checks import check_change, check_whole
    from graph_service.services.writes import diff, nquads
    from graph_service.validation import load_shapes

    source = ox.Store.read_only(str(curated_store(tmp_path_factory)))
    store = ox.Store()
    store.extend(source)
    before = nquads(store)
    store.update(entity_update("broken-drug", label="another name"))  # on the node itself
    store.update(PREFIXES + "DELETE WHERE { id:acamprosate a ?type }")  # on claims about it
    store.update(claim_update(1).replace("id:cit-ix-curation-test-1 .",
                                         "id:no-such-citation ."))  # sh:class on a value
    store.update(PREFIXES + "DELETE WHERE { id:src-l-tab dikg:sourceKind ?kind }")  # 2 steps
    added, removed = diff(before, nquads(store))
    shapes = load_shapes()
    focused = check_change(store, [*added, *removed], shapes=shapes, label="w")
    whole = check_whole(store, shapes=shapes, label="w")
    assert focused.scope == "focused" and not focused.report.conforms

    def found(check: Any) -> set[tuple[str, str | None, str | None]]:
        return {(v.focus_node, v.message, v.value) for v in check.report.violations}

    assert found(focused) == found(whole)
    nodes = {v.focus_node for v in focused.report.violations}
    assert {f"{ID}broken-drug", f"{ID}src-l-tab", claim_iris(1)[0]} <= nodes
    assert f"{ID}ae-naltrexone-dizziness" in nodes  # claim -> citation -> src-l-tab

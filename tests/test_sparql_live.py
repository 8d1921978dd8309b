"""/sparql on the REAL service (gunicorn, 2 workers x 4 threads) for each store, with real clients.

SPARQLWrapper and rdflib's ``SPARQLStore`` query it in every format; a socket listener proves
SERVICE / FROM / default-graph-uri never connect anywhere; a runaway query is stopped at the
time limit and its CPU freed; nesting that would crash the engine is refused and the workers
live on. The remote store is the service in front of a real ``oxigraph serve``.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.dom.minidom import Document

import pyoxigraph as ox
import pytest
from live import oxigraph_server, service
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

pytestmark = [pytest.mark.live, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parent.parent
TIME_LIMIT = 2.0
NALTREXONE = "https://w3id.org/dikg/id/naltrexone"
SKOS = "http://www.w3.org/2004/02/skos/core#"
LABELS = (f"PREFIX skos: <{SKOS}> SELECT ?drug ?label WHERE {{ VALUES ?drug {{ <{NALTREXONE}> "
          "<https://w3id.org/dikg/id/acamprosate> } ?drug skos:prefLabel ?label } ORDER BY ?label")
EXPECTED = [(NALTREXONE.replace("naltrexone", "acamprosate"), "acamprosate"),
            (NALTREXONE, "naltrexone")]
CARD = f"CONSTRUCT {{ <{NALTREXONE}> ?p ?o }} WHERE {{ <{NALTREXONE}> ?p ?o }}"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
STORES = ["oxigraph", "rdflib", "remote"]


@dataclass
class Live:
    """A running service: its URL, store name and (for remote) the oxigraph server's pid."""

    url: str
    store: str
    remote_pid: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return f"{self.url}/sparql"


def _ontology_files() -> list[Path]:
    return sorted(p for p in (ROOT / "ontology").glob("*.ttl") if p.name != "shapes.ttl")


@pytest.fixture(scope="module", params=STORES)
def live(request: pytest.FixtureRequest) -> Iterator[Live]:
    env = {"FLASK_GRAPH_SERVICE_STORE": request.param, "FLASK_GRAPH_SERVICE_VALIDATE_ON_LOAD": "0",
           "FLASK_GRAPH_SERVICE_QUERY_TIMEOUT": str(TIME_LIMIT),
           "FLASK_GRAPH_SERVICE_EXTRA_DATA": "[]"}
    args = ["--threads", "4", "--limit-request-line", "0"]
    if request.param != "remote":
        with service(env, workers=2, extra_args=args) as url:
            yield Live(url, request.param)
        return
    with oxigraph_server(_ontology_files()) as server:
        env.update(FLASK_GRAPH_SERVICE_REMOTE_URL=server.query_url,
                   FLASK_GRAPH_SERVICE_REMOTE_UPDATE_URL=server.update_url,
                   FLASK_GRAPH_SERVICE_REMOTE_STORE_URL=server.store_url)
        with service(env, workers=2, extra_args=args) as url:
            yield Live(url, request.param, remote_pid=server.pid)


def http(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
         timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def post_query(live: Live, text: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return http(live.endpoint, data=text.encode(),
                headers={"Content-Type": "application/sparql-query", **headers})


def wrapper(live: Live, query: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(live.endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


# --- real clients, every format -------------------------------------------------------------

def test_sparqlwrapper_select_json_and_xml(live: Live) -> None:
    result = wrapper(live, LABELS, JSON).query().convert()
    assert [(b["drug"]["value"], b["label"]["value"]) for b in result["results"]["bindings"]] \
        == EXPECTED
    client = wrapper(live, LABELS, XML)
    client.setMethod(POST)
    document = client.query().convert()
    assert isinstance(document, Document)
    literals = [n.firstChild.data for n in document.getElementsByTagName("literal")]
    assert literals == ["acamprosate", "naltrexone"]


@pytest.mark.parametrize(("fmt", "fmt_enum"), [("csv", ox.QueryResultsFormat.CSV),
                                               ("tsv", ox.QueryResultsFormat.TSV)])
def test_sparqlwrapper_select_csv_and_tsv(live: Live, fmt: str,
                                          fmt_enum: ox.QueryResultsFormat) -> None:
    body = wrapper(live, LABELS, {"csv": CSV, "tsv": TSV}[fmt]).query().convert()
    assert isinstance(body, bytes)
    if fmt == "csv":
        lines = body.decode().splitlines()
        assert lines == ["drug,label", *(f"{d},{label}" for d, label in EXPECTED)]
    else:
        rows = ox.parse_query_results(body, fmt_enum)
        assert [(r["drug"].value, r["label"].value) for r in rows] == EXPECTED


def test_sparqlwrapper_ask(live: Live) -> None:
    assert wrapper(live, f"ASK {{ <{NALTREXONE}> ?p ?o }}", JSON).query().convert()["boolean"]
    assert not wrapper(live, "ASK { <urn:nothing> ?p ?o }", JSON).query().convert()["boolean"]


@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML])
def test_sparqlwrapper_construct_graph_formats(live: Live, fmt: str) -> None:
    answer = wrapper(live, CARD, fmt).query()
    if fmt == RDFXML:  # SPARQLWrapper's convert() builds a deprecated rdflib ConjunctiveGraph
        assert answer.response.headers["Content-Type"] == "application/rdf+xml"
        graph = Graph().parse(data=answer.response.read(), format="xml")
    else:
        graph = Graph().parse(data=answer.convert(), format="turtle")
    assert (URIRef(NALTREXONE), URIRef(SKOS + "prefLabel"), Literal("naltrexone", lang="en")) \
        in graph
    assert len(graph) > 10


@pytest.mark.parametrize(("accept", "fmt"), [("application/ld+json", ox.RdfFormat.JSON_LD),
                                             ("application/n-triples", ox.RdfFormat.N_TRIPLES)])
def test_sparqlwrapper_construct_by_conneg_only(live: Live, accept: str,
                                                fmt: ox.RdfFormat) -> None:
    client = wrapper(live, CARD, TURTLE)
    client.setOnlyConneg(True)
    client.addCustomHttpHeader("Accept", accept)
    response = client.query().response
    assert response.headers["Content-Type"].startswith(accept)
    triples = {(t.subject.value, t.predicate.value, t.object.value)
               for t in ox.parse(response.read(), format=fmt)}
    assert (NALTREXONE, SKOS + "prefLabel", "naltrexone") in triples


@pytest.mark.parametrize("return_format", ["json", "xml"])
def test_rdflib_sparqlstore(live: Live, return_format: str) -> None:
    store = SPARQLStore(query_endpoint=live.endpoint, returnFormat=return_format)
    graph = Graph(store=store)  # a blank-node identifier: no default-graph-uri is sent
    rows = [(str(r[0]), str(r[1])) for r in graph.query(LABELS)]
    assert rows == EXPECTED
    assert graph.query(f"ASK {{ <{NALTREXONE}> ?p ?o }}").askAnswer is True
    if return_format == "xml":  # its Accept then names application/rdf+xml too
        constructed = graph.query(CARD).graph
        assert constructed is not None
        assert (URIRef(NALTREXONE), URIRef(SKOS + "prefLabel"),
                Literal("naltrexone", lang="en")) in constructed
    store.close()


# --- no outbound request, ever --------------------------------------------------------------

class Listener:
    """A real TCP listener on a free loopback port that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        deadline = time.monotonic() + 300
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def test_service_never_reaches_the_listener(live: Live, listener: Listener) -> None:
    target = f"http://127.0.0.1:{listener.port}/sparql"
    texts = [f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
             f"SELECT * WHERE {{ ?s ?p 1SERVICE <{target}> {{}} }}",
             f"PREFIX : <{target}#> SELECT * WHERE {{ SERVICE:x {{}} }}",
             f"select * {{ service silent <{target}> {{}} }}"]
    for text in texts:
        status, _, body = post_query(live, text)
        assert status == 403, body
        assert json.loads(body)["error"] == "outbound_request_refused"
    status, _, _ = http(f"{live.endpoint}?query=" + urllib.parse.quote(texts[0]))
    assert status == 403
    assert listener.accepted == 0
    socket.create_connection(("127.0.0.1", listener.port), timeout=5).close()  # it does listen
    deadline = time.monotonic() + 5
    while listener.accepted == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.accepted == 1


def test_from_and_dataset_parameters_never_fetch(live: Live, listener: Listener) -> None:
    target = f"http://127.0.0.1:{listener.port}/data.ttl"
    for text in [f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}",
                 f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"]:
        status, _, body = post_query(live, text, Accept="application/sparql-results+json")
        assert status == 200, body
        assert json.loads(body)["results"]["bindings"] == []
    query = urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o }",
                                    "default-graph-uri": target})
    status, _, body = http(f"{live.endpoint}?{query}")
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    assert listener.accepted == 0


# --- limits that protect the server ---------------------------------------------------------

def _group_pids(url: str) -> set[int]:
    """gunicorn master and worker pids (their command line holds the bind address)."""
    bind = url.removeprefix("http://").encode()
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if bind in (entry / "cmdline").read_bytes():
                    pids.add(int(entry.name))
            except OSError:
                continue
    return pids


def _cpu_seconds(pids: set[int]) -> float:
    """User + system CPU time of ``pids`` and all their descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo, seen = 0.0, list(pids), set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo += children.get(pid, [])
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def test_runaway_query_is_stopped_and_the_server_answers_on(live: Live) -> None:
    started = time.monotonic()
    status, _, body = post_query(live, RUNAWAY)
    elapsed = time.monotonic() - started
    assert status == 503, body
    assert json.loads(body)["error"] == "query_timeout"
    assert elapsed < TIME_LIMIT + 3
    started = time.monotonic()
    status, _, body = post_query(live, LABELS)
    assert status == 200 and time.monotonic() - started < 3
    assert [b["label"]["value"] for b in json.loads(body)["results"]["bindings"]] \
        == ["acamprosate", "naltrexone"]
    if live.store != "remote":  # the remote server's CPU is bounded by its own --timeout-s
        pids = _group_pids(live.url)
        before = _cpu_seconds(pids)
        time.sleep(1.0)
        assert _cpu_seconds(pids) - before < 0.5, "a killed query still burns CPU"


def test_other_requests_are_answered_while_a_query_runs_long(live: Live) -> None:
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        runaway = pool.submit(post_query, live, RUNAWAY)
        time.sleep(0.3)
        for _ in range(3):
            started = time.monotonic()
            assert http(f"{live.url}/health")[0] == 200
            status, _, _ = post_query(live, f"ASK {{ <{NALTREXONE}> ?p ?o }}")
            assert status == 200
            assert time.monotonic() - started < 1.5
        assert not runaway.done()
        assert runaway.result(timeout=TIME_LIMIT + 10)[0] == 503


@pytest.mark.parametrize("text", [
    "SELECT * WHERE " + "{" * 2500 + "}" * 2500,
    "SELECT * WHERE { FILTER(" + "(" * 10_000 + "1" + ")" * 10_000 + ") }",
    "SELECT * WHERE { " + " ".join(f"BIND({i} AS ?b{i})" for i in range(3500)) + " }",
])
def test_engine_crashing_queries_are_refused_and_workers_survive(live: Live, text: str) -> None:
    pids = _group_pids(live.url)
    assert len(pids) >= 3  # master and two workers
    status, _, body = post_query(live, text)
    assert status == 400, body
    assert json.loads(body)["error"] == "query_too_complex"
    status, _, _ = http(f"{live.endpoint}?query=" + urllib.parse.quote(text[:3000]))
    assert status == 400  # long GET lines reach the service (--limit-request-line 0)
    for _ in range(4):
        assert http(f"{live.url}/health")[0] == 200
    assert _group_pids(live.url) == pids


def test_service_description_and_errors_on_the_live_server(live: Live) -> None:
    status, headers, body = http(live.endpoint)
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=body, format="turtle")
    assert (URIRef(live.endpoint), URIRef(
        "http://www.w3.org/ns/sparql-service-description#endpoint"), URIRef(live.endpoint)) \
        in graph
    status, _, body = post_query(live, "SELECT * WHERE { ?s ?p }")
    assert status == 400 and "line" in json.loads(body)
    status, _, body = http(live.endpoint, data=b"update=CLEAR%20ALL",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403 and json.loads(body)["error"] == "update_refused"
    status, _, body = http(f"{live.url}/ready")
    assert status == 200 and json.loads(body)["status"] == "ready"

"""Operators' view: request ids, JSON access logs, Prometheus /metrics (also summed across real
gunicorn workers under ``dikg serve``), and the per-client rate limit (429 with Retry-After)."""

from __future__ import annotations

import doctest
import http.client
import json
import logging
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live import BIN, free_port, stop_process, wait_http
from prometheus_client.parser import text_string_to_metric_families

from graph_service import create_app
from graph_service.backends import GraphBackend
from graph_service.gunicorn_conf import on_starting
from graph_service.observability import REQUEST_ID_HEADER, JsonLines
from graph_service.state import get_state

EX = "http://example.org/"
GENERATED = re.compile(r"[0-9a-f]{32}")


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus text exposition: (name, labels) -> value."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
          **labels: str) -> float:
    """The sum of the samples called ``name`` whose labels include ``labels`` (0 if none)."""
    wanted = set(labels.items())
    return sum(v for (n, have), v in found.items() if n == name and wanted <= have)


class Lines(logging.Handler):
    """Collects the formatted access-log lines."""

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__()
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def access_lines() -> Iterator[list[str]]:
    """The JSON lines the access log writes during the test."""
    logger = logging.getLogger("graph_service.access")
    handler = Lines(JsonLines())
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(level)


# --- request ids and logs --------------------------------------------------------------------

def test_a_valid_request_id_is_echoed_and_a_bad_one_replaced(client: Any) -> None:
    assert client.get("/health", headers={REQUEST_ID_HEADER: "abc-1.2:x_Y"}).headers[
        REQUEST_ID_HEADER] == "abc-1.2:x_Y"
    for bad in ("a b", "x" * 129, "id\u00e9", "<script>", ""):
        echoed = client.get("/health", headers={REQUEST_ID_HEADER: bad}).headers[
            REQUEST_ID_HEADER]
        assert GENERATED.fullmatch(echoed), bad
    first, second = (client.get("/health").headers[REQUEST_ID_HEADER] for _ in range(2))
    assert GENERATED.fullmatch(first) and first != second


def test_error_bodies_carry_the_request_id(client: Any) -> None:
    cases = [client.get("/nowhere", headers={REQUEST_ID_HEADER: "r-404"}),
             client.post("/api/v1/check", data=b"{", content_type="application/json",
                         headers={REQUEST_ID_HEADER: "r-400"}),
             client.delete("/sparql", headers={REQUEST_ID_HEADER: "r-405"}),
             client.get("/sparql", query_string={"query": "SELEKT"},
                        headers={REQUEST_ID_HEADER: "r-malformed"})]
    for response, (rid, status) in zip(cases, [("r-404", 404), ("r-400", 400), ("r-405", 405),
                                               ("r-malformed", 400)], strict=True):
        body = response.get_json()
        assert response.status_code == status and body["status"] == status
        assert body["request_id"] == rid == response.headers[REQUEST_ID_HEADER]
        assert body["error"] and body["message"]
    ok = client.get("/api/v1/entities", query_string={"q": "naltrexone"})
    assert ok.status_code == 200 and "request_id" not in ok.get_json()


def test_one_json_log_line_per_request(client: Any, access_lines: list[str]) -> None:
    client.get("/api/v1/drugs/naltrexone", headers={REQUEST_ID_HEADER: "log-1"},
               environ_base={"REMOTE_ADDR": "127.0.0.9"})
    client.post("/api/v1/check", json={"drugs": 3})
    assert len(access_lines) == 2
    first, second = (json.loads(line) for line in access_lines)
    assert first["request_id"] == "log-1" and first["method"] == "GET"
    assert first["path"] == "/api/v1/drugs/naltrexone" and first["status"] == 200
    assert first["endpoint"] == "/api/v1/drugs/<path:ident>" and first["client"] == "127.0.0.9"
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert time.time() - time.mktime(time.strptime(first["time"][:19], "%Y-%m-%dT%H:%M:%S")) \
        < 24 * 3600
    assert second["status"] == 400 and GENERATED.fullmatch(second["request_id"])


def test_an_unhandled_error_is_logged_as_json_with_its_request_id(
        graph_store: GraphBackend) -> None:
    app = create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none"}, backend=graph_store)
    app.add_url_rule("/boom", "boom", lambda: 1 // 0)
    logger = logging.getLogger("graph_service")
    handler = Lines(JsonLines())
    logger.addHandler(handler)
    try:
        response = app.test_client().get("/boom", headers={REQUEST_ID_HEADER: "boom-1"})
    finally:
        logger.removeHandler(handler)
    body = response.get_json()
    assert response.status_code == 500 and body["request_id"] == "boom-1"
    assert "Traceback" not in json.dumps(body)
    line = json.loads(handler.lines[-1])
    assert line["level"] == "error" and line["request_id"] == "boom-1"
    assert line["logger"] == "graph_service.blueprints.errors"
    assert "ZeroDivisionError" in line["exception"]


# --- metrics ---------------------------------------------------------------------------------

@pytest.fixture
def small_app(graph_store: GraphBackend) -> Any:
    """The service with a row limit of 5, so a plain query is truncated."""
    return create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none",
                       "GRAPH_SERVICE_MAX_ROWS": 5}, backend=graph_store)


def test_metrics_count_requests_by_rule_status_latency_truncation_and_graph(
        small_app: Any) -> None:
    client = small_app.test_client()
    for ident in ("naltrexone", "acamprosate", "no-such-drug-xyz"):
        client.get(f"/api/v1/drugs/{ident}")
    cut = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert cut.status_code == 200 and "X-Dikg-Truncated" in cut.headers
    named = client.get("/api/v1/queries/sources")
    assert named.status_code == 200
    health = client.get("/health").get_json()
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    found = samples(response.get_data(as_text=True))
    rule = "/api/v1/drugs/<path:ident>"
    assert value(found, "dikg_http_requests_total", endpoint=rule, status="200") == 2
    assert value(found, "dikg_http_requests_total", endpoint=rule, status="404") == 1
    assert not any("naltrexone" in dict(labels).get("endpoint", "") for _, labels in found)
    assert value(found, "dikg_http_request_duration_seconds_count", endpoint=rule) == 3
    assert value(found, "dikg_http_request_duration_seconds_bucket", endpoint=rule,
                 le="+Inf") == 3
    truncated = value(found, "dikg_truncated_answers_total", endpoint="/sparql")
    assert truncated == 1
    assert value(found, "dikg_truncated_answers_total", endpoint="/api/v1/queries/<name>") \
        == (1 if named.get_json()["truncated"] else 0)
    assert value(found, "dikg_graph_info", graph_version=health["graph_version"]) == 1
    assert value(found, "dikg_graph_triples") == health["triples"] > 0
    assert value(found, "dikg_http_requests_in_progress") == 1  # the scrape itself
    again = samples(client.get("/metrics").get_data(as_text=True))
    assert value(again, "dikg_http_requests_total", endpoint="/metrics") == 1
    assert value(again, "dikg_http_requests_in_progress") == 1


def test_a_new_graph_version_replaces_the_old_one_in_the_gauge(small_app: Any) -> None:
    client = small_app.test_client()
    state = get_state(small_app)
    old = state.graph_version
    state.graph_version = "next-release"
    try:
        found = samples(client.get("/metrics").get_data(as_text=True))
    finally:
        state.graph_version = old
    assert value(found, "dikg_graph_info", graph_version="next-release") == 1
    assert value(found, "dikg_graph_info", graph_version=old) == 0


def test_openmetrics_when_the_scraper_asks(client: Any) -> None:
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.mimetype == "application/openmetrics-text"
    assert response.get_data(as_text=True).rstrip().endswith("# EOF")


def test_query_timeouts_are_counted(slow_app: Any) -> None:
    client = slow_app.test_client()
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    response = client.post("/sparql", data={"query": runaway})
    assert response.status_code == 503 and response.get_json()["error"] == "query_timeout"
    found = samples(client.get("/metrics").get_data(as_text=True))
    assert value(found, "dikg_query_timeouts_total", endpoint="/sparql") == 1
    assert value(found, "dikg_http_requests_total", endpoint="/sparql", status="503") == 1


# --- rate limiting ---------------------------------------------------------------------------

@pytest.fixture
def limited_app(graph_store: GraphBackend) -> Any:
    """The service allowing 3 requests a minute per client."""
    return create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none",
                       "GRAPH_SERVICE_RATE_LIMIT": 3}, backend=graph_store)


def test_rate_limit_answers_429_with_retry_after_per_client(limited_app: Any) -> None:
    client = limited_app.test_client()
    one, other = {"REMOTE_ADDR": "10.0.0.1"}, {"REMOTE_ADDR": "10.0.0.2"}
    statuses = [client.get("/api/v1/sources", environ_base=one).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = client.get("/api/v1/sources", environ_base=one,
                         headers={REQUEST_ID_HEADER: "limited-1"})
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["error"] == "too_many_requests" and body["status"] == 429
    assert body["request_id"] == "limited-1" and "3 requests a minute" in body["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 20 and body["retry_after"] == int(
        refused.headers["Retry-After"])
    assert client.post("/api/v1/check", json={"drugs": ["naltrexone"]},
                       environ_base=one).status_code == 429
    assert client.get("/api/v1/sources", environ_base=other).status_code == 200
    for path in ("/health", "/ready", "/metrics"):  # probes and scrapes are never limited
        assert client.get(path, environ_base=one).status_code == 200
    found = samples(client.get("/metrics", environ_base=one).get_data(as_text=True))
    assert value(found, "dikg_rate_limited_total") == 2
    assert value(found, "dikg_http_requests_total", status="429") == 2


def test_the_openapi_document_describes_the_429(client: Any) -> None:
    spec = client.get("/openapi.json").get_json()
    refused = spec["paths"]["/api/v1/check"]["post"]["responses"]["429"]
    assert "Retry-After" in refused["headers"]
    assert refused["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert "429" in spec["paths"]["/sparql"]["get"]["responses"]
    assert all("429" not in spec["paths"][p]["get"]["responses"]
               for p in ("/health", "/ready", "/metrics"))


def test_doctests_of_the_rate_limit_and_request_ids() -> None:
    from graph_service import observability, rate_limit

    for module in (observability, rate_limit):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_rate_limit_is_off_by_default(client: Any) -> None:
    statuses = {client.get("/api/v1/queries").status_code for _ in range(120)}
    assert statuses == {200}


# --- real gunicorn workers -------------------------------------------------------------------

def _get(url: str, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _worker_pids(master: int) -> set[int]:
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == master and b"gunicorn" in (entry / "cmdline").read_bytes():
                pids.add(int(entry.name))
    return pids


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, Path]]:
    """``dikg serve`` (2 workers) with its metrics directory; yields URL, master pid, dir."""
    work = tmp_path_factory.mktemp("served")
    metrics_dir = work / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"stale")  # a previous run's file
    port = free_port()
    log = work / "serve.log"
    env = {**os.environ, "FLASK_GRAPH_SERVICE_VALIDATE_ON_LOAD": "false",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(BIN / "dikg"), "serve", "--port", str(port), "--workers", "2", "--no-ansm",
             "--data-dir", str(work / "store")],
            env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", timeout=90, process=process, log=log)
        yield f"http://127.0.0.1:{port}", process.pid, metrics_dir
    finally:
        stop_process(process)


@pytest.mark.live
@pytest.mark.timeout(180)
def test_metrics_sum_every_gunicorn_worker(served: tuple[str, int, Path]) -> None:
    url, master, metrics_dir = served
    assert not (metrics_dir / "counter_1.db").exists()  # emptied at start
    workers = _worker_pids(master)
    assert len(workers) == 2
    sent = 0
    while sent < 400 and len(list(metrics_dir.glob("counter_*.db"))) < 2:
        status, _ = _get(f"{url}/api/v1/queries", Connection="close")
        assert status == 200
        sent += 1
    assert {int(p.stem.split("_")[1]) for p in metrics_dir.glob("counter_*.db")} == workers
    for _ in range(4):  # whichever worker answers the scrape, it reports all of them
        status, text = _get(f"{url}/metrics")
        assert status == 200
        found = samples(text.decode())
        assert value(found, "dikg_http_requests_total", endpoint="/api/v1/queries",
                     status="200") == sent
        assert value(found, "dikg_graph_triples") > 0


@pytest.mark.live
def test_dikg_serve_closes_each_connection_so_clients_spread_over_workers(
        served: tuple[str, int, Path]) -> None:
    url = served[0]
    connection = http.client.HTTPConnection(url.removeprefix("http://").split(":")[0],
                                            int(url.rsplit(":", 1)[1]), timeout=30)
    try:
        connection.request("GET", "/health")  # HTTP/1.1: keep-alive unless the server closes
        response = connection.getresponse()
        response.read()
        assert response.status == 200
        assert response.getheader("Connection", "").lower() == "close"
    finally:
        connection.close()


@pytest.mark.live
@pytest.mark.timeout(180)
def test_a_killed_worker_keeps_its_counts_and_drops_its_live_gauges(
        served: tuple[str, int, Path]) -> None:
    url, master, metrics_dir = served
    before = samples(_get(f"{url}/metrics")[1].decode())
    total = value(before, "dikg_http_requests_total")
    victim = min(_worker_pids(master))
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
            victim in _worker_pids(master) or len(_worker_pids(master)) < 2):
        time.sleep(0.2)
    assert victim not in _worker_pids(master) and len(_worker_pids(master)) == 2
    wait_http(f"{url}/health", timeout=30)
    assert not list(metrics_dir.glob(f"gauge_live*_{victim}.db"))
    after = samples(_get(f"{url}/metrics")[1].decode())
    assert value(after, "dikg_http_requests_total") >= total + 1  # the /health calls added
    assert value(after, "dikg_http_requests_in_progress") == 1


def test_gunicorn_start_hook_empties_only_metric_files(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    on_starting(None)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "m"))
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "gauge_livesum_7.db").write_bytes(b"x")
    (tmp_path / "m" / "keep.txt").write_text("not ours")
    on_starting(None)
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["keep.txt"]

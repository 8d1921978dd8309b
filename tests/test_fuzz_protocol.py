"""Fuzzing the request layer: arbitrary bytes, encodings, huge and nested inputs to the JSON API
(POST /api/v1/check, /api/v1/queries/{name}) and to the SPARQL protocol (/sparql), in-process
and against real gunicorn workers, whose pids must not change.

Every answer is a success the client can parse or a JSON error with the right 4xx status; the one
5xx allowed is ``503 query_timeout`` for a runaway query (the designed answer).
"""

from __future__ import annotations

import http.client
import json
import os
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_from_bytes, quote_plus, urlsplit

import hypothesis
import pytest
from fuzz_support import check_answer, master_pid, parse_sparql_answer, worker_pids
from hypothesis import strategies as st
from live import service

from graph_service import create_app
from graph_service.backends import GraphBackend
from graph_service.state import get_state

FUZZ = hypothesis.settings(max_examples=80, deadline=None, database=None, derandomize=True,
                           suppress_health_check=list(hypothesis.HealthCheck))
QUERY_NAMES = ["contraindications", "interactions_between", "condition_problems",
               "claims_by_source", "claim_citations", "sources"]
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8",
                 "application/json; charset=latin-1", "application/json; charset=bogus",
                 "text/plain", "application/x-www-form-urlencoded",
                 "multipart/form-data; boundary=x", "application/sparql-query",
                 "application/sparql-query; charset=utf-16", "application/sparql-update", ""]
ACCEPTS = ["", "*/*", "application/json", "text/turtle", "text/csv", "application/xml",
           "application/sparql-results+json;q=0.1, text/csv", "image/png", "text/*;q=0"]

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=6),
    max_leaves=40)
NAMES = st.sampled_from(["naltrexone", "ReVia", "fentanyl", "Percocet", "acamprosate",
                         "severe renal impairment", "RXCUI:7243", "https://w3id.org/dikg/id/x"])
CHECK_BODIES = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries({"drugs": JSON_VALUES}, optional={"conditions": JSON_VALUES}),
    st.fixed_dictionaries({"drugs": st.lists(NAMES | st.text(max_size=40), max_size=8)},
                          optional={"conditions": st.lists(NAMES | st.text(), max_size=4),
                                    "extra": JSON_VALUES}))
ENCODED = st.sampled_from(["utf-8", "utf-16", "utf-32", "latin-1"])
TOKENS = st.sampled_from([
    "SELECT", "CONSTRUCT", "ASK", "DESCRIBE", "WHERE", "*", "{", "}", "(", ")", ".", ";", ",",
    "?s", "?p", "?o", "a", "<https://w3id.org/dikg/id/naltrexone>", "skos:prefLabel",
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>", '"naltrexone"', '"x"@en', "42",
    "FILTER", "REGEX(?o, \"nal\", \"i\")", "OPTIONAL", "UNION", "MINUS", "GRAPH ?g", "LIMIT 3",
    "SERVICE <http://127.0.0.1:9/>", "ORDER BY ?s", "(COUNT(*) AS ?n)", "GROUP BY ?s",
    "VALUES ?s { <a:b> }", "BIND(1 AS ?x)", "LOAD <http://127.0.0.1:9/>", "INSERT DATA",
    "FROM <http://127.0.0.1:9/g>", "#", "\n", "\\u0000", '"""', "^^", "@", "$x", "%", "\u00e9"])
SPARQL_TEXT = st.one_of(
    st.lists(TOKENS, max_size=25).map(" ".join),
    st.lists(st.sampled_from(["?s ?p ?o", "?s a ?o", "?s skos:prefLabel ?o",
                              "<https://w3id.org/dikg/id/naltrexone> ?p ?o",
                              "OPTIONAL { ?o ?q ?r }", "FILTER(isIRI(?o))"]),
             min_size=1, max_size=3).map(
        lambda parts: "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                      f"SELECT * WHERE {{ {' . '.join(parts)} }} LIMIT 20"),
    st.text(max_size=200))
GARBAGE_QUERY_STRINGS = st.lists(st.one_of(
    st.sampled_from(["query=", "&query=", "&format=", "&default-graph-uri=", "&named-graph-uri=",
                     "%", "%zz", "%e2%82", "%ff", "+", "=", "&", "&&", "%00", "update="]),
    st.binary(max_size=40).map(lambda b: quote_from_bytes(b, safe="")),
    SPARQL_TEXT.map(lambda t: quote_from_bytes(t.encode("utf-8", "surrogatepass"), safe=""))),
    max_size=8).map(lambda parts: "query=" + "".join(parts))
ENCODED_QUERIES = st.builds(  # one query, percent-encoded in one of the ways clients do it
    lambda text, safe, plus, extra: "query=" + (quote_plus if plus else quote)(
        text.encode("utf-8", "surrogatepass"), safe=safe) + extra,
    SPARQL_TEXT, st.sampled_from(["", "/", "{}?*<>:@!$'()"]), st.booleans(),
    st.sampled_from(["", "&format=json", "&format=xml", "&format=bogus", "&query=ASK{}",
                     "&default-graph-uri=http://example.org/g", "&named-graph-uri=a%20b"]))
RAW_QUERY_STRINGS = st.one_of(ENCODED_QUERIES, GARBAGE_QUERY_STRINGS)


@pytest.fixture(scope="module")
def api_client(graph_store: GraphBackend) -> Any:
    """A client of the service over the shared ontology store (in-process queries)."""
    app = create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none"}, backend=graph_store)
    return app.test_client()


@pytest.fixture(scope="module")
def sparql_client() -> Iterator[Any]:
    """The production set-up for arbitrary queries: killable query processes, 2 s limit."""
    app = create_app({"TESTING": True, "GRAPH_SERVICE_QUERY_TIMEOUT": 2})
    yield app.test_client()
    get_state(app).backend.close()


def answer_sparql(response: Any) -> None:
    """A /sparql response is a parseable answer or a JSON error by the contract."""
    check_answer(response, allowed=(200,))
    if response.status_code == 200 and response.mimetype != "application/json":
        parse_sparql_answer(response.mimetype, response.get_data())


# --- the JSON API ----------------------------------------------------------------------------

@FUZZ
@hypothesis.given(body=CHECK_BODIES, encoding=ENCODED, content_type=st.sampled_from(CONTENT_TYPES))
def test_check_answers_any_json_body_in_any_encoding(api_client: Any, body: Any, encoding: str,
                                                     content_type: str) -> None:
    text = json.dumps(body, ensure_ascii=False)
    data = text.encode(encoding, "replace" if encoding == "latin-1" else "surrogatepass")
    response = check_answer(api_client.post("/api/v1/check", data=data,
                                            content_type=content_type))
    if response.status_code == 200:
        answer = response.get_json()
        assert len(answer["resolved"]) + len(answer["unresolved"]) == len(body["drugs"]) + len(
            body.get("conditions", []))
    elif response.status_code == 400 and isinstance(body, dict):
        error = response.get_json()
        assert "field" in error or "JSON" in error["message"], error  # names what is wrong


@FUZZ
@hypothesis.given(data=st.binary(max_size=2000), content_type=st.sampled_from(CONTENT_TYPES),
                  name=st.sampled_from(QUERY_NAMES))
def test_arbitrary_bytes_to_the_json_api_get_json_4xx(api_client: Any, data: bytes,
                                                      content_type: str, name: str) -> None:
    for path in ("/api/v1/check", f"/api/v1/queries/{name}"):
        check_answer(api_client.post(path, data=data, content_type=content_type))


@FUZZ
@hypothesis.given(name=st.sampled_from(QUERY_NAMES), body=JSON_VALUES,
                  params=st.dictionaries(st.sampled_from(["drug", "drugs", "conditions", "source",
                                                          "claim", "format", "x"]),
                                         st.lists(NAMES | st.text(max_size=50), max_size=3),
                                         max_size=4))
def test_named_queries_answer_any_parameters(api_client: Any, name: str, body: Any,
                                             params: dict[str, list[str]]) -> None:
    check_answer(api_client.post(f"/api/v1/queries/{name}", json=body))
    check_answer(api_client.get(f"/api/v1/queries/{name}", query_string=params))


def test_huge_bodies_are_413_json(api_client: Any) -> None:
    huge = b'{"drugs": ["' + b"n" * (2 * 1024 * 1024) + b'"]}'
    for path in ("/api/v1/check", "/api/v1/queries/sources"):
        response = api_client.post(path, data=huge, content_type="application/json")
        assert check_answer(response, allowed=()).status_code == 413
    many = json.dumps({"drugs": ["naltrexone"] * 50_000}).encode()
    assert check_answer(api_client.post("/api/v1/check", data=many,
                                        content_type="application/json"),
                        allowed=()).status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/check", "/api/v1/queries/sources"])
def test_deeply_nested_json_is_a_400(api_client: Any, path: str) -> None:
    nested = b'{"drugs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert check_answer(api_client.post(path, data=nested, content_type="application/json"),
                        allowed=()).status_code == 400


# --- the SPARQL protocol ---------------------------------------------------------------------

def test_sparql_get_with_any_percent_encoding(sparql_client: Any) -> None:
    statuses: set[int] = set()

    @hypothesis.given(raw=RAW_QUERY_STRINGS, accept=st.sampled_from(ACCEPTS))
    @FUZZ
    def run(raw: str, accept: str) -> None:
        response = sparql_client.get(f"/sparql?{raw}", headers={"Accept": accept})
        answer_sparql(response)
        statuses.add(response.status_code)

    run()
    assert {200, 400} <= statuses  # answers and refusals were both reached


def test_sparql_post_with_any_body(sparql_client: Any) -> None:
    statuses: set[int] = set()

    @hypothesis.given(body=st.one_of(st.binary(max_size=3000), SPARQL_TEXT.map(
        lambda t: t.encode("utf-8", "surrogatepass"))), content_type=st.sampled_from(
        CONTENT_TYPES), accept=st.sampled_from(ACCEPTS), as_form=st.booleans())
    @FUZZ
    def run(body: bytes, content_type: str, accept: str, as_form: bool) -> None:
        if as_form:
            body, content_type = b"query=" + quote_from_bytes(body).encode(), \
                "application/x-www-form-urlencoded"
        response = sparql_client.post("/sparql", data=body, content_type=content_type,
                                      headers={"Accept": accept})
        answer_sparql(response)
        statuses.add(response.status_code)

    run()
    assert {200, 400, 415} <= statuses


HUGE_QUERIES = {
    "nested groups": "SELECT * WHERE " + "{ " * 20_000 + "}" * 20_000,
    "nested brackets": "SELECT * WHERE { FILTER(" + "(" * 50_000 + "1" + ")" * 50_000 + ") }",
    "union chain": "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 20_000) + " }",
    "long IRI": "SELECT * WHERE { <http://x/" + "a" * 100_000 + "> ?p ?o }",
    "many variables": "SELECT " + " ".join(f"?v{i}" for i in range(50_000)) + " WHERE {}",
    "long literal": 'SELECT * WHERE { ?s ?p "' + "x" * 2_000_000 + '" }',
    "runaway": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
}


@pytest.mark.parametrize("name", sorted(HUGE_QUERIES))
def test_huge_and_nested_queries_are_refused_or_stopped(sparql_client: Any, name: str) -> None:
    text = HUGE_QUERIES[name]
    response = sparql_client.post("/sparql", data=text.encode(),
                                  content_type="application/sparql-query")
    answer_sparql(response)
    assert response.status_code in (400, 413, 503), (name, response.status_code)
    assert sparql_client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_the_guard_refuses_a_long_name_like_run_in_linear_time(sparql_client: Any) -> None:
    text = "a-" * 10_000  # 20 KB: took 2.5 s when the lexer backtracked; milliseconds now
    started = time.monotonic()
    response = sparql_client.post("/sparql", data=text.encode(),
                                  content_type="application/sparql-query")
    assert check_answer(response, allowed=()).status_code == 400
    assert time.monotonic() - started < 0.5


# --- real gunicorn workers -------------------------------------------------------------------

def _raw(base: str, method: str, target: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers.get("Content-Type", ""), response.read()
    finally:
        connection.close()


class _Raw:
    """A response of :func:`_raw` shaped for :func:`check_answer`."""

    def __init__(self, status: int, content_type: str, data: bytes) -> None:
        self.status_code, self.mimetype, self.data = status, content_type.split(";")[0], data

    def get_data(self) -> bytes:
        return self.data


@pytest.fixture(scope="module")
def live_url() -> Iterator[str]:
    env = {"FLASK_GRAPH_SERVICE_VALIDATE_ON_LOAD": "0", "FLASK_GRAPH_SERVICE_QUERY_TIMEOUT": "2",
           "FLASK_GRAPH_SERVICE_EXTRA_DATA": "[]"}
    with service(env, workers=2, extra_args=["--threads", "4", "--limit-request-line", "0"]) \
            as url:
        yield url


@pytest.mark.live
@pytest.mark.timeout(240)
def test_fuzzing_real_gunicorn_workers_kills_none(live_url: str) -> None:
    master = master_pid(live_url)
    workers = worker_pids(master)
    assert len(workers) == 2
    seen: list[int] = []

    @hypothesis.given(raw=RAW_QUERY_STRINGS, body=st.binary(max_size=2000), check=CHECK_BODIES,
                      content_type=st.sampled_from(CONTENT_TYPES))
    @hypothesis.settings(FUZZ, max_examples=60)
    def run(raw: str, body: bytes, check: Any, content_type: str) -> None:
        for method, target, data, ctype in (
                ("GET", f"/sparql?{raw}", None, None),
                ("POST", "/sparql", body, content_type),
                ("POST", "/api/v1/check", json.dumps(check).encode(), "application/json"),
                ("POST", "/api/v1/queries/contraindications", body, content_type)):
            status, returned, answer = _raw(live_url, method, target, data,
                                            {"Content-Type": ctype} if ctype else {})
            check_answer(_Raw(status, returned, answer))
            seen.append(status)

    run()
    for text in HUGE_QUERIES.values():
        status, returned, answer = _raw(live_url, "POST", "/sparql", text.encode(),
                                        {"Content-Type": "application/sparql-query"})
        check_answer(_Raw(status, returned, answer), allowed=())
        seen.append(status)
    nested = b'{"drugs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    status, returned, _ = _raw(live_url, "POST", "/api/v1/check", nested,
                               {"Content-Type": "application/json"})
    assert status == 400 and returned.startswith("application/json")
    assert len(seen) >= 240 and worker_pids(master) == workers
    assert all(os.path.exists(f"/proc/{pid}") for pid in workers)
    assert _raw(live_url, "GET", "/health")[0] == 200

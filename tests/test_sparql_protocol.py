"""/sparql over the Flask client: protocol, negotiation, dataset, limits, safety, CORS, /ready."""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef

from graph_service import create_app
from graph_service.backends import RdfSource
from graph_service.backends.oxigraph import OxigraphBackend
from graph_service.state import get_state

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
NALTREXONE = "https://w3id.org/dikg/id/naltrexone"
LABEL_QUERY = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
               f"SELECT ?label WHERE {{ <{NALTREXONE}> skos:prefLabel ?label }}")
DESCRIBE_QUERY = f"CONSTRUCT {{ <{NALTREXONE}> ?p ?o }} WHERE {{ <{NALTREXONE}> ?p ?o }}"
RESULT_TYPES = ["application/sparql-results+json", "application/sparql-results+xml",
                "text/csv", "text/tab-separated-values"]
OX_RESULTS = dict(zip(RESULT_TYPES, [ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML,
                                     ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV],
                      strict=True))
GRAPH_TYPES = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
               "application/rdf+xml": ox.RdfFormat.RDF_XML,
               "application/ld+json": ox.RdfFormat.JSON_LD}
EX = "http://example.org/"
MINI_TRIG = f"""
<{EX}s0> <{EX}p> "default" .
<{EX}g1> {{ <{EX}s1> <{EX}p> "one" . <{EX}s1> <{EX}q> "uno" . }}
<{EX}g2> {{ <{EX}s2> <{EX}p> "two" . }}
""".encode()


def rows_of(body: bytes, media_type: str) -> list[dict[str, str]]:
    """Solutions as ``{var: lexical value}``, read back with pyoxigraph (CSV with csv)."""
    if media_type == "text/csv":
        table = list(csv.reader(io.StringIO(body.decode(), newline="")))
        return [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    parsed = ox.parse_query_results(body, OX_RESULTS[media_type])
    names = [v.value for v in parsed.variables]
    return [{n: t.value for n, t in zip(names, row, strict=True) if t is not None}
            for row in parsed]


def triples_of(body: bytes, media_type: str) -> set[tuple[str, str, str]]:
    return {(q.subject.value, q.predicate.value, q.object.value)
            for q in ox.parse(body, format=GRAPH_TYPES[media_type])}


def error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status and body["message"]
    assert b"Traceback" not in response.data
    if code is not None:
        assert body["error"] == code
    return body


def mini_app(**config: Any) -> Any:
    """A fresh service over a small writable store with two named graphs."""
    store = OxigraphBackend()
    store.load([RdfSource(MINI_TRIG, "trig", name="mini.trig")])
    return create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none", **config},
                      backend=store)


@pytest.fixture
def mini() -> Any:
    return mini_app().test_client()


# --- the three ways to send a query -------------------------------------------------------

def test_get_form_and_direct_post_give_the_same_answer(client: Any) -> None:
    answers = [
        client.get("/sparql", query_string={"query": LABEL_QUERY}),
        client.post("/sparql", data={"query": LABEL_QUERY}),
        client.post("/sparql", data=LABEL_QUERY.encode(),
                    content_type="application/sparql-query; charset=utf-8"),
    ]
    for response in answers:
        assert response.status_code == 200
        assert response.mimetype == "application/sparql-results+json"
        assert rows_of(response.data, response.mimetype) == [{"label": "naltrexone"}]
    assert answers[0].headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("media_type", RESULT_TYPES)
def test_select_in_every_result_format(client: Any, media_type: str) -> None:
    response = client.get("/sparql", query_string={"query": LABEL_QUERY},
                          headers={"Accept": f"{media_type}, */*;q=0.1"})
    assert response.status_code == 200 and response.mimetype == media_type
    assert rows_of(response.data, media_type) == [{"label": "naltrexone"}]


@pytest.mark.parametrize("media_type", RESULT_TYPES)
def test_ask_in_every_result_format(client: Any, media_type: str) -> None:
    response = client.get("/sparql", query_string={"query": f"ASK {{ <{NALTREXONE}> ?p ?o }}"},
                          headers={"Accept": media_type})
    assert response.status_code == 200 and response.mimetype == media_type
    if media_type == "text/csv":
        assert response.data == b"true"
    else:
        assert bool(ox.parse_query_results(response.data, OX_RESULTS[media_type])) is True


@pytest.mark.parametrize("media_type", list(GRAPH_TYPES))
def test_construct_in_every_graph_format(client: Any, media_type: str) -> None:
    response = client.post("/sparql", data={"query": DESCRIBE_QUERY},
                           headers={"Accept": media_type})
    assert response.status_code == 200 and response.mimetype == media_type
    triples = triples_of(response.data, media_type)
    assert (NALTREXONE, "http://www.w3.org/2004/02/skos/core#prefLabel", "naltrexone") in triples
    assert len(triples) > 10


def test_describe_defaults_to_turtle(client: Any) -> None:
    response = client.get("/sparql", query_string={"query": f"DESCRIBE <{NALTREXONE}>"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert len(triples_of(response.data, "text/turtle")) > 10


def test_q_values_and_format_parameter(client: Any) -> None:
    accept = "application/sparql-results+json;q=0.2, text/tab-separated-values;q=0.8"
    response = client.get("/sparql", query_string={"query": LABEL_QUERY},
                          headers={"Accept": accept})
    assert response.mimetype == "text/tab-separated-values"
    response = client.get("/sparql", query_string={"query": LABEL_QUERY, "format": "csv"},
                          headers={"Accept": accept})
    assert response.mimetype == "text/csv"
    assert rows_of(response.data, "text/csv") == [{"label": "naltrexone"}]
    response = client.post("/sparql", data={"query": DESCRIBE_QUERY, "format": "jsonld"})
    assert response.mimetype == "application/ld+json"


def test_406_lists_the_available_formats(client: Any) -> None:
    body = error(client.get("/sparql", query_string={"query": LABEL_QUERY},
                            headers={"Accept": "text/turtle"}), 406, "not_acceptable")
    assert body["formats"] == RESULT_TYPES
    body = error(client.get("/sparql", query_string={"query": DESCRIBE_QUERY, "format": "csv"}),
                 406)
    assert body["formats"] == list(GRAPH_TYPES)


def test_remembered_negotiation_depends_on_accept_kind_and_format(client: Any) -> None:
    """The endpoint remembers negotiation outcomes; each input still gets its own answer and a
    refusal is refused again (not remembered as a success)."""
    accept = "text/turtle, text/csv;q=0.5"
    for _ in range(2):
        select = client.get("/sparql", query_string={"query": LABEL_QUERY},
                            headers={"Accept": accept})
        assert select.status_code == 200 and select.mimetype == "text/csv"
        graph = client.get("/sparql", query_string={"query": DESCRIBE_QUERY},
                           headers={"Accept": accept})
        assert graph.status_code == 200 and graph.mimetype == "text/turtle"
        tsv = client.get("/sparql", query_string={"query": LABEL_QUERY, "format": "tsv"},
                         headers={"Accept": accept})
        assert tsv.mimetype == "text/tab-separated-values"
        error(client.get("/sparql", query_string={"query": LABEL_QUERY},
                         headers={"Accept": "text/turtle"}), 406, "not_acceptable")


# --- service description --------------------------------------------------------------------

def test_service_description_in_turtle_and_other_rdf_formats(client: Any) -> None:
    response = client.get("/sparql")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.data, format="turtle")
    service = URIRef("http://localhost/sparql")
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in graph
    formats = {str(o) for o in graph.objects(service, SD.resultFormat)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_TSV" in formats
    assert "http://www.w3.org/ns/formats/JSON-LD" in formats
    features = {str(o).rsplit("/", 1)[1] for o in graph.objects(service, SD.feature)}
    assert {"NoOutboundRequests", "ReadOnly", "QueryTimeLimit"} <= features
    for media_type in ("application/n-triples", "application/ld+json"):
        other = client.get("/sparql", headers={"Accept": media_type})
        assert other.mimetype == media_type
        assert len(triples_of(other.data, media_type)) == len(graph)


# --- dataset --------------------------------------------------------------------------------

def test_default_and_named_graph_parameters(mini: Any) -> None:
    query = "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"
    assert [r["o"] for r in rows_of(mini.get("/sparql", query_string={"query": query}).data,
                                    "application/sparql-results+json")] == ["default"]
    response = mini.get("/sparql", query_string=[("query", query),
                                                 ("default-graph-uri", f"{EX}g1"),
                                                 ("default-graph-uri", f"{EX}g2")])
    assert [r["o"] for r in rows_of(response.data, response.mimetype)] == ["one", "two", "uno"]
    named = "SELECT ?g ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = mini.post("/sparql", data={"query": named, "named-graph-uri": f"{EX}g2"})
    assert rows_of(response.data, response.mimetype) == [{"g": f"{EX}g2", "o": "two"}]
    response = mini.post(f"/sparql?named-graph-uri={quote(EX + 'g1')}", data=named.encode(),
                         content_type="application/sparql-query")
    assert {r["g"] for r in rows_of(response.data, response.mimetype)} == {f"{EX}g1"}


def test_from_selects_local_graphs_only(mini: Any) -> None:
    query = f"SELECT ?o FROM <{EX}g2> WHERE {{ ?s ?p ?o }}"
    response = mini.get("/sparql", query_string={"query": query})
    assert rows_of(response.data, response.mimetype) == [{"o": "two"}]
    query = "SELECT ?o FROM <http://127.0.0.1:9/nothing-here.ttl> WHERE { ?s ?p ?o }"
    response = mini.get("/sparql", query_string={"query": query})
    assert response.status_code == 200 and rows_of(response.data, response.mimetype) == []


# --- malformed and refused requests ---------------------------------------------------------

def test_malformed_query_gives_the_parser_message_and_position(client: Any) -> None:
    body = error(client.get("/sparql", query_string={"query": "SELECT * WHERE {\n ?s ?p }"}),
                 400, "malformed_query")
    assert body["line"] == 2 and body["column"] >= 8
    assert "line 2" in body["message"]


@pytest.mark.parametrize(("request_args", "status", "code"), [
    ({"method": "GET", "query_string": [("query", "ASK {}"), ("query", "ASK {}")]}, 400, None),
    ({"method": "POST", "data": {"query": "ASK {}", "update": "CLEAR ALL"}}, 400, None),
    ({"method": "GET", "query_string": {"query": ""}}, 400, "malformed_query"),
    ({"method": "GET", "path": "/sparql?query=ASK%20%7B%7D%ff"}, 400, None),
    ({"method": "POST", "data": b"query=%C3%28", "content_type":
      "application/x-www-form-urlencoded"}, 400, None),
    ({"method": "POST", "data": b"ASK { ?s ?p \"\xff\" }",
      "content_type": "application/sparql-query"}, 400, None),
    ({"method": "POST", "data": "ASK {}", "content_type": "text/plain"}, 415, None),
    ({"method": "POST", "data": "ASK {}"}, 415, None),
    ({"method": "POST", "data": "ASK {}".encode("utf-16"),
      "content_type": "application/sparql-query; charset=utf-16"}, 415, None),
    ({"method": "GET", "query_string": {"query": f"ASK {{ <http://e/{'a' * 5000}> ?p ?o }}"}},
     400, "iri_too_long"),
    ({"method": "GET", "query_string": {"query": "ASK {}",
                                        "default-graph-uri": f"http://e/{'a' * 5000}"}},
     400, "iri_too_long"),
    ({"method": "GET", "query_string": {"query": "ASK {}", "named-graph-uri": "not an iri"}},
     400, "malformed_query"),
    ({"method": "GET", "query_string": {"query": "SELECT * { SERVICE <http://127.0.0.1:9/> {} }"}},
     403, "outbound_request_refused"),
    ({"method": "GET", "query_string": {"query": "INSERT DATA { <http://a> <http://b> 1 }"}},
     403, "update_refused"),
    ({"method": "POST", "data": {"query": "SELECT * WHERE " + "{" * 2500 + "}" * 2500}},
     400, "query_too_complex"),
    ({"method": "POST", "data": {"query": "ASK { FILTER(" + "(" * 10_000 + "1" + ")" * 10_000
                                 + ") }"}}, 400, "query_too_complex"),
])
def test_refused_requests_get_precise_json_errors(client: Any, request_args: dict[str, Any],
                                                  status: int, code: str | None) -> None:
    args = dict(request_args)
    error(client.open(args.pop("path", "/sparql"), **args), status, code)


def test_other_methods_are_405_with_allow(client: Any) -> None:
    response = client.put("/sparql", data="ASK {}")
    error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    error(client.delete("/sparql"), 405)


def test_body_over_the_limit_is_413() -> None:
    client = mini_app(GRAPH_SERVICE_MAX_BODY_BYTES=2000).test_client()
    padding = "#" + "x" * 3000 + "\n"
    error(client.post("/sparql", data=(padding + "ASK {}").encode(),
                      content_type="application/sparql-query"), 413, "payload_too_large")
    error(client.post("/sparql", data={"query": padding + "ASK {}"}), 413)
    error(client.get("/sparql", query_string={"query": padding + "ASK {}"}), 413,
          "query_too_large")
    assert client.post("/sparql", data="ASK {}", content_type="application/sparql-query"
                       ).status_code == 200


# --- updates --------------------------------------------------------------------------------

INSERT = f'INSERT DATA {{ <{EX}new> <{EX}p> "added" }}'


def test_updates_are_refused_without_the_token(mini: Any) -> None:
    error(mini.post("/sparql", data={"update": INSERT}), 403, "update_refused")
    error(mini.post("/sparql", data=INSERT, content_type="application/sparql-update",
                    headers={"Authorization": "Bearer anything"}), 403, "update_refused")
    response = mini.get("/sparql", query_string={"query": f"ASK {{ <{EX}new> ?p ?o }}"})
    assert response.get_json()["boolean"] is False


def test_updates_run_with_the_admin_token() -> None:
    client = mini_app(GRAPH_SERVICE_ADMIN_TOKEN="s3cret").test_client()
    error(client.post("/sparql", data={"update": INSERT},
                      headers={"Authorization": "Bearer wrong"}), 403, "update_refused")
    error(client.post("/sparql", data={"update": INSERT}), 403, "update_refused")
    response = client.post("/sparql", data=INSERT, content_type="application/sparql-update",
                           headers={"Authorization": "Bearer s3cret"})
    assert response.status_code == 200 and response.get_json()["status"] == "ok"
    answer = client.get("/sparql", query_string={"query": f"ASK {{ <{EX}new> ?p ?o }}"})
    assert answer.get_json()["boolean"] is True
    error(client.post("/sparql", data={"update": "LOAD <http://127.0.0.1:9/x.ttl>"},
                      headers={"Authorization": "Bearer s3cret"}), 403,
          "outbound_request_refused")
    error(client.get("/sparql", query_string={"update": INSERT},
                     headers={"Authorization": "Bearer s3cret"}), 400)
    description = Graph().parse(data=client.get("/sparql").data, format="turtle")
    assert (None, SD.supportedLanguage, SD.SPARQL11Update) in description


# --- limits ---------------------------------------------------------------------------------

def test_row_limit_is_announced_and_the_answer_stays_valid() -> None:
    client = mini_app(GRAPH_SERVICE_MAX_ROWS=2).test_client()
    query = "SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    for media_type in RESULT_TYPES:
        response = client.get("/sparql", query_string={"query": query},
                              headers={"Accept": media_type})
        assert response.headers["X-Dikg-Truncated"] == "rows=2"
        assert len(rows_of(response.data, media_type)) == 2
    response = client.get("/sparql", query_string={
        "query": "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", "format": "ntriples"})
    assert response.headers["X-Dikg-Truncated"] == "rows=2"
    assert len(triples_of(response.data, "application/n-triples")) == 2
    one = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert "X-Dikg-Truncated" not in one.headers


def test_byte_limit_is_announced_and_the_answer_stays_valid(client: Any) -> None:
    limited = create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none",
                          "GRAPH_SERVICE_MAX_RESPONSE_BYTES": 2000},
                         backend=get_state(client.application).backend).test_client()
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 200"
    for media_type in RESULT_TYPES:
        response = limited.get("/sparql", query_string={"query": query},
                               headers={"Accept": media_type})
        assert response.status_code == 200, response.data
        assert response.headers.get("X-Dikg-Truncated") == "bytes=2000", media_type
        assert len(response.data) <= 2000
        assert 0 < len(rows_of(response.data, media_type)) < 200
    response = limited.post("/sparql", data={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 200"},
                            headers={"Accept": "application/ld+json"})
    assert response.headers["X-Dikg-Truncated"] == "bytes=2000"
    assert 0 < len(triples_of(response.data, "application/ld+json")) < 200


class WriterlessOxigraph(OxigraphBackend):
    """pyoxigraph with its writers taken away: the endpoint's own serializers answer."""

    def serialize_query(self, text: str, **options: Any) -> Any:
        raise NotImplementedError


@pytest.mark.parametrize("media_type", [*RESULT_TYPES, *GRAPH_TYPES])
def test_answers_without_native_writers_are_the_same(client: Any, media_type: str) -> None:
    store = WriterlessOxigraph()
    store.load([RdfSource(get_state(client.application).backend.dump(), "nquads")])
    fallback = create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none",
                           "GRAPH_SERVICE_MAX_ROWS": 5}, backend=store).test_client()
    kind_query = DESCRIBE_QUERY if media_type in GRAPH_TYPES else LABEL_QUERY
    ours = fallback.post("/sparql", data={"query": kind_query}, headers={"Accept": media_type})
    native = client.post("/sparql", data={"query": kind_query}, headers={"Accept": media_type})
    assert ours.status_code == native.status_code == 200
    if media_type in GRAPH_TYPES:
        assert len(triples_of(ours.data, media_type)) == 5
        assert ours.headers["X-Dikg-Truncated"] == "rows=5"
        assert triples_of(ours.data, media_type) <= triples_of(native.data, media_type)
    else:
        assert rows_of(ours.data, media_type) == rows_of(native.data, media_type)


def test_timeout_is_503_json_and_the_next_query_is_answered(slow_app: Any) -> None:
    client = slow_app.test_client()
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    started = time.monotonic()
    body = error(client.post("/sparql", data={"query": runaway}), 503, "query_timeout")
    assert time.monotonic() - started < 10
    assert "1 s" in body["message"]
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) "
                                                   "WHERE { ?s ?p ?o }"})
    assert response.status_code == 200 and time.monotonic() - started < 10
    assert int(rows_of(response.data, response.mimetype)[0]["n"]) >= 300


# --- CORS and operations --------------------------------------------------------------------

def test_cors_preflight_and_errors_carry_the_headers(client: Any) -> None:
    preflight = client.options("/sparql", headers={
        "Origin": "http://yasgui.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    refused = client.get("/sparql", query_string={"query": "nonsense"},
                         headers={"Origin": "http://yasgui.example"})
    assert refused.status_code == 400 and refused.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Dikg-Truncated" in refused.headers["Access-Control-Expose-Headers"]


def test_cors_origin_list_is_honoured() -> None:
    client = mini_app(GRAPH_SERVICE_CORS_ORIGINS="http://a.example, http://b.example"
                      ).test_client()
    allowed = client.get("/sparql", query_string={"query": "ASK {}"},
                         headers={"Origin": "http://b.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://b.example"
    assert "Origin" in allowed.headers["Vary"]
    other = client.get("/sparql", query_string={"query": "ASK {}"},
                       headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_health_and_ready(client: Any) -> None:
    health = client.get("/health").get_json()
    assert health["status"] == "ok" and health["triples"] > 1000 and health["graph_version"]
    ready = client.get("/ready")
    assert ready.status_code == 200
    body = ready.get_json()
    assert body["status"] == "ready" and body["named_queries"] > 0 and body["failures"] == []
    assert body["graph_version"] == health["graph_version"]


def test_not_ready_when_nothing_was_loaded() -> None:
    app = create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none",
                      "GRAPH_SERVICE_LOAD_ON_START": False}, backend=OxigraphBackend())
    body = error(app.test_client().get("/ready"), 503, "not_ready")
    assert body["triples"] == 0
    assert any("graph" in f for f in body["failures"])


def test_literal_json_round_trip_of_unicode(mini: Any) -> None:
    query = 'SELECT ?x WHERE { BIND("naltrexone \u00e9\u4e2d\U0001f48a" AS ?x) }'
    response = mini.post("/sparql", data=query.encode(), content_type="application/sparql-query")
    value = json.loads(response.data)["results"]["bindings"][0]["x"]["value"]
    assert value == "naltrexone \u00e9\u4e2d\U0001f48a"

"""/openapi.json and the handlers state one rule: for each input, the schema calls it valid
exactly when the server takes it (anything but a 400), and the shared patterns mean what the
server's checks mean."""

from __future__ import annotations

import re
import warnings
from typing import Any

import hypothesis
import jsonschema_rs
import pyoxigraph
import pytest
import rdflib
from hypothesis import strategies as st

from graph_service.backends import GraphBackend
from graph_service.request_rules import IRI_PATTERN, NON_BLANK, comma_names, is_iri, matches


@pytest.fixture(scope="module")
def agreement_app(graph_store: GraphBackend) -> Any:
    from graph_service import create_app

    return create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none"}, backend=graph_store)


@pytest.fixture(scope="module")
def spec(agreement_app: Any) -> dict[str, Any]:
    document: dict[str, Any] = agreement_app.test_client().get("/openapi.json").get_json()
    return document


def _resolved(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "components": spec["components"]}


def _query_valid(spec: dict[str, Any], path: str, name: str, value: str) -> bool:
    """Whether the GET parameter's schema takes ``value`` (integers read as the server would
    have to: ASCII digits; list parameters hold the one value)."""
    param = next(p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name)
    schema = param["schema"]
    if schema.get("type") == "integer":
        if not re.fullmatch(r"-?[0-9]+", value):
            return False
        return jsonschema_rs.validator_for(schema).is_valid(int(value))
    given: Any = [value] if schema.get("type") == "array" else value
    return jsonschema_rs.validator_for(schema).is_valid(given)


GET_CASES = [
    ("/api/v1/entities", {"q": "naltrexone"}, "q", "!!"),
    ("/api/v1/entities", {}, "q", "\u00e9\u00e9"),
    ("/api/v1/entities", {}, "q", "\u3000\t"),
    ("/api/v1/entities", {}, "q", "\x1c"),  # white space to Python, not to ECMA's \s
    ("/api/v1/entities", {}, "q", "\ufeff"),  # the reverse
    ("/api/v1/entities", {}, "q", "a" * 500),
    ("/api/v1/entities", {}, "q", " " + "a" * 500),
    ("/api/v1/entities", {"q": "naltrexone"}, "limit", "\u00b2"),  # isdigit(), not a number
    ("/api/v1/entities", {"q": "naltrexone"}, "limit", "\u0663"),
    ("/api/v1/entities", {"q": "naltrexone"}, "limit", "50"),
    ("/api/v1/queries/claims_by_source", {}, "source", "\x81\x1a\x94"),
    ("/api/v1/queries/claims_by_source", {}, "source", " \u2028"),
    ("/api/v1/queries/claim_citations", {}, "claim", "https://0.dsz7dg.com*"),
    ("/api/v1/queries/claim_citations", {}, "claim", "a:%zz"),
    ("/api/v1/queries/claim_citations", {}, "claim", "http://ex.org/\u00e9"),
    ("/api/v1/queries/claim_citations", {}, "claim", "https://w3id.org/dikg/id/x?y=1#z"),
    ("/api/v1/queries/claim_citations", {}, "claim", "urn:isbn:0451450523"),
    ("/export", {"focus": "naltrexone"}, "format", "CSV"),
    ("/export", {"focus": "naltrexone"}, "format", "ttl"),
    ("/export", {"focus": "naltrexone"}, "format", " csv"),
    ("/export", {"format": "csv", "focus": "naltrexone"}, "depth", "\u0661"),
    ("/export", {"format": "csv", "focus": "naltrexone"}, "depth", "1_0"),
    ("/export", {"format": "csv", "focus": "naltrexone"}, "depth", "+1"),
    ("/export", {"format": "csv", "focus": "naltrexone"}, "include", "inferred,sources"),
    ("/export", {"format": "csv", "focus": "naltrexone"}, "include", "inferred, sources"),
    ("/export", {"format": "csv", "focus": "naltrexone"}, "include", ""),
    ("/export", {"format": "csv", "focus": "naltrexone"}, "types", "Drug,Receptor"),
    ("/export", {"format": "csv", "focus": "naltrexone"}, "types", "Drug,,Receptor"),
    ("/export", {"format": "csv"}, "focus", "x" * 501),
]


@pytest.mark.parametrize(("path", "others", "name", "value"), GET_CASES)
def test_schema_and_server_agree_on_each_parameter(agreement_app: Any, spec: dict[str, Any],
                                                   path: str, others: dict[str, str], name: str,
                                                   value: str) -> None:
    response = agreement_app.test_client().get(path, query_string={**others, name: value})
    assert response.status_code < 500, response.get_data()[:300]
    assert (response.status_code != 400) == _query_valid(spec, path, name, value), (
        response.status_code, response.get_data()[:300])


@pytest.mark.parametrize("names", [["!!!"], ["\u00e9"], ["\u3000"], [" "], ["\x1c"],
                                   ["\ufeff"], ["a" * 501], ["naltrexone", "  "]])
def test_schema_and_server_agree_on_check_names(agreement_app: Any, spec: dict[str, Any],
                                                names: list[str]) -> None:
    body = {"drugs": names}
    response = agreement_app.test_client().post("/api/v1/check", json=body)
    schema = _resolved(spec, {"$ref": "#/components/schemas/CheckRequest"})
    assert (response.status_code != 400) == jsonschema_rs.validator_for(schema).is_valid(body)


@pytest.mark.parametrize("body", [{"format": "json"}, {}, {"query": "ASK {}"}])
def test_a_form_post_with_or_without_a_query_is_valid(agreement_app: Any, spec: dict[str, Any],
                                                      body: dict[str, str]) -> None:
    """Without a query a POST answers the service description, as GET does."""
    response = agreement_app.test_client().post(
        "/sparql", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    form = spec["paths"]["/sparql"]["post"]["requestBody"]["content"][
        "application/x-www-form-urlencoded"]["schema"]
    assert jsonschema_rs.validator_for(form).is_valid(body)


@pytest.mark.parametrize(("body", "valid"), [({"drugs": "naltrexone, acamprosate"}, True),
                                             ({"drugs": ["naltrexone"]}, True),
                                             ({"drugs": " , "}, False), ({"drugs": []}, False)])
def test_list_parameters_in_a_body_take_a_comma_separated_string(
        agreement_app: Any, spec: dict[str, Any], body: dict[str, Any], valid: bool) -> None:
    response = agreement_app.test_client().post("/api/v1/queries/interactions_between",
                                                json=body)
    schema = spec["paths"]["/api/v1/queries/interactions_between"]["post"]["requestBody"][
        "content"]["application/json"]["schema"]
    assert jsonschema_rs.validator_for(schema).is_valid(body) is valid
    assert (response.status_code != 400) is valid, response.get_data()[:300]


def test_non_blank_is_what_str_strip_keeps() -> None:
    kept = re.compile(NON_BLANK)
    for code in range(0x110000):
        char = chr(code)
        assert (kept.search(char) is not None) == bool(char.strip()), hex(code)
    assert matches(comma_names(3), "a,b,c") and not matches(comma_names(3), "a,b,c,d")


@hypothesis.settings(max_examples=300, deadline=None, database=None, derandomize=True)
@hypothesis.given(iri=st.from_regex(IRI_PATTERN, fullmatch=True).filter(lambda t: len(t) < 1000))
def test_every_iri_the_rule_takes_every_store_takes(iri: str) -> None:
    assert is_iri(iri)
    pyoxigraph.NamedNode(iri)  # raises on an IRI oxigraph refuses
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rdflib warns on an IRI it cannot serialize
        rdflib.URIRef(iri).n3()


def test_every_iri_of_the_graph_fits_the_rule(graph_store: GraphBackend) -> None:
    rows = graph_store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }",
                             max_rows=None).rows
    iris = [str(row["s"]) for row in rows]
    assert len(iris) > 500
    assert [iri for iri in iris if not is_iri(iri)] == []

"""Negotiation tables and the SPARQL result writers, parsed back with pyoxigraph and rdflib."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.query import Result

from graph_service.backends.base import QueryResult
from graph_service.errors import NotAcceptable
from graph_service.serializers import content_type, media_types, negotiate
from graph_service.serializers.sparql_results import write_graph, write_result

RESULTS = "application/sparql-results+json"
XML = "application/sparql-results+xml"


@pytest.mark.parametrize(("accept", "kind", "expected"), [
    (None, "select", RESULTS),
    ("", "graph", "text/turtle"),
    ("*/*", "ask", RESULTS),
    ("text/csv;q=0.5, application/sparql-results+xml", "select", XML),
    ("text/csv, text/tab-separated-values;q=0.9", "select", "text/csv"),
    ("text/*;q=0.3, text/csv;q=0.1", "select", "text/tab-separated-values"),
    ("application/json", "select", RESULTS),  # SPARQLWrapper's JSON list
    ("application/sparql-results+json,application/json,text/javascript", "ask", RESULTS),
    ("application/turtle,text/turtle", "graph", "text/turtle"),
    ("application/rdf+xml", "graph", "application/rdf+xml"),
    ("application/ld+json;q=1, text/turtle;q=0.9", "graph", "application/ld+json"),
    ("application/xml", "graph", "application/rdf+xml"),
    ("application/xml", "select", XML),
    ("text/plain", "graph", "application/n-triples"),
    ("text/turtle;q=0, */*;q=0.1", "graph", "application/n-triples"),
    ("image/png, */*;q=0.01", "select", RESULTS),
])
def test_accept_negotiation(accept: str | None, kind: str, expected: str) -> None:
    assert negotiate(accept, kind=kind) == expected


@pytest.mark.parametrize(("formats", "kind", "expected"), [
    (["json"], "select", RESULTS),
    (["xml"], "select", XML),
    (["xml"], "graph", "application/rdf+xml"),  # SPARQLWrapper XML on CONSTRUCT
    (["tsv", "text/tab-separated-values"], "select", "text/tab-separated-values"),
    (["json-ld", "application/ld+json"], "graph", "application/ld+json"),
    (["n3"], "graph", "text/turtle"),
    (["ntriples"], "graph", "application/n-triples"),
    (["CSV"], "ask", "text/csv"),
    (["text/csv"], "select", "text/csv"),
    (["bogus", "turtle"], "graph", "text/turtle"),  # the first usable value wins
])
def test_format_parameter_overrides_accept(formats: list[str], kind: str, expected: str) -> None:
    assert negotiate("application/sparql-results+xml", kind=kind, formats=formats) == expected


@pytest.mark.parametrize(("accept", "formats", "kind"), [
    ("image/png", [], "select"),
    ("text/turtle", [], "select"),
    ("application/sparql-results+json", [], "graph"),
    ("text/*;q=0", [], "graph"),
    (None, ["turtle"], "select"),
    (None, ["png"], "graph"),
])
def test_no_match_is_406_listing_the_formats(accept: str | None, formats: list[str],
                                             kind: str) -> None:
    with pytest.raises(NotAcceptable) as info:
        negotiate(accept, kind=kind, formats=formats)
    assert info.value.status_code == 406
    assert info.value.extra["formats"] == media_types(kind)


def test_content_type_states_utf8_for_text() -> None:
    assert content_type("text/turtle") == "text/turtle; charset=utf-8"
    assert content_type(RESULTS) == RESULTS


EX = "http://example.org/"
SELECT = QueryResult(kind="select", variables=["s", "label", "n", "b", "missing"], rows=[
    {"s": URIRef(EX + "a"), "label": Literal("comma, \"quote\"\ttab\nline", lang="en"),
     "n": Literal(3), "b": BNode("b0")},
    {"s": URIRef(EX + "b"), "label": Literal("<&>"), "n": Literal("2.5", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#decimal"))},
] * 3)
ASK = QueryResult(kind="ask", boolean=True)
OX_FORMATS = {RESULTS: ox.QueryResultsFormat.JSON, XML: ox.QueryResultsFormat.XML,
              "text/csv": ox.QueryResultsFormat.CSV,
              "text/tab-separated-values": ox.QueryResultsFormat.TSV}


def _ox_rows(body: bytes, media_type: str) -> list[dict[str, str]]:
    if media_type == "text/csv":  # lossy: pyoxigraph will not read it; the csv module will
        table = list(csv.reader(io.StringIO(body.decode(), newline="")))
        return [{n: v for n, v in zip(table[0], row, strict=True) if v} for row in table[1:]]
    parsed = ox.parse_query_results(body, OX_FORMATS[media_type])
    names = [v.value for v in parsed.variables]
    return [{n: str(t) for n, t in zip(names, row, strict=True) if t is not None}
            for row in parsed]


@pytest.mark.parametrize("media_type", list(OX_FORMATS))
def test_select_writers_parse_back_with_pyoxigraph(media_type: str) -> None:
    body, count, truncated = write_result(SELECT, media_type)
    assert (count, truncated) == (6, False)
    rows = _ox_rows(body, media_type)
    assert len(rows) == 6
    if media_type == "text/csv":  # CSV keeps only lexical forms, by design of the format
        assert rows[0]["label"] == 'comma, "quote"\ttab\nline' and rows[0]["b"] == "_:b0"
    else:
        assert rows[0]["label"] == '"comma, \\"quote\\"\\ttab\\nline"@en'
        assert rows[0]["n"] == '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'
        assert rows[1]["s"] == f"<{EX}b>"
    assert "missing" not in rows[0]


@pytest.mark.parametrize("media_type", [RESULTS, XML, "text/csv"])
def test_select_writers_parse_back_with_rdflib(media_type: str) -> None:
    body, _, _ = write_result(SELECT, media_type)
    fmt = {RESULTS: "json", XML: "xml", "text/csv": "csv"}[media_type]
    result = Result.parse(io.BytesIO(body), format=fmt)
    rows = list(result)
    assert len(rows) == 6
    assert str(rows[1][0]) == EX + "b"


@pytest.mark.parametrize("media_type", list(OX_FORMATS))
def test_ask_writers_match_pyoxigraph(media_type: str) -> None:
    body, _, _ = write_result(ASK, media_type)
    expected = ox.parse_query_results(b"true", ox.QueryResultsFormat.TSV).serialize(
        format=OX_FORMATS[media_type])
    if media_type == RESULTS:
        assert json.loads(body) == json.loads(expected)
    elif media_type == "text/csv":
        assert body == expected == b"true"
    else:
        assert bool(ox.parse_query_results(body, OX_FORMATS[media_type])) is True


@pytest.mark.parametrize("media_type", list(OX_FORMATS))
def test_byte_limit_cuts_rows_and_stays_parseable(media_type: str) -> None:
    full, _, _ = write_result(SELECT, media_type)
    body, count, truncated = write_result(SELECT, media_type, max_bytes=len(full) // 2)
    assert truncated and 0 < count < 6
    assert len(body) <= len(full) // 2
    assert len(_ox_rows(body, media_type)) == count


GRAPH = QueryResult(kind="graph", triples=[
    (URIRef(EX + "a"), URIRef(EX + "p"), Literal("x", lang="en")),
    (URIRef(EX + "a"), URIRef(EX + "q"), BNode("n1")),
    (BNode("n1"), URIRef(EX + "p"), Literal(1)),
])
OX_GRAPH_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE,
                    "application/n-triples": ox.RdfFormat.N_TRIPLES,
                    "application/rdf+xml": ox.RdfFormat.RDF_XML,
                    "application/ld+json": ox.RdfFormat.JSON_LD}


def _parse_graph(body: bytes, media_type: str) -> Graph:
    """Read a graph back (pyoxigraph's parsers; rdflib's JSON-LD reader warns on import)."""
    graph = Graph()
    for quad in ox.parse(body, format=OX_GRAPH_FORMATS[media_type]):
        graph.add(tuple(_term(t) for t in (quad.subject, quad.predicate, quad.object)))
    return graph


def _term(term: object) -> URIRef | BNode | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    assert isinstance(term, ox.Literal)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


@pytest.mark.parametrize("media_type", list(OX_GRAPH_FORMATS))
def test_graph_writers_parse_back(media_type: str) -> None:
    body, count, truncated = write_result(GRAPH, media_type)
    assert (count, truncated) == (3, False)
    back = _parse_graph(body, media_type)
    assert len(back) == 3
    assert (URIRef(EX + "a"), URIRef(EX + "p"), Literal("x", lang="en")) in back
    cut, written, was_cut = write_result(GRAPH, media_type, max_bytes=len(body) - 1)
    assert was_cut and written < 3
    assert len(_parse_graph(cut, media_type)) == written


def test_mismatched_media_type_is_406() -> None:
    with pytest.raises(NotAcceptable):
        write_result(SELECT, "text/turtle")
    with pytest.raises(NotAcceptable):
        write_graph(Graph(), RESULTS)

"""The lexical guard and the parse check: what is refused before any engine sees a query."""

from __future__ import annotations

import time

import pyoxigraph as ox
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from graph_service.errors import MalformedQuery, QueryTooComplex
from graph_service.services.query_guard import (
    IriTooLong,
    OutboundRequestRefused,
    QueryTooLarge,
    check_text,
    scan,
)
from graph_service.services.sparql import check_syntax

LIMITS = {"max_chars": 1024 * 1024, "max_depth": 64, "max_iri_length": 4096}
TARGET = "<http://127.0.0.1:9/sparql>"


def engine_accepts(text: str) -> bool:
    """True when pyoxigraph parses ``text`` (our parse check; nothing is evaluated)."""
    try:
        check_syntax(text)
    except MalformedQuery:
        return False
    return True


# Forms of a federated call that pyoxigraph 0.5.13 really parses as SERVICE (measured).
ENGINE_SERVICE_FORMS = [
    f"SELECT * WHERE {{ SERVICE {TARGET} {{ ?s ?p ?o }} }}",
    f"select * {{ service silent {TARGET} {{}} }}",
    f"SELECT * WHERE {{ ?s ?p ?o .SERVICE{TARGET}{{}} }}",
    "PREFIX : <http://127.0.0.1:9/> SELECT * { SERVICE:x {} }",
    f"SELECT * {{ ?s ?p 1SERVICE {TARGET} {{}} }}",
    f"SELECT * {{ ?s ?p 1.SERVICE {TARGET} {{}} }}",
    f"SELECT * {{ ?s ?p trueSERVICE {TARGET} {{}} }}",
    f"SELECT * {{ ?s ?p ?o.SERVICE {TARGET} {{}} }}",
    f"SELECT * {{ ?s ?p 'x'SERVICE {TARGET} {{}} }}",
    f"SELECT * {{ ?s ?p <urn:x>SERVICE {TARGET} {{}} }}",
    f"SELECT * {{ ?s ?p ?o # a comment\nSERVICE {TARGET} {{}} }}",
    f"PREFIX ex: <http://e/> SELECT * {{ ?s ex:a\\'b ?o SERVICE {TARGET} {{}} }}",
    f"SELECT * {{ {{ SELECT * {{ SERVICE ?endpoint {{}} }} }} VALUES ?endpoint {{ {TARGET} }} }}",
]


@pytest.mark.parametrize("text", ENGINE_SERVICE_FORMS)
def test_every_service_form_the_engine_accepts_is_refused(text: str) -> None:
    assert engine_accepts(text), "the sample must be a query the engine would run"
    with pytest.raises(OutboundRequestRefused) as info:
        check_text(text, **LIMITS)
    assert info.value.status_code == 403
    assert info.value.code == "outbound_request_refused"


@pytest.mark.parametrize("text", [
    r"SELECT * { \u0053ERVICE <http://127.0.0.1:9/> {} }",  # an engine that unescapes first
    "PREFIX myservice: <http://e/> SELECT * { ?s myservice:p ?o }",  # refused: over-eager
    "LOAD <http://127.0.0.1:9/data.ttl>",
])
def test_conservative_refusals(text: str) -> None:
    with pytest.raises(OutboundRequestRefused):
        check_text(text, **LIMITS)


@pytest.mark.parametrize("text", [
    'SELECT ?service WHERE { ?service ?p "SERVICE" }',
    "SELECT * WHERE { <http://x/SERVICE> ?p ?o } # SERVICE <http://x/> {}",
    "PREFIX schema: <https://schema.org/> SELECT * { ?x a schema:Service, schema:MyService }",
    "SELECT * { ?s ?p '''multi\nline SERVICE <http://x/> {}''' }",
    "SELECT * { _:service ?p $service }",
    'SELECT * { ?s ?p "a \\" SERVICE <http://x/> {} \\"" }',
])
def test_service_inside_strings_iris_comments_names_is_allowed(text: str) -> None:
    assert engine_accepts(text)
    assert check_text(text, **LIMITS).outbound == ()


@settings(max_examples=150, deadline=None)
@given(before=st.text(alphabet=" \t\n.;,{}()1a?:'\"<>_-x", max_size=6),
       after=st.text(alphabet=" \t\n.{}<>:x", max_size=4))
def test_if_the_engine_parses_a_service_call_the_guard_refuses_it(before: str,
                                                                  after: str) -> None:
    """No comment character in the alphabet: every text the engine accepts calls SERVICE,
    unless the word is a variable or a local name (``;?SERVICE <x>``, ``; :SERVICE <x>`` are
    predicate-object lists followed by an empty group, which the guard rightly lets through)."""
    assume(not before.endswith(("?", "$", ":")))
    text = (f"PREFIX : <http://127.0.0.1:9/> SELECT * {{ ?s ?p ?o {before}SERVICE{after} "
            f"{TARGET} {{}} }}")
    if engine_accepts(text):
        with pytest.raises(OutboundRequestRefused):
            check_text(text, **LIMITS)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters='"\\\r\n'), max_size=40))
def test_anything_in_a_string_literal_is_never_an_outbound_request(content: str) -> None:
    assert scan(f'SELECT * {{ ?s ?p "{content}" }}').outbound == ()


@pytest.mark.parametrize(("text", "form"), [
    ("PREFIX a: <http://a/> SELECT * {}", "select"),
    ("BASE <http://a/> ask {}", "ask"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "graph"),
    ("DESCRIBE <http://a>", "graph"),
    ("# SELECT\nINSERT DATA { <http://a> <http://b> <http://c> }", "insert"),
    ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "with"),
])
def test_form_is_the_first_operation_keyword(text: str, form: str) -> None:
    assert scan(text).form == form


def test_nesting_depth_is_limited_with_position() -> None:
    ok = "SELECT * WHERE " + "{" * 64 + "}" * 64
    assert check_text(ok, **LIMITS).depth == 64
    with pytest.raises(QueryTooComplex) as info:
        check_text("SELECT * WHERE\n " + "{" * 65 + "}" * 65, **LIMITS)
    assert info.value.extra["line"] == 2 and info.value.extra["column"] == 66
    assert info.value.code == "query_too_complex" and info.value.status_code == 400


@pytest.mark.parametrize("text", [
    "SELECT * WHERE " + "{" * 2500 + "}" * 2500,  # overflows pyoxigraph's parser stack
    "SELECT * WHERE { FILTER(" + "(" * 10_000 + "1" + ")" * 10_000 + ") }",
    "SELECT * WHERE { ?s ?p " + "[ <http://p> " * 3000 + "]" * 3000 + " }",
    "SELECT * WHERE { ?s ?p " + "<< " * 3000 + "<http://a> <http://b> <http://c>" + " >>" * 3000
    + " }",
    "SELECT * WHERE " + "{ SELECT * WHERE " * 3000 + "{}" + "}" * 3000,
])
def test_deep_nesting_is_refused_before_the_parser_runs(text: str) -> None:
    with pytest.raises(QueryTooComplex):
        check_text(text, **LIMITS)


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { " + " ".join(f"BIND({i} AS ?b{i})" for i in range(3500)) + " }",
    "SELECT * WHERE { FILTER(" + "!" * 10_000 + "true) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(" + " || ".join(["?o = 1"] * 10_000) + ") }",
    "SELECT * WHERE { ?s <http://p> (" + " ".join(str(i) for i in range(10_000)) + ") }",
    "SELECT * WHERE { ?s <http://p> " + " , ".join(f"?o{i}" for i in range(100_000)) + " }",
])
def test_long_flat_chains_that_crash_or_stall_the_engine_are_refused(text: str) -> None:
    with pytest.raises(QueryTooComplex) as info:
        check_text(text, **LIMITS)
    assert "VALUES" in info.value.message


def test_values_blocks_are_not_counted() -> None:
    rows = " ".join(f"(<http://e/{i}> {i})" for i in range(20_000))
    text = f"SELECT * WHERE {{ VALUES (?x ?n) {{ {rows} }} ?x ?p ?o }}"
    shape = check_text(text, **LIMITS)
    assert shape.tokens < 30
    assert engine_accepts(text)


def test_long_iri_and_long_text() -> None:
    with pytest.raises(IriTooLong) as info:
        check_text(f"ASK {{ <http://e/{'a' * 5000}> ?p ?o }}", **LIMITS)
    assert info.value.status_code == 400
    with pytest.raises(QueryTooLarge) as large:
        check_text("ASK {}" + " " * 100, max_chars=50, max_depth=64, max_iri_length=100)
    assert large.value.status_code == 413


@pytest.mark.parametrize("text", [
    "SELECT * { " + "'''" + "a'" * 300_000 + " }",
    "SELECT * { " + '"' * 1_000_000 + " }",
    "SELECT * { " + "<" * 1_000_000 + " }",
    "SELECT * { ex:" + "\\'" * 500_000 + " }",
])
def test_scanning_a_megabyte_of_hostile_text_is_fast(text: str) -> None:
    started = time.monotonic()
    scan(text)
    assert time.monotonic() - started < 3.0


def test_parse_check_reports_line_and_column() -> None:
    with pytest.raises(MalformedQuery) as info:
        check_syntax("SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER( }")
    line, column = info.value.extra["line"], info.value.extra["column"]
    assert line == 3 and 9 <= column <= 12  # at the "}" (pyoxigraph reports just past it)
    assert f"line 3, column {column}" in info.value.message
    assert info.value.status_code == 400 and info.value.code == "malformed_query"


def test_parse_check_never_evaluates() -> None:
    """2^40 solutions counted on an empty store would run for hours; the check takes ms."""
    doubling = "{ { BIND(1 AS ?a) } UNION { BIND(2 AS ?a) } } " * 40
    text = f"SELECT (COUNT(*) AS ?n) WHERE {{ {doubling} }}"
    started = time.monotonic()
    check_syntax(text)
    assert time.monotonic() - started < 1.0


def test_the_engine_does_not_unescape_codepoints_outside_strings() -> None:
    """Documents the pyoxigraph 0.5 behaviour the guard relies on least (it scans both)."""
    with pytest.raises(MalformedQuery):
        check_syntax(r"SELECT * { \u0053ERVICE <http://127.0.0.1:9/> {} }")
    store = ox.Store()
    (row,) = store.query(r'SELECT ?x { BIND("a\u0022b" AS ?x) }')
    assert row["x"].value == 'a"b'

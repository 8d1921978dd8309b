"""Named queries: every queries/*.rq checked at start-up (a bad file stops the service, named),
typed parameters, values bound (never pasted), and the same answers on oxigraph and rdflib."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Literal, URIRef

from graph_service.backends import GraphBackend, RdfSource
from graph_service.errors import InvalidParameter
from graph_service.models import QUERIES_DIR
from graph_service.named_queries import NamedQueryError, load_catalog, parse_named_query
from graph_service.services.queries import bind_params, iri_list_literal

FIXTURE = Path(__file__).resolve().parent / "resources" / "api_fixture.ttl"
ID = "https://w3id.org/dikg/id/"
SHIPPED = {"receptors_and_actions", "indications", "contraindications", "interactions",
           "interactions_between", "alternatives", "adverse_effects", "claims_by_source",
           "contradicted_claims", "drug_subgraph", "entity_labels", "warnings", "dosing",
           "formulations", "condition_problems", "sources"}
GOOD_HEADER = "#+ name: {name}\n#+ summary: test query\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_query_loads() -> None:
    catalog = load_catalog(QUERIES_DIR)
    assert len(catalog) == len(list(QUERIES_DIR.glob("*.rq")))
    assert {q.name for q in catalog.public()} >= SHIPPED
    assert catalog.get("contraindications").params[0].type == "entity"
    assert catalog.get("drug_subgraph").returns == "construct"


BROKEN = {
    "no_header": "SELECT * WHERE { ?s ?p ?o }",
    "bad_yaml": "#+ name: bad_yaml\n#+ summary: [unclosed\nSELECT * WHERE { ?s ?p ?o }",
    "no_summary": "#+ name: no_summary\nSELECT * WHERE { ?s ?p ?o }",
    "wrong_name": "#+ name: other\n#+ summary: s\nSELECT * WHERE { ?s ?p ?o }",
    "bad_sparql": GOOD_HEADER.format(name="bad_sparql") + "SELECT * WHERE { ?s ?p }",
    "undeclared": GOOD_HEADER.format(name="undeclared") + "SELECT ?_drug WHERE { ?_drug ?p ?o }",
    "unused_param": GOOD_HEADER.format(name="unused_param")
    + "#+ params:\n#+   - name: drug\n#+     type: iri\nSELECT ?s WHERE { ?s ?p ?o }",
    "not_projected": GOOD_HEADER.format(name="not_projected")
    + "#+ params:\n#+   - name: drug\n#+     type: iri\nSELECT ?p WHERE { ?drug ?p ?o }",
    "bad_type": GOOD_HEADER.format(name="bad_type")
    + "#+ params:\n#+   - name: drug\n#+     type: float\nSELECT ?drug WHERE { ?drug ?p ?o }",
    "wrong_form": GOOD_HEADER.format(name="wrong_form") + "#+ returns: ask\n"
    + "SELECT * WHERE { ?s ?p ?o }",
    "service": GOOD_HEADER.format(name="service")
    + "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "update": GOOD_HEADER.format(name="update") + "DELETE WHERE { ?s ?p ?o }",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_file_is_refused_with_its_name(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, BROKEN[name])
    with pytest.raises(NamedQueryError, match=rf"^{name}\.rq: "):
        parse_named_query(path)


def test_a_broken_file_stops_the_service(tmp_path: Path) -> None:
    from graph_service import create_app
    from graph_service.backends.oxigraph import OxigraphBackend

    write(tmp_path, "fine", GOOD_HEADER.format(name="fine") + "SELECT * WHERE { ?s ?p ?o }")
    write(tmp_path, "undeclared", BROKEN["undeclared"])
    with pytest.raises(NamedQueryError, match=r"undeclared\.rq"):
        create_app({"GRAPH_SERVICE_QUERIES_DIR": str(tmp_path), "GRAPH_SERVICE_ISOLATION": "none",
                    "GRAPH_SERVICE_LOAD_ON_START": False}, backend=OxigraphBackend())


def test_typed_values_are_checked(tmp_path: Path) -> None:
    query = parse_named_query(write(tmp_path, "typed", GOOD_HEADER.format(name="typed") + (
        "#+ params:\n#+   - name: n\n#+     type: integer\n#+     minimum: 1\n#+     maximum: 9\n"
        "#+   - name: iri\n#+     type: iri\n#+     required: false\n"
        "SELECT ?n ?iri WHERE { BIND(?n AS ?m) OPTIONAL { ?iri ?p ?o } }")))

    def never(*_: Any) -> URIRef:
        raise AssertionError("no entity parameter here")

    assert bind_params(query, {"n": "3"}, resolve=never) == {"n": Literal(3)}
    assert bind_params(query, {"n": 4, "iri": ID + "x"}, resolve=never)["iri"] == URIRef(ID + "x")
    for raw, parameter in [({"n": "x"}, "n"), ({"n": 10}, "n"), ({"n": True}, "n"), ({}, "n"),
                           ({"n": 1, "iri": "not an iri"}, "iri"),
                           ({"n": 1, "iri": ID + "a> } #"}, "iri"), ({"n": 1, "x": 1}, "x")]:
        with pytest.raises(InvalidParameter) as error:
            bind_params(query, raw, resolve=never)
        assert error.value.extra["parameter"] == parameter


@pytest.fixture(params=["oxigraph", "rdflib"])
def fixture_backend(request: pytest.FixtureRequest) -> Iterator[GraphBackend]:
    """``api_fixture.ttl`` on each embedded store."""
    if request.param == "oxigraph":
        from graph_service.backends.oxigraph import OxigraphBackend

        backend: GraphBackend = OxigraphBackend()
    else:
        from graph_service.backends.rdflib_store import RdflibBackend

        backend = RdflibBackend()
    backend.load([RdfSource(FIXTURE, "turtle", name=FIXTURE.name)])
    yield backend
    backend.close()


HOSTILE = ['L-TAB" ) || true || ("', 'x" } UNION { ?claim ?p ?o } #', "S001'} #", '} } #"']


@pytest.mark.parametrize("value", HOSTILE)
def test_a_quote_or_brace_in_a_value_cannot_change_the_query(fixture_backend: GraphBackend,
                                                             value: str) -> None:
    catalog = load_catalog(QUERIES_DIR)
    text = catalog.text("claims_by_source")
    honest = fixture_backend.query(text, bindings={"source": Literal("L-TAB")})
    assert honest.rows, "the query must find L-TAB's claims, or this test proves nothing"
    hostile = fixture_backend.query(text, bindings={"source": Literal(value)})
    assert hostile.rows == []
    assert catalog.text("claims_by_source") == text


def test_hostile_values_over_http(fixture_backend: GraphBackend) -> None:
    from graph_service import create_app

    app = create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none"},
                     backend=fixture_backend)
    client = app.test_client()
    for value in HOSTILE:
        response = client.get("/api/v1/queries/claims_by_source", query_string={"source": value})
        assert response.status_code == 200 and response.get_json()["rows"] == []
        response = client.post("/api/v1/queries/claims_by_source", json={"source": value})
        assert response.status_code == 200 and response.get_json()["rows"] == []
    assert client.get("/api/v1/queries/claims_by_source?source=L-TAB").get_json()["count"] > 0


CASES: dict[str, dict[str, Any]] = {
    "contraindications": {"drug": URIRef(ID + "fentanyl")},
    "interactions": {"drug": URIRef(ID + "acamprosate")},
    "receptors_and_actions": {"drug": URIRef(ID + "revia")},
    "interactions_between": {"drugs": iri_list_literal([ID + "naltrexone", ID + "percocet",
                                                        ID + "acamprosate"])},
    "condition_problems": {"drugs": iri_list_literal([ID + "acamprosate"]),
                           "conditions": iri_list_literal([ID + "end-stage-renal-disease"])},
    "claims_by_source": {"source": Literal("L-TAB")},
    "contradicted_claims": {}, "entity_labels": {}, "sources": {}, "safety_claims": {},
    "reach": {"item": URIRef(ID + "percocet")},
    "condition_reach": {"item": URIRef(ID + "end-stage-renal-disease")},
    "claim_citations": {"claim": URIRef(ID + "ci-acamprosate-opioidagonist")},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_queries_answer_the_same_on_both_stores(name: str, tmp_path: Path) -> None:
    from graph_service.backends.oxigraph import OxigraphBackend
    from graph_service.backends.rdflib_store import RdflibBackend

    text = load_catalog(QUERIES_DIR).text(name)
    answers = []
    for backend in (OxigraphBackend(), RdflibBackend()):
        backend.load([RdfSource(FIXTURE, "turtle", name=FIXTURE.name)])
        rows = backend.query(text, bindings=CASES[name] or None).rows
        answers.append(sorted(sorted((k, str(v)) for k, v in row.items()) for row in rows))
        backend.close()
    assert answers[0], f"{name} finds nothing in the fixture; the comparison would be empty"
    assert answers[0] == answers[1]


def test_contradicted_claims_are_never_in_safety_answers(fixture_backend: GraphBackend) -> None:
    catalog = load_catalog(QUERIES_DIR)
    contradicted = URIRef(ID + "ci-acamprosate-opioidagonist")
    assert contradicted in {r["claim"] for r in fixture_backend.query(
        catalog.text("contradicted_claims")).rows}
    for name in ("safety_claims", "interactions_between", "contraindications"):
        bindings = {"interactions_between": {"drugs": iri_list_literal(
            [ID + "acamprosate", ID + "fentanyl"])},
            "contraindications": {"drug": URIRef(ID + "acamprosate")}}.get(name)
        rows = fixture_backend.query(catalog.text(name), bindings=bindings).rows
        assert contradicted not in {r.get("claim") for r in rows}, name

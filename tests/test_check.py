"""POST /api/v1/check: class-level inference, products, conditions, explanations, sources,
contradicted claims never used, and the same answer on oxigraph and rdflib."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import URIRef

from graph_service.backends import GraphBackend, RdfSource
from graph_service.backends.terms import to_ntriples
from graph_service.models import QUERIES_DIR
from graph_service.named_queries import load_catalog

ID = "https://w3id.org/dikg/id/"
DIKG = "https://w3id.org/dikg/"
FIXTURE = Path(__file__).resolve().parent / "resources" / "api_fixture.ttl"
OPIOID_RULE = ID + "ci-naltrexone-opioidagonist"


def check(client: Any, drugs: list[str], conditions: list[str] | None = None) -> dict[str, Any]:
    """POST a check and return the decoded answer (asserting a 200)."""
    body: dict[str, Any] = {"drugs": drugs}
    if conditions is not None:
        body["conditions"] = conditions
    response = client.post("/api/v1/check", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer: dict[str, Any] = response.get_json()
    return answer


def all_claims(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """Every claim of every alert: the preferred one and the others about the same pair."""
    return [c for a in answer["alerts"] for c in (a, *a["other_claims"])]


def triple_exists(backend: GraphBackend, triple: dict[str, Any]) -> bool:
    """ASK whether an explanation triple is stated in the graph."""
    terms = " ".join(to_ntriples(URIRef(triple[k]["iri"]))
                     for k in ("subject", "predicate", "object"))
    result = backend.query(f"ASK {{ {terms} }}")
    return bool(result.boolean)


def assert_chain(alert: dict[str, Any], backend: GraphBackend) -> None:
    """The explanation is stated triples that lead from each input to the claim."""
    explanation = alert["explanation"]
    assert explanation, "an alert needs an explanation"
    for triple in explanation:
        assert triple_exists(backend, triple), triple
        assert all(triple[k]["label"] for k in ("subject", "predicate", "object"))
    claim_part = [t for t in explanation if t["subject"]["iri"] == alert["claim"]]
    by_predicate = {t["predicate"]["iri"]: t["object"]["iri"] for t in claim_part}
    # each side's chain starts at the input and ends at the claim's subject / object
    for side, predicate in (("subject", DIKG + "subject"), ("object", DIKG + "object")):
        start, end = alert[side]["iri"], by_predicate[predicate]
        chain = [t for t in explanation if t["subject"]["iri"] != alert["claim"]]
        node, steps = start, 0
        while node != end and steps <= len(chain):
            node = next((t["object"]["iri"] for t in chain if t["subject"]["iri"] == node), node)
            steps += 1
        assert node == end, f"no chain from {start} to {end}"


@pytest.mark.parametrize("other", ["fentanyl", "tramadol", "codeine cough syrup", "Percocet"])
def test_class_level_rule_reaches_members_and_products(client: Any, graph_store: GraphBackend,
                                                       other: str) -> None:
    answer = check(client, ["naltrexone", other])
    alerts = [a for a in all_claims(answer) if a["claim"] == OPIOID_RULE]
    assert len(alerts) == 1, answer["alerts"]
    alert = alerts[0]
    assert alert["severity"] == "contraindicated"
    assert alert["kind"] == "drug-drug"
    assert alert["inferred"] is True
    assert alert["subject"]["iri"] == ID + "naltrexone"
    assert alert["object"]["input"] == other
    assert alert["management"] and alert["summary"]
    assert any(s["title"] for s in alert["sources"])
    assert_chain(alert, graph_store)
    predicates = [t["predicate"]["iri"] for t in alert["explanation"]]
    assert "http://www.w3.org/2000/01/rdf-schema#subClassOf" in predicates
    if other in ("Percocet", "codeine cough syrup"):
        assert DIKG + "hasIngredient" in predicates


def test_brand_with_salt_reaches_the_parent_drug(client: Any, graph_store: GraphBackend) -> None:
    answer = check(client, ["ReVia", "fentanyl"])
    alert = next(a for a in all_claims(answer) if a["claim"] == OPIOID_RULE)
    assert alert["subject"]["iri"] == ID + "revia"
    predicates = [t["predicate"]["iri"] for t in alert["explanation"]]
    assert predicates[:2] == [DIKG + "hasIngredient", DIKG + "saltOf"]
    assert_chain(alert, graph_store)


def test_drug_condition_alert(client: Any, graph_store: GraphBackend) -> None:
    answer = check(client, ["acamprosate"], ["severe renal impairment"])
    alert = next(a for a in all_claims(answer)
                 if a["claim"] == ID + "ci-acamprosate-severe-renal-impairment")
    assert alert["kind"] == "drug-condition"
    assert alert["severity"] == "contraindicated"
    assert alert["inferred"] is False
    assert alert["object"]["iri"] == ID + "severe-renal-impairment"
    assert_chain(alert, graph_store)
    assert "message" not in answer


def test_negative_check_says_what_was_consulted(client: Any) -> None:
    answer = check(client, ["naltrexone", "ibuprofen"])
    assert answer["alerts"] == []
    assert "No known problem" in answer["message"] and "not a guarantee" in answer["message"]
    assert answer["graph_version"] in answer["message"]
    assert [r["iri"] for r in answer["resolved"]] == [ID + "naltrexone", ID + "ibuprofen"]
    keys = {s["key"] for s in answer["sources_consulted"]}
    assert {"L-TAB", "L-VIV"} <= keys


def test_acamprosate_with_an_opioid_has_no_opioid_alert(client: Any) -> None:
    answer = check(client, ["acamprosate", "fentanyl"])
    assert answer["alerts"] == []


def test_ambiguous_and_unknown_names_are_not_guessed(client: Any) -> None:
    answer = check(client, ["nal", "xyzzyq", "naltrexon"])
    unresolved = {u["input"]: u for u in answer["unresolved"]}
    assert unresolved["nal"]["reason"] == "ambiguous"
    assert len(unresolved["nal"]["candidates"]) >= 2
    assert unresolved["xyzzyq"]["reason"] == "unknown"
    assert [(r["input"], r["iri"], r["matched_on"]) for r in answer["resolved"]] == [
        ("naltrexon", ID + "naltrexone", "fuzzy")]
    assert "could not be resolved" in answer["message"]


def test_alerts_are_sorted_by_severity_and_never_from_contradicted_claims(
        client: Any, graph_store: GraphBackend) -> None:
    answer = check(client, ["naltrexone", "methadone", "loperamide", "thioridazine", "Vivitrol",
                            "acamprosate", "disulfiram", "alcohol"],
                   ["severe renal impairment", "thrombocytopenia", "psychosis"])
    ranks = [a["severity_rank"] or 0 for a in answer["alerts"]]
    assert len(ranks) >= 5 and ranks == sorted(ranks, reverse=True)
    for alert in all_claims(answer):
        status = to_ntriples(URIRef(DIKG + "Contradicted"))
        claim = to_ntriples(URIRef(alert["claim"]))
        contradicted = graph_store.query(f"ASK {{ {claim} <{DIKG}status> {status} }}").boolean
        assert contradicted is False
        assert_chain(alert, graph_store)


def test_one_alert_per_pair_most_severe_first_others_listed(client: Any) -> None:
    answer = check(client, ["naltrexone", "tramadol"])
    (alert,) = answer["alerts"]
    assert alert["severity"] == "contraindicated"
    assert alert["claim"] == ID + "ix-naltrexone-tramadol" and alert["inferred"] is False
    others = {c["claim"]: c for c in alert["other_claims"]}
    assert others[OPIOID_RULE]["inferred"] is True
    assert all(c["severity_rank"] <= alert["severity_rank"] for c in others.values())
    assert all("other_claims" not in c for c in alert["other_claims"])


def test_interactions_between_query_agrees_with_check(client: Any) -> None:
    drugs = ["naltrexone", "fentanyl", "Percocet", "tramadol", "acamprosate", "ibuprofen"]
    answer = check(client, drugs)
    pairs = {(a["claim"], a["subject"]["iri"], a["object"]["iri"]) for a in all_claims(answer)}
    response = client.post("/api/v1/queries/interactions_between", json={"drugs": drugs})
    assert response.status_code == 200
    rows = response.get_json()["rows"]
    assert {(r["claim"], r["a"], r["b"]) for r in rows} == pairs


# --- the fixture graph: condition reach, contradicted claims, ambiguity, both stores -----------

@pytest.fixture(params=["oxigraph", "rdflib"])
def fixture_client(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A client of the service over ``api_fixture.ttl`` on each embedded store."""
    from graph_service import create_app

    if request.param == "oxigraph":
        from graph_service.backends.oxigraph import OxigraphBackend

        backend: GraphBackend = OxigraphBackend()
    else:
        from graph_service.backends.rdflib_store import RdflibBackend

        backend = RdflibBackend()
    backend.load([RdfSource(FIXTURE, "turtle", name=FIXTURE.name)])
    app = create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none"}, backend=backend)
    yield app.test_client()
    backend.close()


def test_fixture_contradicted_claim_never_alerts(fixture_client: Any) -> None:
    answer = check(fixture_client, ["acamprosate", "fentanyl"])
    assert answer["alerts"] == []
    # the same pair of classes does alert through a non-contradicted claim
    assert [a["claim"] for a in check(fixture_client, ["naltrexone", "fentanyl"])["alerts"]] == [
        OPIOID_RULE]


def test_fixture_condition_rule_reaches_narrower_conditions(fixture_client: Any) -> None:
    answer = check(fixture_client, ["acamprosate"], ["end-stage renal disease"])
    (alert,) = answer["alerts"]
    assert alert["inferred"] is True
    first = alert["explanation"][0]
    assert (first["subject"]["iri"], first["object"]["iri"]) == (
        ID + "end-stage-renal-disease", ID + "severe-renal-impairment")


def test_fixture_shared_name_is_ambiguous(fixture_client: Any) -> None:
    answer = check(fixture_client, ["Nalorex", "fentanyl"])
    (unresolved,) = answer["unresolved"]
    assert unresolved["reason"] == "ambiguous"
    assert {c["iri"] for c in unresolved["candidates"]} == {ID + "naltrexone",
                                                            ID + "nalorex-tablets"}


# --- the project ontology on rdflib: the same answers as on oxigraph ---------------------------

@pytest.fixture(scope="module")
def rdflib_client() -> Iterator[Any]:
    """The service over the project ontology on the rdflib reference store (not re-validated)."""
    from graph_service import create_app
    from graph_service.backends.rdflib_store import RdflibBackend

    backend = RdflibBackend()
    app = create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none",
                      "GRAPH_SERVICE_VALIDATE_ON_LOAD": False}, backend=backend)
    yield app.test_client()
    backend.close()


@pytest.mark.parametrize(("drugs", "conditions"), [
    (["naltrexone", "Percocet", "tramadol", "codeine cough syrup"], []),
    (["ReVia", "methadone", "acamprosate"], ["severe renal impairment"]),
    (["Vivitrol", "ibuprofen"], ["thrombocytopenia"]),
])
def test_same_answer_on_oxigraph_and_rdflib(client: Any, rdflib_client: Any, drugs: list[str],
                                            conditions: list[str]) -> None:
    expected = check(client, drugs, conditions)
    assert expected["alerts"]
    assert check(rdflib_client, drugs, conditions) == expected


# --- a real `oxigraph serve` process: bindings travel as VALUES, the answers stay the same -----

@pytest.fixture(scope="module")
def remote_client(remote_server: Any) -> Iterator[Any]:
    """The service over the project ontology on the remote (SPARQL protocol) backend."""
    from graph_service import create_app
    from graph_service.backends.remote import RemoteBackend

    backend = RemoteBackend(query_url=remote_server.query_url,
                            update_url=remote_server.update_url,
                            store_url=remote_server.store_url, timeout=30)
    backend.clear()
    app = create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none",
                      "GRAPH_SERVICE_VALIDATE_ON_LOAD": False}, backend=backend)
    yield app.test_client()
    backend.clear()
    backend.close()


@pytest.mark.live
def test_same_answer_on_a_remote_server(client: Any, remote_client: Any) -> None:
    drugs, conditions = ["naltrexone", "Percocet", "acamprosate"], ["severe renal impairment"]
    expected = check(client, drugs, conditions)
    assert {a["kind"] for a in expected["alerts"]} == {"drug-drug", "drug-condition"}
    assert check(remote_client, drugs, conditions) == expected
    for url in ("/api/v1/drugs/fentanyl/contraindications",
                "/api/v1/queries/claims_by_source?source=L-TAB"):
        expected_body = client.get(url).get_json()
        assert remote_client.get(url).get_json() == expected_body


SAMPLES: dict[str, Any] = {
    "drug": "naltrexone", "item": "naltrexone", "source": "L-TAB",
    "claim": "https://w3id.org/dikg/id/ci-naltrexone-opioidagonist",
    "drugs": ["naltrexone", "Percocet", "disulfiram", "metronidazole"],
    "conditions": ["severe renal impairment", "acute opioid withdrawal"],
}
PUBLIC_QUERIES = sorted(q.name for q in load_catalog(QUERIES_DIR).public())


@pytest.mark.live
@pytest.mark.parametrize("name", PUBLIC_QUERIES)
def test_every_named_query_answers_the_same_on_a_remote_server(
        client: Any, remote_client: Any, name: str) -> None:
    """Bound values reach FILTERs and BINDs on the remote store too (VALUES opens the group)."""
    query = load_catalog(QUERIES_DIR).get(name)
    body = {p.name: SAMPLES[p.name] for p in query.params}
    if query.params and query.params[0].name == "item":
        body["item"] = "acute opioid withdrawal" if "condition" in name else "Percocet"
    expected = client.post(f"/api/v1/queries/{name}", json=body)
    assert expected.status_code == 200, expected.get_json()
    answer = expected.get_json()
    if query.params:
        assert answer != client.post(f"/api/v1/queries/{name}", json={}).get_json()
    remote = remote_client.post(f"/api/v1/queries/{name}", json=body)
    assert remote.status_code == 200
    got = remote.get_json()
    if "triples" in answer:  # a CONSTRUCT answer is a set of triples, in any order
        for triples in (answer["triples"], got["triples"]):
            triples.sort(key=lambda t: sorted(t.items()))
    assert got == answer

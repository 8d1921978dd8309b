"""The /api/v1 contract on the project ontology: name resolution, drug cards, sources, conflicts,
named queries as REST operations, and precise JSON errors."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from rdflib import Graph, URIRef

ID = "https://w3id.org/dikg/id/"
DIKG = "https://w3id.org/dikg/"


def get_json(client: Any, url: str, status: int = 200, **kwargs: Any) -> Any:
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    return response.get_json()


def resolved(client: Any, text: str, entity_type: str = "any") -> dict[str, Any] | None:
    answer = get_json(client, "/api/v1/entities", query_string={"q": text, "type": entity_type})
    result: dict[str, Any] | None = answer["resolved"]
    return result


@pytest.mark.parametrize(("text", "iri", "how"), [
    ("naltrexone", "naltrexone", "label"), ("NALTREXONE", "naltrexone", "label"),
    ("Vivitrol", "vivitrol", "label"), ("vivitrol", "vivitrol", "label"),
    ("REVIA", "revia", "label"), ("ReVia", "revia", "label"),
    ("Percocet", "percocet", "altLabel"), ("naltrexone HCl", "naltrexone-hydrochloride",
                                             "altLabel"),
    ("naltrexon", "naltrexone", "fuzzy"), ("acamprosat", "acamprosate", "fuzzy"),
    ("vivitral", "vivitrol", "fuzzy"),
    ("DB00704", "naltrexone", "identifier"), ("drugbank:DB00704", "naltrexone", "identifier"),
    ("RxNorm 7243", "naltrexone", "identifier"), ("CHEBI:7465", "naltrexone", "identifier"),
    ("N07BB04", "naltrexone", "identifier"), ("D009271", "naltrexone", "identifier"),
    ("https://go.drugbank.com/drugs/DB00704", "naltrexone", "identifier"),
    ("P35372", "oprm1", "identifier"), (ID + "acamprosate", "acamprosate", "identifier"),
])
def test_names_brands_typos_and_identifiers_resolve(client: Any, text: str, iri: str,
                                                   how: str) -> None:
    entity = resolved(client, text)
    assert entity is not None, text
    assert (entity["iri"], entity["matched_on"]) == (ID + iri, how)


def test_brands_lead_to_their_ingredient(client: Any) -> None:
    vivitrol = get_json(client, "/api/v1/drugs/Vivitrol")
    assert vivitrol["iri"] == ID + "vivitrol" and vivitrol["type"] == "product"
    assert [i["iri"] for i in vivitrol["ingredients"]] == [ID + "naltrexone"]
    revia = get_json(client, "/api/v1/drugs/revia")
    (salt,) = revia["ingredients"]
    salt_card = get_json(client, f"/api/v1/drugs/{salt['iri'].removeprefix(ID)}")
    assert [p["iri"] for p in salt_card["salt_of"]] == [ID + "naltrexone"]
    # a brand's card carries its ingredient's rules (stated on naltrexone, reached via the salt)
    claims = {c["claim"] for c in revia["contraindications"]}
    assert ID + "ci-naltrexone-opioidagonist" in claims


def test_ambiguous_and_unknown_names_give_candidates(client: Any) -> None:
    answer = get_json(client, "/api/v1/entities?q=nal&type=medication")
    assert answer["resolved"] is None and len(answer["candidates"]) >= 2
    assert all(c["type"] in ("drug", "product") for c in answer["candidates"])
    scores = [c["score"] for c in answer["candidates"]]
    assert scores == sorted(scores, reverse=True)
    missing = get_json(client, "/api/v1/drugs/nal", status=404)
    assert missing["error"] == "not_found" and len(missing["candidates"]) >= 2
    assert get_json(client, "/api/v1/drugs/zzqqxx", status=404)["candidates"] == []
    assert resolved(client, "severe renal impairment", "drug") is None


def test_drug_card(client: Any) -> None:
    card = get_json(client, "/api/v1/drugs/naltrexone")
    assert card["label"] == "naltrexone" and card["definition"]
    assert {c["iri"] for c in card["classes"]} >= {DIKG + "OpioidAntagonist"}
    assert {"scheme": "DrugBank", "id": "DB00704",
            "iri": "https://go.drugbank.com/drugs/DB00704"} in card["identifiers"]
    targets = {(m["target"]["iri"], m["action"]) for m in card["mechanism"]}
    assert (ID + "oprm1", "antagonist") in targets
    assert ID + "alcohol-dependence" in {i["condition"]["iri"] for i in card["indications"]}
    rule = next(c for c in card["contraindications"]
                if c["claim"] == ID + "ci-naltrexone-opioidagonist")
    assert rule["severity"] == "contraindicated" and rule["kind"] == "absolute"
    assert rule["target"]["iri"] == DIKG + "OpioidAgonist" and rule["inferred"] is False
    assert rule["sources"] and rule["management"]
    common = {e["effect"]["label"] for e in card["adverse_effects"]["common"]}
    assert "nausea" in common and card["adverse_effects"]["serious"]
    assert {"acamprosate", "disulfiram"} <= {a["alternative"]["label"]
                                             for a in card["alternatives"]}
    assert any(f["route"] == "intramuscular" for f in card["formulations"])
    assert card["dosing"] and card["warnings"] and card["interactions"]
    assert {"L-TAB", "L-VIV"} <= {s["key"] for s in card["sources"]}


def test_inherited_contraindications_carry_their_chain(client: Any) -> None:
    answer = get_json(client, "/api/v1/drugs/fentanyl/contraindications")
    rule = next(c for c in answer["contraindications"]
                if c["claim"] == ID + "ci-naltrexone-opioidagonist")
    assert (rule["role"], rule["inferred"]) == ("object", True)
    assert rule["target"]["iri"] == ID + "naltrexone"
    chain = [(t["subject"]["iri"], t["predicate"]["iri"], t["object"]["iri"])
             for t in rule["explanation"]]
    assert chain[:2] == [(ID + "fentanyl", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
                          DIKG + "FullOpioidAgonist"),
                         (DIKG + "FullOpioidAgonist",
                          "http://www.w3.org/2000/01/rdf-schema#subClassOf",
                          DIKG + "OpioidAgonist")]


def test_alternatives_say_what_differs(client: Any) -> None:
    answer = get_json(client, "/api/v1/drugs/naltrexone/alternatives")
    acamprosate = next(a for a in answer["alternatives"]
                       if a["alternative"]["iri"] == ID + "acamprosate")
    assert acamprosate["difference"] and acamprosate["sources"]
    assert "severe renal impairment" in acamprosate["ruled_out_by"]


def test_sources_and_conflicts(client: Any) -> None:
    sources = get_json(client, "/api/v1/sources")["sources"]
    by_key = {s["key"]: s for s in sources}
    assert by_key["L-TAB"]["kind"] == "drug label" and by_key["L-TAB"]["url"]
    assert by_key["S000"]["seed_file"].startswith("seeds/")
    assert sum(s["claims"]["contradicted"] for s in sources) > 0
    conflicts = get_json(client, "/api/v1/conflicts")["conflicts"]
    assert len(conflicts) >= 10
    for conflict in conflicts:
        assert conflict["status"] == "contradicted" and conflict["contradicted_by"]
        assert any(s["quote"] for s in conflict["sources"]), conflict["claim"]
        assert all(c["summary"] for c in conflict["contradicted_by"])


def test_named_queries_as_operations(client: Any) -> None:
    listed = {q["name"]: q for q in get_json(client, "/api/v1/queries")["queries"]}
    assert "reach_edges" not in listed  # internal
    assert listed["contraindications"]["params"][0]["type"] == "entity"
    answer = get_json(client, "/api/v1/queries/contraindications?drug=Vivitrol")
    assert answer["params"] == {"drug": ID + "vivitrol"} and answer["count"] == len(answer["rows"])
    assert ID + "ci-naltrexone-opioidagonist" in {r["claim"] for r in answer["rows"]}
    posted = client.post("/api/v1/queries/contraindications", json={"drug": "Vivitrol"})
    assert posted.status_code == 200 and posted.get_json()["rows"] == answer["rows"]
    table = client.get("/api/v1/queries/interactions_between?drugs=naltrexone&drugs=fentanyl",
                       headers={"Accept": "text/csv"})
    assert table.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True))))
    assert {r["claim"] for r in rows} == {ID + "ci-naltrexone-opioidagonist"}
    turtle = client.get("/api/v1/queries/drug_subgraph?drug=naltrexone&format=turtle")
    assert turtle.mimetype == "text/turtle"
    graph = Graph().parse(data=turtle.get_data(as_text=True), format="turtle")
    assert (URIRef(ID + "ci-naltrexone-opioidagonist"), URIRef(DIKG + "subject"),
            URIRef(ID + "naltrexone")) in graph


@pytest.mark.parametrize(("url", "status", "error", "named"), [
    ("/api/v1/queries/contraindications", 400, "invalid_parameter", "drug"),
    ("/api/v1/queries/contraindications?drug=naltrexone&bogus=1", 400, "invalid_parameter",
     "bogus"),
    ("/api/v1/queries/contraindications?drug=zzqqxx", 404, "not_found", "drug"),
    ("/api/v1/queries/claim_citations?claim=not%20an%20iri", 400, "invalid_parameter", "claim"),
    ("/api/v1/queries/contraindications?drug=naltrexone&format=xml", 406, "not_acceptable", None),
    ("/api/v1/queries/reach_edges?item=x", 404, "not_found", None),
    ("/api/v1/entities", 400, "invalid_parameter", "q"),
    ("/api/v1/entities?q=x&type=planet", 400, "invalid_parameter", "type"),
    ("/api/v1/entities?q=x&limit=0", 400, "invalid_parameter", "limit"),
])
def test_query_string_errors(client: Any, url: str, status: int, error: str,
                             named: str | None) -> None:
    body = get_json(client, url, status=status)
    assert body["error"] == error and body["status"] == status and body["message"]
    if named:
        assert body["parameter"] == named and named in body["message"]


@pytest.mark.parametrize(("kwargs", "status", "field"), [
    ({"data": "{", "content_type": "application/json"}, 400, None),
    ({"data": "drugs=x", "content_type": "application/x-www-form-urlencoded"}, 415, None),
    ({"json": ["naltrexone"]}, 400, "body"),
    ({"json": {"drugs": "naltrexone"}}, 400, "drugs"),
    ({"json": {"drugs": ["naltrexone", 3]}}, 400, "drugs"),
    ({"json": {"drugs": ["x"] * 101}}, 400, "drugs"),
    ({"json": {"drugs": []}}, 400, "drugs"),
    ({"json": {"drugs": ["naltrexone"], "conditions": "renal"}}, 400, "conditions"),
    ({"json": {"drugs": ["naltrexone"], "patient": {}}}, 400, "patient"),
    ({"json": {"conditions": ["psychosis"]}}, 400, "drugs"),
])
def test_check_body_errors(client: Any, kwargs: dict[str, Any], status: int,
                           field: str | None) -> None:
    response = client.post("/api/v1/check", **kwargs)
    assert response.status_code == status
    body = response.get_json()
    assert set(body) >= {"error", "message", "status"} and body["status"] == status
    if field:
        assert body["field"] == field and field in body["message"]


def test_too_large_and_wrong_method(client: Any) -> None:
    big = client.post("/api/v1/check", data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                      content_type="application/json")
    assert big.status_code == 413 and big.get_json()["error"] == "payload_too_large"
    wrong = client.delete("/api/v1/check")
    assert wrong.status_code == 405 and wrong.get_json()["error"] == "method_not_allowed"


def test_deeply_nested_json_is_a_400(client: Any) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    for path in ("/api/v1/check", "/api/v1/queries/contraindications"):
        response = client.post(path, data=body, content_type="application/json")
        assert response.status_code == 400, path
        assert "nested too deeply" in response.get_json()["message"]

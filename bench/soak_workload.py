"""The soak's mixed workload: weighted request kinds, each with the statuses it must get.

Every kind draws its requests from a seeded ``random.Random``; an answer is an error unless its
status is one the kind expects and its body is what that status promises (parsed JSON for JSON,
a non-empty body of the negotiated type for the rest, JSON errors for 4xx/503).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from urllib.parse import quote, urlencode

__all__ = ["KINDS", "RUNAWAY", "Kind", "Request", "check_response", "pick"]

DRUGS = ["naltrexone", "ReVia", "Vivitrol", "naltrexon", "acamprosate", "Campral", "disulfiram",
         "Antabuse", "fentanyl", "tramadol", "codeine", "Percocet", "methadone",
         "buprenorphine", "morphine", "oxycodone", "loperamide", "ibuprofen", "warfarin",
         "naltrexone hydrochloride", "acamprosate calcium", "hydrocodone", "nalmefene"]
CONDITIONS = ["acute hepatitis", "liver failure", "moderate renal impairment",
              "opioid dependence", "alcohol dependence", "renal insufficiency", "depression",
              "current opioid use (physiological opioid dependence)", "pain"]
CARD_IDS = ["naltrexone", "acamprosate", "disulfiram", "ReVia", "Vivitrol", "fentanyl",
            "https://w3id.org/dikg/id/naltrexone", "tramadol", "methadone", "Campral"]
NAMED = [("contraindications", "drug"), ("interactions", "drug"), ("alternatives", "drug"),
         ("receptors_and_actions", "drug"), ("adverse_effects", "drug"), ("indications", "drug"),
         ("formulations", "drug"), ("dosing", "drug"), ("sources", None),
         ("contradicted_claims", None)]
SKOS = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
SELECTS = [SKOS + "SELECT ?s ?label WHERE { ?s skos:prefLabel ?label } ORDER BY ?label "
                  "LIMIT {n} OFFSET {m}",
           SKOS + "SELECT ?s (COUNT(?alt) AS ?n) WHERE { ?s skos:altLabel ?alt } GROUP BY ?s "
                  "ORDER BY DESC(?n) LIMIT {n}",
           "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) LIMIT {n}",
           SKOS + 'SELECT ?s WHERE { ?s skos:prefLabel ?l FILTER(CONTAINS(LCASE(STR(?l)), '
                  '"nal")) } LIMIT {n}']
SELECT_TYPES = ["application/sparql-results+json", "application/sparql-results+xml",
                "text/csv", "text/tab-separated-values"]
ENTITIES = ["naltrexone", "acamprosate", "disulfiram", "fentanyl", "oprm1",
            "acute-hepatitis", "vivitrol", "revia"]
GRAPH_TYPES = ["text/turtle", "application/n-triples", "application/ld+json",
               "application/rdf+xml"]
EXPORTS = ["graphml", "gexf", "cytoscape", "node-link", "csv", "turtle", "jsonld", "dot", "svg"]
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@dataclass(frozen=True)
class Request:
    """One request and what it must get."""

    kind: str
    method: str
    path: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    expect: tuple[int, ...] = (200,)
    media: str | None = None  # the media type a 200 must have (prefix match)


def _json(kind: str, path: str, body: object) -> Request:
    return Request(kind, "POST", path, json.dumps(body).encode(),
                   (("Content-Type", "application/json"),), media="application/json")


def _check(rng: random.Random) -> Request:
    drugs = rng.sample(DRUGS, rng.randint(1, 4))
    conditions = rng.sample(CONDITIONS, rng.randint(0, 2))
    return _json("check", "/api/v1/check", {"drugs": drugs, "conditions": conditions})


def _entities(rng: random.Random) -> Request:
    text = rng.choice(DRUGS + CONDITIONS + ["nal", "opioid", "RXCUI:7243", "N07BB04"])
    return Request("entities", "GET", "/api/v1/entities?" + urlencode(
        {"q": text, "type": rng.choice(["any", "medication", "drug", "condition"])}),
        media="application/json")


def _card(rng: random.Random) -> Request:
    section = rng.choice(["", "", "/contraindications", "/interactions", "/alternatives"])
    kind = "drug_card" if not section else "drug_section"
    return Request(kind, "GET", f"/api/v1/drugs/{quote(rng.choice(CARD_IDS), safe='')}{section}",
                   media="application/json")


def _named(rng: random.Random) -> Request:
    name, param = rng.choice(NAMED)
    query = urlencode({param: rng.choice(DRUGS[:12])}) if param else ""
    fmt = rng.choice(["", "", "&format=csv"]) if param else ""
    return Request("named_query", "GET", f"/api/v1/queries/{name}?{query}{fmt}",
                   media="text/csv" if fmt else "application/json")


def _select(rng: random.Random) -> Request:
    text = rng.choice(SELECTS).replace("{n}", str(rng.randint(1, 200))).replace(
        "{m}", str(rng.randint(0, 500)))
    accept = rng.choice(SELECT_TYPES)
    if rng.random() < 0.5:
        return Request("sparql_select", "GET", "/sparql?" + urlencode({"query": text}),
                       headers=(("Accept", accept),), media=accept)
    return Request("sparql_select", "POST", "/sparql", text.encode(),
                   (("Content-Type", "application/sparql-query"), ("Accept", accept)),
                   media=accept)


def _construct(rng: random.Random) -> Request:
    iri = f"https://w3id.org/dikg/id/{rng.choice(ENTITIES)}"
    text = (f"CONSTRUCT {{ <{iri}> ?p ?o . ?o ?q ?r }} WHERE {{ <{iri}> ?p ?o "
            "OPTIONAL { ?o ?q ?r FILTER(isBlank(?o)) } }")
    accept = rng.choice(GRAPH_TYPES)
    return Request("sparql_construct", "POST", "/sparql", urlencode({"query": text}).encode(),
                   (("Content-Type", "application/x-www-form-urlencoded"), ("Accept", accept)),
                   media=accept)


def _export(rng: random.Random) -> Request:
    fmt = rng.choice(EXPORTS)
    focus = rng.choice(["naltrexone", "acamprosate", "disulfiram", "Vivitrol"])
    return Request("export", "GET", "/export?" + urlencode(
        {"format": fmt, "focus": focus, "depth": rng.randint(1, 2)}), expect=(200, 503))


_MALFORMED = [
    Request("malformed", "GET", "/sparql?" + urlencode({"query": "SELEKT * WHERE {}"}),
            expect=(400,)),
    Request("malformed", "POST", "/sparql", b"SELECT * WHERE { ?s ?p ?o",
            (("Content-Type", "application/sparql-query"),), expect=(400,)),
    Request("malformed", "POST", "/api/v1/check", b'{"drugs": [',
            (("Content-Type", "application/json"),), expect=(400,)),
    Request("malformed", "POST", "/api/v1/check", b'{"drugs": 5}',
            (("Content-Type", "application/json"),), expect=(400,)),
    Request("malformed", "POST", "/api/v1/check", b"naltrexone",
            (("Content-Type", "text/plain"),), expect=(415,)),
    Request("malformed", "GET", "/api/v1/drugs/no-such-drug-xyz", expect=(404,)),
    Request("malformed", "GET", "/api/v1/entities?q=", expect=(400,)),
    Request("malformed", "GET", "/api/v1/queries/no_such_query", expect=(404,)),
    Request("malformed", "GET", "/sparql?" + urlencode(
        {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}),
        expect=(403,)),
    Request("malformed", "POST", "/sparql", b"update=INSERT+DATA+%7B%3Ca%3A1%3E+%3Ca%3A2%3E+1%7D",
            (("Content-Type", "application/x-www-form-urlencoded"),), expect=(403,)),
    Request("malformed", "GET", "/sparql?query=ASK%7B%7D", headers=(("Accept", "image/png"),),
            expect=(406,)),
    Request("malformed", "DELETE", "/sparql", expect=(405,)),
    Request("malformed", "GET", "/sparql?" + urlencode(
        {"query": "SELECT * WHERE " + "{ " * 500 + "}" * 500}), expect=(400,)),
]


@dataclass(frozen=True)
class Kind:
    """A request kind of the mix: its share and its request maker."""

    name: str
    weight: float
    make: object  # Callable[[random.Random], Request]
    url: str


KINDS = [
    Kind("check", 20, _check, "POST /api/v1/check"),
    Kind("entities", 14, _entities, "GET /api/v1/entities"),
    Kind("drug_card", 10, _card, "GET /api/v1/drugs/{id}[/section]"),
    Kind("named_query", 12, _named, "GET /api/v1/queries/{name}"),
    Kind("sparql_select", 14, _select, "GET/POST /sparql SELECT"),
    Kind("sparql_construct", 10, _construct, "POST /sparql CONSTRUCT"),
    Kind("export", 6, _export, "GET /export (503 warming_up while its graph is prepared)"),
    Kind("malformed", 6, lambda rng: rng.choice(_MALFORMED), "malformed (expected 4xx)"),
]


def pick(rng: random.Random) -> Request:
    """The next request of the mix."""
    kind = rng.choices(KINDS, weights=[k.weight for k in KINDS])[0]
    request: Request = kind.make(rng)  # type: ignore[operator]
    return request


def check_response(request: Request, status: int, content_type: str, body: bytes) -> str | None:
    """``None`` when the answer is what the request must get, else what is wrong."""
    if status not in request.expect:
        return f"status {status} (expected {'/'.join(map(str, request.expect))}): {body[:200]!r}"
    media = content_type.split(";")[0].strip()
    if status >= 400:
        try:
            error = json.loads(body)
        except ValueError:
            return f"{status} without a JSON body: {body[:200]!r}"
        if error.get("status") != status or "message" not in error:
            return f"{status} with an error body off the contract: {body[:200]!r}"
        if request.kind == "export" and status == 503 and error.get("error") != "warming_up":
            return f"export 503 other than warming_up: {body[:200]!r}"
        return None
    if not body:
        return "empty body"
    if request.media and not media.startswith(request.media):
        return f"content type {content_type!r}, expected {request.media}"
    if media.endswith("json"):
        try:
            json.loads(body)
        except ValueError:
            return f"unparseable JSON: {body[:200]!r}"
    return None

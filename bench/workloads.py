"""The benchmark's questions, as HTTP requests for the service and for a raw Oxigraph server.

Three SPARQL questions, sent as the same text to both servers (POST form ``query=``):
class-inherited contraindications of one drug (``queries/contraindications.rq`` with the drug in
a ``VALUES`` block), pairwise safety claims among 10 drugs (reach through ``rdf:type`` /
``rdfs:subClassOf*`` on both sides), and a 2-hop ``CONSTRUCT`` around one drug. Plus
``POST /api/v1/check`` with 10 drug names (the service only). Parameters rotate through the
generated hub drugs so that, unless a workload repeats on purpose, no two requests are equal.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from urllib.parse import urlencode

from loadgen import Request

__all__ = ["KINDS", "PREFIXES", "check_request", "params_for", "sparql_request", "sparql_text"]

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("contraindications", "pairwise", "construct_2hop")
PREFIXES = """PREFIX dikg: <https://w3id.org/dikg/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
_PAIRWISE = PREFIXES + """SELECT DISTINCT ?a ?b ?claim ?type ?severity ?summary WHERE {
  VALUES ?a { %(panel)s }
  ?a (rdf:type/rdfs:subClassOf*)? ?claim_subject .
  ?claim dikg:subject ?claim_subject ; dikg:object ?claim_object .
  VALUES ?b { %(panel)s }
  ?b (rdf:type/rdfs:subClassOf*)? ?claim_object .
  FILTER (?a != ?b)
  ?claim a ?type ; dikg:status ?status ; dikg:summary ?summary .
  VALUES ?type { dikg:Contraindication dikg:Interaction dikg:Warning }
  FILTER (?status != dikg:Contradicted)
  OPTIONAL { ?claim dikg:severity ?severity }
}
ORDER BY ?claim ?a ?b"""
_TWO_HOP = """CONSTRUCT { ?x ?p ?o } WHERE {
  { <%(drug)s> ?p1 ?x } UNION { ?x ?p1 <%(drug)s> }
  ?x ?p ?o
}"""
ACCEPT = {"select": "application/sparql-results+json", "construct": "application/n-triples"}


def _contraindications_text() -> str:
    text = (ROOT / "queries" / "contraindications.rq").read_text()
    return "\n".join(line for line in text.splitlines() if not line.startswith("#+"))


def sparql_text(kind: str, param: str | list[str]) -> str:
    """The query text of ``kind`` for a drug IRI (or a panel of IRIs for ``pairwise``)."""
    if kind == "contraindications":
        values = f"WHERE {{\n  VALUES ?drug {{ <{param}> }}"
        return _contraindications_text().replace("WHERE {", values, 1)
    if kind == "pairwise":
        assert isinstance(param, list)
        return _PAIRWISE % {"panel": " ".join(f"<{iri}>" for iri in param)}
    if kind == "construct_2hop":
        return _TWO_HOP % {"drug": param}
    raise ValueError(kind)


def sparql_request(kind: str, param: str | list[str], *, raw: bool) -> Request:
    """POST the query as a form to ``/query`` (raw Oxigraph) or ``/sparql`` (the service)."""
    accept = ACCEPT["construct" if kind == "construct_2hop" else "select"]
    body = urlencode({"query": sparql_text(kind, param)}).encode()
    return Request("POST", "/query" if raw else "/sparql", body,
                   (("Content-Type", "application/x-www-form-urlencoded"), ("Accept", accept)))


def check_request(names: list[str]) -> Request:
    """``POST /api/v1/check`` with these drug names."""
    return Request("POST", "/api/v1/check", json.dumps({"drugs": names}).encode(),
                   (("Content-Type", "application/json"), ("Accept", "application/json")))


def panel(hubs: list[dict[str, str]], seed: int, *, size: int = 10) -> list[dict[str, str]]:
    """10 drugs drawn (seeded) from the 200 best-connected ones, so they interact."""
    return random.Random(seed).sample(hubs[:200], min(size, len(hubs)))


def params_for(kind: str, hubs: list[dict[str, str]], index: int) -> str | list[str]:
    """The ``index``-th parameter of a workload: a hub drug, or a seeded panel of 10."""
    if kind == "pairwise":
        return [d["iri"] for d in panel(hubs, index)]
    return hubs[index % len(hubs)]["iri"]


def count_answer(kind: str, body: bytes) -> int:
    """Parse an answer and count its solutions (SELECT) or triples (CONSTRUCT)."""
    if kind == "construct_2hop":
        import pyoxigraph as ox

        return len(list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES)))
    if kind == "check":
        return len(json.loads(body)["alerts"])
    return len(json.loads(body)["results"]["bindings"])

"""Fuzzing: schema-invalid requests to every operation, a stateful client journey, and hypothesis
properties of name resolution.

Every answer must be a success the client can parse, or a JSON error ``{"error", "message",
"status"}`` whose status is the HTTP status and is a 4xx; the only 5xx allowed is the designed
``503 query_timeout`` for a runaway query. ``tests/test_openapi.py`` runs the schema-valid
(positive) schemathesis pass; this module adds the negative pass and the stateful one. Raw bytes,
encodings and huge or nested inputs to the JSON API and /sparql, in-process and against real
gunicorn workers, are in ``tests/test_fuzz_protocol.py``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import hypothesis
import pytest
import schemathesis
from fuzz_support import RDF_FORMATS, check_answer, triples_of
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, multiple, rule
from schemathesis.generation import GenerationMode

from graph_service import create_app
from graph_service.backends import GraphBackend
from graph_service.blueprints.api import ENTITY_TYPES
from graph_service.services.resolution import normalize, resolve, search
from graph_service.state import get_state

FUZZ = hypothesis.settings(max_examples=60, deadline=None, database=None, derandomize=True,
                           suppress_health_check=list(hypothesis.HealthCheck))


@pytest.fixture(scope="module")
def fuzz_app(graph_store: GraphBackend) -> Any:
    """One app over the shared ontology store (in-process queries: fast)."""
    return create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none"}, backend=graph_store)


# --- schemathesis: invalid data everywhere, then a stateful journey ---------------------------

def test_invalid_requests_to_every_operation_get_json_4xx(fuzz_app: Any) -> None:
    """schemathesis in negative mode: schema-violating input is refused (4xx), never 5xx or
    non-JSON."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", fuzz_app)
    failures: dict[str, str] = {}
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/export":  # PNG/SVG drawing is slow; exports have their tests
            continue
        strategy = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)

        @hypothesis.given(case=strategy)
        @hypothesis.settings(FUZZ, max_examples=6,
                             phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
        def run(case: Any) -> None:
            response = case.call()
            check_answer(response, allowed=(200, 204))
            # and the server refuses what the schema calls invalid (they state one rule)
            case.validate_response(response, checks=[schemathesis.checks.negative_data_rejection])

        try:
            run()
            tested += 1
        except hypothesis.errors.Unsatisfiable:  # nothing can be invalid (no parameters)
            continue
        except (Exception, BaseExceptionGroup) as exc:  # report every operation together
            failures[operation.label] = str(exc)[:1500]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
    assert tested >= 20


@pytest.mark.parametrize("local", ["a<b", "a b", "x{y}"])
def test_entity_iri_with_characters_an_iri_cannot_hold_is_a_4xx(fuzz_app: Any,
                                                                local: str) -> None:
    check_answer(fuzz_app.test_client().get(f"/id/{quote(local)}"), allowed=())


NAMES = ["naltrexone", "Vivitrol", "REVIA", "naltrexon", "acamprosate", "Campral", "fentanyl",
         "opioid", "tramadol", "Percocet", "renal", "liver", "alcohol", "mu", "disulfiram", "x"]


class ClientJourney(RuleBasedStateMachine):
    """Search, then use what the search returned: cards, sections, checks, named queries and
    SPARQL on the same entities; every response validated against the OpenAPI document."""

    app: Any = None
    calls: dict[str, int] = {}  # noqa: RUF012 - rule name -> times run, over the whole test
    entities = Bundle("entities")

    @initialize()
    def setup(self) -> None:
        self.client = self.app.test_client()
        self.schema = schemathesis.openapi.from_wsgi("/openapi.json", self.app)

    def _call(self, path: str, method: str, *, url: str | None = None, **parts: Any) -> Any:
        """Send with the Flask client (IRIs in paths percent-encoded), validate by the spec."""
        ClientJourney.calls[path] = ClientJourney.calls.get(path, 0) + 1
        case = self.schema[path][method].Case(**parts)
        response = self.client.open(url or path, method=method,
                                    query_string=parts.get("query"), json=parts.get("body"))
        case.validate_response(response)
        return check_answer(response)

    @rule(target=entities, text=st.sampled_from(NAMES) | st.text(min_size=1, max_size=30),
          entity_type=st.sampled_from(ENTITY_TYPES))
    def search(self, text: str, entity_type: str) -> Any:
        response = self._call("/api/v1/entities", "GET", query={"q": text, "type": entity_type})
        if response.status_code != 200:
            return multiple()
        found = response.get_json()["candidates"]
        return multiple(*[(c["iri"], c["label"], c["type"]) for c in found])

    @rule(entity=entities, section=st.sampled_from(["", "/contraindications", "/interactions",
                                                    "/alternatives"]),
          by=st.sampled_from(["iri", "label"]))
    def card(self, entity: tuple[str, str, str], section: str, by: str) -> None:
        iri, label, kind = entity
        ident = iri if by == "iri" else label
        response = self._call(f"/api/v1/drugs/{{ident}}{section}", "GET",
                              url=f"/api/v1/drugs/{quote(ident, safe='')}{section}",
                              path_parameters={"ident": ident})
        assert response.status_code in (200, 404)
        if by == "iri":  # an IRI names exactly one entity: a medication has a card
            assert (response.status_code == 200) == (kind in ("drug", "product")), response.data
        if response.status_code == 200 and by == "iri":
            body = response.get_json()
            assert (body["drug"]["iri"] if section else body["iri"]) == iri

    @rule(first=entities, second=entities, junk=st.lists(st.text(max_size=12), max_size=2))
    def check(self, first: tuple[str, str, str], second: tuple[str, str, str],
              junk: list[str]) -> None:
        drugs = [first, second]
        names = [iri for iri, _, _ in drugs] + junk
        response = self._call("/api/v1/check", "POST", body={"drugs": names, "conditions": []},
                              media_type="application/json")
        if response.status_code == 200:
            body = response.get_json()
            assert len(body["resolved"]) + len(body["unresolved"]) == len(names)
            resolved = {r["iri"] for r in body["resolved"]}
            assert {iri for iri, _, kind in drugs if kind in ("drug", "product")} <= resolved

    @rule(entity=entities, name=st.sampled_from(["contraindications", "receptors_and_actions",
                                                 "alternatives", "adverse_effects"]))
    def named_query(self, entity: tuple[str, str, str], name: str) -> None:
        self._call(f"/api/v1/queries/{name}", "GET", query={"drug": entity[0]})

    @rule(entity=entities, accept=st.sampled_from(sorted(RDF_FORMATS)))
    def describe(self, entity: tuple[str, str, str], accept: str) -> None:
        iri = entity[0]
        ClientJourney.calls["/sparql"] = ClientJourney.calls.get("/sparql", 0) + 1
        response = self.client.get("/sparql", headers={"Accept": accept}, query_string={
            "query": f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}"})
        assert response.status_code == 200 and response.mimetype == accept
        triples = triples_of(response.get_data(), accept)
        assert triples and {s for s, _, _ in triples} == {iri}


def test_stateful_client_journey(fuzz_app: Any) -> None:
    ClientJourney.app = fuzz_app
    machine = ClientJourney.TestCase
    machine.settings = hypothesis.settings(FUZZ, max_examples=15, stateful_step_count=10)
    machine().runTest()
    calls = dict(ClientJourney.calls)
    assert calls.get("/api/v1/entities", 0) >= 12, calls
    assert {"/api/v1/check", "/sparql", "/api/v1/drugs/{ident}"} <= set(calls), calls


# --- name resolution ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def index(fuzz_app: Any) -> Any:
    from graph_service.blueprints.api_support import resolution_index

    return resolution_index(get_state(fuzz_app))


@FUZZ
@hypothesis.given(text=st.text(max_size=300), entity_type=st.sampled_from(ENTITY_TYPES),
                  limit=st.integers(1, 50))
def test_resolution_of_any_text_is_ranked_bounded_and_never_a_guess(
        index: Any, text: str, entity_type: str, limit: int) -> None:
    found = search(index, text, entity_type=entity_type, limit=limit)
    assert len(found) <= limit and len({c.iri for c in found}) == len(found)
    assert found == sorted(found, key=lambda c: (-c.score, c.label.casefold(), c.iri))
    assert all(0 < c.score <= 1 for c in found)
    outcome = resolve(index, text, entity_type=entity_type)
    assert len(outcome.candidates) <= 5
    if outcome.entity is None:
        assert outcome.reason == ("ambiguous" if outcome.candidates else "unknown")
    else:
        assert outcome.reason == "" and outcome.entity.score >= 0.85


@FUZZ
@hypothesis.given(data=st.data())
def test_known_names_resolve_the_same_in_any_case_and_punctuation(index: Any,
                                                                  data: Any) -> None:
    key = data.draw(st.sampled_from(sorted(index.names)))
    original = data.draw(st.sampled_from(sorted(text for _, text in index.names[key].values())))
    flips = data.draw(st.lists(st.booleans(), min_size=len(original), max_size=len(original)))
    varied = "".join(c.upper() if f else c.lower() for c, f in zip(original, flips, strict=True))
    varied = data.draw(st.sampled_from(["", " ", "  ", "-"])) + varied.replace(" ", " _ ") + " "
    assert normalize(varied) == normalize(original) == key
    assert resolve(index, varied).entity == resolve(index, original).entity


@FUZZ
@hypothesis.given(text=st.text(max_size=200))
def test_normalize_is_idempotent(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)


@FUZZ
@hypothesis.given(q=st.text(max_size=600), kind=st.text(max_size=12), limit=st.text(max_size=4))
def test_entities_endpoint_answers_any_query_text(fuzz_app: Any, q: str, kind: str,
                                                  limit: str) -> None:
    response = fuzz_app.test_client().get("/api/v1/entities",
                                          query_string={"q": q, "type": kind, "limit": limit})
    if check_answer(response).status_code == 200:
        assert len(response.get_json()["candidates"]) <= int(limit or 10)

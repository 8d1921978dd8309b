"""The OpenAPI 3.1 document: valid, complete (every route, every named query), served with local
docs assets; and schemathesis against the WSGI app: no 5xx, every response matches its schema."""

from __future__ import annotations

import re
from typing import Any

import hypothesis
import jsonschema_rs
import pytest
import schemathesis
from schemathesis.specs.openapi.definitions import OPENAPI_31

from graph_service.backends import GraphBackend


@pytest.fixture(scope="module")
def openapi_app(graph_store: GraphBackend) -> Any:
    """One app for the whole module (schemathesis calls it many times)."""
    from graph_service import create_app

    return create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none"}, backend=graph_store)


@pytest.fixture(scope="module")
def spec(openapi_app: Any) -> dict[str, Any]:
    """The served document."""
    response = openapi_app.test_client().get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.get_json()
    return document


def served_paths(app: Any) -> set[str]:
    """The app's routes written as OpenAPI paths (static assets left out)."""
    paths = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/static/") or \
                rule.rule == "/docs/init.js":
            continue
        paths.add(re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule))
    return paths


def test_document_validates_against_the_openapi_31_schema(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    errors = [e.message for e in jsonschema_rs.validator_for(OPENAPI_31).iter_errors(spec)]
    assert errors == []
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', str(spec).replace("'", '"')))
    assert refs <= set(spec["components"]["schemas"])
    for name in ("Alert", "CheckRequest", "CheckResponse", "DrugCard", "Error"):
        assert name in spec["components"]["schemas"]


def test_every_route_and_named_query_is_described(openapi_app: Any, spec: dict[str, Any]) -> None:
    described = set(spec["paths"])
    generic = {"/api/v1/queries/{name}"}  # described once per named query instead
    assert served_paths(openapi_app) - generic <= described
    catalog = openapi_app.extensions["graph_service"].catalog
    for query in catalog.public():
        item = spec["paths"][f"/api/v1/queries/{query.name}"]
        names = {p["name"] for p in item["get"]["parameters"]} - {"format"}
        assert names == {p.name for p in query.params}
    internal = [q.name for q in catalog if q.internal]
    assert internal and not any(f"/api/v1/queries/{n}" in described for n in internal)
    operation_ids = [op["operationId"] for item in spec["paths"].values()
                     for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))


def test_docs_page_uses_local_assets(openapi_app: Any) -> None:
    client = openapi_app.test_client()
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and not any(s.startswith(("http:", "https:", "//")) for s in sources)
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, f"{source}: {asset.status_code} {asset.get_data()[:300]!r}"
        asset.close()


MAX_EXAMPLES = 8  # per operation; keeps the whole run well under a minute
SLOW = ("png", "svg")  # export formats drawn by graphviz, tested by the export tests


def fuzz(operation: Any) -> None:
    """One hypothesis run of ``operation``; raises the failures schemathesis found."""
    # A schema-valid request is accepted, except a SPARQL text (its grammar is not a JSON Schema:
    # a "valid" string may not parse) and export types (they are the graph's: unknown is a 400).
    sparql = operation.path == "/sparql"
    excluded = [schemathesis.checks.positive_data_acceptance] if sparql else []
    strategy = operation.as_strategy()
    if operation.path == "/export":  # drawing the whole graph as PNG/SVG takes ~10 s
        strategy = strategy.filter(lambda c: (c.query or {}).get("format", "").lower()
                                   not in SLOW and "types" not in (c.query or {}))

    @hypothesis.given(case=strategy)
    @hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                         derandomize=True, suppress_health_check=list(hypothesis.HealthCheck),
                         phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(excluded_checks=excluded)

    run()


def test_api_conforms_to_its_schema(openapi_app: Any) -> None:
    """schemathesis over every operation the app serves: no 5xx, responses match the schema.

    (``schemathesis.pytest.from_fixture`` does not work with pytest 9, so the operations are
    driven here, each with its own hypothesis run, and all failures are reported together.)
    """
    schema = schemathesis.openapi.from_wsgi("/openapi.json", openapi_app)
    served = served_paths(openapi_app) | {
        f"/api/v1/queries/{q.name}" for q in openapi_app.extensions["graph_service"].catalog}
    failures: dict[str, str] = {}
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path not in served:
            continue
        tested += 1
        try:
            fuzz(operation)
        except (Exception, BaseExceptionGroup) as exc:  # collect all failures, report together
            failures[operation.label] = str(exc)[:2000]
    assert tested >= 30
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())

"""The web page, its npm assets, the editor's examples and entity IRIs (/id/...)."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import rdflib

from graph_service.backends import GraphBackend
from graph_service.models import ID
from graph_service.services.query_examples import SAMPLE_ENTITIES, example_text

NALTREXONE = rdflib.URIRef(ID.naltrexone)
SKOS_PREF = rdflib.URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")


@pytest.fixture(scope="module")
def module_app(graph_store: GraphBackend) -> Any:
    """One app from the factory for the module (its projection cache is built once)."""
    from graph_service import create_app

    return create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none"}, backend=graph_store)


@pytest.fixture
def client(module_app: Any) -> Any:
    return module_app.test_client()


def _config(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="dikg-config">(.*?)</script>', html,
                      re.DOTALL)
    assert found is not None
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def test_page_offers_editor_examples_and_graph_view(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    html = response.get_data(as_text=True)
    config = _config(html)
    names = [e["name"] for e in config["examples"]]
    assert {"contraindications", "alternatives", "receptors_and_actions"} <= set(names)
    assert not any(name.startswith("export_") for name in names)  # internal queries stay out
    assert config["endpoint"] == "/sparql" and config["focus"] is None
    assert ["naltrexone", "naltrexone", "Drug"] in config["entities"]
    assert config["vendorMissing"] is False
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert len(assets) == 6
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert served.content_type.split(";")[0] in ("text/javascript", "text/css")
        served.close()


def test_examples_bind_parameters_and_answer_like_the_named_query(
        module_app: Any, graph_store: GraphBackend) -> None:
    from graph_service.state import get_state

    catalog = get_state(module_app).catalog
    compared = 0
    for query in catalog.public():
        text = example_text(query)
        assert not any(line.startswith("#+") for line in text.splitlines())
        example = graph_store.query(text, max_rows=None)
        bindings = {p.name: rdflib.URIRef(SAMPLE_ENTITIES[p.entity_type]) for p in query.params
                    if p.type == "entity" and p.entity_type in SAMPLE_ENTITIES}
        if not query.params or len(bindings) != len(query.params):
            continue  # nothing to bind (the example is the query), or no sample value
        named = graph_store.query(query.text, bindings=bindings, max_rows=None)
        assert len(example.rows) + len(example.triples) == len(named.rows) + len(
            named.triples) > 0, query.name
        compared += 1
    assert compared >= 10


def test_vendor_route_serves_only_the_page_packages(client: Any) -> None:
    js = client.get("/static/vendor/cytoscape/dist/cytoscape.min.js")
    assert js.status_code == 200 and js.content_type.startswith("text/javascript")
    js.close()
    swagger = client.get("/static/vendor/swagger-ui-dist/swagger-ui.css")
    assert swagger.status_code == 200
    swagger.close()
    for path in ("/static/vendor/lodash/lodash.js", "/static/vendor/cytoscape/../../pyproject.toml",
                 "/static/vendor/cytoscape/no-such-file.js"):
        refused = client.get(path)
        assert refused.status_code == 404, path
        assert refused.json["error"] == "not_found"


def test_missing_npm_assets_say_how_to_install_them(graph_store: GraphBackend,
                                                    tmp_path: Path) -> None:
    from graph_service import create_app

    app = create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none",
                      "GRAPH_SERVICE_STATIC_DIR": str(tmp_path)}, backend=graph_store)
    client = app.test_client()
    missing = client.get("/static/vendor/cytoscape/dist/cytoscape.min.js")
    assert missing.status_code == 404
    assert "npm ci --prefix web" in missing.json["message"]
    config = _config(client.get("/").get_data(as_text=True))
    assert config["vendorMissing"] is True and "npm ci --prefix web" in config["npmHint"]


def test_entity_iri_opens_the_graph_view_in_browsers(client: Any) -> None:
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/id/naltrexone", headers={"Accept": browser_accept})
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    assert response.headers["Vary"] == "Accept"
    assert _config(response.get_data(as_text=True))["focus"] == "naltrexone"


def _parse(body: bytes, fmt: str) -> rdflib.Graph:
    with warnings.catch_warnings():  # rdflib's JSON-LD parser uses its deprecated ConjunctiveGraph
        warnings.simplefilter("ignore", DeprecationWarning)
        return rdflib.Graph().parse(data=body, format=fmt)


@pytest.mark.parametrize(("accept", "media_type", "fmt"), [
    ("text/turtle", "text/turtle; charset=utf-8", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("*/*", "text/turtle; charset=utf-8", "turtle"),
    ("text/turtle;q=0.5, application/n-triples", "application/n-triples", "nt"),
])
def test_entity_iri_gives_rdf_clients_its_description(client: Any, accept: str, media_type: str,
                                                      fmt: str) -> None:
    response = client.get("/id/naltrexone", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.content_type == media_type
    graph = _parse(response.data, fmt)
    assert (NALTREXONE, SKOS_PREF, rdflib.Literal("naltrexone", lang="en")) in graph
    claims = set(graph.subjects(rdflib.URIRef("https://w3id.org/dikg/subject"), NALTREXONE))
    assert rdflib.URIRef(ID["mech-naltrexone-oprm1"]) in claims


@pytest.mark.parametrize(("path", "accept", "status"), [
    ("/id/no-such-entity", "text/turtle", 404),
    ("/id/no-such-entity", "text/html", 404),
    ("/id/naltrexone", "application/pdf", 406),
])
def test_entity_iri_errors(client: Any, path: str, accept: str, status: int) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == status
    assert response.json["status"] == status and response.json["message"]
    if status == 406:
        assert "text/turtle" in response.json["formats"]

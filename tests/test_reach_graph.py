"""Indexes built from scans (reach graph, citations, name rows) answer what their queries answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_backend
from rdflib import URIRef

from graph_service.backends import GraphBackend, RdfSource
from graph_service.models import QUERIES_DIR
from graph_service.named_queries import load_catalog
from graph_service.services.queries import select
from graph_service.services.reach_graph import ReachGraph, get_reach_graph

FIXTURE = Path(__file__).resolve().parent / "resources" / "api_fixture.ttl"
CATALOG = load_catalog(QUERIES_DIR)


@pytest.fixture(params=["curated", "oxigraph-memory", "rdflib"])
def store(request: pytest.FixtureRequest, graph_store: GraphBackend,
          tmp_path: Path) -> Iterator[GraphBackend]:
    """The curated graph, and the fixture graph (condition hierarchy) on both embedded stores."""
    if request.param == "curated":
        yield graph_store
        return
    backend = make_backend(request.param, tmp_path, request)
    backend.load([RdfSource(FIXTURE, "turtle", name=FIXTURE.name)])
    yield backend
    backend.close()


def entities(store: GraphBackend, category: tuple[str, ...]) -> list[str]:
    rows = select(store, CATALOG, "entity_labels")
    return sorted({str(r["entity"]) for r in rows if str(r["category"]) in category})


def test_reaches_equal_the_property_paths_and_walks_are_stated_edges(
        store: GraphBackend) -> None:
    graph = get_reach_graph(store, CATALOG, version="v", cache={})
    medications = entities(store, ("drug", "product"))
    conditions = entities(store, ("condition",))
    assert medications and conditions
    reached_classes = 0
    for mode, query, items in (("medication", "reach", medications),
                               ("condition", "condition_reach", conditions)):
        for item in items:
            expected = {str(r["node"]) for r in select(store, CATALOG, query, item=URIRef(item))}
            assert graph.reach(item, mode=mode) == expected, (mode, item)
            reached_classes += len(expected) > 1
            stated = {(str(r["s"]), str(r["p"]), str(r["o"]))
                      for r in select(store, CATALOG, "reach_edges", item=URIRef(item))}
            assert set(graph.walk(item, mode=mode)) <= stated
    assert reached_classes > len(medications) // 2  # most items reach more than themselves


def test_saved_form_round_trips(store: GraphBackend) -> None:
    graph = get_reach_graph(store, CATALOG, version="v", cache={})
    assert ReachGraph.from_json(graph.to_json()) == graph


def test_contained_mode_is_not_walked_forward() -> None:
    with pytest.raises(ValueError, match="contained"):
        ReachGraph().walk("x", mode="contained")


def test_citation_index_gives_every_claim_the_citations_of_claim_citations(
        store: GraphBackend) -> None:
    from graph_service.services.citation_index import CitationIndex, get_citation_index
    from graph_service.services.sources import citations

    index = get_citation_index(store, CATALOG, version="v", cache={})
    claims = {str(r["claim"]) for r in select(store, CATALOG, "safety_claims")}
    assert claims and CitationIndex.from_json(index.to_json()) == index
    cited = 0
    for claim in sorted(claims):
        expected = citations(store, CATALOG, claim)
        assert index.citations(claim) == expected, claim
        cited += bool(expected)
    assert cited > len(claims) // 2


def test_name_index_rows_equal_entity_labels(store: GraphBackend) -> None:
    from graph_service.services.entity_rows import entity_label_rows
    from graph_service.services.resolution import build_index

    expected = [{k: None if v is None else str(v) for k, v in row.items()}
                for row in select(store, CATALOG, "entity_labels")]
    rows = entity_label_rows(store, CATALOG)
    strip = [{k: v for k, v in row.items() if v is not None} for row in rows]
    assert strip == [{k: v for k, v in row.items() if v is not None} for row in expected]
    assert build_index(rows) == build_index(select(store, CATALOG, "entity_labels"))


def test_safety_index_rows_equal_safety_claims(store: GraphBackend) -> None:
    from graph_service.services.claim_rows import safety_claim_rows
    from graph_service.services.safety_index import build_safety_index

    expected = select(store, CATALOG, "safety_claims")
    rows = safety_claim_rows(store, CATALOG)
    assert sorted(map(sorted_items, rows)) == sorted(map(sorted_items, expected))
    assert [str(r["claim"]) for r in rows] == [str(r["claim"]) for r in expected]
    assert build_safety_index(rows).to_json() == build_safety_index(expected).to_json()


def sorted_items(row: dict[str, object]) -> list[tuple[str, str]]:
    return sorted((k, repr(v)) for k, v in row.items())

"""SVG/PNG drawings: layout engine by size, refused up front when too large, cached per version."""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from typing import Any

import networkx as nx
import pytest

from graph_service.backends import GraphBackend
from graph_service.serializers import graph_drawing
from graph_service.services.drawing_cache import DrawingCache, drawing_cache

SVG = "{http://www.w3.org/2000/svg}"


def _graph(nodes: int, edges: int) -> nx.MultiDiGraph:
    shape = nx.gnm_random_graph(nodes, edges, seed=3, directed=True)
    graph = nx.MultiDiGraph()
    graph.add_nodes_from((str(n), {"label": f"n{n}", "type": "Drug"}) for n in shape)
    graph.add_edges_from((str(u), str(v), {"label": "e"}) for u, v in shape.edges)
    return graph


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The DOT text of every Graphviz run (the real ``render`` still draws)."""
    seen: list[bytes] = []
    real = graph_drawing.render

    def counting(text: bytes, **options: Any) -> bytes:
        seen.append(text)
        return real(text, **options)

    monkeypatch.setattr(graph_drawing, "render", counting)
    return seen


def test_small_graphs_are_layered_by_dot_and_larger_ones_by_sfdp(renders: list[bytes]) -> None:
    small = _graph(20, graph_drawing.DOT_MAX_EDGES)
    large = _graph(120, graph_drawing.DOT_MAX_EDGES + 1)
    assert graph_drawing.layout_for(small) == "dot"
    assert graph_drawing.layout_for(large) == "sfdp"
    for graph in (small, large):
        svg = ET.fromstring(graph_drawing.draw(graph, output="svg", timeout=30))
        nodes = [g for g in svg.iter(f"{SVG}g") if str(g.get("class", "")).startswith("node")]
        assert len(nodes) == graph.number_of_nodes()
    assert b'"layout"' not in renders[0]
    assert b'graph ["layout"="sfdp"];' in renders[1]


def test_a_graph_over_the_limits_is_refused_before_graphviz(renders: list[bytes]) -> None:
    limit = graph_drawing.MAX_DRAWN_EDGES
    with pytest.raises(graph_drawing.GraphTooLarge, match=f"at most .* {limit} edges") as info:
        graph_drawing.draw(_graph(400, limit + 1), output="png", timeout=30)
    assert info.value.status_code == 400 and info.value.extra["edges"] == limit + 1
    assert renders == []


@pytest.fixture
def client(graph_store: GraphBackend) -> Any:
    """A fresh app (empty drawing cache) over the project's ontology."""
    from graph_service import create_app

    app = create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none"}, backend=graph_store)
    return app.test_client()


def _size(client: Any, query: str) -> tuple[int, int]:
    response = client.get(f"/export?format=csv&{query}")
    assert response.status_code == 200
    return int(response.headers["X-Graph-Nodes"]), int(response.headers["X-Graph-Edges"])


def test_too_large_drawing_is_a_400_that_says_how_to_narrow(
        client: Any, renders: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    one = _size(client, "focus=naltrexone&depth=1")
    two = _size(client, "focus=naltrexone&depth=2")
    assert two[1] > one[1]
    monkeypatch.setattr(graph_drawing, "MAX_DRAWN_NODES", one[0])
    monkeypatch.setattr(graph_drawing, "MAX_DRAWN_EDGES", one[1])
    response = client.get("/export?format=svg&focus=naltrexone&depth=2")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "graph_too_large" and body["status"] == 400
    assert (body["nodes"], body["edges"]) == two
    assert (body["max_nodes"], body["max_edges"]) == one
    assert "depth=1 fits" in body["message"] and "format=graphml" in body["message"]
    whole = client.get("/export?format=png").get_json()
    assert whole["error"] == "graph_too_large" and "focus=" in whole["message"]
    assert renders == []  # refused before Graphviz ran
    drawn = client.get("/export?format=svg&focus=naltrexone&depth=1")
    assert drawn.status_code == 200 and drawn.headers["X-Graph-Layout"] == "dot"
    assert len(renders) == 1


def test_drawings_are_drawn_once_per_selection(client: Any, renders: list[bytes]) -> None:
    first = client.get("/export?format=svg&focus=naltrexone&depth=1")
    again = client.get("/export?format=svg&focus=Naltrexone&depth=1")  # same node, same key
    assert first.status_code == again.status_code == 200
    assert first.data == again.data and len(renders) == 1
    assert again.headers["X-Graph-Nodes"] == first.headers["X-Graph-Nodes"]
    for query in ("format=png&focus=naltrexone&depth=1", "format=svg&focus=naltrexone&depth=0",
                  "format=svg&focus=naltrexone&depth=1&include=inferred",
                  "format=svg&focus=naltrexone&depth=1&types=Drug,Receptor"):
        assert client.get(f"/export?{query}").status_code == 200
    assert len(renders) == 5
    assert client.get("/export?format=svg&focus=naltrexone&depth=1&types=drug,RECEPTOR"
                      ).status_code == 200
    assert len(renders) == 5


def test_a_new_graph_version_starts_an_empty_drawing_cache() -> None:
    cache: dict[str, Any] = {}
    old = drawing_cache(cache, "v1")
    old.get_or_make("k", lambda: b"old", size=len)
    assert drawing_cache(cache, "v1") is old and len(old) == 1
    new = drawing_cache(cache, "v2")
    assert new is not old and len(new) == 0
    assert new.get_or_make("k", lambda: b"new", size=len) == b"new"


def test_concurrent_requests_for_one_drawing_run_it_once() -> None:
    cache = DrawingCache("v")
    calls: list[int] = []
    results: list[bytes] = []

    def make() -> bytes:
        calls.append(1)
        time.sleep(0.2)
        return b"drawing"

    def ask() -> None:
        results.append(cache.get_or_make("k", make, size=len))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == [b"drawing"] * 6 and calls == [1]


def test_the_cache_is_bounded_in_bytes_and_keeps_no_failures() -> None:
    cache = DrawingCache("v", max_bytes=10, max_entry_bytes=6)
    for key in ("a", "b", "c"):
        cache.get_or_make(key, lambda key=key: key.encode() * 4, size=len)
    assert len(cache) == 2 and cache.size == 8  # "a" (least recently used) dropped
    cache.get_or_make("huge", lambda: b"x" * 7, size=len)
    assert len(cache) == 2  # over the entry limit: served, not kept

    def fail() -> bytes:
        raise RuntimeError("Graphviz failed")

    with pytest.raises(RuntimeError):
        cache.get_or_make("bad", fail, size=len)
    assert cache.get_or_make("bad", lambda: b"ok", size=len) == b"ok"

"""Graph exports: projection, selection, every format read back, the /export endpoint and CLI."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import rdflib
import rdflib.compare

from graph_service.backends import GraphBackend, RdfSource
from graph_service.errors import InvalidParameter, NotFound, QueryTimeout
from graph_service.models import DIKG, ID, QUERIES_DIR
from graph_service.serializers import graph_formats
from graph_service.serializers.graph_render import to_dot, to_svg
from graph_service.services.exports import export_graph, load_projection
from graph_service.services.graph_selection import (
    ProjectedGraph,
    Selection,
    rdf_subgraph,
    resolve_focus,
    select,
)

RESOURCES = Path(__file__).resolve().parent / "resources"
FIXTURE = RESOURCES / "export_fixture.ttl"
NALTREXONE = str(ID.naltrexone)
ALL = frozenset({"inferred", "sources", "contradicted"})


def _load(store: GraphBackend) -> GraphBackend:
    store.load([RdfSource(FIXTURE, "turtle", name=FIXTURE.name)])
    return store


@pytest.fixture(scope="module")
def fixture_store() -> Any:
    from graph_service.backends.oxigraph import OxigraphBackend

    store = _load(OxigraphBackend())
    yield store
    store.close()


@pytest.fixture(scope="module")
def projected(fixture_store: GraphBackend) -> ProjectedGraph:
    return load_projection(fixture_store, queries_dir=QUERIES_DIR, graph_version="fixture")


def _labels(graph: nx.Graph) -> set[str]:
    return {str(label) for _, label in graph.nodes(data="label")}


def _edge_labels(graph: nx.Graph) -> list[str]:
    return sorted(str(label) for *_, label in graph.edges(data="label"))


# --- projection -------------------------------------------------------------------------------

def test_projection_has_entities_as_nodes_and_plain_attribute_values(
        projected: ProjectedGraph) -> None:
    graph = projected.graph
    assert NALTREXONE in graph
    assert graph.nodes[NALTREXONE]["label"] == "naltrexone"
    assert graph.nodes[NALTREXONE]["type"] == "Drug"
    assert graph.nodes[NALTREXONE]["altLabel"] == "ReVia; Vivitrol"
    assert graph.nodes[str(ID.oprm1)]["geneSymbol"] == "OPRM1"
    # claims, citations, sources and literals are not nodes
    for node in graph:
        assert node.startswith("https://w3id.org/dikg/")
        assert not any(part in node for part in ("/id/mech-", "/id/cit-", "/id/src-"))
    for _, attrs in graph.nodes(data=True):
        assert all(type(v) is str for v in attrs.values()), attrs
    for *_, attrs in graph.edges(data=True):
        assert all(type(v) in (str, bool) for v in attrs.values()), attrs


def test_each_claim_is_one_edge_keyed_by_the_claim(projected: ProjectedGraph) -> None:
    claim = str(ID["mech-naltrexone-oprm1"])
    edge = projected.graph.edges[NALTREXONE, str(ID.oprm1), claim]
    assert edge["label"] == "antagonist of"
    assert edge["predicate"] == "https://w3id.org/dikg/antagonistOf"
    assert (edge["inference"], edge["inferred"], edge["status"]) == ("stated", False,
                                                                     "label-backed")
    ci = projected.graph.edges[NALTREXONE, "https://w3id.org/dikg/OpioidAgonist",
                               str(ID["ci-naltrexone-opioid-agonist"])]
    assert ci["severity"] == "contraindicated"
    assert ci["kind"] == "absolute"
    assert ci["source_titles"] == "ReVia tablets prescribing information; Seed article 000"
    assert "“Naltrexone should not be taken with opioids.”" in ci["citations"]


def test_direct_triples_become_edges(projected: ProjectedGraph) -> None:
    labels = {(projected.graph.nodes[u]["label"], d["label"], projected.graph.nodes[v]["label"])
              for u, v, d in projected.graph.edges(data=True) if not d["claim"]}
    assert ("ReVia", "has ingredient", "naltrexone hydrochloride") in labels
    assert ("naltrexone hydrochloride", "salt of", "naltrexone") in labels
    assert ("fentanyl", "member of", "strong opioid agonist") in labels
    assert ("strong opioid agonist", "subclass of", "opioid agonist") in labels
    assert ("acute hepatitis", "narrower than", "liver disease") in labels


def test_inferred_and_contradicted_edges_only_when_asked(projected: ProjectedGraph) -> None:
    plain = select(projected, Selection())
    assert not any(d["inferred"] or d["contradicted"] for *_, d in plain.edges(data=True))
    assert "sources" not in next(iter(plain.edges(data=True)))[2]
    full = select(projected, Selection(include=ALL))
    inferred = {(u, v): d for u, v, d in full.edges(data=True) if d["inferred"]}
    reach = inferred[NALTREXONE, str(ID.percocet)]
    assert reach["inference"] == "inferred"
    assert reach["claim"] == str(ID["ci-naltrexone-opioid-agonist"])
    assert reach["explanation"].startswith("Percocet contains a member of opioid agonist")
    stated = full.edges[NALTREXONE, str(DIKG.OpioidAgonist), reach["claim"]]
    # the chain ends with the stated claim by its ends' labels (its summary is on the edge)
    assert reach["explanation"].endswith(f"stated: naltrexone {stated['label']} opioid agonist")
    assert reach["summary"] == stated["summary"] and stated["summary"]
    assert (str(ID.revia), str(ID.fentanyl)) in inferred
    assert (str(ID.revia), str(ID["acute-hepatitis"])) in inferred  # product + narrower
    contradicted = [d for *_, d in full.edges(data=True) if d["contradicted"]]
    assert [d["label"] for d in contradicted] == ["binds to"]
    assert contradicted[0]["status"] == "contradicted"
    assert all(d["sources"] for *_, d in full.edges(data=True) if d["claim"])


def test_neighbourhood_by_depth_and_types(projected: ProjectedGraph) -> None:
    assert set(select(projected, Selection(focus=NALTREXONE, depth=0))) == {NALTREXONE}
    one = _labels(select(projected, Selection(focus=NALTREXONE, depth=1)))
    assert {"mu opioid receptor", "kappa opioid receptor", "delta opioid receptor",
            "acamprosate", "disulfiram", "naltrexone hydrochloride"} <= one
    assert "ReVia" not in one and "dopamine" not in one  # two hops; contradicted edge
    assert "ReVia" in _labels(select(projected, Selection(focus=NALTREXONE, depth=2)))
    receptors = select(projected, Selection(focus=NALTREXONE, depth=1, types=frozenset(
        {"receptor"})))
    assert _labels(receptors) == {"naltrexone", "mu opioid receptor", "kappa opioid receptor",
                                  "delta opioid receptor"}
    with pytest.raises(InvalidParameter, match=r"valid: .*Receptor"):
        select(projected, Selection(types=frozenset({"Spaceship"})))
    with pytest.raises(InvalidParameter, match="depth"):
        Selection(depth=6)
    with pytest.raises(InvalidParameter, match="include"):
        Selection(include=frozenset({"everything"}))


def test_focus_resolves_names_and_suggests_candidates(projected: ProjectedGraph) -> None:
    for name in ("naltrexone", "NALTREXONE", "Vivitrol", NALTREXONE, "id:naltrexone"):
        assert resolve_focus(projected, name) == NALTREXONE
    with pytest.raises(NotFound) as caught:
        resolve_focus(projected, "naltrexon")
    assert caught.value.extra["candidates"][0]["id"] == "naltrexone"


def test_projection_is_the_same_on_every_backend(backend: GraphBackend,
                                                 projected: ProjectedGraph) -> None:
    other = load_projection(_load(backend), queries_dir=QUERIES_DIR, graph_version="b")
    assert set(other.graph.nodes) == set(projected.graph.nodes)
    assert sorted(other.graph.edges(keys=True)) == sorted(projected.graph.edges(keys=True))


# --- formats ----------------------------------------------------------------------------------

def _read_graph(fmt: str, body: bytes) -> nx.Graph:
    if fmt == "graphml":
        return nx.read_graphml(io.BytesIO(body), force_multigraph=True)
    if fmt == "gexf":
        return nx.read_gexf(io.BytesIO(body))
    if fmt == "cytoscape":
        return nx.cytoscape_graph(json.loads(body))
    if fmt == "node-link":
        return nx.node_link_graph(json.loads(body), edges="edges")
    if fmt == "dot":  # Graphviz itself parses it; -Tjson lists objects and edges
        parsed = json.loads(subprocess.run(["dot", "-Tjson"], input=body, capture_output=True,
                                           check=True, timeout=60).stdout)
        graph = nx.MultiDiGraph()
        for obj in parsed.get("objects", []):
            graph.add_node(obj["_gvid"], label=obj["label"])
        for edge in parsed.get("edges", []):
            graph.add_edge(edge["tail"], edge["head"], label=edge.get("label", ""))
        return graph
    if fmt == "csv":
        graph = nx.MultiDiGraph()
        for row in csv.DictReader(io.StringIO(body.decode("utf-8"))):
            graph.add_node(row["source"], label=row["source_label"])
            graph.add_node(row["target"], label=row["target_label"])
            graph.add_edge(row["source"], row["target"], key=row["key"], label=row["label"])
        return graph
    raise AssertionError(fmt)


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "cytoscape", "node-link", "dot", "csv"])
@pytest.mark.parametrize("include", [frozenset(), ALL], ids=["stated", "all"])
def test_graph_formats_round_trip(projected: ProjectedGraph, fmt: str,
                                  include: frozenset[str]) -> None:
    selected = select(projected, Selection(focus=NALTREXONE, depth=2, include=include))
    body = graph_formats.FORMATS[fmt].writer(selected)
    back = _read_graph(fmt, body)
    assert back.number_of_nodes() == selected.number_of_nodes()
    assert back.number_of_edges() == selected.number_of_edges()
    if fmt != "csv":  # the CSV edge list has no isolated nodes, but these have edges
        assert _labels(back) == _labels(selected)
    assert _edge_labels(back) == _edge_labels(selected)
    if fmt in ("graphml", "cytoscape", "node-link"):
        assert sorted(back.edges(keys=True)) == sorted(selected.edges(keys=True))


def test_graphml_has_yfiles_labels_for_yed(projected: ProjectedGraph) -> None:
    body = graph_formats.to_graphml(select(projected, Selection()))
    root = ET.fromstring(body)
    y = "{http://www.yworks.com/xml/graphml}"
    keys = {k.get("yfiles.type") for k in root.iter("{http://graphml.graphdrawing.org/xmlns}key")}
    assert {"nodegraphics", "edgegraphics"} <= keys
    assert "naltrexone" in {e.text for e in root.iter(f"{y}NodeLabel")}
    assert "antagonist of" in {e.text for e in root.iter(f"{y}EdgeLabel")}


def test_svg_and_png_are_drawn_by_graphviz(projected: ProjectedGraph) -> None:
    selected = select(projected, Selection(focus=NALTREXONE, depth=1))
    svg = ET.fromstring(graph_formats.to_svg(selected))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    groups = [str(g.get("class")).split()[0] for g in svg.iter("{http://www.w3.org/2000/svg}g")
              if g.get("class")]
    assert groups.count("node") == selected.number_of_nodes()
    assert groups.count("edge") == selected.number_of_edges()
    texts = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert {"naltrexone", "mu opioid receptor", "antagonist of"} <= texts
    png = graph_formats.to_png(selected)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"


def test_dot_quotes_every_identifier_and_value() -> None:
    graph = nx.MultiDiGraph()
    graph.add_node('a "quoted" \\ node', label='say "hi"\nthen \\ go', type="Drug")
    graph.add_node("node -> { } ; subgraph", label="strict digraph", type="Nope")
    graph.add_edge('a "quoted" \\ node', "node -> { } ; subgraph", key="k", label='x"y')
    back = _read_graph("dot", to_dot(graph))  # Graphviz keeps label escapes until it draws
    assert _labels(back) == {r'say "hi"\nthen \\ go', "strict digraph"}
    assert _edge_labels(back) == ['x"y']
    svg = ET.fromstring(to_svg(graph))
    texts = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert texts == {'say "hi"', "then \\ go", "strict digraph", 'x"y'}


def test_drawing_is_bounded_in_time() -> None:
    big = nx.gnm_random_graph(600, 3000, seed=1, directed=True)
    graph = nx.MultiDiGraph()
    graph.add_nodes_from((str(n), {"label": f"n{n}", "type": "Drug"}) for n in big)
    graph.add_edges_from((str(u), str(v), {"label": "e"}) for u, v in big.edges)
    with pytest.raises(QueryTimeout, match="smaller depth"):
        to_svg(graph, timeout=0.2)


@pytest.mark.parametrize(("fmt", "parser"), [("turtle", "turtle"), ("ntriples", "nt"),
                                             ("jsonld", "json-ld")])
def test_rdf_formats_hold_the_selected_subgraph(projected: ProjectedGraph, fmt: str,
                                                parser: str) -> None:
    selected = select(projected, Selection(focus=NALTREXONE, depth=1, include=ALL))
    expected = rdf_subgraph(projected, selected, include=ALL)
    body = graph_formats.FORMATS[fmt].writer(expected)
    with warnings.catch_warnings():  # rdflib's JSON-LD parser uses its deprecated ConjunctiveGraph
        warnings.simplefilter("ignore", DeprecationWarning)
        back = rdflib.Graph().parse(data=body, format=parser)
    assert len(back) == len(expected) > 50
    assert rdflib.compare.isomorphic(back, expected)
    subjects = {str(s) for s in back.subjects()}
    assert {NALTREXONE, str(ID.oprm1), str(ID["mech-naltrexone-oprm1"]),
            str(ID["cit-mech-naltrexone-oprm1-1"]), str(ID["src-l-tab"])} <= subjects
    assert str(ID.revia) not in subjects  # two hops away


def test_export_graph_names_the_file_and_checks_its_input(fixture_store: GraphBackend) -> None:
    cache: dict[str, Any] = {}
    exported = export_graph(fixture_store, queries_dir=QUERIES_DIR, graph_version="v1",
                            format="TTL", focus="Vivitrol", depth=2, cache=cache)
    assert exported.filename == "dikg-naltrexone-d2.ttl"
    assert exported.media_type.startswith("text/turtle")
    assert list(cache) == ["v1"]
    whole = export_graph(fixture_store, queries_dir=QUERIES_DIR, graph_version="v1",
                         format="gexf", cache=cache)
    assert whole.filename == "dikg-graph.gexf" and whole.nodes == 18
    with pytest.raises(InvalidParameter) as caught:
        export_graph(fixture_store, queries_dir=QUERIES_DIR, graph_version="v1", format="pdf")
    assert "graphml" in caught.value.extra["formats"]
    with pytest.raises(NotFound):
        export_graph(fixture_store, queries_dir=QUERIES_DIR, graph_version="v1",
                     format="dot", focus="unobtainium", cache=cache)


# --- HTTP and CLI on the project's ontology ---------------------------------------------------

@pytest.fixture(scope="module")
def module_app(graph_store: GraphBackend) -> Any:
    """One app from the factory for this module, so its projection cache is built once."""
    from graph_service import create_app

    return create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none"}, backend=graph_store)


@pytest.fixture
def client(module_app: Any) -> Any:
    return module_app.test_client()


_PARSERS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld"}


def _count_nodes(fmt: str, body: bytes) -> int:
    if fmt in _PARSERS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return len(set(rdflib.Graph().parse(data=body, format=_PARSERS[fmt]).subjects()))
    if fmt == "svg":
        svg = ET.fromstring(body)
        return sum(1 for g in svg.iter("{http://www.w3.org/2000/svg}g")
                   if str(g.get("class", "")).startswith("node"))
    if fmt == "png":
        assert body[:8] == b"\x89PNG\r\n\x1a\n"
        return -1
    return _read_graph(fmt, body).number_of_nodes()


@pytest.mark.parametrize("fmt", list(graph_formats.FORMATS))
def test_export_endpoint_serves_every_format(client: Any, fmt: str) -> None:
    response = client.get(f"/export?format={fmt}&focus=naltrexone&depth=1")
    assert response.status_code == 200, response.json
    spec = graph_formats.FORMATS[fmt]
    assert response.content_type.split(";")[0] == spec.media_type.split(";")[0]
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="dikg-naltrexone-d1.{spec.extension}"')
    nodes = int(response.headers["X-Graph-Nodes"])
    counted = _count_nodes(fmt, response.data)
    if fmt in _PARSERS:  # entities described, plus claims (and no citations: not included)
        assert counted > nodes
    elif fmt != "png":
        assert counted == nodes
    if fmt == "csv":  # an edge list: one row per edge
        assert len(response.data.decode().strip().splitlines()) - 1 == int(
            response.headers["X-Graph-Edges"])


def test_export_of_naltrexone_shows_its_receptors_and_alternatives(client: Any) -> None:
    response = client.get("/export?format=node-link&focus=Naltrexone&include=inferred,sources")
    graph = nx.node_link_graph(response.json, edges="edges")
    locals_ = {attrs["local"] for _, attrs in graph.nodes(data=True)}
    assert {"naltrexone", "oprm1", "oprk1", "oprd1", "acamprosate", "disulfiram"} <= locals_
    naltrexone = str(ID.naltrexone)
    actions = {graph.nodes[v]["local"]: d for _, v, d in graph.out_edges(naltrexone, data=True)
               if d["label"] == "antagonist of"}
    assert {"oprm1", "oprk1", "oprd1"} <= set(actions)
    assert all(d["sources"] and d["status"] for d in actions.values())
    inferred = [d for *_, d in graph.edges(data=True) if d["inferred"]]
    assert inferred and all(d["explanation"] and d["claim"] for d in inferred)


@pytest.mark.parametrize(("query", "status", "field"), [
    ("", 400, "formats"),
    ("format=pdf", 400, "formats"),
    ("format=dot&focus=naltrex", 404, "candidates"),
    ("format=dot&focus=naltrexone&depth=x", 400, "parameter"),
    ("format=dot&focus=naltrexone&depth=6", 400, "parameter"),
    ("format=dot&focus=naltrexone&depth=-1", 400, "parameter"),
    ("format=dot&include=everything", 400, "valid"),
    ("format=dot&types=Spaceship", 400, "valid"),
])
def test_export_errors_are_precise(client: Any, query: str, status: int, field: str) -> None:
    response = client.get(f"/export?{query}")
    assert response.status_code == status
    body = response.json
    assert body["status"] == status and body["error"] and body["message"]
    assert body[field]
    if field == "formats":
        assert body["formats"] == list(graph_formats.FORMATS)
    if field == "candidates":
        assert "naltrexone" in [c["id"] for c in body["candidates"]]
        assert {"id", "iri", "label", "type"} <= set(body["candidates"][0])


@pytest.mark.parametrize(("focus", "local"), [
    ("DB00704", "naltrexone"),  # an identifier
    ("naltrexon", "naltrexone"),  # a typo the resolution service resolves
    ("ReVia", "revia"),  # a brand that is its own product entity
    ("P35372", "oprm1"),  # UniProt
])
def test_export_focus_uses_name_resolution(client: Any, focus: str, local: str) -> None:
    response = client.get(f"/export?format=csv&focus={focus}&depth=0")
    assert response.status_code == 200, response.json
    assert response.headers["Content-Disposition"] == f'attachment; filename="dikg-{local}-d0.csv"'


def test_export_formats_are_listed(client: Any) -> None:
    listed = client.get("/export/formats").json
    assert [f["name"] for f in listed["formats"]] == list(graph_formats.FORMATS)
    assert listed["include"] == ["inferred", "sources", "contradicted"]


_CLI_ENV = {"FLASK_GRAPH_SERVICE_VALIDATE_ON_LOAD": "false"}


def test_cli_export_writes_the_file(runner: Any, tmp_path: Path) -> None:
    from graph_service.cli import export as export_module
    from graph_service.cli import main

    assert tuple(graph_formats.FORMATS) == export_module._FORMAT_NAMES
    target = tmp_path / "naltrexone.graphml"
    result = runner.invoke(main, ["export", "--format", "graphml", "--focus", "naltrexone",
                                  "--depth", "2", "-o", str(target)], env=_CLI_ENV)
    assert result.exit_code == 0, result.output
    graph = nx.read_graphml(target, force_multigraph=True)
    assert graph.nodes[NALTREXONE]["label"] == "naltrexone"
    assert graph.number_of_nodes() > 50
    assert f"wrote {target} ({graph.number_of_nodes()} nodes" in result.output
    missing = runner.invoke(main, ["export", "-f", "dot", "--focus", "naltrex"], env=_CLI_ENV)
    assert missing.exit_code == 1
    assert "no entity is called 'naltrex'" in missing.output
    assert "did you mean: naltrexone (naltrexone)" in missing.output

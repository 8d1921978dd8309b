"""One writer per graph file format, with symmetric names: ``to_<format>(graph) -> bytes``.

Graph-tool formats take the projected ``MultiDiGraph`` (see :mod:`.graphs`); the RDF formats take
the selected rdflib subgraph. ``FORMATS`` maps every format name to its extension, media type and
writer; ``resolve_format`` accepts the usual aliases.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import networkx as nx
from rdflib import Graph

from graph_service.serializers.graph_drawing import (
    DOT_MAX_EDGES,
    MAX_DRAWN_EDGES,
    MAX_DRAWN_NODES,
    draw,
)
from graph_service.serializers.graph_render import DEFAULT_TIMEOUT, to_dot, type_color

__all__ = [
    "ALIASES",
    "FORMATS",
    "GraphFormat",
    "resolve_format",
    "to_csv",
    "to_cytoscape",
    "to_dot",
    "to_gexf",
    "to_graphml",
    "to_jsonld",
    "to_node_link",
    "to_ntriples",
    "to_png",
    "to_svg",
    "to_turtle",
]

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
YFILES_NS = "http://www.yworks.com/xml/graphml"
CSV_COLUMNS = ("source", "target", "key", "label", "source_label", "target_label", "predicate",
               "inference", "status", "severity", "kind", "claim", "summary", "explanation",
               "sources", "source_titles")


def to_graphml(graph: nx.MultiDiGraph) -> bytes:
    """GraphML with plain keys plus yFiles ``nodegraphics``/``edgegraphics``: yEd shows labels."""
    buffer = io.BytesIO()
    nx.write_graphml(graph, buffer, encoding="utf-8", prettyprint=False)
    ET.register_namespace("", GRAPHML_NS)
    ET.register_namespace("y", YFILES_NS)
    ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")
    root = ET.fromstring(buffer.getvalue())
    g, y = f"{{{GRAPHML_NS}}}", f"{{{YFILES_NS}}}"
    keys = [ET.Element(f"{g}key", {"id": "yng", "for": "node", "yfiles.type": "nodegraphics"}),
            ET.Element(f"{g}key", {"id": "yeg", "for": "edge", "yfiles.type": "edgegraphics"})]
    position = next(i for i, child in enumerate(root) if child.tag == f"{g}graph")
    for offset, key in enumerate(keys):
        root.insert(position + offset, key)
    for node in root.iter(f"{g}node"):
        attrs = graph.nodes[node.get("id")]
        shape = ET.SubElement(ET.SubElement(node, f"{g}data", key="yng"), f"{y}ShapeNode")
        width = str(float(max(60, 7 * len(attrs.get("label", "")))))
        ET.SubElement(shape, f"{y}Geometry", height="30.0", width=width, x="0.0", y="0.0")
        ET.SubElement(shape, f"{y}Fill", color=type_color(attrs.get("type", "")),
                      transparent="false")
        ET.SubElement(shape, f"{y}NodeLabel").text = attrs.get("label", node.get("id"))
        ET.SubElement(shape, f"{y}Shape", type="roundrectangle")
    for edge in root.iter(f"{g}edge"):
        data = graph.edges[edge.get("source"), edge.get("target"), edge.get("id")]
        line = ET.SubElement(ET.SubElement(edge, f"{g}data", key="yeg"), f"{y}PolyLineEdge")
        ET.SubElement(line, f"{y}LineStyle", type="dashed" if data.get("inferred") else "line",
                      color="#000000", width="1.0")
        ET.SubElement(line, f"{y}Arrows", source="none", target="standard")
        ET.SubElement(line, f"{y}EdgeLabel").text = str(data.get("label", ""))
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written


def to_gexf(graph: nx.MultiDiGraph) -> bytes:
    """GEXF 1.2 for Gephi, nodes coloured by type."""
    coloured = graph.copy()
    for _, attrs in coloured.nodes(data=True):
        hex_color = type_color(attrs.get("type", ""))
        red, green, blue = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
        attrs["viz"] = {"color": {"r": red, "g": green, "b": blue, "a": 1.0}}
    buffer = io.BytesIO()
    nx.write_gexf(coloured, buffer, encoding="utf-8", prettyprint=False)
    body: bytes = buffer.getvalue()
    return body


def to_cytoscape(graph: nx.MultiDiGraph) -> bytes:
    """Cytoscape.js JSON (``elements.nodes``/``elements.edges``), node ``color`` by type."""
    data = nx.cytoscape_data(graph)
    for node in data["elements"]["nodes"]:
        node["data"]["color"] = type_color(node["data"].get("type", ""))
    for edge in data["elements"]["edges"]:
        edge["data"]["id"] = str(edge["data"]["key"])
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def to_node_link(graph: nx.MultiDiGraph) -> bytes:
    """networkx node-link JSON (``nodes``/``edges``), as ``json_graph.node_link_graph`` reads."""
    return json.dumps(nx.node_link_data(graph, edges="edges"), ensure_ascii=False).encode("utf-8")


def to_csv(graph: nx.MultiDiGraph) -> bytes:
    """CSV edge list: one row per edge, with both ends' labels and the claim's attributes."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore",
                            lineterminator="\r\n")
    writer.writeheader()
    for source, target, key, attrs in graph.edges(keys=True, data=True):
        writer.writerow({**attrs, "source": source, "target": target, "key": key,
                         "source_label": graph.nodes[source].get("label", ""),
                         "target_label": graph.nodes[target].get("label", "")})
    return buffer.getvalue().encode("utf-8")


def to_svg(graph: nx.MultiDiGraph, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """SVG drawn by Graphviz (``dot``, or ``sfdp`` for larger graphs; see :mod:`.graph_drawing`).

    :raises GraphTooLarge: over the drawing limits.
    """
    return draw(graph, output="svg", timeout=timeout)


def to_png(graph: nx.MultiDiGraph, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """PNG drawn by Graphviz (``dot``, or ``sfdp`` for larger graphs; see :mod:`.graph_drawing`).

    :raises GraphTooLarge: over the drawing limits.
    """
    return draw(graph, output="png", timeout=timeout)


def to_turtle(rdf: Graph) -> bytes:
    """Turtle of the selected subgraph."""
    return rdf.serialize(format="turtle", encoding="utf-8")


def to_ntriples(rdf: Graph) -> bytes:
    """N-Triples of the selected subgraph."""
    return rdf.serialize(format="nt", encoding="utf-8")


def to_jsonld(rdf: Graph) -> bytes:
    """JSON-LD (expanded, with the graph's prefixes as context) of the selected subgraph."""
    return rdf.serialize(format="json-ld", encoding="utf-8")


@dataclass(frozen=True)
class GraphFormat:
    """A downloadable format: what it reads (graph or RDF), its extension and media type."""

    name: str
    extension: str
    media_type: str
    reads: Literal["graph", "rdf"]
    writer: Callable[..., bytes]
    summary: str
    drawn: bool = False  # drawn by Graphviz: size-limited, cached, given a time limit


_DRAWN = (f" (dot; sfdp above {DOT_MAX_EDGES} edges; at most {MAX_DRAWN_NODES} nodes and "
          f"{MAX_DRAWN_EDGES} edges)")
FORMATS: dict[str, GraphFormat] = {f.name: f for f in (
    GraphFormat("graphml", "graphml", "application/graphml+xml", "graph", to_graphml,
                "GraphML (yEd, Cytoscape desktop, networkx)"),
    GraphFormat("gexf", "gexf", "application/gexf+xml", "graph", to_gexf, "GEXF 1.2 (Gephi)"),
    GraphFormat("cytoscape", "cyjs", "application/json", "graph", to_cytoscape,
                "Cytoscape.js JSON"),
    GraphFormat("node-link", "json", "application/json", "graph", to_node_link,
                "networkx node-link JSON"),
    GraphFormat("dot", "dot", "text/vnd.graphviz; charset=utf-8", "graph", to_dot,
                "Graphviz DOT"),
    GraphFormat("csv", "csv", "text/csv; charset=utf-8", "graph", to_csv, "CSV edge list"),
    GraphFormat("svg", "svg", "image/svg+xml", "graph", to_svg,
                "SVG drawn by Graphviz" + _DRAWN, drawn=True),
    GraphFormat("png", "png", "image/png", "graph", to_png,
                "PNG drawn by Graphviz" + _DRAWN, drawn=True),
    GraphFormat("turtle", "ttl", "text/turtle; charset=utf-8", "rdf", to_turtle, "RDF Turtle"),
    GraphFormat("ntriples", "nt", "application/n-triples", "rdf", to_ntriples, "RDF N-Triples"),
    GraphFormat("jsonld", "jsonld", "application/ld+json", "rdf", to_jsonld, "RDF JSON-LD"),
)}

ALIASES = {"ttl": "turtle", "nt": "ntriples", "n-triples": "ntriples", "json-ld": "jsonld",
           "gv": "dot", "graphviz": "dot", "node_link": "node-link", "nodelink": "node-link",
           "cyjs": "cytoscape", "yed": "graphml"}


def resolve_format(name: str) -> GraphFormat | None:
    """The format called ``name`` (case-insensitive, aliases allowed, no surrounding spaces),
    or ``None``.

    >>> resolve_format("TTL").name
    'turtle'
    """
    key = name.lower()
    return FORMATS.get(ALIASES.get(key, key))

"""SPARQL answers (JSON, XML, CSV, TSV) and graphs (Turtle, N-Triples, RDF/XML, JSON-LD) as bytes.

Pure functions over engine-neutral :class:`~graph_service.backends.base.QueryResult` values; the
endpoint uses them only when a store cannot write a format itself. A byte limit cuts rows (in a
bounded number of steps) so the answer stays a complete, parseable document.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from graph_service.backends.base import QueryResult
from graph_service.backends.results import fit_to_bytes
from graph_service.errors import NotAcceptable

__all__ = ["WrittenAnswer", "write_graph", "write_result"]

_RDFLIB_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt",
                   "application/rdf+xml": "xml", "application/ld+json": "json-ld"}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_TSV_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))

WrittenAnswer = tuple[bytes, int, bool]  # body, rows or triples written, truncated


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None and str(term.datatype) != _XSD_STRING:
        out["datatype"] = str(term.datatype)
    return out


def _xml_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    assert isinstance(term, Literal)
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(str(term))}</literal>"
    if term.datatype is not None and str(term.datatype) != _XSD_STRING:
        return f"<literal datatype={quoteattr(str(term.datatype))}>{escape(str(term))}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _tsv_term(term: Node) -> str:
    """N-Triples form, as SPARQL TSV wants (strings escaped, no tabs or newlines)."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    assert isinstance(term, Literal)
    text = str(term)
    for raw, escaped in _TSV_ESCAPES:
        text = text.replace(raw, escaped)
    if term.language:
        return f'"{text}"@{term.language}'
    if term.datatype is not None and str(term.datatype) != _XSD_STRING:
        return f'"{text}"^^<{term.datatype}>'
    return f'"{text}"'


def _csv_term(term: Node) -> str:
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def _write_json(result: QueryResult, count: int) -> bytes:
    doc: dict[str, Any] = {"head": {} if result.kind == "ask" else {"vars": result.variables}}
    if result.kind == "ask":
        doc["boolean"] = bool(result.boolean)
    else:
        doc["results"] = {"bindings": [{k: _json_term(v) for k, v in row.items()}
                                       for row in result.rows[:count]]}
    return json.dumps(doc, ensure_ascii=False).encode()


def _write_xml(result: QueryResult, count: int) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n',
             '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    if result.kind == "ask":
        parts.append(f"</head><boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        parts += [f"<variable name={quoteattr(v)}/>" for v in result.variables]
        parts.append("</head><results>")
        for row in result.rows[:count]:
            parts.append("<result>")
            parts += [f"<binding name={quoteattr(k)}>{_xml_term(v)}</binding>"
                      for k, v in row.items()]
            parts.append("</result>")
        parts.append("</results>")
    parts.append("</sparql>\n")
    return "".join(parts).encode()


def _write_csv(result: QueryResult, count: int) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    if result.kind == "ask":  # as pyoxigraph writes it: the bare word
        return b"true" if result.boolean else b"false"
    else:
        writer.writerow(result.variables)
        for row in result.rows[:count]:
            writer.writerow([_csv_term(row[v]) if v in row else "" for v in result.variables])
    return buffer.getvalue().encode()


def _write_tsv(result: QueryResult, count: int) -> bytes:
    if result.kind == "ask":
        return b"true" if result.boolean else b"false"
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines += ["\t".join(_tsv_term(row[v]) if v in row else "" for v in result.variables)
              for row in result.rows[:count]]
    return ("\n".join(lines) + "\n").encode()


_RESULT_WRITERS: dict[str, Callable[[QueryResult, int], bytes]] = {
    "application/sparql-results+json": _write_json,
    "application/sparql-results+xml": _write_xml,
    "text/csv": _write_csv,
    "text/tab-separated-values": _write_tsv,
}


def write_graph(graph: Graph, media_type: str) -> bytes:
    """Serialize an rdflib graph in one of the graph media types.

    :raises NotAcceptable: for a media type that is not a graph format.
    """
    try:
        rdflib_format = _RDFLIB_FORMATS[media_type]
    except KeyError:
        raise NotAcceptable(f"graphs are not available as {media_type!r}",
                            formats=sorted(_RDFLIB_FORMATS)) from None
    out = graph.serialize(format=rdflib_format, encoding="utf-8")
    return out if isinstance(out, bytes) else out.encode()


def write_result(result: QueryResult, media_type: str, *,
                 max_bytes: int | None = None) -> WrittenAnswer:
    """Write a query answer in ``media_type`` within ``max_bytes``.

    :return: the body, the rows (or triples) in it, and whether any were cut.
    :raises NotAcceptable: when the media type does not fit the answer's kind.
    """
    if result.kind == "graph":
        def render_graph(count: int) -> bytes:
            graph = Graph()
            for triple in result.triples[:count]:
                graph.add(triple)
            return write_graph(graph, media_type)

        body, count, cut = fit_to_bytes(len(result.triples), render_graph, max_bytes)
        return body, count, cut or result.truncated
    writer = _RESULT_WRITERS.get(media_type)
    if writer is None:
        raise NotAcceptable(f"SELECT and ASK answers are not available as {media_type!r}",
                            formats=sorted(_RESULT_WRITERS))
    total = 1 if result.kind == "ask" else len(result.rows)
    body, count, cut = fit_to_bytes(total, lambda n: writer(result, n), max_bytes)
    return body, count, cut or result.truncated

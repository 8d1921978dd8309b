"""Write query answers in a media type with pyoxigraph's native serializers, within limits.

Every backend hands rows here (as N-Triples term text) so all stores write byte-identical
SPARQL JSON / XML / CSV / TSV and Turtle / N-Triples / RDF/XML / JSON-LD, and a row or byte
limit cuts the answer into a smaller but still valid document.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyoxigraph as ox

from graph_service.backends.base import QueryResult, SerializedResult
from graph_service.backends.terms import to_ntriples, to_oxigraph
from graph_service.errors import NotAcceptable

__all__ = [
    "GRAPH_MEDIA_TYPES",
    "RESULTS_MEDIA_TYPES",
    "fit_to_bytes",
    "graph_format",
    "results_format",
    "write_answer",
    "write_boolean",
    "write_solutions",
    "write_triples",
]

RESULTS_MEDIA_TYPES: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_MEDIA_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
_MAX_SHRINK_STEPS = 60


def _bytes(value: bytes | None) -> bytes:
    """pyoxigraph returns bytes when no output file is given."""
    assert value is not None
    return value


def _base(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def results_format(media_type: str) -> ox.QueryResultsFormat:
    """The SPARQL results format for a media type.

    :raises NotAcceptable: listing the media types SELECT and ASK answers can take.
    """
    try:
        return RESULTS_MEDIA_TYPES[_base(media_type)]
    except KeyError:
        raise NotAcceptable(f"SELECT and ASK answers are not available as {media_type!r}",
                            formats=sorted(RESULTS_MEDIA_TYPES)) from None


def graph_format(media_type: str) -> ox.RdfFormat:
    """The RDF format for a media type.

    :raises NotAcceptable: listing the media types CONSTRUCT and DESCRIBE answers can take.
    """
    try:
        return GRAPH_MEDIA_TYPES[_base(media_type)]
    except KeyError:
        raise NotAcceptable(f"CONSTRUCT and DESCRIBE answers are not available as {media_type!r}",
                            formats=sorted(GRAPH_MEDIA_TYPES)) from None


def fit_to_bytes(count: int, render: Callable[[int], bytes],
         max_bytes: int | None) -> tuple[bytes, int, bool]:
    """Render ``count`` rows; when over ``max_bytes``, shrink (bounded steps) until it fits."""
    body = render(count)
    if max_bytes is None or len(body) <= max_bytes:
        return body, count, False
    rows = int(count * max_bytes / len(body))
    for _ in range(_MAX_SHRINK_STEPS):
        body = render(rows)
        if len(body) <= max_bytes or rows == 0:
            return body, rows, True
        rows = int(rows * 0.8)
    return render(0), 0, True


def write_solutions(variables: Sequence[str], rows: Sequence[Sequence[str]], media_type: str,
                    *, max_bytes: int | None = None) -> tuple[bytes, int, bool]:
    """Write SELECT rows (N-Triples terms, ``""`` for unbound) in ``media_type``.

    :return: the body, the rows written and whether the byte limit cut rows.
    """
    fmt = results_format(media_type)
    header = "\t".join(f"?{v}" for v in variables)

    def render(count: int) -> bytes:
        lines = [header, *("\t".join(row) for row in rows[:count])]
        parsed = ox.parse_query_results(("\n".join(lines) + "\n").encode(),
                                        ox.QueryResultsFormat.TSV)
        return _bytes(parsed.serialize(format=fmt))

    return fit_to_bytes(len(rows), render, max_bytes)


def write_boolean(value: bool, media_type: str) -> bytes:
    """Write an ASK answer in ``media_type``."""
    fmt = results_format(media_type)
    parsed = ox.parse_query_results(b"true" if value else b"false", ox.QueryResultsFormat.TSV)
    return _bytes(parsed.serialize(format=fmt))


def write_triples(triples: Sequence[ox.Triple], media_type: str, *,
                  max_bytes: int | None = None) -> tuple[bytes, int, bool]:
    """Write CONSTRUCT / DESCRIBE triples in ``media_type``.

    :return: the body, the triples written and whether the byte limit cut triples.
    """
    fmt = graph_format(media_type)

    def render(count: int) -> bytes:
        return _bytes(ox.serialize(triples[:count], format=fmt))

    return fit_to_bytes(len(triples), render, max_bytes)


def write_answer(answer: QueryResult, media_type: str, *,
                 max_bytes: int | None = None) -> SerializedResult:
    """Write an engine-neutral answer (rdflib terms) in ``media_type``."""
    if answer.kind == "ask":
        return SerializedResult("ask", media_type, write_boolean(bool(answer.boolean), media_type),
                                1)
    if answer.kind == "select":
        rows = [[to_ntriples(r[v]) if v in r else "" for v in answer.variables]
                for r in answer.rows]
        body, count, cut = write_solutions(answer.variables, rows, media_type,
                                           max_bytes=max_bytes)
        return SerializedResult("select", media_type, body, count, answer.truncated or cut)
    triples = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
               for s, p, o in answer.triples]
    body, count, cut = write_triples(triples, media_type, max_bytes=max_bytes)
    return SerializedResult("graph", media_type, body, count, answer.truncated or cut)

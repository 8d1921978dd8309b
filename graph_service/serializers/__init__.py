"""Content negotiation as data: one table of offered media types per result kind; no flask.

:func:`negotiate` picks the media type for an ``Accept`` header (q-values honoured; for equal
quality the table order, i.e. the server's preference, wins) unless a ``format`` parameter
names one. Aliases cover what real clients send (SPARQLWrapper asks for ``application/json``,
``application/turtle`` or ``text/n3``; ``format=xml`` means RDF/XML for a graph).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from graph_service.errors import NotAcceptable

__all__ = [
    "GRAPH_OFFERS",
    "RESULT_OFFERS",
    "Offer",
    "content_type",
    "media_types",
    "negotiate",
    "offers_for",
]


@dataclass(frozen=True)
class Offer:
    """One representation: its media type, ``format=`` names, other media types clients use."""

    media_type: str
    names: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    format_iri: str = ""  # its W3C "formats" IRI (for the service description)

    def matches(self) -> tuple[str, ...]:
        """Every media type that selects this offer."""
        return (self.media_type, *self.aliases)


_W3C = "http://www.w3.org/ns/formats/"
RESULT_OFFERS: tuple[Offer, ...] = (
    Offer("application/sparql-results+json", ("json", "srj"), ("application/json",),
          _W3C + "SPARQL_Results_JSON"),
    Offer("application/sparql-results+xml", ("xml", "srx"), ("application/xml",),
          _W3C + "SPARQL_Results_XML"),
    Offer("text/csv", ("csv",), (), _W3C + "SPARQL_Results_CSV"),
    Offer("text/tab-separated-values", ("tsv",), (), _W3C + "SPARQL_Results_TSV"),
)
GRAPH_OFFERS: tuple[Offer, ...] = (
    Offer("text/turtle", ("turtle", "ttl", "n3"),
          ("application/turtle", "application/x-turtle", "text/n3", "text/rdf+n3",
           "application/n3"), _W3C + "Turtle"),
    Offer("application/n-triples", ("ntriples", "nt", "n-triples"), ("text/plain",),
          _W3C + "N-Triples"),
    Offer("application/rdf+xml", ("rdfxml", "rdf+xml", "xml", "rdf"), ("application/xml",),
          _W3C + "RDF_XML"),
    Offer("application/ld+json", ("jsonld", "json-ld", "json"),
          ("application/json", "application/x-json+ld"), _W3C + "JSON-LD"),
)
_TABLES = {"select": RESULT_OFFERS, "ask": RESULT_OFFERS, "graph": GRAPH_OFFERS}


def offers_for(kind: str) -> tuple[Offer, ...]:
    """The table for ``kind`` (``select``, ``ask`` or ``graph``)."""
    return _TABLES[kind]


def media_types(kind: str) -> list[str]:
    """The media types a ``kind`` of answer can take, default first."""
    return [offer.media_type for offer in offers_for(kind)]


def content_type(media_type: str) -> str:
    """The Content-Type header for a media type (UTF-8 stated for text types).

    >>> content_type("text/csv")
    'text/csv; charset=utf-8'
    """
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


def _not_acceptable(kind: str, asked: str) -> NotAcceptable:
    offers = offers_for(kind)
    return NotAcceptable(
        f"no available format matches {asked}; available: {', '.join(media_types(kind))}",
        formats=media_types(kind), format_names=sorted({n for o in offers for n in o.names}))


def _by_format(offers: Sequence[Offer], names: Iterable[str]) -> Offer | None:
    for name in names:
        wanted = name.strip().lower().split(";", 1)[0].strip()
        for offer in offers:
            if wanted in offer.names or wanted in offer.matches():
                return offer
    return None


def _quality(accept: MIMEAccept, media_type: str, *, wildcards: bool) -> float:
    """The q of the most specific range matching ``media_type`` (0 when none does)."""
    kind, _, sub = media_type.partition("/")
    best: tuple[float, int] = (0.0, -1)
    for value, quality in accept:
        range_kind, _, range_sub = value.split(";", 1)[0].strip().lower().partition("/")
        if (range_kind, range_sub) == (kind, sub):
            specificity = 2
        elif wildcards and (range_kind, range_sub) == (kind, "*"):
            specificity = 1
        elif wildcards and (range_kind, range_sub) == ("*", "*"):
            specificity = 0
        else:
            continue
        if specificity > best[1]:
            best = (float(quality), specificity)
    return best[0]


def _offer_quality(accept: MIMEAccept, offer: Offer) -> float:
    """Wildcards reach an offer through its own media type; aliases count only when named."""
    return max([_quality(accept, offer.media_type, wildcards=True),
                *(_quality(accept, alias, wildcards=False) for alias in offer.aliases)])


def negotiate(accept: str | None, *, kind: str, formats: Sequence[str] = ()) -> str:
    """Choose the media type of an answer.

    :param accept: the ``Accept`` header (missing or empty: the default).
    :param kind: ``select``, ``ask`` or ``graph``.
    :param formats: ``format`` parameter values, first usable one wins (names such as
        ``json``, ``turtle``, ``rdfxml`` or media types).
    :raises NotAcceptable: nothing matches; lists the available media types (406).

    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", kind="select")
    'application/sparql-results+xml'
    >>> negotiate("*/*", kind="graph", formats=["ntriples"])
    'application/n-triples'
    """
    offers = offers_for(kind)
    wanted = [f for f in formats if f.strip()]
    if wanted:
        chosen = _by_format(offers, wanted)
        if chosen is None:
            raise _not_acceptable(kind, f"format={', '.join(wanted)!s}")
        return chosen.media_type
    if accept is None or not accept.strip():
        return offers[0].media_type
    parsed = parse_accept_header(accept, MIMEAccept)
    best: tuple[float, int] = (0.0, 0)
    for rank, offer in enumerate(offers):
        quality = _offer_quality(parsed, offer)
        if quality > best[0]:
            best = (quality, rank)
    if best[0] <= 0.0:
        raise _not_acceptable(kind, f"Accept: {accept[:200]}")
    return offers[best[1]].media_type

"""RDF term conversions shared by the backends: rdflib ↔ pyoxigraph, and strict N-Triples text.

:func:`to_ntriples` is the one place a term becomes query or results text: it escapes literals
and refuses IRIs, language tags and variable names that could change the text around them.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.term import Node

from graph_service.errors import InvalidParameter

__all__ = [
    "XSD_STRING",
    "check_variable",
    "from_oxigraph",
    "to_ntriples",
    "to_oxigraph",
]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_VARIABLE = re.compile(r"^[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_\u00B7\u00C0-\uFFFF]*$")
_BNODE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
            "\b": "\\b", "\f": "\\f"}
_LITERAL_SPECIAL = re.compile(r'[\\"\x00-\x1f\x7f]')


def check_variable(name: str) -> str:
    """Return ``name`` if it is a plain SPARQL variable name (no ``?``), else raise.

    >>> check_variable("drug")
    'drug'
    """
    if not _VARIABLE.match(name):
        raise InvalidParameter(f"invalid variable name {name!r}")
    return name


def _iri(value: str) -> str:
    if not value or _IRI_FORBIDDEN.search(value):
        raise InvalidParameter(f"IRI {value[:200]!r} contains characters not allowed in an IRI")
    return f"<{value}>"


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return _ESCAPES.get(char) or f"\\u{ord(char):04X}"


def to_ntriples(term: Node) -> str:
    """A term in strict N-Triples syntax (also valid SPARQL in a ``VALUES`` block).

    :raises InvalidParameter: for an IRI with illegal characters or a bad language tag.

    >>> to_ntriples(Literal('say "hi"\\n', lang="en"))
    '"say \\\\"hi\\\\"\\\\n"@en'
    >>> to_ntriples(URIRef("http://x/a>b"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    graph_service.errors.InvalidParameter: IRI 'http://x/a>b' contains characters not ...
    """
    if isinstance(term, URIRef):
        return _iri(str(term))
    if isinstance(term, Literal):
        text = '"' + _LITERAL_SPECIAL.sub(_escape, str(term)) + '"'
        if term.language:
            if not _LANG.match(term.language):
                raise InvalidParameter(f"invalid language tag {term.language!r}")
            return f"{text}@{term.language}"
        if term.datatype is not None and str(term.datatype) != XSD_STRING:
            return f"{text}^^{_iri(str(term.datatype))}"
        return text
    if isinstance(term, BNode):
        if not _BNODE.match(str(term)):
            raise InvalidParameter(f"invalid blank node label {str(term)!r}")
        return f"_:{term}"
    raise InvalidParameter(f"cannot write {type(term).__name__} {term!r} as an RDF term")


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term for an rdflib term.

    :raises InvalidParameter: for a value pyoxigraph refuses (bad IRI, bad language tag).
    """
    try:
        if isinstance(term, URIRef):
            return ox.NamedNode(str(term))
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype is not None:
                return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
            return ox.Literal(str(term))
        if isinstance(term, BNode):
            return ox.BlankNode(str(term))
    except ValueError as exc:
        raise InvalidParameter(f"invalid RDF term {str(term)[:200]!r}: {exc}") from exc
    raise InvalidParameter(f"cannot use {type(term).__name__} {term!r} as an RDF term")


def from_oxigraph(term: object) -> Node:
    """The rdflib term for a pyoxigraph term (``xsd:string`` literals become plain literals)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Variable):
        return Variable(term.value)
    raise TypeError(f"unsupported pyoxigraph term {term!r}")

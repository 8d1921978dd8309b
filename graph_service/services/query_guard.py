"""Lexical checks on SPARQL text that run before any engine sees it (no parser, no evaluation).

A tokenizer that follows the SPARQL 1.1 lexical grammar (comments, strings, IRIs with ``\\u``
escapes, variables, prefixed names with ``\\``-escapes) finds what pyoxigraph 0.5 cannot be
told to refuse or survive, measured on this machine (8 MiB stack):

- ``SERVICE`` connects to any URL. Every bare word or prefix label *containing* ``service``
  is refused, because the engine also reads ``1SERVICE <x>``, ``trueSERVICE <x>`` and
  ``SERVICE:x`` (the empty prefix) as a SERVICE call. Strings, IRIs, comments, variables and
  local names are skipped; an over-eager refusal is possible, a miss is not.
- Nesting of ``{ ( [ <<`` past ~2,500 overflows the parser's stack and kills the process.
- Long flat chains overflow the evaluator: ~3,000 ``BIND``s, ~10,000 ``||``, ``+``, ``UNION``
  or ``!``, a 10,000-item collection; 100,000 ``,`` take 18 s just to parse. So the number of
  tokens outside ``VALUES`` data blocks is capped (default 4,000; VALUES rows are flat).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph_service.errors import BadRequest, Forbidden, PayloadTooLarge, QueryTooComplex
from graph_service.sparql_lexer import TOKEN as _TOKEN
from graph_service.sparql_lexer import UCHAR as _UCHAR

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "IriTooLong",
    "OutboundRequestRefused",
    "QueryShape",
    "QueryTooLarge",
    "check_text",
    "scan",
]

DEFAULT_MAX_TOKENS = 4000

_FORMS = {"select": "select", "ask": "ask", "construct": "graph", "describe": "graph"}
_UPDATES = frozenset({"insert", "delete", "load", "clear", "drop", "create", "add", "move",
                      "copy", "with"})


class OutboundRequestRefused(Forbidden):
    """The text asks the engine to contact another server (``SERVICE``, ``LOAD``)."""

    code = "outbound_request_refused"


class QueryTooLarge(PayloadTooLarge):
    """The query text is longer than the service accepts."""

    code = "query_too_large"


class IriTooLong(BadRequest):
    """An IRI in the query or a dataset parameter is absurdly long."""

    code = "iri_too_long"


@dataclass(frozen=True)
class QueryShape:
    """What the tokenizer saw: the first form keyword and the sizes the guard limits."""

    form: str | None  # "select", "ask", "graph", an update keyword, or None
    outbound: tuple[str, ...]  # SERVICE / LOAD words found (empty when none)
    depth: int  # deepest nesting of { ( [ <<
    depth_at: int  # character offset where that depth was first reached
    tokens: int  # tokens outside VALUES data blocks
    longest_iri: int  # characters between < and >

    @property
    def is_update(self) -> bool:
        """True when the first operation keyword is a SPARQL Update one."""
        return self.form in _UPDATES


def scan(text: str) -> QueryShape:
    """Tokenize ``text`` once; never raises.

    >>> shape = scan('SELECT * { ?service <urn:SERVICE> "SERVICE" } # SERVICE')
    >>> shape.form, shape.outbound, shape.depth
    ('select', (), 1)
    >>> scan("PREFIX : <http://x/> SELECT * { SERVICE:x {} }").outbound
    ('SERVICE:x',)
    >>> scan("ASK { ?s ?p 1SERVICE <http://x/> {} }").outbound
    ('SERVICE',)
    """
    form: str | None = None
    outbound: list[str] = []
    depth = max_depth = depth_at = tokens = longest_iri = 0
    values_state = 0  # 1: saw VALUES, 2: inside its data block
    values_depth = 0
    previous = ""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("space", "comment"):
            continue
        value = match.group()
        if values_state != 2:
            tokens += 1
        if kind == "open":
            depth += 1
            if depth > max_depth:
                max_depth, depth_at = depth, match.start()
            if values_state == 1 and value == "{":
                values_state, values_depth = 2, depth
        elif kind == "close":
            if values_state == 2 and value == "}" and depth == values_depth:
                values_state = 0
            depth = max(depth - 1, 0)
        elif kind == "iri":
            longest_iri = max(longest_iri, len(value) - 2)
        elif kind == "word":
            lowered = value.lower()
            if "service" in lowered or (lowered == "load" and previous != "@"):
                outbound.append(value)
            if form is None and (lowered in _FORMS or lowered in _UPDATES):
                form = _FORMS.get(lowered, lowered)
            if lowered == "values" and values_state == 0:
                values_state = 1
        elif kind == "pname" and "service" in (match.group("prefix") or "").lower():
            outbound.append(value)
        previous = value
    return QueryShape(form=form, outbound=tuple(outbound), depth=max_depth, depth_at=depth_at,
                      tokens=tokens, longest_iri=longest_iri)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _unescaped(text: str) -> str:
    """The text with ``\\uXXXX`` codepoint escapes applied (SPARQL 1.1 section 19.2)."""
    return re.sub(_UCHAR, lambda m: chr(min(int(m.group()[2:], 16), 0x10FFFF)), text)


def check_text(text: str, *, max_chars: int, max_depth: int, max_iri_length: int,
               max_tokens: int = DEFAULT_MAX_TOKENS) -> QueryShape:
    """Refuse text no engine should see; return its shape otherwise.

    The text is scanned as written and, when it holds ``\\u`` escapes, once more with them
    applied (an engine that unescapes first would see other keywords).

    :raises QueryTooLarge: over ``max_chars`` characters (413).
    :raises OutboundRequestRefused: ``SERVICE`` or ``LOAD`` anywhere outside strings,
        IRIs and comments (403).
    :raises QueryTooComplex: nesting deeper than ``max_depth`` or more than ``max_tokens``
        tokens outside VALUES blocks (400).
    :raises IriTooLong: an IRI longer than ``max_iri_length`` (400).
    """
    if len(text) > max_chars:
        raise QueryTooLarge(f"the query has {len(text)} characters; the limit is {max_chars}",
                            limit=max_chars)
    shape = scan(text)
    outbound = list(shape.outbound)
    if "\\u" in text or "\\U" in text:
        outbound += scan(_unescaped(text)).outbound
    if outbound:
        raise OutboundRequestRefused(
            f"{outbound[0]!r}: this service makes no outbound requests, so SERVICE (federated "
            "query) and LOAD are refused (a prefix or word containing 'service' is refused "
            "too: the engine would read it as SERVICE)")
    if shape.depth > max_depth:
        line, column = _position(text, shape.depth_at)
        raise QueryTooComplex(
            f"the query nests brackets {shape.depth} deep (line {line}, column {column}); "
            f"the limit is {max_depth}", depth=shape.depth, limit=max_depth, line=line,
            column=column)
    if shape.tokens > max_tokens:
        raise QueryTooComplex(
            f"the query has {shape.tokens} tokens outside VALUES blocks; the limit is "
            f"{max_tokens} (put long lists of values in a VALUES block)",
            tokens=shape.tokens, limit=max_tokens)
    if shape.longest_iri > max_iri_length:
        raise IriTooLong(f"an IRI in the query has {shape.longest_iri} characters; the limit "
                         f"is {max_iri_length}", limit=max_iri_length)
    return shape

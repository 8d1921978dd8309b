"""Run a caller's SPARQL safely: lexical guard, a parse that cannot evaluate, limits, the store.

Order for a query: :func:`~graph_service.services.query_guard.check_text` (size, SERVICE/LOAD,
nesting, token count, IRI length) → :func:`check_syntax` (pyoxigraph's parser; nothing is
evaluated) → the backend, with the row, byte and time limits of the settings.

``FROM`` / ``FROM NAMED`` and the protocol's ``default-graph-uri`` / ``named-graph-uri`` only
ever select graphs already in the store: pyoxigraph treats them as local graph names, the rdflib
backend runs with ``SPARQL_LOAD_GRAPHS`` off, and a remote server gets the text as sent (Oxigraph
server, like most, answers from its own graphs). ``tests/test_sparql_live.py`` proves that no
store connects to a FROM IRI.
"""

from __future__ import annotations

import functools
import hmac
import re
from dataclasses import dataclass

import pyoxigraph as ox

from graph_service.backends.base import (
    Dataset,
    GraphBackend,
    QueryKind,
    QueryResult,
    SerializedResult,
)
from graph_service.config import Settings
from graph_service.errors import Forbidden, MalformedQuery
from graph_service.services.query_guard import IriTooLong, QueryShape, check_text

__all__ = [
    "PreparedQuery",
    "UpdateRefused",
    "check_dataset",
    "check_syntax",
    "prepare_query",
    "prepare_update",
    "run_query",
    "run_update",
    "update_allowed",
]

_POSITION = re.compile(r"^error at (\d+):(\d+): ?(.*)$", re.DOTALL)
_MESSAGE_LIMIT = 300


class UpdateRefused(Forbidden):
    """SPARQL Update on a read-only endpoint, or without the admin token."""

    code = "update_refused"


@dataclass(frozen=True)
class PreparedQuery:
    """A query that passed the guard and the parser, with its result kind."""

    text: str
    kind: QueryKind


@functools.cache
def _parser_store() -> ox.Store:
    """An empty in-memory store used only to parse (see :func:`check_syntax`)."""
    store = ox.Store()
    try:
        store.query("ASK {}", use_default_graph_as_union=True, default_graph=[ox.DefaultGraph()])
    except ValueError:
        return store
    raise RuntimeError("this pyoxigraph evaluates queries it was asked only to parse; "
                       "graph_service.services.sparql.check_syntax must be revisited")


def check_syntax(text: str) -> None:
    """Parse ``text`` with pyoxigraph without evaluating anything.

    ``Store.query`` parses first and then checks its arguments; asking for both a union
    default graph and an explicit default graph makes it stop with ``ValueError`` right after
    a successful parse, before evaluation (pyoxigraph 0.5; checked on first use).

    :raises MalformedQuery: with the parser's message and its ``line`` and ``column``.
    """
    try:
        _parser_store().query(text, use_default_graph_as_union=True,
                              default_graph=[ox.DefaultGraph()])
    except ValueError:
        return
    except SyntaxError as exc:
        detail = str(exc)
        match = _POSITION.match(detail)
        if match is None:
            raise MalformedQuery(f"the query does not parse: {detail[:_MESSAGE_LIMIT]}") from None
        line, column, expected = int(match[1]), int(match[2]), match[3]
        raise MalformedQuery(
            f"the query does not parse at line {line}, column {column}: "
            f"{expected[:_MESSAGE_LIMIT]}", line=line, column=column) from None
    raise RuntimeError("pyoxigraph evaluated a query during the parse check")  # pragma: no cover


def _guard(text: str, settings: Settings) -> QueryShape:
    return check_text(text, max_chars=settings.max_body_bytes, max_depth=settings.max_query_depth,
                      max_iri_length=settings.max_iri_length)


def prepare_query(text: str, *, settings: Settings) -> PreparedQuery:
    """Check a query before any store sees it.

    :raises MalformedQuery: empty text or a parse error (400, with line and column).
    :raises UpdateRefused: the text is a SPARQL Update (403).
    :raises GraphServiceError: the guard's 403 / 400 / 413 (see ``query_guard.check_text``).
    """
    if not text.strip():
        raise MalformedQuery("the query is empty")
    shape = _guard(text, settings)
    if shape.is_update:
        raise UpdateRefused("this is a SPARQL Update, not a query: the endpoint is read-only "
                            "(updates go in the 'update' parameter and need the admin token)")
    check_syntax(text)
    if shape.form not in ("select", "ask", "graph"):
        raise MalformedQuery("the query has no SELECT, ASK, CONSTRUCT or DESCRIBE form")
    return PreparedQuery(text=text, kind=shape.form)  # type: ignore[arg-type]


def update_allowed(settings: Settings, authorization: str | None) -> bool:
    """True when an admin token is configured and ``authorization`` is ``Bearer <it>``."""
    if not settings.admin_token or not authorization:
        return False
    scheme, _, token = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), settings.admin_token.encode())


def prepare_update(text: str, *, settings: Settings, authorization: str | None) -> str:
    """Check an update: token first, then the guard (``LOAD`` and ``SERVICE`` are refused).

    :raises UpdateRefused: no admin token configured, or not presented (403).
    :raises GraphServiceError: the guard's refusals; 400 for empty text.
    """
    if not update_allowed(settings, authorization):
        raise UpdateRefused("the endpoint is read-only: SPARQL Update needs the admin token "
                            "as 'Authorization: Bearer <token>'")
    if not text.strip():
        raise MalformedQuery("the update is empty")
    shape = _guard(text, settings)
    if not shape.is_update:
        raise MalformedQuery("the 'update' parameter holds no SPARQL Update operation")
    return text


def check_dataset(dataset: Dataset, *, settings: Settings) -> None:
    """Refuse absurd graph IRIs in ``default-graph-uri`` / ``named-graph-uri``.

    :raises IriTooLong: longer than ``settings.max_iri_length`` (400).
    :raises MalformedQuery: not an absolute IRI (400).
    """
    for iri in (*dataset.default_graphs, *dataset.named_graphs):
        if len(iri) > settings.max_iri_length:
            raise IriTooLong(f"a graph IRI has {len(iri)} characters; the limit is "
                             f"{settings.max_iri_length}", limit=settings.max_iri_length)
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise MalformedQuery(f"{iri[:200]!r} is not an absolute IRI") from None


def run_query(backend: GraphBackend, query: PreparedQuery, *, media_type: str,
              dataset: Dataset | None, settings: Settings) -> SerializedResult | QueryResult:
    """Run a prepared query within the row and byte limits, written by the engine itself.

    A backend without ``serialize_query`` (``NotImplementedError``) returns the engine-neutral
    :class:`QueryResult` instead, for the caller's serializers. The time limit is the
    backend's (``QueryTimeout``, 503).
    """
    try:
        return backend.serialize_query(query.text, media_type=media_type, dataset=dataset,
                                       max_rows=settings.max_rows,
                                       max_bytes=settings.max_response_bytes)
    except NotImplementedError:
        return backend.query(query.text, dataset=dataset, max_rows=settings.max_rows)


def run_update(backend: GraphBackend, text: str) -> int:
    """Run a checked update in one transaction; return the store's new quad count."""
    backend.update(text)
    return backend.triple_count()


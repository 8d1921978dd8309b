"""Run named queries: typed parameter values checked, resolved and bound, never pasted into text."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from graph_service.backends import GraphBackend, QueryResult
from graph_service.backends.base import time_limit
from graph_service.errors import InvalidParameter
from graph_service.named_queries import Catalog, NamedQuery, QueryParam

__all__ = [
    "INDEX_TIME_LIMIT",
    "MAX_LIST_ITEMS",
    "MAX_STRING_LENGTH",
    "bind_params",
    "iri_list_literal",
    "plain",
    "result_rows",
    "run_named_query",
    "select",
    "select_for_index",
]

MAX_LIST_ITEMS = 100
MAX_STRING_LENGTH = 1000
MAX_IRI_LENGTH = 4096
_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>"{}|^`\\]*$')

_NUMERIC = frozenset((XSD.integer, XSD.int, XSD.long, XSD.decimal, XSD.double, XSD.boolean))

# resolve(text, entity_type, parameter_name) -> IRI; raises NotFound / InvalidParameter
Resolver = Callable[[str, str, str], URIRef]


def plain(node: Node | None) -> Any:
    """A JSON-ready Python value: IRIs and strings as ``str``; numbers and booleans as such.

    >>> plain(Literal(3)), plain(URIRef("https://w3id.org/dikg/id/x")), plain(None)
    (3, 'https://w3id.org/dikg/id/x', None)
    """
    if node is None:
        return None
    if isinstance(node, Literal) and node.datatype in _NUMERIC:
        value = node.toPython()
        return value if isinstance(value, bool | int | float) else str(node)
    return str(node)


def iri_list_literal(iris: Sequence[str]) -> Literal:
    """One plain literal of ``<IRI>`` tokens: how list parameters are bound.

    >>> str(iri_list_literal(["https://w3id.org/dikg/id/a", "https://w3id.org/dikg/id/b"]))
    '<https://w3id.org/dikg/id/a> <https://w3id.org/dikg/id/b>'
    """
    return Literal(" ".join(f"<{iri}>" for iri in iris))


def _check_iri(value: Any, name: str) -> URIRef:
    if not isinstance(value, str) or len(value) > MAX_IRI_LENGTH or not _IRI.match(value):
        raise InvalidParameter(f"parameter {name!r} must be an absolute IRI", parameter=name)
    return URIRef(value)


def _items(value: Any, name: str) -> list[str]:
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
        raise InvalidParameter(f"parameter {name!r} must be a list of non-empty strings",
                               parameter=name)
    if not 1 <= len(items) <= MAX_LIST_ITEMS:
        raise InvalidParameter(f"parameter {name!r} takes 1 to {MAX_LIST_ITEMS} items",
                               parameter=name)
    return [v.strip() for v in items]


def _integer(param: QueryParam, value: Any) -> Literal:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidParameter(f"parameter {param.name!r} must be an integer",
                               parameter=param.name)
    text = str(value).strip()
    if not re.fullmatch(r"[+-]?\d{1,18}", text):
        raise InvalidParameter(f"parameter {param.name!r} must be an integer",
                               parameter=param.name)
    number = int(text)
    if (param.minimum is not None and number < param.minimum) or (
            param.maximum is not None and number > param.maximum):
        raise InvalidParameter(f"parameter {param.name!r} must be between {param.minimum} and "
                               f"{param.maximum}", parameter=param.name)
    return Literal(number)


def _convert(param: QueryParam, value: Any, resolve: Resolver) -> Node:
    if param.type == "integer":
        return _integer(param, value)
    if param.type in ("entity_list", "iri_list"):
        items = _items(value, param.name)
        if param.type == "iri_list":
            return iri_list_literal([_check_iri(v, param.name) for v in items])
        return iri_list_literal([resolve(v, param.entity_type, param.name) for v in items])
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameter(f"parameter {param.name!r} must be a non-empty string",
                               parameter=param.name)
    if len(value) > MAX_STRING_LENGTH:
        raise InvalidParameter(f"parameter {param.name!r} is longer than {MAX_STRING_LENGTH} "
                               "characters", parameter=param.name)
    if param.type == "iri":
        return _check_iri(value, param.name)
    if param.type == "entity":
        return resolve(value.strip(), param.entity_type, param.name)
    return Literal(value)


def bind_params(query: NamedQuery, raw: Mapping[str, Any], *, resolve: Resolver) -> dict[str, Node]:
    """Check ``raw`` values against the query's typed parameters and turn them into RDF terms.

    :raises InvalidParameter: for an unknown, missing or ill-typed parameter (named).
    :raises NotFound: when an entity parameter names nothing known (with candidates).
    """
    unknown = sorted(set(raw) - {p.name for p in query.params})
    if unknown:
        raise InvalidParameter(f"unknown parameter(s) {', '.join(map(repr, unknown))} for query "
                               f"{query.name!r}", parameter=unknown[0])
    bindings: dict[str, Node] = {}
    for param in query.params:
        value = raw.get(param.name, param.default)
        if value is None:
            if param.required:
                raise InvalidParameter(f"parameter {param.name!r} is required",
                                       parameter=param.name)
            continue
        bindings[param.name] = _convert(param, value, resolve)
    return bindings


def run_named_query(backend: GraphBackend, query: NamedQuery, bindings: Mapping[str, Node], *,
                    max_rows: int | None = None) -> QueryResult:
    """Run a named query with bound values (the text is never changed)."""
    return backend.query(query.text, bindings=dict(bindings), max_rows=max_rows)


#: time limit of the service's own whole-graph index queries (names, labels, safety claims),
#: run once per graph version; user queries keep the service's limit
INDEX_TIME_LIMIT = 300.0


def select_for_index(backend: GraphBackend, catalog: Catalog, name: str) -> list[dict[str, Node]]:
    """Rows of the whole-graph query ``name`` an index is built from, under INDEX_TIME_LIMIT."""
    with time_limit(INDEX_TIME_LIMIT):
        return backend.query(catalog.text(name)).rows


def select(backend: GraphBackend, catalog: Catalog, name: str,
           **bindings: Node) -> list[dict[str, Node]]:
    """Rows of the (internal or public) SELECT query ``name`` with ``bindings``."""
    return backend.query(catalog.text(name), bindings=bindings or None).rows


def result_rows(result: QueryResult) -> list[dict[str, Any]]:
    """SELECT rows as JSON-ready dicts (every variable present; unbound ones are ``None``)."""
    return [{v: plain(row.get(v)) for v in result.variables} for row in result.rows]

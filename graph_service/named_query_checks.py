"""The checks behind ``load_catalog``: ``#+`` header, parameters, query text on both engines."""

from __future__ import annotations

import re
import textwrap
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph
import yaml

from graph_service.errors import GraphServiceError

#: libyaml's safe loader where PyYAML was built with it (the pure-Python one is much slower)
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = [
    "ENTITY_TYPES",
    "METHODS",
    "NAME",
    "PARAM_TYPES",
    "RETURNS",
    "NamedQueryError",
    "QueryParam",
    "check_text",
    "parse_header",
    "parse_param",
]

PARAM_TYPES = ("iri", "string", "integer", "entity", "entity_list", "iri_list")
ENTITY_TYPES = ("drug", "product", "medication", "condition", "receptor", "class", "any")
RETURNS = ("select", "ask", "construct")
METHODS = ("GET", "POST")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_VARIABLE = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)
_PREFIXES = re.compile(r"^\s*(PREFIX|BASE)\s+[^\n]*$", re.IGNORECASE | re.MULTILINE)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_RDFLIB_PARSER_LOCK = threading.Lock()  # rdflib's pyparsing grammar is not thread-safe
_RDFLIB_PARSED: set[str] = set()  # texts rdflib already parsed (parsing is slow, ~0.1 s each)
_DUMMY: dict[str, pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal
             | pyoxigraph.Triple] = {
    "iri": pyoxigraph.NamedNode("https://w3id.org/dikg/id/x"),
    "entity": pyoxigraph.NamedNode("https://w3id.org/dikg/id/x"),
    "string": pyoxigraph.Literal("x"),
    "entity_list": pyoxigraph.Literal("<https://w3id.org/dikg/id/x>"),
    "iri_list": pyoxigraph.Literal("<https://w3id.org/dikg/id/x>"),
    "integer": pyoxigraph.Literal("1", datatype=pyoxigraph.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer")),
}


class NamedQueryError(GraphServiceError):
    """A ``queries/*.rq`` file is broken; the message names the file. The service must not start."""

    code = "named_query_error"


@dataclass(frozen=True)
class QueryParam:
    """One typed parameter of a named query."""

    name: str
    type: str
    required: bool = True
    description: str = ""
    entity_type: str = "any"
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None


def parse_header(text: str, path: Path) -> dict[str, Any]:
    """The ``#+`` YAML header of a query file as a mapping."""
    lines = [line[2:] for line in text.splitlines() if line.startswith("#+")]
    if not lines:
        raise NamedQueryError(f"{path.name}: no '#+' header")
    try:
        header = yaml.load(textwrap.dedent("\n".join(lines)), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise NamedQueryError(f"{path.name}: the '#+' header is not valid YAML: {exc}") from exc
    if not isinstance(header, dict):
        raise NamedQueryError(f"{path.name}: the '#+' header must be a mapping of fields")
    return header


def parse_param(raw: Any, path: Path) -> QueryParam:
    """One declared parameter, checked."""
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise NamedQueryError(f"{path.name}: every entry of 'params' needs a 'name'")
    name = raw["name"]
    unknown = set(raw) - {"name", "type", "required", "description", "summary", "entity_type",
                          "default", "minimum", "maximum"}
    if unknown:
        raise NamedQueryError(
            f"{path.name}: parameter {name!r} has unknown fields {sorted(unknown)}")
    if not NAME.match(name):
        raise NamedQueryError(f"{path.name}: parameter name {name!r} must match {NAME.pattern}")
    if raw.get("type") not in PARAM_TYPES:
        raise NamedQueryError(f"{path.name}: parameter {name!r} has type {raw.get('type')!r}; "
                              f"use one of {', '.join(PARAM_TYPES)}")
    entity_type = raw.get("entity_type", "any")
    if entity_type not in ENTITY_TYPES:
        raise NamedQueryError(f"{path.name}: parameter {name!r} has entity_type {entity_type!r}; "
                              f"use one of {', '.join(ENTITY_TYPES)}")
    if not isinstance(raw.get("required", True), bool):
        raise NamedQueryError(f"{path.name}: parameter {name!r}: 'required' must be true or false")
    return QueryParam(name=name, type=raw["type"], required=raw.get("required", True),
                      description=str(raw.get("description", raw.get("summary", ""))),
                      entity_type=entity_type,
                      default=raw.get("default"), minimum=raw.get("minimum"),
                      maximum=raw.get("maximum"))


def check_text(text: str, params: tuple[QueryParam, ...], returns: str | None, path: Path, *,
               rdflib_check: bool = True) -> str:
    """Check the query text against its parameters on pyoxigraph (and rdflib); return its form."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    variables = set(_VARIABLE.findall(body))
    declared = {p.name for p in params}
    for name in sorted(declared - variables):
        raise NamedQueryError(f"{path.name}: parameter {name!r} does not occur as ?{name}")
    for name in sorted(v for v in variables - declared if v.startswith("_")):
        raise NamedQueryError(f"{path.name}: placeholder ?{name} is not a declared parameter")
    if _SERVICE.search(body):
        raise NamedQueryError(f"{path.name}: named queries must not use SERVICE")
    try:
        with _RDFLIB_PARSER_LOCK:
            if rdflib_check and text not in _RDFLIB_PARSED:
                from rdflib.plugins.sparql import prepareQuery  # only rdflib stores need it

                prepareQuery(text)
                _RDFLIB_PARSED.add(text)
    except Exception as exc:  # pyparsing raises several types; all mean "does not parse"
        raise NamedQueryError(f"{path.name}: rdflib cannot parse the query: {exc}") from exc
    form = _FORM.search(_PREFIXES.sub(" ", body))
    declared_form = returns or (form.group(1).lower() if form else "select")
    substitutions = ({pyoxigraph.Variable(p.name): _DUMMY[p.type] for p in params}
                     if declared_form == "select" else None)
    try:
        result = pyoxigraph.Store().query(text, substitutions=substitutions)
    except (SyntaxError, ValueError, RuntimeError, OSError) as exc:
        raise NamedQueryError(f"{path.name}: pyoxigraph rejects the query: {exc}") from exc
    kind = {pyoxigraph.QuerySolutions: "select", pyoxigraph.QueryBoolean: "ask",
            pyoxigraph.QueryTriples: "construct"}[type(result)]
    del result  # pyoxigraph results must be dropped by this thread, not by a later gc elsewhere
    if returns is not None and kind != returns:
        raise NamedQueryError(f"{path.name}: header says 'returns: {returns}' but it is {kind}")
    return kind

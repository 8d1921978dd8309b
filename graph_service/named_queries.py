"""Named queries: ``queries/*.rq`` files with a ``#+`` YAML header, all checked at start-up.

A header (grlc style) looks like::

    #+ name: contraindications
    #+ summary: Contraindications of a drug, stated and inherited
    #+ params:
    #+   - name: drug
    #+     type: entity          # iri | string | integer | entity | entity_list | iri_list
    #+     entity_type: drug     # drug | product | medication | condition | receptor | class | any
    #+     required: true
    #+     description: the drug (name, identifier or IRI)
    #+ methods: [GET, POST]
    #+ returns: select          # select | ask | construct
    #+ internal: false          # true hides it from the public list

Every declared parameter must occur as ``?name`` in the query; an undeclared ``?_placeholder`` is
an error; the query must parse on both engines (pyoxigraph and rdflib) and be of the declared form.
A SELECT query must project its parameters, so pyoxigraph can bind them. Values are always bound,
never pasted into the text (``services/queries.py``). List parameters (``entity_list``,
``iri_list``) are bound as ONE plain literal of ``<IRI>`` tokens; the query tests membership with
``FILTER (CONTAINS(?list, CONCAT("<", STR(?x), ">")))``. ``returns`` may be left out: the query
form decides.
"""

from __future__ import annotations

import re
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph
import yaml
from rdflib.plugins.sparql import prepareQuery

from graph_service.errors import GraphServiceError, NotFound

__all__ = [
    "ENTITY_TYPES",
    "PARAM_TYPES",
    "Catalog",
    "NamedQuery",
    "NamedQueryError",
    "QueryParam",
    "load_catalog",
    "parse_named_query",
]

PARAM_TYPES = ("iri", "string", "integer", "entity", "entity_list", "iri_list")
ENTITY_TYPES = ("drug", "product", "medication", "condition", "receptor", "class", "any")
RETURNS = ("select", "ask", "construct")
METHODS = ("GET", "POST")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
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


@dataclass(frozen=True)
class NamedQuery:
    """A checked named query: header fields plus the SPARQL text."""

    name: str
    summary: str
    description: str
    params: tuple[QueryParam, ...]
    methods: tuple[str, ...]
    returns: str
    text: str
    path: Path
    internal: bool = False
    tags: tuple[str, ...] = ()

    def param(self, name: str) -> QueryParam | None:
        """The parameter called ``name``, or None."""
        return next((p for p in self.params if p.name == name), None)


class Catalog:
    """The named queries of a directory, by name."""

    def __init__(self, queries: dict[str, NamedQuery]) -> None:
        self._queries = dict(sorted(queries.items()))

    def __contains__(self, name: object) -> bool:
        return name in self._queries

    def __iter__(self) -> Iterator[NamedQuery]:
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)

    def get(self, name: str, *, public: bool = False) -> NamedQuery:
        """The query called ``name``.

        :param public: hide internal queries (as the REST API does).
        :raises NotFound: when there is no such (public) query.
        """
        query = self._queries.get(name)
        if query is None or (public and query.internal):
            raise NotFound(f"There is no named query {name!r}.",
                           available=[q.name for q in self.public()])
        return query

    def public(self) -> list[NamedQuery]:
        """The queries offered over HTTP (not marked ``internal``)."""
        return [q for q in self._queries.values() if not q.internal]

    def text(self, name: str) -> str:
        """The SPARQL text of the query called ``name`` (internal ones included)."""
        return self.get(name).text


def _header(text: str, path: Path) -> dict[str, Any]:
    lines = [line[2:] for line in text.splitlines() if line.startswith("#+")]
    if not lines:
        raise NamedQueryError(f"{path.name}: no '#+' header")
    try:
        header = yaml.safe_load(textwrap.dedent("\n".join(lines)))
    except yaml.YAMLError as exc:
        raise NamedQueryError(f"{path.name}: the '#+' header is not valid YAML: {exc}") from exc
    if not isinstance(header, dict):
        raise NamedQueryError(f"{path.name}: the '#+' header must be a mapping of fields")
    return header


def _param(raw: Any, path: Path) -> QueryParam:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise NamedQueryError(f"{path.name}: every entry of 'params' needs a 'name'")
    name = raw["name"]
    unknown = set(raw) - {"name", "type", "required", "description", "summary", "entity_type",
                          "default", "minimum", "maximum"}
    if unknown:
        raise NamedQueryError(
            f"{path.name}: parameter {name!r} has unknown fields {sorted(unknown)}")
    if not _NAME.match(name):
        raise NamedQueryError(f"{path.name}: parameter name {name!r} must match {_NAME.pattern}")
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


def _check_text(text: str, params: tuple[QueryParam, ...], returns: str | None, path: Path) -> str:
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
            if text not in _RDFLIB_PARSED:
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
    if returns is not None and kind != returns:
        raise NamedQueryError(f"{path.name}: header says 'returns: {returns}' but it is {kind}")
    return kind


def parse_named_query(path: Path) -> NamedQuery:
    """Read and check one ``.rq`` file.

    :raises NamedQueryError: naming the file and what is wrong with it.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NamedQueryError(f"{path.name}: cannot read the file: {exc}") from exc
    header = _header(text, path)
    name = header.get("name", path.stem)
    if name != path.stem or not _NAME.match(str(name)):
        raise NamedQueryError(f"{path.name}: 'name' must equal the file name ({path.stem!r}) "
                              f"and match {_NAME.pattern}")
    if not isinstance(header.get("summary"), str) or not header["summary"].strip():
        raise NamedQueryError(f"{path.name}: a one-line 'summary' is required")
    returns = header.get("returns")  # when absent, the query form decides
    if returns is not None and returns not in RETURNS:
        raise NamedQueryError(f"{path.name}: 'returns' must be one of {', '.join(RETURNS)}")
    raw_params = header.get("params") or []
    if isinstance(raw_params, dict):  # the mapping form: {name: {type: ..., ...}}
        raw_params = [{"name": k, **(v if isinstance(v, dict) else {})}
                      for k, v in raw_params.items()]
    if not isinstance(raw_params, list):
        raise NamedQueryError(f"{path.name}: 'params' must be a list or a mapping")
    params = tuple(_param(raw, path) for raw in raw_params)
    if len({p.name for p in params}) != len(params):
        raise NamedQueryError(f"{path.name}: a parameter is declared twice")
    methods = tuple(str(m).upper() for m in header.get("methods") or METHODS)
    if not methods or set(methods) - set(METHODS):
        raise NamedQueryError(f"{path.name}: 'methods' must be a list of GET and/or POST")
    returns = _check_text(text, params, returns, path)
    return NamedQuery(name=name, summary=header["summary"].strip(),
                      description=str(header.get("description", "")).strip(), params=params,
                      methods=methods, returns=returns, text=text, path=path,
                      internal=bool(header.get("internal", False)),
                      tags=tuple(str(t) for t in header.get("tags") or ()))


def load_catalog(queries_dir: Path) -> Catalog:
    """Parse and check every ``*.rq`` file of ``queries_dir``.

    :raises NamedQueryError: for the first broken file (named), or a missing directory.
    """
    directory = Path(queries_dir)
    if not directory.is_dir():
        raise NamedQueryError(f"{directory}: the named-query directory does not exist")
    queries = [parse_named_query(path) for path in sorted(directory.glob("*.rq"))]
    return Catalog({q.name: q for q in queries})

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

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from graph_service.errors import NotFound
from graph_service.named_query_checks import (
    ENTITY_TYPES,
    METHODS,
    NAME,
    PARAM_TYPES,
    RETURNS,
    NamedQueryError,
    QueryParam,
    check_text,
    parse_header,
    parse_param,
)

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


def parse_named_query(path: Path, *, rdflib_check: bool = True) -> NamedQuery:
    """Read and check one ``.rq`` file (on pyoxigraph, and on rdflib when ``rdflib_check``).

    :raises NamedQueryError: naming the file and what is wrong with it.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NamedQueryError(f"{path.name}: cannot read the file: {exc}") from exc
    header = parse_header(text, path)
    name = header.get("name", path.stem)
    if name != path.stem or not NAME.match(str(name)):
        raise NamedQueryError(f"{path.name}: 'name' must equal the file name ({path.stem!r}) "
                              f"and match {NAME.pattern}")
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
    params = tuple(parse_param(raw, path) for raw in raw_params)
    if len({p.name for p in params}) != len(params):
        raise NamedQueryError(f"{path.name}: a parameter is declared twice")
    methods = tuple(str(m).upper() for m in header.get("methods") or METHODS)
    if not methods or set(methods) - set(METHODS):
        raise NamedQueryError(f"{path.name}: 'methods' must be a list of GET and/or POST")
    returns = check_text(text, params, returns, path, rdflib_check=rdflib_check)
    return NamedQuery(name=name, summary=header["summary"].strip(),
                      description=str(header.get("description", "")).strip(), params=params,
                      methods=methods, returns=returns, text=text, path=path,
                      internal=bool(header.get("internal", False)),
                      tags=tuple(str(t) for t in header.get("tags") or ()))


def load_catalog(queries_dir: Path, *, rdflib_check: bool = True) -> Catalog:
    """Parse and check every ``*.rq`` file of ``queries_dir``.

    The rdflib parse check (slow: ~0.1 s a query) can be left out when rdflib is not the
    engine; the test suite always checks both engines.

    :raises NamedQueryError: for the first broken file (named), or a missing directory.
    """
    directory = Path(queries_dir)
    if not directory.is_dir():
        raise NamedQueryError(f"{directory}: the named-query directory does not exist")
    queries = [parse_named_query(path, rdflib_check=rdflib_check)
               for path in sorted(directory.glob("*.rq"))]
    return Catalog({q.name: q for q in queries})

"""Named queries as ready-to-run examples for the web editor (plain SPARQL the user can edit).

The service binds named-query parameters as bindings; an editor example cannot, so the example
text binds them with an inline ``VALUES`` row at the top of the ``WHERE`` group, with a sample
entity (naltrexone for drugs). Parameters without a sample value are left unbound and the text
says how to bind them.
"""

from __future__ import annotations

import re
from typing import Any

from graph_service.models import ID
from graph_service.named_queries import Catalog, NamedQuery, QueryParam

__all__ = ["SAMPLE_ENTITIES", "SAMPLE_STRINGS", "example_text", "examples"]

#: the sample entity per ``entity_type`` of an ``entity``/``iri`` parameter
SAMPLE_ENTITIES = {"drug": ID.naltrexone, "medication": ID.naltrexone, "any": ID.naltrexone,
                   "product": ID.revia, "condition": ID["acute-opioid-withdrawal"],
                   "receptor": ID.oprm1}
#: sample values of ``string`` parameters, by parameter name
SAMPLE_STRINGS = {"source": "L-TAB"}
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def _sample(param: QueryParam) -> str | None:
    if param.default is not None:
        value = param.default
        return str(value) if param.type == "integer" else f'"{value}"'
    if param.type == "string" and param.name in SAMPLE_STRINGS:
        return f'"{SAMPLE_STRINGS[param.name]}"'
    if param.type in ("entity", "iri") and param.name != "claim":
        sample = SAMPLE_ENTITIES.get(param.entity_type)
        return f"<{sample}>" if sample is not None else None
    return None


def example_text(query: NamedQuery) -> str:
    """The query's SPARQL without its ``#+`` header, parameters bound by an inline ``VALUES``.

    >>> from pathlib import Path
    >>> q = NamedQuery("x", "X", "", (QueryParam("drug", "entity", entity_type="drug"),),
    ...                ("GET",), "select", "SELECT ?drug WHERE { ?drug a ?t }", Path("x.rq"))
    >>> print(example_text(q))
    # x: X
    SELECT ?drug WHERE {
      VALUES (?drug) { (<https://w3id.org/dikg/id/naltrexone>) } ?drug a ?t }
    <BLANKLINE>
    """
    body = "\n".join(line for line in query.text.splitlines() if not line.startswith("#+"))
    header = [f"# {query.name}: {query.summary}"]
    bound = [(p.name, v) for p in query.params if (v := _sample(p)) is not None]
    for param in query.params:
        if all(param.name != name for name, _ in bound):
            header.append(f"# ?{param.name} ({param.type}) is a parameter: bind it with "
                          f"VALUES, or call /api/v1/queries/{query.name}?{param.name}=...")
    where = _WHERE.search(body)
    if bound and where is not None:
        names = " ".join(f"?{name}" for name, _ in bound)
        values = " ".join(value for _, value in bound)
        row = f"\n  VALUES ({names}) {{ ({values}) }}"
        body = body[:where.end()] + row + body[where.end():]
    return "\n".join(header) + "\n" + body.strip() + "\n"


def examples(catalog: Catalog) -> list[dict[str, Any]]:
    """Every public named query as ``{"name", "summary", "text"}`` for the editor."""
    return [{"name": q.name, "summary": q.summary, "text": example_text(q),
             "params": [p.name for p in q.params]} for q in catalog.public()]

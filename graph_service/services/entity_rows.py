"""The rows of ``entity_labels.rq`` for the name index, from three scans, not one ranking join.

``entity_labels.rq`` ranks every type of every labelled entity against the category roots with
``rdfs:subClassOf*`` inside a grouped subquery: 13-18 s on a 1M-triple store. The same rows come
from ``index_entity_types.rq`` (types of labelled entities), ``index_edges.rq`` (subclass and
salt edges) and ``index_names.rq`` (every label, synonym and identifier link), each a scan
(about 1.5 s together at 1M), ranked and joined here with the query's rules:

- a type's rank is 1 for ``dikg:DrugClass``, else the best rank of the roots it is a subclass of
  (``Claim`` 0, ``Product`` 2, ``Drug`` 3, ``Condition`` 4, ``Target`` 5, ``AdverseEffect`` 6,
  ``Therapy`` 7), else 8; an entity takes its best type's rank and claims (0) are left out;
- one row per entity and name, ordered by entity, ``matched_on`` and text; where the query's
  order leaves a choice (several preferred labels or salt parents) the smallest is taken.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from rdflib.namespace import RDFS, SKOS
from rdflib.term import BNode

from graph_service.backends import GraphBackend
from graph_service.models import DIKG
from graph_service.named_queries import Catalog
from graph_service.services.queries import select_for_index

__all__ = ["CATEGORY_OF_RANK", "entity_label_rows"]

_ROOTS = {str(DIKG.Claim): 0, str(DIKG.Product): 2, str(DIKG.Drug): 3, str(DIKG.Condition): 4,
          str(DIKG.Target): 5, str(DIKG.AdverseEffect): 6, str(DIKG.Therapy): 7}
CATEGORY_OF_RANK = {1: "class", 2: "product", 3: "drug", 4: "condition", 5: "receptor",
                    6: "adverse_effect", 7: "therapy", 8: "other"}
_MATCHED_ON = {str(SKOS.prefLabel): "label", str(RDFS.label): "label",
               str(SKOS.altLabel): "altLabel", str(SKOS.exactMatch): "identifier"}
_SUB, _SALT, _PREF = str(RDFS.subClassOf), str(DIKG.saltOf), str(SKOS.prefLabel)
_DRUG_CLASS = str(DIKG.DrugClass)


def _type_rank(start: str, parents: dict[str, list[str]]) -> int:
    """``start``'s rank: 1 for DrugClass, else its best root along ``rdfs:subClassOf*``."""
    if start == _DRUG_CLASS:
        return 1
    best, seen, queue = 8, {start}, deque([start])
    while queue:
        node = queue.popleft()
        best = min(best, _ROOTS.get(node, 8))
        for parent in parents.get(node, ()):
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return best


def entity_label_rows(backend: GraphBackend, catalog: Catalog) -> list[dict[str, Any]]:
    """The rows ``entity_labels.rq`` answers (entity, category, pref_label, text, matched_on,
    salt_of), as strings, in its order."""
    parents: dict[str, list[str]] = {}
    salts: dict[str, str] = {}
    for row in select_for_index(backend, catalog, "index_edges"):
        p = str(row["p"])
        if p == _SUB:
            parents.setdefault(str(row["s"]), []).append(str(row["o"]))
        elif p == _SALT:
            s, o = str(row["s"]), str(row["o"])
            salts[s] = min(salts.get(s, o), o)
    ranks: dict[str, int] = {}
    best: dict[str, int] = {}
    for row in select_for_index(backend, catalog, "index_entity_types"):
        node, kind = str(row["node"]), str(row["type"])
        if kind not in ranks:
            ranks[kind] = _type_rank(kind, parents)
        best[node] = min(best.get(node, 8), ranks[kind])
    pref: dict[str, str] = {}
    names: set[tuple[str, str, str]] = set()
    for row in select_for_index(backend, catalog, "index_names"):
        node, p, value = str(row["node"]), str(row["p"]), row["text"]
        if best.get(node, 0) == 0 or isinstance(value, BNode):  # STR(blank node): no row
            continue
        text = str(value)
        if p == _PREF:
            pref[node] = min(pref.get(node, text), text)
        names.add((node, _MATCHED_ON[p], text))
    return [{"entity": node, "category": CATEGORY_OF_RANK[best[node]], "pref_label": pref[node],
             "text": text, "matched_on": how, "salt_of": salts.get(node)}
            for node, how, text in sorted(names)]


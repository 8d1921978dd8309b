"""The citations of every claim, built once per graph version, so a check runs no query per alert.

The same citations as :func:`~graph_service.services.sources.citations` (``claim_citations.rq``)
gives for one claim, from two whole-graph reads: every claim's citation links
(``index_citation_links.rq``) and the details of every cited source
(``index_source_details.rq``, a few dozen rows).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from rdflib.term import Node

from graph_service.backends import GraphBackend
from graph_service.named_queries import Catalog
from graph_service.services import per_version
from graph_service.services.queries import plain, select_for_index

__all__ = ["CitationIndex", "build_citation_index", "get_citation_index"]

_KEY = "citation_index"
_DETAILS = ("key", "title", "kind", "kind_label", "url", "seed_file")


def _order(value: Any) -> tuple[bool, str]:
    return value is not None, "" if value is None else str(value)


@dataclass
class CitationIndex:
    """Sources (by code) with their detail rows, and each claim's citation links."""

    sources: list[str] = field(default_factory=list)
    details: list[list[list[Any]]] = field(default_factory=list)  # per source: _DETAILS rows
    # claim -> its [citation, source code, quote, locator] rows as one JSON text, decoded only
    # when a check cites the claim (loading the index then parses one string per claim)
    by_claim: dict[str, str] = field(default_factory=dict)

    def citations(self, claim: str) -> list[dict[str, Any]]:
        """The citations of ``claim``, as ``citation_json`` writes them, in citation order."""
        found = []
        for citation, source, quote, locator in json.loads(self.by_claim.get(claim, "[]")):
            for key, title, _, kind_label, url, seed_file in self.details[source]:
                found.append({"source": self.sources[source], "key": key, "title": title,
                              "kind": kind_label, "url": url, "seed_file": seed_file,
                              "quote": quote, "locator": locator, "citation": citation})
        return found

    def to_json(self) -> dict[str, Any]:
        """The index as JSON-ready data (see :meth:`from_json`)."""
        return {"sources": self.sources, "details": self.details, "by_claim": self.by_claim}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CitationIndex:
        """The index saved by :meth:`to_json`."""
        return cls(sources=list(data["sources"]), details=list(data["details"]),
                   by_claim=dict(data["by_claim"]))


def build_citation_index(links: Iterable[Mapping[str, Node]],
                         details: Iterable[Mapping[str, Node]]) -> CitationIndex:
    """Index the rows of ``index_citation_links.rq`` and ``index_source_details.rq``."""
    index = CitationIndex()
    codes: dict[str, int] = {}
    for row in details:
        code = codes.setdefault(str(row["source"]), len(codes))
        if code == len(index.details):
            index.details.append([])
        index.details[code].append([plain(row.get(k)) for k in _DETAILS])
    for rows in index.details:
        rows.sort(key=lambda r: [_order(v) for v in r])
    index.sources = list(codes)
    by_claim: dict[str, list[list[Any]]] = {}
    for row in links:
        source = codes.get(str(row["source"]))
        if source is None:  # a source without details cannot be: the details read every one
            continue
        by_claim.setdefault(str(row["claim"]), []).append(
            [str(row["citation"]), source, plain(row.get("quote")), plain(row.get("locator"))])
    for claim, cited in by_claim.items():
        cited.sort(key=lambda c: (c[0], c[1], _order(c[2]), _order(c[3])))
        index.by_claim[claim] = json.dumps(cited, ensure_ascii=False, separators=(",", ":"))
    return index


def get_citation_index(backend: GraphBackend, catalog: Catalog, *, version: str,
                       cache: MutableMapping[str, Any]) -> CitationIndex:
    """The citation index of ``version``: cached, loaded from the version's file, or built."""
    return per_version.get_or_build(cache, _KEY, backend, catalog, version, lambda:
                                    build_citation_index(
                                        select_for_index(backend, catalog, "index_citation_links"),
                                        select_for_index(backend, catalog,
                                                         "index_source_details")))

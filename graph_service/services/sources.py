"""Provenance: claim citations, the source documents, and the conflicts between sources."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from rdflib import URIRef
from rdflib.term import Node

from graph_service.backends import GraphBackend
from graph_service.named_queries import Catalog
from graph_service.services.queries import plain, select, select_for_index

__all__ = [
    "citation_json",
    "citations",
    "conflicts",
    "consulted_sources",
    "list_sources",
    "severity_conflicts",
]


def citation_json(row: Mapping[str, Node]) -> dict[str, Any]:
    """One citation as JSON: the source (title, kind, url or seed file) with quote and locator."""
    return {
        "source": plain(row.get("source")), "key": plain(row.get("key")),
        "title": plain(row.get("title")), "kind": plain(row.get("kind_label")),
        "url": plain(row.get("url")), "seed_file": plain(row.get("seed_file")),
        "quote": plain(row.get("quote")), "locator": plain(row.get("locator")),
        "citation": plain(row.get("citation")),
    }


def citations(backend: GraphBackend, catalog: Catalog, claim: str) -> list[dict[str, Any]]:
    """The citations of one claim (``claim_citations.rq``)."""
    return [citation_json(r) for r in select(backend, catalog, "claim_citations",
                                             claim=URIRef(claim))]


def consulted_sources(backend: GraphBackend, catalog: Catalog, *, version: str,
                      cache: MutableMapping[str, Any]) -> list[dict[str, Any]]:
    """The sources behind every claim a check may use (cached per graph version)."""
    cached = cache.get("safety_sources")
    if cached is not None and cached[0] == version:
        result: list[dict[str, Any]] = cached[1]
        return result
    result = [{"source": plain(r.get("source")), "key": plain(r.get("key")),
               "title": plain(r.get("title")), "url": plain(r.get("url")),
               "seed_file": plain(r.get("seed_file")), "claims": plain(r.get("claims"))}
              for r in select_for_index(backend, catalog, "safety_sources")]
    cache["safety_sources"] = (version, result)
    return result


def list_sources(backend: GraphBackend, catalog: Catalog) -> list[dict[str, Any]]:
    """Every source with its kind, URL or seed file and claim counts by status."""
    sources = []
    for r in select(backend, catalog, "sources"):
        sources.append({
            "source": plain(r.get("source")), "key": plain(r.get("key")),
            "title": plain(r.get("title")), "kind": plain(r.get("kind_label")),
            "url": plain(r.get("url")), "seed_file": plain(r.get("seed_file")),
            "version": plain(r.get("version")), "date": plain(r.get("date")),
            "claims": {"total": plain(r.get("claims")) or 0,
                       "label_backed": plain(r.get("label_backed_claims")) or 0,
                       "secondary_backed": plain(r.get("secondary_backed_claims")) or 0,
                       "seed_only": plain(r.get("seed_only_claims")) or 0,
                       "contradicted": plain(r.get("contradicted_claims")) or 0},
        })
    return sources


def conflicts(backend: GraphBackend, catalog: Catalog) -> list[dict[str, Any]]:
    """Every contradicted claim beside the claims that contradict it, with quotes and sources."""
    grouped: dict[str, dict[str, Any]] = {}
    for r in select(backend, catalog, "contradicted_claims"):
        claim = str(r["claim"])
        entry = grouped.get(claim)
        if entry is None:
            entry = grouped[claim] = {
                "claim": claim, "status": "contradicted",
                "subject": {"iri": plain(r.get("subject")), "label": plain(r.get("subject_label"))},
                "relation": {"iri": plain(r.get("relation")),
                             "label": plain(r.get("relation_label"))},
                "object": ({"iri": plain(r.get("object")), "label": plain(r.get("object_label"))}
                           if r.get("object") is not None else None),
                "value": plain(r.get("value")), "summary": plain(r.get("summary")),
                "comment": plain(r.get("comment")),
                "sources": citations(backend, catalog, claim), "contradicted_by": [],
            }
        by = r.get("contradicted_by")
        if by is not None:
            entry["contradicted_by"].append({
                "claim": str(by), "summary": plain(r.get("by_summary")),
                "status": plain(r.get("by_status_label")),
                "sources": citations(backend, catalog, str(by)),
            })
    return list(grouped.values())


def severity_conflicts(backend: GraphBackend, catalog: Catalog) -> list[dict[str, Any]]:
    """Claims whose sources give the same pair different severities, each beside the other."""
    def side(claim: str, summary: Any, severity: Any, rank: Any) -> dict[str, Any]:
        return {"claim": claim, "summary": plain(summary), "severity": plain(severity),
                "severity_rank": plain(rank), "sources": citations(backend, catalog, claim)}

    return [{"claim": side(str(r["claim"]), r.get("summary"), r.get("severity_label"),
                           r.get("rank")),
             "conflicts_with": side(str(r["other"]), r.get("other_summary"),
                                    r.get("other_severity_label"), r.get("other_rank"))}
            for r in select(backend, catalog, "severity_conflicts")]

"""Every claim a safety answer may use, indexed by subject, built once per graph version.

A check looks up the claims whose subject one medication reaches instead of scanning every
claim per request: the index is built from ``safety_claims.rq`` (never contradicted claims)
the first time a graph version is asked for, and is replaced when the version changes.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from rdflib.term import Literal, Node

from graph_service.backends import GraphBackend
from graph_service.named_queries import Catalog
from graph_service.services.queries import select_for_index

__all__ = ["SafetyIndex", "get_safety_index"]

_CACHE_KEY = "safety_index"
_TEXT = ("summary", "management", "mechanism")


@dataclass
class SafetyIndex:
    """Claim rows by claim IRI, and claim IRIs by the subject they state."""

    rows: dict[str, dict[str, Node]] = field(default_factory=dict)
    by_subject: dict[str, list[str]] = field(default_factory=dict)

    def add(self, row: dict[str, Node]) -> None:
        """Add one result row; rows repeating a claim (several texts) merge, English first."""
        claim = str(row["claim"])
        known = self.rows.get(claim)
        if known is None:
            self.rows[claim] = dict(row)
            self.by_subject.setdefault(str(row["claim_subject"]), []).append(claim)
            return
        for key in _TEXT:
            value = row.get(key)
            if value is not None and _english(value) and not _english(known.get(key)):
                known[key] = value

    def claims_about(self, subject: str) -> list[str]:
        """Claims whose ``dikg:subject`` is ``subject``."""
        return self.by_subject.get(subject, [])


def _english(value: Node | None) -> bool:
    return isinstance(value, Literal) and (value.language or "en").lower().startswith("en")


def get_safety_index(backend: GraphBackend, catalog: Catalog, *, version: str,
                     cache: MutableMapping[str, Any]) -> SafetyIndex:
    """The index for ``version`` (built on first use, then cached in ``cache``)."""
    cached = cache.get(_CACHE_KEY)
    if cached is not None and cached[0] == version:
        index: SafetyIndex = cached[1]
        return index
    index = SafetyIndex()
    for row in select_for_index(backend, catalog, "safety_claims"):
        index.add(row)
    cache[_CACHE_KEY] = (version, index)
    return index

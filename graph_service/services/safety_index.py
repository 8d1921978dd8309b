"""Every claim a safety answer may use, indexed by subject, built once per graph version.

A check looks up the claims whose subject one medication reaches instead of scanning every
claim per request: the index is built from the rows of ``safety_claims.rq`` (never contradicted
claims; computed from scans by :mod:`~graph_service.services.claim_rows`) the first time a
graph version is asked for, and is replaced when the version changes. Rows hold JSON-ready
values (IRIs and texts as ``str``, numbers as numbers), so the index is saved and loaded as it
is (:mod:`~graph_service.services.index_store`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from rdflib.term import Literal, Node

from graph_service.backends import GraphBackend
from graph_service.named_queries import Catalog
from graph_service.services import per_version
from graph_service.services.claim_rows import safety_claim_rows
from graph_service.services.queries import plain

__all__ = ["COLUMNS", "SafetyIndex", "build_safety_index", "get_safety_index"]

_CACHE_KEY = "safety_index"
_TEXT = ("summary", "management", "mechanism")


#: the values a check reads from a claim's row (``safety_claims.rq`` variables)
COLUMNS = ("claim_type", "claim_subject", "claim_object", "relation", "severity",
           "severity_label", "severity_rank", "claim_kind_label", "status_label", "summary",
           "management", "mechanism")
_SUBJECT, _OBJECT = COLUMNS.index("claim_subject"), COLUMNS.index("claim_object")


@dataclass
class SafetyIndex:
    """Claims by the subject they state, each with its object; each claim's values kept as
    codes into one table of distinct values, as one text (``"3,17,4,..."``, :data:`COLUMNS`
    order) decoded into a row only when a check uses the claim: compact, and saved in the
    form it is used in, so loading it is parsing it."""

    values: list[Any] = field(default_factory=list)
    claims: dict[str, str] = field(default_factory=dict)
    # subject -> [claim, object code, claim, object code, ...] (most severe first)
    by_subject: dict[str, list[Any]] = field(default_factory=dict)

    def claims_about(self, subject: str) -> list[tuple[str, Any]]:
        """``(claim, object)`` of the claims whose ``dikg:subject`` is ``subject``."""
        flat = self.by_subject.get(subject, ())
        return [(flat[i], self.values[flat[i + 1]]) for i in range(0, len(flat), 2)]

    def row(self, claim: str) -> dict[str, Any]:
        """The claim's row: ``claim`` and every bound value of :data:`COLUMNS` (JSON-ready)."""
        found: dict[str, Any] = {"claim": claim}
        codes = self.claims[claim].split(",")
        for column, code in zip(COLUMNS, codes, strict=True):
            value = self.values[int(code)]
            if value is not None:
                found[column] = value
        return found

    def add(self, claim: str, codes: list[int]) -> None:
        """Index one claim given the codes of its values."""
        self.claims[claim] = ",".join(map(str, codes))
        self.by_subject.setdefault(self.values[codes[_SUBJECT]], []).extend(
            (claim, codes[_OBJECT]))

    def to_json(self) -> dict[str, Any]:
        """The index as JSON-ready data (see :meth:`from_json`)."""
        return {"columns": list(COLUMNS), "values": self.values, "claims": self.claims,
                "by_subject": self.by_subject}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SafetyIndex:
        """The index saved by :meth:`to_json`.

        :raises ValueError: when it was saved with other columns.
        """
        if tuple(data["columns"]) != COLUMNS:
            raise ValueError("the saved safety index has other columns")
        return cls(values=data["values"], claims=data["claims"], by_subject=data["by_subject"])


def _english(value: Node | None) -> bool:
    return isinstance(value, Literal) and (value.language or "en").lower().startswith("en")


def build_safety_index(rows: Iterable[Mapping[str, Node]]) -> SafetyIndex:
    """Index the rows of ``safety_claims.rq``; rows repeating a claim (several texts) merge,
    English first."""
    merged: dict[str, dict[str, Node]] = {}  # in row order (most severe first)
    for row in rows:
        claim = str(row["claim"])
        known = merged.get(claim)
        if known is None:
            merged[claim] = dict(row)
            continue
        for key in _TEXT:
            value = row.get(key)
            if value is not None and _english(value) and not _english(known.get(key)):
                known[key] = value
    index = SafetyIndex()
    codes: dict[tuple[type, Any], int] = {}  # keyed with the type: 1 and True stay apart
    for claim, row in merged.items():
        found = []
        for column in COLUMNS:
            value = plain(row.get(column))
            code = codes.get((type(value), value))
            if code is None:
                code = codes[type(value), value] = len(index.values)
                index.values.append(value)
            found.append(code)
        index.add(claim, found)
    return index


def get_safety_index(backend: GraphBackend, catalog: Catalog, *, version: str,
                     cache: MutableMapping[str, Any]) -> SafetyIndex:
    """The index for ``version`` (built on first use, then cached in ``cache``)."""
    return per_version.get_or_build(cache, _CACHE_KEY, backend, catalog, version, lambda:
                                    build_safety_index(safety_claim_rows(backend, catalog)))

"""Name resolution: names, brands, synonyms, salts and identifiers to entity IRIs, never a guess.

Matching is case-, accent- and punctuation-insensitive. The rule for a *resolved* name:

1. exact matches on a preferred label or an identifier: exactly one entity → resolved;
2. else exact matches on a synonym or brand (``skos:altLabel``): exactly one entity → resolved;
3. else the best fuzzy match (difflib ratio) resolves only if it is at least ``FUZZY_RESOLVE``
   (0.85: one wrong letter in eight) and ahead of the next entity by at least ``FUZZY_MARGIN``
   (0.05); names shorter than 4 characters are never matched fuzzily;
4. anything else (several exact matches, close fuzzy rivals, prefixes only, nothing) is
   *unresolved* and the caller gets the ranked candidates.

The index is built once per graph version from the rows of ``entity_labels.rq``, computed from
scans (:mod:`~graph_service.services.entity_rows`).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from rdflib.term import Node

from graph_service.backends import GraphBackend
from graph_service.identifiers import parse_identifier_text
from graph_service.models import ID
from graph_service.named_queries import Catalog
from graph_service.services import per_version
from graph_service.services.entity_rows import entity_label_rows

__all__ = [
    "CATEGORIES",
    "FUZZY_MARGIN",
    "FUZZY_RESOLVE",
    "Candidate",
    "Resolution",
    "ResolutionIndex",
    "build_index",
    "categories_for",
    "get_index",
    "normalize",
    "resolve",
    "search",
]

FUZZY_RESOLVE = 0.85
FUZZY_MARGIN = 0.05
FUZZY_MIN = 0.72
FUZZY_MIN_LENGTH = 4  # "na" and "nal" are not misspellings of anything
CATEGORIES = ("drug", "product", "class", "condition", "receptor", "adverse_effect", "therapy",
              "other")
_GROUPS = {"medication": ("drug", "product"), "any": CATEGORIES}
_RANK = {"label": 1.0, "identifier": 1.0, "altLabel": 0.98}


def normalize(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a name.

    >>> normalize("  Percocet (Oxycodone/Acetaminophen) "), normalize("ReVia")
    ('percocet oxycodone acetaminophen', 'revia')
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", stripped).split())


def categories_for(entity_type: str) -> tuple[str, ...]:
    """The entity categories an ``entity_type`` (API ``type=``) admits."""
    return _GROUPS.get(entity_type, (entity_type,))


@dataclass(frozen=True)
class Candidate:
    """One entity a text may mean, with how it matched."""

    iri: str
    label: str
    category: str
    score: float
    matched_on: str  # label | altLabel | identifier | prefix | fuzzy
    matched_text: str
    salt_of: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The REST representation."""
        data = {"iri": self.iri, "label": self.label, "type": self.category,
                "score": round(self.score, 3), "matched_on": self.matched_on,
                "matched_text": self.matched_text}
        if self.salt_of:
            data["salt_of"] = self.salt_of
        return data


@dataclass(frozen=True)
class Resolution:
    """The outcome for one input: ``entity`` when resolved, else the candidates."""

    text: str
    entity: Candidate | None
    candidates: tuple[Candidate, ...]
    reason: str = ""  # unknown | ambiguous, when unresolved


@dataclass
class ResolutionIndex:
    """Normalized names and identifier keys → entities."""

    entities: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)
    names: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    identifiers: dict[str, dict[str, str]] = field(default_factory=dict)

    def label(self, iri: str) -> str | None:
        """The preferred label of an indexed entity."""
        entry = self.entities.get(iri)
        return entry[0] if entry else None

    def _add_name(self, key: str, iri: str, how: str, text: str) -> None:
        current = self.names.setdefault(key, {}).get(iri)
        if current is None or _RANK[how] > _RANK[current[0]]:
            self.names[key][iri] = (how, text)

    def to_json(self) -> dict[str, Any]:
        """The index as JSON-ready data (see :meth:`from_json`); the keys every entity gets
        (its IRI, ``local:`` name) are left out and made again when loading."""
        derived = _entity_keys(self.entities)
        identifiers = {}
        for key, found in self.identifiers.items():
            own = {iri: text for iri, text in found.items() if derived.get((key, iri)) != text}
            if own:
                identifiers[key] = own
        return {"entities": self.entities, "names": self.names, "identifiers": identifiers}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ResolutionIndex:
        """The index saved by :meth:`to_json` (JSON arrays back to tuples).

        >>> import json
        >>> index = build_index([{"entity": "https://w3id.org/dikg/id/x", "category": "drug",
        ...     "pref_label": "X", "text": "Xeno", "matched_on": "altLabel"}])
        >>> ResolutionIndex.from_json(json.loads(json.dumps(index.to_json()))) == index
        True
        """
        index = cls(
            entities={iri: (e[0], e[1], e[2]) for iri, e in data["entities"].items()},
            names={key: {iri: (m[0], m[1]) for iri, m in found.items()}
                   for key, found in data["names"].items()},
            identifiers=dict(data["identifiers"]))
        for (key, iri), text in _entity_keys(index.entities).items():
            index.identifiers.setdefault(key, {}).setdefault(iri, text)
        return index


def _entity_keys(entities: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """The identifier keys every entity has: its IRI and, for ``id:`` IRIs, ``local:<name>``."""
    keys = {}
    for iri in entities:
        keys[iri, iri] = iri
        if iri.startswith(str(ID)):
            local = iri[len(str(ID)):]
            keys[f"local:{local.casefold()}", iri] = local
    return keys


def _query_keys(text: str) -> list[str]:
    """Identifier keys a user's text can mean: a full IRI, a CURIE or bare ID, an id: local name."""
    text = text.strip()
    keys = [text, f"local:{text.casefold()}"]
    keys.extend(found.iri for found in parse_identifier_text(text))
    return keys


def build_index(rows: Iterable[Mapping[str, Node]]) -> ResolutionIndex:
    """Index the rows of ``entity_labels.rq`` (entity, category, pref_label, text, matched_on)."""
    index = ResolutionIndex()
    for row in rows:
        iri, text, how = str(row["entity"]), str(row["text"]), str(row["matched_on"])
        salt_of = str(row["salt_of"]) if row.get("salt_of") is not None else None
        index.entities.setdefault(iri, (str(row["pref_label"]), str(row["category"]), salt_of))
        if how == "identifier":
            index.identifiers.setdefault(text, {})[iri] = text
        elif normalize(text):
            index._add_name(normalize(text), iri, how, text)
    for (key, iri), text in _entity_keys(index.entities).items():
        index.identifiers.setdefault(key, {})[iri] = text
    return index


def get_index(backend: GraphBackend, catalog: Catalog, *, version: str,
              cache: MutableMapping[str, Any]) -> ResolutionIndex:
    """The index for graph ``version``: cached, loaded from the version's index file, or built
    (on first use) and kept in ``cache``."""
    return per_version.get_or_build(cache, "resolution_index", backend, catalog, version,
                                    lambda: build_index(entity_label_rows(backend, catalog)))


def _candidate(index: ResolutionIndex, iri: str, score: float, how: str, text: str) -> Candidate:
    label, category, salt_of = index.entities[iri]
    return Candidate(iri, label, category, score, how, text, salt_of)


def _exact(index: ResolutionIndex, text: str) -> list[Candidate]:
    found: dict[str, Candidate] = {}
    for iri, (how, matched) in index.names.get(normalize(text), {}).items():
        found[iri] = _candidate(index, iri, _RANK[how], how, matched)
    for key in _query_keys(text):
        for iri, matched in index.identifiers.get(key, {}).items():
            found.setdefault(iri, _candidate(index, iri, 1.0, "identifier", matched))
    return list(found.values())


def _approximate(index: ResolutionIndex, key: str) -> list[Candidate]:
    best: dict[str, Candidate] = {}
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(key)
    for name, entities in index.names.items():
        prefix = (min(0.85, 0.5 + 0.4 * len(key) / len(name))
                  if len(key) >= 3 and name.startswith(key) and name != key else 0.0)
        matcher.set_seq1(name)
        ratio = (matcher.ratio() if min(len(key), len(name)) >= FUZZY_MIN_LENGTH
                 and matcher.real_quick_ratio() >= FUZZY_MIN
                 and matcher.quick_ratio() >= FUZZY_MIN else 0.0)
        if max(ratio, prefix) < FUZZY_MIN and not prefix:
            continue
        score, how = (ratio, "fuzzy") if ratio >= prefix else (prefix, "prefix")
        for iri, (_, text) in entities.items():
            if iri not in best or score > best[iri].score:
                best[iri] = _candidate(index, iri, score, how, text)
    return list(best.values())


def _ranked(candidates: Iterable[Candidate], allowed: tuple[str, ...]) -> list[Candidate]:
    return sorted((c for c in candidates if c.category in allowed),
                  key=lambda c: (-c.score, c.label.casefold(), c.iri))


def search(index: ResolutionIndex, text: str, *, entity_type: str = "any",
           limit: int = 10) -> list[Candidate]:
    """Ranked candidates for ``text`` among the categories of ``entity_type``."""
    allowed = categories_for(entity_type)
    exact = _exact(index, text)
    seen = {c.iri for c in exact}
    rest = [c for c in _approximate(index, normalize(text)) if c.iri not in seen]
    return _ranked([*exact, *rest], allowed)[:limit]


def resolve(index: ResolutionIndex, text: str, *, entity_type: str = "any",
            limit: int = 5) -> Resolution:
    """Resolve ``text`` by the rule in the module docstring; never a silent guess."""
    allowed = categories_for(entity_type)
    exact = _ranked(_exact(index, text), allowed)
    for tier in (("label", "identifier"), ("altLabel",)):
        matches = [c for c in exact if c.matched_on in tier]
        if len(matches) == 1:
            return Resolution(text, matches[0], tuple(exact[:limit]))
        if len(matches) > 1:
            return Resolution(text, None, tuple(exact[:limit]), "ambiguous")
    fuzzy = _ranked(_approximate(index, normalize(text)), allowed)
    top = [c for c in fuzzy if c.matched_on == "fuzzy"]
    if top and top[0].score >= FUZZY_RESOLVE and (
            len(top) == 1 or top[0].score - top[1].score >= FUZZY_MARGIN):
        return Resolution(text, top[0], tuple(fuzzy[:limit]))
    if not fuzzy:  # nothing of the wanted type: show what the text does name
        fuzzy = search(index, text, entity_type="any", limit=limit)
    return Resolution(text, None, tuple(fuzzy[:limit]), "ambiguous" if fuzzy else "unknown")

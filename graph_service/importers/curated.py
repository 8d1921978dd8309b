"""The curated graph as importers see it: entities, identifiers, labels, classes, claims; matching.

Matching goes through identifiers first (``skos:exactMatch`` IRIs), then through an exact match of
folded names (see :mod:`graph_service.importers.inn`). A name match is refused when the source gives
an identifier of a scheme the curated entity also has, and the two disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graph_service.importers.common import DIKG, OWL, RDF_TYPE, RDFS, SKOS
from graph_service.importers.inn import fold

__all__ = ["CuratedClaim", "CuratedIndex", "Match", "load_curated"]

_SHAPES = "shapes.ttl"
_LABELS = (SKOS + "prefLabel", SKOS + "altLabel", RDFS + "label")
_CLAIM_CLASSES = (DIKG + "Contraindication", DIKG + "Interaction")
_SCHEMES = (
    "http://purl.bioontology.org/ontology/RXNORM/",
    "https://precision.fda.gov/uniisearch/srs/unii/",
    "https://go.drugbank.com/drugs/",
    "http://purl.obolibrary.org/obo/CHEBI_",
    "http://purl.obolibrary.org/obo/DOID_",
    "https://identifiers.org/umls:",
    "http://purl.uniprot.org/uniprot/",
)


@dataclass(frozen=True)
class CuratedClaim:
    """A curated drug-drug claim that conflict detection compares with imported ones."""

    iri: str
    subject: str
    object: str
    severity: str


@dataclass(frozen=True)
class Match:
    """The curated entity a source record was matched to, and how (``identifier`` or ``name``)."""

    entity: str
    how: str


def _scheme(identifier: str) -> str | None:
    return next((s for s in _SCHEMES if identifier.startswith(s)), None)


@dataclass
class CuratedIndex:
    """Lookup tables over the curated ontology files."""

    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    parents: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    identifiers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    labels: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_identifier: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    pref_labels: dict[str, str] = field(default_factory=dict)
    claims: list[CuratedClaim] = field(default_factory=list)
    _above: dict[str, frozenset[str]] = field(default_factory=dict)

    def ancestors(self, cls: str) -> frozenset[str]:
        """``cls`` and every class above it through ``rdfs:subClassOf``."""
        if cls not in self._above:
            seen, todo = {cls}, [cls]
            while todo:
                for parent in self.parents.get(todo.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            self._above[cls] = frozenset(seen)
        return self._above[cls]

    def is_a(self, entity: str, cls: str) -> bool:
        """``entity rdf:type/rdfs:subClassOf* cls``."""
        return any(cls in self.ancestors(t) for t in self.types.get(entity, ()))

    def entities_of(self, *classes: str) -> set[str]:
        """Every entity typed (directly or through subclasses) with one of ``classes``."""
        return {e for e in self.types if any(self.is_a(e, c) for c in classes)}

    def match(
        self,
        *,
        identifiers: Iterable[str] = (),
        names: Iterable[str] = (),
        kinds: tuple[str, ...] = (DIKG + "Drug",),
    ) -> Match | None:
        """Identifier match first, then an exact folded-name match; ``None`` when not unique."""
        wanted = [i for i in identifiers if i]
        hits = {e for i in wanted for e in self.by_identifier.get(i, ())}
        hits = {e for e in hits if any(self.is_a(e, k) for k in kinds)}
        if len(hits) == 1:
            return Match(hits.pop(), "identifier")
        if hits:
            return None
        for name in names:
            found = {
                e for e in self.labels.get(fold(name), ()) if any(self.is_a(e, k) for k in kinds)
            }
            if len(found) == 1:
                entity = found.pop()
                return None if self._disagrees(entity, wanted) else Match(entity, "name")
            if found:
                return None
        return None

    def _disagrees(self, entity: str, identifiers: list[str]) -> bool:
        ours = self.identifiers.get(entity, set())
        for identifier in identifiers:
            scheme = _scheme(identifier)
            if scheme and any(o.startswith(scheme) for o in ours) and identifier not in ours:
                return True
        return False


def load_curated(ontology_dir: Path) -> CuratedIndex:
    """Read every ``*.ttl`` of ``ontology_dir`` (except the shapes) into a :class:`CuratedIndex`."""
    index = CuratedIndex()
    facts: dict[str, dict[str, str]] = defaultdict(dict)
    for path in sorted(Path(ontology_dir).glob("*.ttl")):
        if path.name == _SHAPES:
            continue
        for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE):
            subject, predicate, obj = quad.subject, quad.predicate.value, quad.object
            if not isinstance(subject, ox.NamedNode):
                continue
            s = subject.value
            if predicate == RDF_TYPE and isinstance(obj, ox.NamedNode):
                index.types[s].add(obj.value)
            elif predicate == RDFS + "subClassOf" and isinstance(obj, ox.NamedNode):
                index.parents[s].add(obj.value)
            elif predicate == SKOS + "exactMatch" and isinstance(obj, ox.NamedNode):
                index.identifiers[s].add(obj.value)
                index.by_identifier[obj.value].add(s)
            elif predicate in _LABELS and isinstance(obj, ox.Literal):
                index.labels[fold(obj.value)].add(s)
                if predicate == _LABELS[0]:
                    index.pref_labels[s] = obj.value
            elif predicate.startswith(DIKG) and isinstance(obj, ox.NamedNode):
                facts[s][predicate[len(DIKG) :]] = obj.value
    for claim, props in sorted(facts.items()):
        kinds = index.types.get(claim, set())
        if not kinds & set(_CLAIM_CLASSES) or props.get("status") == DIKG + "Contradicted":
            continue
        if {"subject", "object", "severity"} <= props.keys():
            index.claims.append(
                CuratedClaim(claim, props["subject"], props["object"], props["severity"])
            )
    index.types.pop(OWL + "Class", None)
    return index

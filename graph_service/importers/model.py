"""How importers write the model: sources, entities, claims with citations, extra terms."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from graph_service.importers.common import RDF_TYPE, TripleBuffer, lit

__all__ = [
    "SEVERITY_RANK",
    "SourceInfo",
    "add_claim",
    "add_entity",
    "add_source",
]

#: dikg severity local name -> dikg:rank (docs/model.md).
SEVERITY_RANK = {"Contraindicated": 4, "Major": 3, "Moderate": 2, "Minor": 1}

@dataclass(frozen=True)
class SourceInfo:
    """A dikg:Source node for one imported dataset."""

    iri: str
    key: str
    title: str
    version: str
    license: str
    url: str
    attribution: str
    description: str
    citation: str = ""


def add_source(buf: TripleBuffer, info: SourceInfo) -> None:
    """The source node: title, key, kind, version, licence, url, attribution."""
    buf.add(info.iri, RDF_TYPE, "dikg:Source")
    buf.add(info.iri, "dcterms:title", lit(info.title, lang="en"))
    buf.add(info.iri, "dikg:sourceKey", lit(info.key))
    buf.add(info.iri, "dikg:sourceKind", "dikg:Database")
    buf.add(info.iri, "dikg:version", lit(info.version))
    buf.add(info.iri, "dcterms:license", info.license)
    buf.add(info.iri, "dikg:url", lit(info.url, datatype="http://www.w3.org/2001/XMLSchema#anyURI"))
    buf.add(info.iri, "dcterms:rights", lit(info.attribution))
    buf.add(info.iri, "dcterms:description", lit(info.description, lang="en"))
    if info.citation:
        buf.add(info.iri, "dcterms:bibliographicCitation", lit(info.citation))


def add_entity(
    buf: TripleBuffer,
    node: str,
    *,
    types: Iterable[str],
    label: str,
    lang: str,
    definition: str,
    alt_labels: Iterable[ox.Literal] = (),
    exact: Iterable[str] = (),
    derivation: str | None = None,
) -> None:
    """An imported entity: types, one prefLabel (also rdfs:label), definition, synonyms, ids."""
    for kind in types:
        buf.add(node, RDF_TYPE, kind)
    buf.add(node, "skos:prefLabel", lit(label, lang=lang))
    buf.add(node, "rdfs:label", lit(label, lang=lang))
    buf.add(node, "skos:definition", lit(definition, lang="en"))
    for alt in alt_labels:
        buf.add(node, "skos:altLabel", alt)
    for identifier in exact:
        buf.add(node, "skos:exactMatch", identifier)
    if derivation:
        buf.add(node, "dikg:labelDerivation", lit(derivation))


def add_claim(
    buf: TripleBuffer,
    local: str,
    *,
    cls: str,
    subject: str,
    relation: str,
    obj: str,
    summary: str,
    source: str,
    locators: Iterable[str],
    extra: Iterable[tuple[str, str | ox.NamedNode | ox.Literal]] = (),
    status: str = "dikg:LabelBacked",
) -> str:
    """A claim ``id:<local>``, one citation ``id:cit-<local>-<n>`` per locator; returns its IRI."""
    claim = "id:" + local
    buf.add(claim, RDF_TYPE, cls)
    buf.add(claim, "dikg:subject", subject)
    buf.add(claim, "dikg:relation", relation)
    buf.add(claim, "dikg:object", obj)
    buf.add(claim, "dikg:status", status)
    buf.add(claim, "dikg:summary", lit(summary, lang="en"))
    for predicate, value in extra:
        buf.add(claim, predicate, value)
    for number, locator in enumerate(locators, start=1):
        citation = f"id:cit-{local}-{number}"
        buf.add(claim, "dikg:citation", citation)
        buf.add(citation, RDF_TYPE, "dikg:Citation")
        buf.add(citation, "dcterms:source", source)
        buf.add(citation, "dikg:locator", lit(locator))
    return claim

"""Identifier schemes: the IRI prefix and local-ID pattern of each external identifier.

``skos:exactMatch`` IRIs in the graph use exactly these prefixes (docs/model.md). This table
is the one place that turns an IRI into ``(scheme, local id)`` and back, and checks its form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SCHEMES", "Identifier", "Scheme", "parse_identifier_iri", "parse_identifier_text"]


@dataclass(frozen=True)
class Scheme:
    """An identifier scheme: display name, IRI prefix, pattern of the local ID."""

    key: str
    name: str
    prefix: str
    pattern: re.Pattern[str]
    aliases: tuple[str, ...] = ()

    def iri(self, local: str) -> str:
        """The IRI of ``local`` in this scheme."""
        return self.prefix + local

    def matches(self, local: str) -> bool:
        """True when ``local`` has this scheme's form."""
        return self.pattern.fullmatch(local) is not None


@dataclass(frozen=True)
class Identifier:
    """One external identifier of an entity."""

    scheme: str
    id: str
    iri: str


def _scheme(key: str, name: str, prefix: str, pattern: str, *aliases: str) -> Scheme:
    return Scheme(key, name, prefix, re.compile(pattern), aliases)


SCHEMES: tuple[Scheme, ...] = (
    _scheme("drugbank", "DrugBank", "https://go.drugbank.com/drugs/", r"DB\d{5}"),
    _scheme("atc", "ATC", "http://purl.bioontology.org/ontology/ATC/",
            r"[A-Z]\d{2}([A-Z]([A-Z](\d{2})?)?)?"),
    _scheme("chebi", "ChEBI", "http://purl.obolibrary.org/obo/CHEBI_", r"\d+"),
    _scheme("rxnorm", "RxNorm", "http://purl.bioontology.org/ontology/RXNORM/", r"\d+",
            "rxcui"),
    _scheme("mesh", "MeSH", "http://id.nlm.nih.gov/mesh/", r"[DC]\d{6,9}"),
    _scheme("uniprot", "UniProt", "http://purl.uniprot.org/uniprot/",
            r"[OPQ]\d[A-Z0-9]{3}\d|[A-NR-Z]\d([A-Z][A-Z0-9]{2}\d){1,2}"),
    _scheme("unii", "UNII", "https://precision.fda.gov/uniisearch/srs/unii/", r"[A-Z0-9]{10}"),
    _scheme("pubchem", "PubChem CID", "http://rdf.ncbi.nlm.nih.gov/pubchem/compound/CID",
            r"\d+", "cid", "pubchem.compound"),
    _scheme("ncbigene", "NCBI Gene", "https://identifiers.org/ncbigene:", r"\d+",
            "entrez", "gene"),
    _scheme("doid", "Disease Ontology", "http://purl.obolibrary.org/obo/DOID_", r"\d+"),
    _scheme("icd10cm", "ICD-10-CM", "http://purl.bioontology.org/ontology/ICD10CM/",
            r"[A-Z]\d{2}(\.[0-9A-Z]{1,4})?", "icd10", "icd"),
    _scheme("umls", "UMLS CUI", "https://identifiers.org/umls:", r"C\d{7}", "cui"),
    _scheme("ndfrt", "NDF-RT / MED-RT", "http://purl.bioontology.org/ontology/NDFRT/",
            r"N\d{10}", "medrt"),
    _scheme("kegg", "KEGG", "https://www.kegg.jp/entry/", r"[CD]\d{5}"),
    _scheme("chembl", "ChEMBL", "http://identifiers.org/chembl.compound/", r"CHEMBL\d+"),
)

_BY_KEY = {alias: s for s in SCHEMES for alias in (s.key, *s.aliases)}
_CURIE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9._-]*)\s*[:_ ]\s*(\S+)\s*$")


def parse_identifier_iri(iri: str) -> Identifier | None:
    """Split an identifier IRI into scheme and local ID; ``None`` if no scheme fits.

    >>> parse_identifier_iri("https://go.drugbank.com/drugs/DB00704")
    Identifier(scheme='drugbank', id='DB00704', iri='https://go.drugbank.com/drugs/DB00704')
    >>> parse_identifier_iri("https://go.drugbank.com/drugs/DBX") is None
    True
    """
    for scheme in SCHEMES:
        if iri.startswith(scheme.prefix):
            local = iri[len(scheme.prefix):]
            return Identifier(scheme.key, local, iri) if scheme.matches(local) else None
    return None


def parse_identifier_text(text: str) -> list[Identifier]:
    """Every identifier a user's text can mean: ``DB00704``, ``drugbank:DB00704``,
    ``RxNorm 7243``, ``CHEBI:7465``, ``N07BB04`` or a full IRI.

    >>> [i.scheme for i in parse_identifier_text("CHEBI:7465")]
    ['chebi']
    >>> [i.iri for i in parse_identifier_text("rxnorm 7243")]
    ['http://purl.bioontology.org/ontology/RXNORM/7243']
    """
    text = text.strip()
    if "://" in text:
        found = parse_identifier_iri(text)
        return [found] if found else []
    curie = _CURIE.match(text)
    if curie and curie.group(1).lower() in _BY_KEY:
        scheme = _BY_KEY[curie.group(1).lower()]
        local = curie.group(2).upper() if scheme.key != "chebi" else curie.group(2)
        return [Identifier(scheme.key, local, scheme.iri(local))] if scheme.matches(local) else []
    bare = text.upper()
    # Bare digits fit several schemes (RxNorm, ChEBI, PubChem, Gene): too ambiguous alone;
    # a bare word without digits is a name, not an identifier.
    if bare.isdigit() or not any(c.isdigit() for c in bare):
        return []
    return [Identifier(s.key, bare, s.iri(bare)) for s in SCHEMES if s.matches(bare)]

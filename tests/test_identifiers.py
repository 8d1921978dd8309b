"""Every identifier IRI in the ontology has a known scheme and a well-formed local ID."""

from __future__ import annotations

import doctest

import pytest
from rdflib import Graph
from rdflib.namespace import SKOS

import graph_service.identifiers as identifiers
from graph_service.identifiers import parse_identifier_iri, parse_identifier_text
from graph_service.models import ONTOLOGY_DIR


def _ontology() -> Graph:
    graph = Graph()
    for path in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        if path.name != "shapes.ttl":
            graph.parse(path)
    return graph


EXACT_MATCHES = sorted({str(o) for o in _ontology().objects(None, SKOS.exactMatch)})


def test_ontology_has_identifiers() -> None:
    schemes = {parse_identifier_iri(iri).scheme for iri in EXACT_MATCHES  # type: ignore[union-attr]
               if parse_identifier_iri(iri)}
    assert {"drugbank", "atc", "chebi", "rxnorm", "mesh", "uniprot"} <= schemes


@pytest.mark.parametrize("iri", EXACT_MATCHES)
def test_identifier_matches_its_scheme(iri: str) -> None:
    assert parse_identifier_iri(iri) is not None, f"{iri} has no known scheme or a malformed ID"


@pytest.mark.parametrize(
    ("text", "iri"),
    [
        ("DB00704", "https://go.drugbank.com/drugs/DB00704"),
        ("drugbank:DB00704", "https://go.drugbank.com/drugs/DB00704"),
        ("RxNorm 7243", "http://purl.bioontology.org/ontology/RXNORM/7243"),
        ("CHEBI:7465", "http://purl.obolibrary.org/obo/CHEBI_7465"),
        ("n07bb04", "http://purl.bioontology.org/ontology/ATC/N07BB04"),
        ("P35372", "http://purl.uniprot.org/uniprot/P35372"),
        ("mesh:D009271", "http://id.nlm.nih.gov/mesh/D009271"),
    ],
)
def test_parse_identifier_text(text: str, iri: str) -> None:
    assert iri in [found.iri for found in parse_identifier_text(text)]


@pytest.mark.parametrize("text", ["DB0070", "drugbank:XX1", "7243", "naltrexone", "CHEBI:abc"])
def test_parse_identifier_text_rejects(text: str) -> None:
    assert parse_identifier_text(text) == []


def test_doctests() -> None:
    assert doctest.testmod(identifiers).failed == 0

"""The graph-release marker: one triple in the store that records the loaded graph's version.

``<https://w3id.org/dikg/id/graph-release> <https://w3id.org/dikg/version> "…"`` lets a
prebuilt store open without re-parsing the ontology. These are the backends' tiny internal
maintenance queries; the IRIs are constants and the version goes in as loaded data.
"""

from __future__ import annotations

from rdflib import Literal, URIRef

from graph_service.backends.base import GraphBackend, RdfSource
from graph_service.backends.terms import to_ntriples

__all__ = ["RELEASE", "VERSION", "read_version", "version_source", "write_version"]

RELEASE = "https://w3id.org/dikg/id/graph-release"
VERSION = "https://w3id.org/dikg/version"
_READ = f"SELECT ?version WHERE {{ <{RELEASE}> <{VERSION}> ?version }}"
_DELETE = f"DELETE WHERE {{ <{RELEASE}> <{VERSION}> ?version }}"


def read_version(backend: GraphBackend) -> str | None:
    """The recorded graph version, or ``None`` when the store has no marker."""
    rows = backend.query(_READ).rows
    return str(rows[0]["version"]) if rows else None


def version_source(version: str) -> RdfSource:
    """The marker triple as an N-Triples source, to load in the same transaction as the data."""
    line = f"{to_ntriples(URIRef(RELEASE))} {to_ntriples(URIRef(VERSION))} " \
           f"{to_ntriples(Literal(version))} .\n"
    return RdfSource(line.encode(), "nt", name="graph-release")


def write_version(backend: GraphBackend, version: str) -> None:
    """Replace the marker (used after ``dikg load`` adds data to a store)."""
    backend.update(_DELETE)
    backend.load([version_source(version)])

"""Namespaces of the dikg vocabulary and the paths of the project's data files."""

from __future__ import annotations

from pathlib import Path

from rdflib import Namespace

__all__ = ["DIKG", "ID", "ONTOLOGY_DIR", "PROJECT_ROOT", "QUERIES_DIR", "SHAPES_FILE"]

DIKG = Namespace("https://w3id.org/dikg/")
ID = Namespace("https://w3id.org/dikg/id/")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
QUERIES_DIR = PROJECT_ROOT / "queries"
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"

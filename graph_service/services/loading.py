"""Loading the graph: the ontology into an empty store at start-up, and files for ``dikg load``.

The graph version is a short content hash of the loaded files, recorded in the store (see
:mod:`graph_service.backends.release`), so a prebuilt store opens without parsing anything.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from graph_service.backends.base import GraphBackend, RdfSource
from graph_service.backends.oxigraph import parse_source
from graph_service.backends.release import read_version, version_source, write_version
from graph_service.backends.terms import from_oxigraph
from graph_service.config import Settings
from graph_service.errors import InvalidDataError

__all__ = [
    "FORMATS_BY_EXTENSION",
    "checked_sources",
    "expected_version",
    "file_format",
    "graph_version",
    "is_empty",
    "load_files",
    "ontology_files",
    "prepare_store",
    "read_source",
    "validate_files",
]

FORMATS_BY_EXTENSION = {
    ".ttl": "turtle", ".turtle": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig",
    ".rdf": "xml", ".owl": "xml", ".xml": "xml", ".jsonld": "json-ld", ".json": "json-ld",
}
SHAPES = "shapes.ttl"
Progress = Callable[[Path, int], None]


def ontology_files(settings: Settings) -> list[Path]:
    """The files loaded at start-up: ``ontology_dir/*.ttl`` except shapes, then extra data."""
    found = sorted(p for p in settings.ontology_dir.glob("*.ttl") if p.name != SHAPES)
    return found + list(settings.extra_data)


def file_format(path: Path) -> tuple[str, bool]:
    """The format a file's extension names and whether it is gzip'd (``.gz``).

    :raises InvalidDataError: for an unknown extension.
    """
    suffixes = [s.lower() for s in path.suffixes]
    packed = bool(suffixes) and suffixes[-1] == ".gz"
    extension = suffixes[-2] if packed and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    fmt = FORMATS_BY_EXTENSION.get(extension)
    if fmt is None:
        raise InvalidDataError(f"{path}: unknown RDF file extension {extension or '(none)'!r}; "
                               f"use one of {', '.join(sorted(FORMATS_BY_EXTENSION))}",
                               file=str(path))
    return fmt, packed


def read_source(path: Path) -> RdfSource:
    """Read one file (gunzipping ``.gz``) with the format its extension names.

    :raises InvalidDataError: for a missing file or an unknown extension.
    """
    fmt, packed = file_format(path)
    try:
        data = path.read_bytes()
        if packed:
            data = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise InvalidDataError(f"{path}: cannot read: {exc}", file=str(path)) from exc
    return RdfSource(data, fmt, name=str(path))


def graph_version(sources: Iterable[RdfSource]) -> str:
    """A short hash of the sources' names and bytes: the same files give the same version.

    >>> graph_version([RdfSource(b"x", "nt", name="a.nt")])
    'debcdc333c50'
    """
    digest = hashlib.sha256()
    for source in sources:
        data = source.data if isinstance(source.data, bytes) else source.data.read_bytes()
        digest.update(Path(source.name).name.encode() + b"\0")
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()[:12]


def validate_files(paths: Sequence[Path], sources: Sequence[RdfSource], *,
                   ontology_dir: Path) -> None:
    """SHACL-validate the sources together with ``ontology_dir``'s shapes.

    :raises InvalidDataError: naming file, node and rule of each violation (the first 20).
    """
    from rdflib import Graph

    from graph_service.validation import DataValidationError, load_shapes, validate_graph

    data, files = Graph(), dict[str, str]()
    for path, source in zip(paths, sources, strict=True):
        for quad in parse_source(source):
            triple = (from_oxigraph(quad.subject), from_oxigraph(quad.predicate),
                      from_oxigraph(quad.object))
            data.add(triple)
            files.setdefault(str(triple[0]), str(path))
    own = ontology_dir / SHAPES
    try:
        report = validate_graph(data, shapes=load_shapes(own) if own.exists() else None,
                                files=files)
    except DataValidationError as exc:
        report = exc.report
    if not report.conforms:
        raise InvalidDataError("the graph does not validate: " + report.describe(),
                               violations=[str(v) for v in report.violations[:100]])


def checked_sources(settings: Settings) -> tuple[list[Path], list[RdfSource]]:
    """The start-up files, read and (when ``validate_on_load``) validated."""
    paths = ontology_files(settings)
    sources = [read_source(p) for p in paths]
    if settings.validate_on_load:
        from graph_service.services.validation_cache import validate_once

        validate_once(paths, sources, ontology_dir=settings.ontology_dir)
    return paths, sources


def is_empty(backend: GraphBackend) -> bool:
    """True when the store holds no quad (without counting a large embedded store)."""
    store = getattr(backend, "store", None)
    if isinstance(store, ox.Store):
        return next(iter(store), None) is None
    return backend.triple_count() == 0


def expected_version(settings: Settings) -> str:
    """The version the start-up files would give, from their bytes (nothing is parsed)."""
    return graph_version(read_source(p) for p in ontology_files(settings))


def prepare_store(backend: GraphBackend, settings: Settings) -> str:
    """Make the store ready and return the graph version.

    A store that already holds data is used as it is (its recorded version, nothing parsed).
    An empty store gets the ontology and extra data, validated when
    ``settings.validate_on_load`` (unless the same bytes validated before, see
    :mod:`~graph_service.services.validation_cache`), in one transaction with the version
    marker.

    :raises InvalidDataError: when a file fails to parse or validate (file, line / node, rule).
    """
    if not is_empty(backend):
        recorded = read_version(backend)
        return recorded if recorded is not None else f"unversioned-{backend.triple_count()}"
    if not settings.load_on_start:
        return "empty"
    _, sources = checked_sources(settings)
    version = graph_version(sources)
    backend.load([*sources, version_source(version)])
    return version


def load_files(backend: GraphBackend, paths: Sequence[Path], *,
               progress: Progress | None = None, settings: Settings | None = None,
               on_bytes: Callable[[int], None] | None = None) -> list[tuple[Path, int]]:
    """Load each file all-or-nothing and return ``(path, quads read)`` per file.

    An empty store first gets what ``prepare_store`` would give it when ``settings`` are
    passed (the embedded store takes it in the same bulk load as the first file). A bad file
    raises :class:`InvalidDataError` naming file and line; files before it stay loaded, and
    nothing of the bad file is. The graph version changes after each file. The embedded
    store loads through :mod:`~graph_service.services.bulk_loading` (``on_bytes`` reports the
    bytes read); other stores parse each file and load it in one transaction.
    """
    from graph_service.backends.oxigraph import OxigraphBackend

    if isinstance(backend, OxigraphBackend):
        from graph_service.services.bulk_loading import load_files_bulk

        return load_files_bulk(backend, paths, settings=settings, progress=progress,
                               on_bytes=on_bytes)
    if settings is not None:
        prepare_store(backend, settings)
    counts: list[tuple[Path, int]] = []
    for path in paths:
        source = read_source(Path(path))
        count = backend.load([source])
        counts.append((Path(path), count))
        previous = read_version(backend) or ""
        write_version(backend, graph_version(
            [RdfSource(previous.encode(), "nt", name="previous"), source]))
        if on_bytes is not None:
            on_bytes(Path(path).stat().st_size)
        if progress is not None:
            progress(Path(path), count)
    return counts

"""``dikg load`` into the embedded store at the engine's rate: one atomic bulk load per file.

Each file is streamed from disk into pyoxigraph's bulk loader together with its graph-release
marker, so a file and the version naming it commit together or not at all (a bad line
commits nothing: the store stays as it was before that file). An empty store takes the
start-up ontology (validated, or known valid by content hash) in the same load as the first
file when their syntaxes allow it, which gives the store the same single set of sorted files
as ``oxigraph load``.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from graph_service.backends.bulk import Piece
from graph_service.backends.oxigraph import RDF_FORMATS, OxigraphBackend, parse_source
from graph_service.backends.release import RELEASE, VERSION, read_version, version_source
from graph_service.config import Settings
from graph_service.errors import InvalidDataError

__all__ = ["chain_version", "count_quads", "load_files_bulk"]

_JOINABLE = {"nt", "nquads", "turtle", "trig"}  # N-Triples lines are valid in these
Progress = Callable[[Path, int], None]


def chain_version(previous: str, path: Path) -> str:
    """The graph version after loading ``path`` on top of ``previous`` (file bytes as stored).

    The same chain as before bulk loading: ``graph_version([previous, file])``.
    """
    content = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            content.update(chunk)
    digest = hashlib.sha256()
    digest.update(b"previous\0" + hashlib.sha256(previous.encode()).digest())
    digest.update(path.name.encode() + b"\0" + content.digest())
    return digest.hexdigest()[:12]


def count_quads(path: Path, fmt: str, *, packed: bool) -> int:
    """Quads in a file whose syntax is not one statement per line (a streaming parse).

    :raises InvalidDataError: naming the file and line of the first syntax error.
    """
    try:
        with path.open("rb") as raw:
            stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if packed else raw  # type: ignore[assignment]
            return sum(1 for _ in ox.parse(stream, format=RDF_FORMATS[fmt]))
    except SyntaxError as exc:
        line = f" (line {exc.lineno})" if exc.lineno else ""
        raise InvalidDataError(f"{path}{line}: {exc.msg}", file=str(path),
                               line=exc.lineno) from None
    except (OSError, EOFError) as exc:
        raise InvalidDataError(f"{path}: cannot read: {exc}", file=str(path)) from None


def _ontology(settings: Settings) -> tuple[bytes, str, bool]:
    """The start-up files as N-Quads, their graph version, and whether all is default graph."""
    from graph_service.services.loading import checked_sources, graph_version

    _, sources = checked_sources(settings)
    quads = [q for source in sources for q in parse_source(source)]
    default_only = all(isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"", graph_version(sources), \
        default_only


def _marker(version: str) -> Piece:
    data = version_source(version).data
    assert isinstance(data, bytes)
    return Piece("graph-release", data)


def _unmark(backend: OxigraphBackend, version: str | None) -> None:
    if version is not None:
        backend.store.remove(ox.Quad(ox.NamedNode(RELEASE), ox.NamedNode(VERSION),
                                     ox.Literal(version)))


def load_files_bulk(backend: OxigraphBackend, paths: Sequence[Path], *,
                    settings: Settings | None = None, progress: Progress | None = None,
                    on_bytes: Callable[[int], None] | None = None) -> list[tuple[Path, int]]:
    """Load each file in one atomic bulk load with its new version marker.

    :raises InvalidDataError: a file that cannot be read or parsed (file, line); the files
        before it stay loaded, nothing of it is.
    """
    from graph_service.services.loading import file_format, is_empty

    empty = is_empty(backend)
    stored = None if empty else read_version(backend)  # the marker in the store now
    previous, prefix, default_only = stored or "", list[Piece](), True
    if empty and settings is not None and settings.load_on_start:
        data, previous, default_only = _ontology(settings)
        prefix = [Piece("start-up ontology", data)]
    counts: list[tuple[Path, int]] = []
    for path in map(Path, paths):
        fmt, packed = file_format(path)
        if not path.is_file():
            raise InvalidDataError(f"{path}: cannot read: no such file", file=str(path))
        lines = fmt in ("nt", "nquads")
        count = 0 if lines else count_quads(path, fmt, packed=packed)
        version = chain_version(previous, path)
        piece = Piece(str(path), path, packed=packed, count_lines=lines)
        if prefix and not (fmt == "nquads" or (fmt in _JOINABLE and default_only)):
            backend.bulk_load([*prefix, _marker(previous)], format="nquads")
            prefix, stored = [], previous
        if fmt in _JOINABLE:
            backend.bulk_load([*prefix, piece, _marker(version)], format=fmt, on_bytes=on_bytes)
        else:  # RDF/XML, JSON-LD: nothing can follow the document in its own syntax
            backend.bulk_load([piece], format=fmt, on_bytes=on_bytes)
            backend.load([version_source(version)])
        _unmark(backend, stored)
        prefix, stored, previous = [], version, version
        counts.append((path, piece.statements if lines else count))
        if progress is not None:
            progress(path, counts[-1][1])
    return counts

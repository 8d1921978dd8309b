"""Data releases, backups and restores of the on-disk store, while it serves.

A release (:func:`prepare_release`) builds and validates the new graph in a directory beside
the live versions; :func:`publish_prepared` then makes it current in one rename, holding the
write lock, with a change-log line. Serving workers notice the new pointer before their next
request (:mod:`~graph_service.services.refresh`); a request already running finishes on the
version it started on. A failed release deletes its directory and leaves the live graph as it
was (:func:`~graph_service.services.index_builds.index_prepared` builds the new version's
indexes before the switch). :func:`dump_store` writes the current version (an immutable
directory) as N-Quads: a consistent backup without stopping anything; :func:`prepare_restore`
makes a version of one.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pyoxigraph as ox

from graph_service.backends.oxigraph import OxigraphBackend
from graph_service.backends.release import write_version
from graph_service.backends.versions import (
    Head,
    build_dir,
    collect_garbage,
    current_dir,
    fsync_tree,
    new_version_dir,
    publish,
    read_head,
    write_lock,
)
from graph_service.errors import InvalidDataError, NotFound
from graph_service.services import changelog
from graph_service.services.writes import release_marker, store_version

if TYPE_CHECKING:
    from graph_service.services.write_checks import ChangeCheck

__all__ = [
    "Prepared",
    "discard",
    "dump_store",
    "prepare_release",
    "prepare_restore",
    "publish_prepared",
    "read_graph",
    "writes_since_release",
]


@dataclass(frozen=True)
class Prepared:
    """A built and validated version, not yet current."""

    root: Path
    build: Path
    version: str
    triples: int
    operation: str  # "release" or "restore"
    what: list[str]
    marker: str  # the release marker in the data
    check: ChangeCheck | None
    seconds: float


def discard(prepared: Prepared) -> None:
    """Delete a prepared version that will not be published."""
    shutil.rmtree(prepared.build, ignore_errors=True)


def prepare_release(root: Path, paths: Sequence[Path], *, ontology_dir: Path) -> Prepared:
    """Parse, SHACL-validate (whole graph) and load ``paths`` into a new directory.

    :raises InvalidDataError: a file that cannot be read or parsed (file, line) or SHACL
        violations (file, node, rule); nothing is left behind.
    """
    from graph_service.services.loading import graph_version, read_source, validate_files

    started = time.perf_counter()
    paths = [Path(p) for p in paths if Path(p).name != "shapes.ttl"]
    if not paths:
        raise InvalidDataError("a release needs at least one data file")
    sources = [read_source(p) for p in paths]
    validate_files(paths, sources, ontology_dir=ontology_dir)
    version = graph_version(sources)
    build = build_dir(root)
    try:
        store = OxigraphBackend(path=build)
        store.load(sources)
        write_version(store, version)  # replaces a marker a dump brought along
        triples = store.triple_count()
        store.close()
        fsync_tree(build)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return Prepared(Path(root), build, version, triples, "release", [str(p) for p in paths],
                    version, None, time.perf_counter() - started)


def prepare_restore(root: Path, path: Path, *, shapes: Path) -> Prepared:
    """Load an N-Quads backup exactly (blank node labels kept) and validate it (whole graph).

    :raises InvalidDataError: the file does not parse (line) or does not validate.
    """
    from graph_service.services.write_checks import check_whole
    from graph_service.validation import load_shapes

    started = time.perf_counter()
    try:
        data = Path(path).read_bytes()
        if Path(path).suffix == ".gz":
            data = gzip.decompress(data)
        quads = list(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    except SyntaxError as exc:
        raise InvalidDataError(f"{path} (line {exc.lineno}): {exc.msg}", file=str(path),
                               line=exc.lineno) from None
    except (OSError, EOFError) as exc:
        raise InvalidDataError(f"{path}: cannot read: {exc}", file=str(path)) from None
    build = build_dir(root)
    try:
        store = ox.Store(str(build))
        store.bulk_extend(quads)
        check = check_whole(store, shapes=load_shapes(shapes), label=str(path))
        if not check.report.conforms:
            raise InvalidDataError(f"{path} does not validate: {check.report.describe()}",
                                   violations=[str(v) for v in check.report.violations[:100]])
        triples, marker = len(store), release_marker(store) or ""
        store.flush()
        del store
        fsync_tree(build)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return Prepared(Path(root), build, hashlib.sha256(data).hexdigest()[:12], triples,
                    "restore", [str(path)], marker, check, time.perf_counter() - started)


def publish_prepared(prepared: Prepared, *, who: str) -> Head:
    """Make a prepared version current (one rename under the write lock) and log it."""
    root = prepared.root
    with write_lock(root):
        head = read_head(root)
        changelog.recover(root, head)
        before, before_triples = "empty", 0
        if head is not None or (root / "CURRENT").exists():  # a store is there already
            before_store = ox.Store.read_only(str(current_dir(root)))
            before, before_triples = store_version(before_store, head), len(before_store)
            del before_store
        seq, target = new_version_dir(root)
        os.rename(prepared.build, target)
        fsync_tree(target)
        new = Head(version=prepared.version, dir=str(target.relative_to(root)), seq=seq,
                   published=time.time(), operation=prepared.operation, release=prepared.marker)
        changelog.append(root, {
            "event": prepared.operation, "time": changelog.timestamp(), "who": who,
            "client": None, "operation": prepared.operation, "what": prepared.what,
            "triples_before": before_triples, "triples": prepared.triples,
            "version_before": before, "version_after": new.version,
            "seq_before": head.seq if head else 0, "seq_after": seq,
            "validation": "whole graph", "seconds": round(prepared.seconds, 3)})
        publish(root, new)
        collect_garbage(root)
    return new


def writes_since_release(root: Path) -> int:
    """Committed curator writes after the latest release or restore (a release drops them)."""
    count = 0
    for entry in changelog.entries(root, read_head(root)):
        if entry.record.get("event") in ("release", "restore") and entry.committed:
            count = 0
        elif entry.record.get("event") == "write" and entry.committed:
            count += 1
    return count


def dump_store(root: Path, output: IO[bytes]) -> tuple[str, int]:
    """Write the current version as N-Quads; return its graph version and quad count.

    The current version's directory is never written once published, so this is a
    consistent snapshot however many writes happen meanwhile.
    """
    head = read_head(root)
    store = ox.Store.read_only(str(Path(root) / head.dir if head else root))
    version = store_version(store, head)
    store.dump(output, format=ox.RdfFormat.N_QUADS)
    return version, len(store)


def read_graph(root: Path, graph: str | None, fmt: ox.RdfFormat) -> bytes:
    """One graph of the current version (``None``: the default graph), serialized.

    :raises NotFound: the store has no such named graph.
    """
    head = read_head(root)
    store = ox.Store.read_only(str(Path(root) / head.dir if head else root))
    name = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    if graph and not store.contains_named_graph(name):
        raise NotFound(f"the store has no graph <{graph}>")
    body = store.dump(format=fmt, from_graph=name)
    return body or b""

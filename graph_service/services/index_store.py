"""Per-graph-version indexes saved beside an on-disk store: built once, loaded by every worker.

The name index, labels, safety-claim index, consulted sources, reach graph and citations of a
version are built from whole-graph queries, which take seconds on a large store. They are built
once per version, by one process holding ``ROOT/dikg-indexes/build.lock``, and written
atomically (temporary file, fsync, rename) to ``ROOT/dikg-indexes/<version>.json``; workers load
that file in a fraction of a second. A file is only ever read for the version it names (the
version is also stored inside it and checked), so a write or release, which changes the graph
version, never reads an old index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from graph_service.backends import GraphBackend
from graph_service.config import Settings
from graph_service.named_queries import Catalog
from graph_service.services.citation_index import CitationIndex, get_citation_index
from graph_service.services.explanations import get_labels
from graph_service.services.file_locks import exclusive
from graph_service.services.queries import INDEX_TIME_LIMIT
from graph_service.services.reach_graph import ReachGraph, get_reach_graph
from graph_service.services.resolution import ResolutionIndex, get_index
from graph_service.services.safety_index import SafetyIndex, get_safety_index
from graph_service.services.sources import consulted_sources

__all__ = ["DIRECTORY", "IndexProvider", "build_all", "build_indexes", "ensure_indexes",
           "index_path", "read_indexes", "write_indexes"]

log = logging.getLogger(__name__)

DIRECTORY = "dikg-indexes"
FORMAT = 6  # bump when the saved structure changes: older files are then rebuilt
KEEP = 4  # index files kept besides the one just written (other versions still served)
_LOCK_WAIT = INDEX_TIME_LIMIT + 60.0


def index_path(root: Path, version: str) -> Path:
    """The index file of ``version`` under the store root ``root``.

    >>> index_path(Path("/s"), "v1/x").name
    'v1_x-2f8448a35c.json'
    """
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", version)[:80]
    digest = hashlib.sha256(version.encode()).hexdigest()[:10]
    return Path(root) / DIRECTORY / f"{safe}-{digest}.json"


def build_all(backend: GraphBackend, catalog: Catalog, version: str) -> dict[str, Any]:
    """Every index of ``version``, built from the store (whole-graph queries)."""
    cache: dict[str, Any] = {}  # no provider: each index is built from the store
    found: dict[str, Any] = {
        "resolution_index": get_index(backend, catalog, version=version, cache=cache),
        "term_labels": get_labels(backend, catalog, version=version, cache=cache),
        "safety_index": get_safety_index(backend, catalog, version=version, cache=cache),
        "safety_sources": consulted_sources(backend, catalog, version=version, cache=cache),
        "reach_graph": get_reach_graph(backend, catalog, version=version, cache=cache),
        "citation_index": get_citation_index(backend, catalog, version=version, cache=cache),
    }
    return found


def _encode(parts: Mapping[str, Any], version: str, seconds: float) -> bytes:
    data = {"format": FORMAT, "version": version, "built": time.time(),
            "build_seconds": round(seconds, 3),
            "resolution_index": parts["resolution_index"].to_json(),
            "term_labels": parts["term_labels"],
            "safety_index": parts["safety_index"].to_json(),
            "safety_sources": parts["safety_sources"],
            "reach_graph": parts["reach_graph"].to_json(),
            "citation_index": parts["citation_index"].to_json()}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def read_indexes(root: Path, version: str) -> dict[str, Any] | None:
    """The saved indexes of ``version``, or ``None`` when there is no usable file for it."""
    try:
        data = json.loads(index_path(root, version).read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:  # unreadable or torn by hand: rebuilt, never trusted
        log.warning("index file for %s not usable (%s); rebuilding it", version, exc)
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT \
            or data.get("version") != version:
        return None
    try:
        return {"resolution_index": ResolutionIndex.from_json(data["resolution_index"]),
                "term_labels": dict(data["term_labels"]),
                "safety_index": SafetyIndex.from_json(data["safety_index"]),
                "safety_sources": list(data["safety_sources"]),
                "reach_graph": ReachGraph.from_json(data["reach_graph"]),
                "citation_index": CitationIndex.from_json(data["citation_index"])}
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        log.warning("index file for %s has another structure (%r); rebuilding it", version, exc)
        return None


def _prune(directory: Path, keep: Path) -> None:
    files = sorted((p for p in directory.glob("*.json") if p != keep),
                   key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP:]:
        old.unlink(missing_ok=True)


def write_indexes(root: Path, versions: Sequence[str], parts: Mapping[str, Any], *,
                  seconds: float = 0.0) -> Path:
    """Save ``parts`` as the indexes of each of ``versions`` (names of the same data);
    atomically: a reader sees no file or a whole one. Returns the first version's file."""
    first = index_path(root, versions[0])
    first.parent.mkdir(parents=True, exist_ok=True)
    for version in versions:
        target = index_path(root, version)
        scratch = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with scratch.open("wb") as sink:
            sink.write(_encode(parts, version, seconds))
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(scratch, target)
    fd = os.open(first.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    _prune(first.parent, first)
    return first


def _build_lock(root: Path) -> AbstractContextManager[None]:
    """One builder at a time across threads and processes (``flock``, released on death)."""
    return exclusive(Path(root) / DIRECTORY / "build.lock", wait=_LOCK_WAIT,
                     busy="the indexes of this graph version are being built by another "
                          "process; try again")


def ensure_indexes(backend: GraphBackend, catalog: Catalog, *, root: Path, version: str,
                   aliases: Sequence[str] = ()) -> tuple[dict[str, Any], bool]:
    """The indexes of ``version``, from its file or built (then saved, also under ``aliases``).

    :returns: the indexes and whether they were built now.
    """
    found = read_indexes(root, version)
    if found is not None:
        return found, False
    with _build_lock(root):
        found = read_indexes(root, version)  # another process built them while we waited
        if found is not None:
            return found, False
        started = time.perf_counter()
        parts = build_all(backend, catalog, version)
        seconds = time.perf_counter() - started
        write_indexes(root, [version, *[a for a in aliases if a != version]], parts,
                      seconds=seconds)
        log.info("built the indexes of graph version %s in %.1f s", version, seconds)
        return parts, True


class IndexProvider:
    """The :mod:`~graph_service.services.per_version` provider of an app on an on-disk store."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._unwritable = False

    def __call__(self, backend: GraphBackend, catalog: Catalog,
                 version: str) -> Mapping[str, Any] | None:
        """Load (or build once and save) the indexes of ``version``; ``None`` when the store
        directory cannot hold them (each index is then built in memory where needed)."""
        if self._unwritable:
            return read_indexes(self.root, version)
        try:
            return ensure_indexes(backend, catalog, root=self.root, version=version)[0]
        except OSError as exc:
            log.warning("cannot save indexes under %s (%s); building them in memory",
                        self.root, exc)
            self._unwritable = True
            return None


def build_indexes(backend: GraphBackend, settings: Settings, version: str, *,
                  aliases: Sequence[str] = ()) -> Path:
    """Build (unless present) and save the indexes of ``version`` of the on-disk store of
    ``settings``: what ``dikg load`` / ``dikg serve`` / ``dikg index`` call after a build."""
    from graph_service.named_queries import load_catalog

    if settings.store_path is None:
        raise ValueError("indexes are saved beside an on-disk store; no store path is set")
    catalog = load_catalog(settings.queries_dir, rdflib_check=False)
    root = Path(settings.store_path)
    ensure_indexes(backend, catalog, root=root, version=version, aliases=aliases)
    return index_path(root, version)

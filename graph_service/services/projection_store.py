"""The export projection of a graph version saved beside an on-disk store: built once, loaded fast.

Building the projection reads the whole graph and its inferred reaches (15-40 s with the ANSM
thesaurus on 2 cores); loading the saved one takes about a second. The file lives with the other
per-version indexes (``ROOT/dikg-indexes/``), is written atomically by the one process that holds
``projection.lock``, names its graph version inside and is only ever read for that version. It
is a pickle: written by this service into the store's own directory and trusted like the store.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path

from graph_service.services.file_locks import exclusive
from graph_service.services.graph_selection import ProjectedGraph
from graph_service.services.index_store import DIRECTORY, index_path
from graph_service.services.queries import INDEX_TIME_LIMIT

__all__ = ["load_or_build", "projection_path", "read_projection", "save_alias",
           "write_projection"]

log = logging.getLogger(__name__)

FORMAT = 1  # bump when ProjectedGraph or the projection changes: older files are rebuilt
SUFFIX = ".projection.pickle"
KEEP = 2  # projection files kept besides the one just written


def projection_path(root: Path, version: str) -> Path:
    """The projection file of ``version`` under the store root ``root``."""
    return index_path(root, version).with_suffix(SUFFIX)


def read_projection(root: Path, version: str) -> ProjectedGraph | None:
    """The saved projection of ``version``, or ``None`` when there is no usable file for it."""
    try:
        with projection_path(root, version).open("rb") as source:
            data = pickle.load(source)
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
            ValueError, TypeError) as exc:  # torn, or written by another code version
        log.warning("projection file for %s not usable (%r); rebuilding it", version, exc)
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT \
            or data.get("version") != version \
            or not isinstance(data.get("projected"), ProjectedGraph):
        return None
    projected: ProjectedGraph = data["projected"]
    return projected


def write_projection(root: Path, projected: ProjectedGraph) -> Path:
    """Save ``projected`` atomically (a reader sees no file or a whole one); prune old ones."""
    target = projection_path(root, projected.version)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with scratch.open("wb") as sink:
        pickle.dump({"format": FORMAT, "version": projected.version, "projected": projected},
                    sink, protocol=pickle.HIGHEST_PROTOCOL)
        sink.flush()
        os.fsync(sink.fileno())
    os.replace(scratch, target)
    older = sorted((p for p in target.parent.glob(f"*{SUFFIX}") if p != target),
                   key=lambda p: p.stat().st_mtime, reverse=True)
    for old in older[KEEP:]:
        old.unlink(missing_ok=True)
    return target


def save_alias(root: Path, version: str, alias: str) -> Path:
    """Save the projection of ``version`` also as that of ``alias`` (another name of the same
    data); kept as it is when that file exists."""
    projected = read_projection(root, version)
    if projected is None:
        raise FileNotFoundError(projection_path(root, version))
    target = projection_path(root, alias)
    if not target.is_file():
        projected.version = alias
        write_projection(root, projected)
    return target


def _lock(root: Path) -> AbstractContextManager[None]:
    """One projection builder at a time across threads and processes (``flock``)."""
    return exclusive(Path(root) / DIRECTORY / "projection.lock", wait=INDEX_TIME_LIMIT + 60.0,
                     busy="the export graph of this version is being built by another "
                          "process; try again", poll=0.1)


def load_or_build(root: Path, version: str,
                  build: Callable[[], ProjectedGraph]) -> ProjectedGraph:
    """The projection of ``version``: from its file, else built once (by one process) and saved.

    A directory that cannot hold the file only costs the saving: the built projection is
    returned all the same.
    """
    found = read_projection(root, version)
    if found is not None:
        return found
    with ExitStack() as held:
        try:
            held.enter_context(_lock(root))
        except OSError as exc:  # no lock file possible (read-only directory): build here
            log.warning("cannot lock %s for the export projection (%s)", root, exc)
            return build()
        found = read_projection(root, version)  # built by another process meanwhile
        if found is not None:
            return found
        projected = build()
        try:
            write_projection(root, projected)
        except OSError as exc:
            log.warning("cannot save the export projection under %s (%s)", root, exc)
        return projected

"""Graph versions of an on-disk store: immutable directories, a ``current`` pointer, one writer.

Layout under the store directory ``ROOT`` (``GRAPH_SERVICE_STORE_PATH``)::

    ROOT/                       the first version (a plain store built by ``dikg serve``)
    ROOT/dikg-current.json      pointer to the current version (absent: ROOT itself is current)
    ROOT/dikg-versions/000007/  later versions, each a complete store, never written once published
    ROOT/dikg-versions/000007.json   when and how version 7 was published
    ROOT/dikg-changes.jsonl     the change log (see ``graph_service.services.changelog``)
    ROOT/dikg-write.lock        the single-writer lock (``flock``; released when its process dies)

A write builds the next version beside the current one (a RocksDB checkpoint: hard links),
changes it, fsyncs it and renames a new pointer over the old one (:func:`publish`): readers
see the old version or the new one, never a half-written one, also after SIGKILL.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from graph_service.errors import BackendUnavailable

__all__ = [
    "CHANGES",
    "HEAD",
    "Head",
    "build_dir",
    "checkpoint",
    "collect_garbage",
    "current_dir",
    "fsync_tree",
    "new_version_dir",
    "publish",
    "read_head",
    "write_lock",
]

HEAD = "dikg-current.json"
VERSIONS = "dikg-versions"
CHANGES = "dikg-changes.jsonl"
LOCK = "dikg-write.lock"
KEEP = 2  # superseded versions always kept (in-flight requests may still read them)
GRACE = 600.0  # seconds a superseded version stays readable before it may be deleted
_LOCK_WAIT = 60.0


@dataclass(frozen=True)
class Head:
    """The current version: its id (the served ``graph_version``) and where it lives."""

    version: str
    dir: str  # relative to the root; "." for the root itself
    seq: int
    published: float
    operation: str
    release: str = ""  # the release marker in the data when published (see store_version)


def read_head(root: Path) -> Head | None:
    """The pointer, or ``None`` when the root has never been written through versions."""
    try:
        data = json.loads((Path(root) / HEAD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return Head(**data)


def current_dir(root: Path) -> Path:
    """The directory of the current version (``root`` itself before the first write)."""
    head = read_head(root)
    return Path(root) if head is None else Path(root) / head.dir


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    """fsync every file of a store directory, then the directory and its parent."""
    for entry in Path(path).iterdir():
        if entry.is_file():
            fd = os.open(entry, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(Path(path))
    _fsync_dir(Path(path).parent)


def new_version_dir(root: Path) -> tuple[int, Path]:
    """The next sequence number and its (not yet existing) directory."""
    versions = Path(root) / VERSIONS
    versions.mkdir(exist_ok=True)
    seqs = [int(p.name) for p in versions.iterdir() if p.is_dir() and p.name.isdigit()]
    head = read_head(root)
    seq = max([*seqs, head.seq if head else 0]) + 1
    return seq, versions / f"{seq:06d}"


def build_dir(root: Path) -> Path:
    """A fresh directory to build a release in, beside the versions (renamed when published)."""
    versions = Path(root) / VERSIONS
    versions.mkdir(exist_ok=True)
    return versions / f"build-{os.getpid()}-{time.time_ns()}"


def _dead_build(path: Path) -> bool:
    parts = path.name.split("-")
    if len(parts) != 3 or parts[0] != "build" or not parts[1].isdigit():
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def checkpoint(source: Path, target: Path) -> ox.Store:
    """Copy a store directory as a RocksDB checkpoint (hard links) and open the copy to write.

    The source is opened read-only and never changed. A source whose last writer did not
    flush keeps data in its write-ahead log, which a checkpoint of a read-only store leaves
    out: the counts are compared and such a store is copied quad by quad instead.
    """
    reader = ox.Store.read_only(str(source))
    reader.backup(str(target))
    copy = ox.Store(str(target))
    if len(copy) != len(reader):
        copy.clear()
        copy.bulk_extend(reader)
    return copy


def publish(root: Path, head: Head) -> None:
    """Make ``head`` current: write the pointer beside the old one, fsync, rename over it."""
    root = Path(root)
    data = json.dumps(asdict(head), indent=1).encode()
    if head.dir != ".":
        meta = root / VERSIONS / f"{Path(head.dir).name}.json"
        meta.write_bytes(data)
    temporary = root / (HEAD + ".tmp")
    with temporary.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, root / HEAD)
    _fsync_dir(root)


def collect_garbage(root: Path, *, now: float | None = None) -> list[Path]:
    """Delete unpublished leftovers and old versions (call it holding the write lock).

    Kept: the current version, the ``KEEP`` before it, and any version superseded less than
    ``GRACE`` seconds ago (a request that started on it may still be reading it).
    """
    root, now = Path(root), time.time() if now is None else now
    head = read_head(root)
    versions = root / VERSIONS
    if head is None or not versions.is_dir():
        return []
    published = {}
    for meta in versions.glob("*.json"):
        with contextlib.suppress(ValueError, OSError, TypeError):
            published[int(meta.stem)] = Head(**json.loads(meta.read_text())).published
    seqs = sorted(int(p.name) for p in versions.iterdir() if p.is_dir() and p.name.isdigit())
    kept = [s for s in seqs if s in published and s < head.seq][-KEEP:]
    removed = [p for p in versions.glob("build-*") if _dead_build(p)]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    for seq in seqs:
        if seq == head.seq or seq in kept:
            continue
        successor = min((t for s, t in published.items() if s > seq), default=now)
        if seq in published and now - successor < GRACE:
            continue
        shutil.rmtree(versions / f"{seq:06d}", ignore_errors=True)
        (versions / f"{seq:06d}.json").unlink(missing_ok=True)
        removed.append(versions / f"{seq:06d}")
    return removed


@contextlib.contextmanager
def write_lock(root: Path, *, wait: float = _LOCK_WAIT) -> Iterator[None]:
    """Hold the store's single-writer lock (across processes) for the ``with`` block.

    :raises BackendUnavailable: when another writer holds it for more than ``wait`` seconds.
    """
    fd = os.open(Path(root) / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise BackendUnavailable(
                        f"another write has held the store for more than {wait:g} s; "
                        "try again later") from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock

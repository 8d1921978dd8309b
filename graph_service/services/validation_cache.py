"""SHACL results remembered by content hash: unchanged start-up files are not validated again.

Only a graph that *conforms* is remembered, under a key over the files' names and bytes, the
shapes' bytes and the validator (its source, pyshacl's and rdflib's versions), so a file that
failed, or any change to what decides validity, is always validated again: the store never
gets an ontology that failed SHACL. The cache lives in ``$DIKG_CACHE_DIR`` (default
``$XDG_CACHE_HOME/dikg`` or ``~/.cache/dikg``), one small JSON file per validated key; an
unwritable cache only means validating every time.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph_service.backends.base import RdfSource

__all__ = ["cache_dir", "is_validated", "remember", "validate_once", "validation_key"]


def cache_dir() -> Path:
    """Where validation results are kept."""
    explicit = os.environ.get("DIKG_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dikg"


def _validator() -> bytes:
    """What decides validity besides the files: the validator's code and libraries (located,
    not imported: importing pyshacl costs more than the look-up saves)."""
    spec = importlib.util.find_spec("graph_service.validation")
    assert spec is not None and spec.origin is not None
    versions = [metadata.version(name) for name in ("pyshacl", "rdflib")]
    return Path(spec.origin).read_bytes() + "\0".join(versions).encode()


def validation_key(files: Sequence[tuple[str, bytes]], *, shapes: Path) -> str:
    """The key of validating ``files`` (name, bytes; in load order) with ``shapes``."""
    digest = hashlib.sha256(b"dikg-shacl-1\0")
    for part in (_validator(), shapes.read_bytes()):
        digest.update(hashlib.sha256(part).digest())
    for name, data in files:
        digest.update(Path(name).name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def _entry(key: str) -> Path:
    return cache_dir() / "shacl" / f"{key}.json"


def is_validated(key: str) -> bool:
    """True when a graph with this key conformed before."""
    try:
        record = json.loads(_entry(key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and record.get("key") == key and record.get("conforms") is True


def remember(key: str, *, files: Sequence[str]) -> None:
    """Record that the graph with this key conforms (silently skipped when not writable)."""
    entry = _entry(key)
    record = {"key": key, "conforms": True, "files": list(files), "validated_at": time.time()}
    with contextlib.suppress(OSError):
        entry.parent.mkdir(parents=True, exist_ok=True)
        temporary = entry.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temporary, entry)


def validate_once(paths: Sequence[Path], sources: Sequence[RdfSource], *,
                  ontology_dir: Path) -> None:
    """:func:`validate_files`, skipped when the same bytes conformed before (by content hash).

    :raises InvalidDataError: as :func:`validate_files` (a failure is never remembered).
    """
    from graph_service.models import SHAPES_FILE
    from graph_service.services.loading import SHAPES, validate_files

    own = ontology_dir / SHAPES
    files = [(str(p), s.data if isinstance(s.data, bytes) else s.data.read_bytes())
             for p, s in zip(paths, sources, strict=True)]
    key = validation_key(files, shapes=own if own.exists() else SHAPES_FILE)
    if is_validated(key):
        return
    validate_files(paths, sources, ontology_dir=ontology_dir)
    remember(key, files=[str(p) for p in paths])

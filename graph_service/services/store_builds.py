"""Which graph version ``dikg serve`` built into a plain directory store itself (a record file).

``dikg serve`` rebuilds a directory store whose files changed only when it built the data in
it from the start-up files (ontology + imports) and nothing was added since: the store's
release marker is still the version recorded in ``ROOT/dikg-built.json`` when it built it.
Data loaded with ``dikg load`` (which moves the marker on), by ``oxigraph load`` (no marker) or
by an older ``dikg serve`` (no record) is never discarded without ``--rebuild``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

__all__ = ["RECORD", "built_by_serve", "forget_build", "record_build"]

RECORD = "dikg-built.json"


def record_build(root: Path, version: str) -> None:
    """Record that ``dikg serve`` built ``version`` into the store at ``root`` (atomically)."""
    target = Path(root) / RECORD
    scratch = target.with_name(f".{RECORD}.{os.getpid()}.tmp")
    data = {"version": version, "built": time.time(), "by": "dikg serve"}
    with scratch.open("w", encoding="utf-8") as stream:
        stream.write(json.dumps(data))
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(scratch, target)


def built_by_serve(root: Path, marker: str | None) -> bool:
    """True when ``dikg serve`` built the store at ``root`` and its marker is still ``marker``.

    >>> built_by_serve(Path("/nonexistent"), "abc")
    False
    """
    if marker is None:
        return False
    try:
        data = json.loads((Path(root) / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("version") == marker


def forget_build(root: Path) -> None:
    """Remove the record (the store is about to be emptied or holds other data now)."""
    (Path(root) / RECORD).unlink(missing_ok=True)

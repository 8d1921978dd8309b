"""The change log: one JSON line per accepted write, release or restore, fsynced before it counts.

``ROOT/dikg-changes.jsonl`` is append-only. A writer appends its entry (who, when, what, triple
counts, graph version and version number before/after) *before* it switches the store to the
new version, so every published version has its entry. A crash between the two leaves an entry
whose version never became current: :func:`recover` (run by the next writer, holding the lock)
appends an ``abandoned`` line for it, and :func:`entries` marks it so even before that.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph_service.backends.versions import CHANGES, Head

__all__ = ["Entry", "append", "entries", "format_entry", "recover", "timestamp"]


def timestamp(when: float | None = None) -> str:
    """UTC time in ISO 8601 with milliseconds.

    >>> timestamp(0)
    '1970-01-01T00:00:00.000Z'
    """
    when = time.time() if when is None else when
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when)) + f".{int(when % 1 * 1000):03d}Z"


@dataclass(frozen=True)
class Entry:
    """One change of the log and its state: ``committed``, ``abandoned`` or ``pending``.

    ``pending``: logged, its version not (yet) current; a writer is publishing it, or crashed.
    """

    record: dict[str, Any]
    status: str

    @property
    def committed(self) -> bool:
        """True when the change's version was published."""
        return self.status == "committed"


def append(root: Path, record: dict[str, Any]) -> None:
    """Append one JSON line and fsync it (a torn line from a crash is skipped by readers)."""
    path = Path(root) / CHANGES
    line = json.dumps(record, ensure_ascii=False, sort_keys=False).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size:  # a crash may have left a torn last line: start on a fresh one
            with path.open("rb") as stream:
                stream.seek(size - 1)
                if stream.read(1) != b"\n":
                    line = b"\n" + line
        os.write(fd, line + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)


def _records(root: Path) -> Iterator[dict[str, Any]]:
    try:
        lines = (Path(root) / CHANGES).read_bytes().splitlines()
    except FileNotFoundError:
        return
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a torn line left by a crash: its version was never published
        if isinstance(record, dict):
            yield record


def entries(root: Path, head: Head | None) -> list[Entry]:
    """Every change record with its status (``abandoned`` lines only set the status).

    A change is committed when its version became current: it is the current version, or a
    later change started from it. Version numbers (``seq``) make this exact.
    """
    records = list(_records(root))
    abandoned = {r.get("seq_after") for r in records if r.get("event") == "abandoned"}
    changes = [r for r in records if r.get("event") != "abandoned"]
    found = []
    for index, record in enumerate(changes):
        seq = record.get("seq_after")
        later = {r.get("seq_before") for r in changes[index + 1:]}
        current = head is not None and seq == head.seq
        status = ("abandoned" if seq in abandoned
                  else "committed" if current or seq in later else "pending")
        found.append(Entry(record, status))
    return found


def _last_record(root: Path, *, chunk: int = 1 << 16) -> dict[str, Any] | None:
    """The last complete JSON line, read backwards from the end (the log only grows)."""
    try:
        stream = (Path(root) / CHANGES).open("rb")
    except FileNotFoundError:
        return None
    with stream:
        end = stream.seek(0, os.SEEK_END)
        tail = b""
        while end > 0:
            start = max(0, end - chunk)
            stream.seek(start)
            tail = stream.read(end - start) + tail
            end = start
            lines = tail.split(b"\n")
            for line in reversed(lines[1:] if end > 0 else lines):
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # empty, or torn by a crash
                if isinstance(record, dict):
                    return record
            tail = lines[0] if end > 0 else b""
    return None


def recover(root: Path, head: Head | None) -> dict[str, Any] | None:
    """Mark the last change abandoned if its version never became current.

    Call it holding the write lock, before appending: every writer does, so only the last
    change can be unpublished. Reads only the end of the log.
    """
    record = _last_record(root)
    if record is None or record.get("event") == "abandoned":
        return None
    seq = record.get("seq_after")
    if seq == (head.seq if head is not None else 0):
        return None
    line = {"event": "abandoned", "time": timestamp(), "seq_after": seq,
            "version_after": record.get("version_after"),
            "reason": "the writer stopped before the version was published"}
    append(root, line)
    return line


def format_entry(entry: Entry) -> str:
    """One human-readable line: when, who, what, counts, versions.

    >>> format_entry(Entry({"time": "T", "who": "admin", "event": "write", "operation": "sparql",
    ...     "added": 3, "removed": 0, "version_before": "a", "version_after": "b"}, "committed"))
    'T  admin  sparql  +3 -0  a -> b'
    """
    r = entry.record
    counts = (f"{r.get('triples_before', '?')} -> {r.get('triples', '?')} quads"
              if r.get("event") in ("release", "restore")
              else f"+{r.get('added', 0)} -{r.get('removed', 0)}")
    line = (f"{r.get('time', '?')}  {r.get('who', '?')}  {r.get('operation', r.get('event'))}  "
            f"{counts}  {r.get('version_before', '?')} -> {r.get('version_after', '?')}")
    return line if entry.committed else f"{line}  ({entry.status}: not published)"

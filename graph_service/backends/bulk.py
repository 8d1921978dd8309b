"""Bulk loading into a pyoxigraph store: pieces streamed through one atomic ``bulk_load``.

The pieces (the start-up ontology as N-Triples, a file, the graph-release marker) are read
one after another as one document, so the store gets one set of sorted files, the layout
``oxigraph load`` writes (several loads stack files that slow queries until compacted).
pyoxigraph 0.5's bulk loader is atomic: a parse error commits nothing. The reader counts
the statements of line-based files (N-Triples / N-Quads: one per line), reports bytes read
for a progress bar, and maps the stream's line numbers back to each piece's own.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph_service.errors import BackendUnavailable, InvalidDataError

__all__ = ["Piece", "PieceReader", "bulk_load_pieces"]

_SKIPPED_LINE = re.compile(rb"\n[ \t]*(?=[#\r\n])")  # a line that holds no statement
_LINE = re.compile(r"\bline (\d+)")
_WHERE = re.compile(r"^Parser error at line \d+ (?:column \d+|between columns \d+ and \d+): ")
_BUFFER = 1 << 20
_BOM = b"\xef\xbb\xbf"


@dataclass
class Piece:
    """One piece of the stream: a file (gunzipped when ``packed``) or bytes."""

    name: str
    data: Path | bytes
    packed: bool = False
    count_lines: bool = False  # count statements, one per non-blank, non-comment line
    first_line: int = 0  # the stream's line number of the piece's first line (set on read)
    statements: int = 0


class PieceReader(io.RawIOBase):
    """The pieces as one byte stream; a newline is added after a piece that lacks one."""

    def __init__(self, pieces: Sequence[Piece], *,
                 on_bytes: Callable[[int], None] | None = None) -> None:
        super().__init__()
        self.pieces = list(pieces)
        self.on_bytes = on_bytes
        self.index = -1  # the piece being read
        self.newlines = 0
        self.failure: BaseException | None = None
        self._stream: io.BufferedIOBase | None = None
        self._raw: io.BufferedReader | None = None
        self._raw_at = 0
        self._last = b"\n"
        self._fresh = True  # only spaces so far on the current line

    def readable(self) -> bool:
        return True

    def _open_next(self) -> bool:
        self.index += 1
        if self.index >= len(self.pieces):
            return False
        piece = self.pieces[self.index]
        piece.first_line, self._fresh, self._raw_at = self.newlines + 1, True, 0
        if isinstance(piece.data, bytes):
            self._stream, self._raw = io.BytesIO(piece.data), None
        else:
            self._raw = piece.data.open("rb")
            stream = gzip.GzipFile(fileobj=self._raw) if piece.packed else self._raw
            if stream.peek(3)[:3] == _BOM:  # allowed at a document's start, not inside one
                stream.read(3)
            self._stream = stream
        return True

    def _close(self) -> None:
        if self._stream is not None:
            self._stream.close()
        if self._raw is not None:
            self._raw.close()
        self._stream = self._raw = None

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            return self._readinto(memoryview(buffer).cast("B"))
        except BaseException as exc:  # pyoxigraph turns it into OSError; keep the cause
            self.failure = exc
            raise

    def _readinto(self, view: memoryview) -> int:
        while True:
            if self._stream is None and not self._open_next():
                return 0
            assert self._stream is not None
            read = self._stream.readinto(view)
            if read:
                chunk = bytes(view[:read])
                self._account(chunk)
                return read
            self._close()
            if self._last != b"\n":  # end the piece's last line before the next piece
                view[0:1], self._last = b"\n", b"\n"
                self.newlines += 1
                return 1

    def _account(self, chunk: bytes) -> None:
        piece = self.pieces[self.index]
        self.newlines += chunk.count(b"\n")
        self._last = chunk[-1:]
        if piece.count_lines:
            piece.statements += self._count(chunk)
        if self._raw is not None and self.on_bytes is not None:
            position = self._raw.tell()
            self.on_bytes(position - self._raw_at)
            self._raw_at = position

    def _count(self, chunk: bytes) -> int:
        """Statements that start in ``chunk`` (N-Triples / N-Quads: one per line)."""
        found = 0
        if self._fresh:
            rest = chunk.lstrip(b" \t")
            if not rest:
                return 0
            found += rest[:1] not in (b"#", b"\r", b"\n")
        found += chunk.count(b"\n") - len(_SKIPPED_LINE.findall(chunk))
        tail = chunk[chunk.rfind(b"\n") + 1:] if b"\n" in chunk else None
        self._fresh = tail is not None and not tail.strip(b" \t")
        if self._fresh:
            found -= 1  # the last line start is still undecided (spaces only so far)
        return found

    def locate(self, line: int) -> tuple[Piece, int | None]:
        """The piece holding the stream's ``line`` and the line in it (``None``: its end).

        An error in the generated piece after a file (the marker) is the file's: it ended
        inside a statement.
        """
        started = [p for p in self.pieces[: self.index + 1] if p.first_line]
        for position in range(len(started) - 1, -1, -1):
            piece = started[position]
            if piece.first_line <= line:
                if position and isinstance(piece.data, bytes) \
                        and isinstance(started[position - 1].data, Path):
                    return started[position - 1], None
                return piece, line - piece.first_line + 1
        return self.pieces[0], line


def _syntax_error(reader: PieceReader, exc: SyntaxError) -> InvalidDataError:
    piece, line = reader.locate(exc.lineno or reader.newlines + 1)
    if line is None:
        message = f"the file ends inside a statement: {_WHERE.sub('', exc.msg, 1)}"
        return InvalidDataError(f"{piece.name} (end of file): {message}", file=piece.name)
    message = _LINE.sub(f"line {line}", exc.msg, 1)
    return InvalidDataError(f"{piece.name} (line {line}): {message}", file=piece.name, line=line)


def bulk_load_pieces(store: ox.Store, pieces: Sequence[Piece], fmt: ox.RdfFormat, *,
                     on_bytes: Callable[[int], None] | None = None) -> None:
    """Load the pieces as one document in one atomic bulk load (nothing of it on error).

    :raises InvalidDataError: naming the piece's file and its own line, or a read failure.
    """
    reader = PieceReader(pieces, on_bytes=on_bytes)
    error: Exception | None = None
    try:
        store.bulk_load(io.BufferedReader(reader, _BUFFER), format=fmt)
    except SyntaxError as exc:
        error = _syntax_error(reader, exc)
    except (OSError, EOFError) as exc:
        if reader.failure is not None and not isinstance(reader.failure, Exception):
            raise reader.failure from None  # Ctrl-C while reading: nothing was committed
        name = reader.pieces[min(max(reader.index, 0), len(reader.pieces) - 1)].name
        error = BackendUnavailable(f"the store failed: {exc}") if reader.failure is None \
            else InvalidDataError(f"{name}: cannot read: {reader.failure}", file=name)
    finally:
        reader._close()
    del store  # the error's traceback must not keep the store (and its lock) alive
    if error is not None:
        raise error

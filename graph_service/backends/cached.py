"""A result cache in front of any backend: bounded LRU, keyed by query and graph version.

The graph changes rarely and the same questions come back (a prescribing system checks the same
drug lists all day), so :class:`CachedBackend` keeps answers of ``query`` and ``serialize_query``
keyed by (method, text, bindings, dataset, media type, limits, graph version). It is bounded by
entries and by bytes, emptied on every write made through it (``load``, ``update``, ``clear``)
and whenever the graph version its ``version`` callable reports changes. Errors (exceptions,
including timeouts) and truncated answers are never stored. A hit returns a ``QueryResult`` with
fresh lists around shared read-only rows (:class:`FrozenRow`): copying 50,000 rows per hit would
cost more than many queries.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rdflib.term import Node

from graph_service.backends.base import (
    Dataset,
    GraphBackend,
    QueryResult,
    RdfSource,
    SerializedResult,
)

__all__ = ["CacheStats", "CachedBackend", "FrozenRow", "result_size"]

_ROW_OVERHEAD = 64  # rough bytes per row / term beyond its text


@dataclass(frozen=True)
class CacheStats:
    """Counters since start (or since the last :meth:`CachedBackend.reset_stats`)."""

    hits: int
    misses: int
    stores: int
    evictions: int
    invalidations: int
    entries: int
    bytes: int


def result_size(result: QueryResult | SerializedResult) -> int:
    """Approximate bytes an answer holds (serialized bodies exactly, rows estimated).

    >>> result_size(SerializedResult("ask", "text/plain", b"true", 1))
    4
    """
    if isinstance(result, SerializedResult):
        return len(result.body)
    size = _ROW_OVERHEAD
    for row in result.rows:
        size += _ROW_OVERHEAD + sum(len(str(v)) + _ROW_OVERHEAD for v in row.values())
    for triple in result.triples:
        size += _ROW_OVERHEAD + sum(len(str(t)) + _ROW_OVERHEAD for t in triple)
    return size


class FrozenRow(dict[str, Node]):
    """A cached solution: a ``dict`` that refuses changes (callers share it)."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a cached query result row is read-only; copy it with dict(row)")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]


def _frozen(result: QueryResult) -> QueryResult:
    """What the cache keeps: its own lists, read-only rows."""
    return QueryResult(kind=result.kind, variables=list(result.variables),
                       rows=[FrozenRow(r) for r in result.rows], boolean=result.boolean,
                       triples=list(result.triples), truncated=result.truncated)


def _copy(result: QueryResult) -> QueryResult:
    """What a hit returns: fresh lists (cheap) around the shared read-only rows."""
    return QueryResult(kind=result.kind, variables=list(result.variables),
                       rows=list(result.rows), boolean=result.boolean,
                       triples=list(result.triples), truncated=result.truncated)


def _bindings_key(bindings: Mapping[str, Node] | None) -> tuple[tuple[str, ...], ...]:
    """A hashable key of the bindings that never validates them (the engine does that)."""
    if not bindings:
        return ()
    return tuple(sorted((k, type(v).__name__, str(v), str(getattr(v, "language", None)),
                         str(getattr(v, "datatype", None))) for k, v in bindings.items()))


class CachedBackend:
    """Wraps ``inner``; ``version()`` names the current graph (its change empties the cache).

    :param max_entries: most answers kept (least recently used go first).
    :param max_bytes: most bytes kept; an answer above ``max_bytes // 8`` is not kept at all.
    :param version: returns the current graph version; defaults to a constant.
    """

    def __init__(self, inner: GraphBackend, *, max_entries: int = 1024,
                 max_bytes: int = 64 * 1024 * 1024,
                 version: Callable[[], str] | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._version = version if version is not None else (lambda: "")
        self._seen_version = self._version()
        self._generation = 0  # bumped by every invalidation
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._counts = {"hits": 0, "misses": 0, "stores": 0, "evictions": 0, "invalidations": 0}

    def __getattr__(self, attribute: str) -> Any:
        """Anything else (``path``, ``read_only``, ``store`` ...) is the wrapped backend's."""
        if attribute == "inner":  # not set yet: avoid recursion during construction
            raise AttributeError(attribute)
        return getattr(self.inner, attribute)

    # -- cache bookkeeping -------------------------------------------------------------------

    def invalidate(self) -> None:
        """Forget every cached answer."""
        with self._lock:
            self._drop_all()

    def _drop_all(self) -> None:
        if self._entries:
            self._counts["invalidations"] += 1
        self._entries.clear()
        self._bytes = 0
        self._generation += 1

    def _token(self) -> tuple[str, int]:
        """(graph version, generation): the last part of every key; a changed version empties."""
        version = self._version()
        with self._lock:
            if version != self._seen_version:
                self._drop_all()
                self._seen_version = version
            return version, self._generation

    def _get(self, key: Hashable) -> Any | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self._counts["misses"] += 1
                return None
            self._entries.move_to_end(key)
            self._counts["hits"] += 1
            return found[0]

    def _put(self, key: Hashable, value: QueryResult | SerializedResult) -> None:
        if value.truncated or self.max_entries <= 0:
            return
        size = result_size(value)
        if size > self.max_bytes // 8:
            return
        with self._lock:
            if key[-1] != (self._seen_version, self._generation):  # type: ignore[index]
                return  # a write or a new version came while the query ran: not stored
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            self._counts["stores"] += 1
            while self._entries and (len(self._entries) > self.max_entries
                                     or self._bytes > self.max_bytes):
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
                self._counts["evictions"] += 1

    def stats(self) -> CacheStats:
        """Hit, miss and size counters."""
        with self._lock:
            return CacheStats(entries=len(self._entries), bytes=self._bytes, **self._counts)

    def reset_stats(self) -> None:
        """Zero the counters (entries stay)."""
        with self._lock:
            self._counts = dict.fromkeys(self._counts, 0)

    # -- reads -------------------------------------------------------------------------------

    def query(self, text: str, *, bindings: Mapping[str, Node] | None = None,
              dataset: Dataset | None = None, max_rows: int | None = None) -> QueryResult:
        """A cached copy of the answer, or the inner backend's answer (then cached)."""
        key = ("query", text, _bindings_key(bindings), dataset, max_rows, self._token())
        found = self._get(key)
        if found is not None:
            return _copy(found)
        result = self.inner.query(text, bindings=bindings, dataset=dataset, max_rows=max_rows)
        self._put(key, _frozen(result))
        return result

    def serialize_query(self, text: str, *, media_type: str,
                        bindings: Mapping[str, Node] | None = None,
                        dataset: Dataset | None = None, max_rows: int | None = None,
                        max_bytes: int | None = None) -> SerializedResult:
        """The cached serialized answer (immutable), or the inner backend's (then cached)."""
        key = ("serialize", text, _bindings_key(bindings), dataset, media_type, max_rows,
               max_bytes, self._token())
        found = self._get(key)
        if found is not None:
            cached: SerializedResult = found
            return cached
        result = self.inner.serialize_query(text, media_type=media_type, bindings=bindings,
                                            dataset=dataset, max_rows=max_rows,
                                            max_bytes=max_bytes)
        self._put(key, result)
        return result

    def triple_count(self) -> int:
        """Counted by the wrapped backend (never cached)."""
        return self.inner.triple_count()

    def dump(self, *, format: str = "nquads") -> bytes:
        """Dumped by the wrapped backend (never cached)."""
        return self.inner.dump(format=format)

    # -- writes: each one empties the cache, also when it fails half-way ---------------------

    def load(self, sources: Iterable[RdfSource]) -> int:
        """Load through the wrapped backend, then forget every answer."""
        try:
            return self.inner.load(sources)
        finally:
            self.invalidate()

    def update(self, text: str) -> None:
        """Update through the wrapped backend, then forget every answer."""
        try:
            self.inner.update(text)
        finally:
            self.invalidate()

    def clear(self) -> None:
        """Empty the wrapped backend and the cache."""
        try:
            self.inner.clear()
        finally:
            self.invalidate()

    def close(self) -> None:
        """Forget every answer and close the wrapped backend."""
        self.invalidate()
        self.inner.close()

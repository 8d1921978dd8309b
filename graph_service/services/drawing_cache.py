"""Finished drawings (SVG/PNG) kept per graph version, so Graphviz draws each selection once.

Keys name the whole request (graph version, format, focus node, depth, types, include); the
cache holds at most :data:`MAX_BYTES` of drawings (least recently used dropped first), skips a
single drawing over :data:`MAX_ENTRY_BYTES`, and is emptied when the graph version changes.
Concurrent requests for the same drawing wait for the one Graphviz run instead of each starting
their own (on a busy 2-CPU machine those runs compete and all miss the time limit).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, MutableMapping
from typing import Any, TypeVar

__all__ = ["MAX_BYTES", "MAX_ENTRY_BYTES", "DrawingCache", "drawing_cache"]

MAX_BYTES = 32 * 1024 * 1024
MAX_ENTRY_BYTES = 8 * 1024 * 1024
_SLOT = "drawings"  # where the cache lives in the caller's per-app cache mapping
_SLOT_LOCK = threading.Lock()

T = TypeVar("T")


class DrawingCache:
    """A byte-bounded LRU of drawings for one graph version, with one producer per key."""

    def __init__(self, version: str, *, max_bytes: int = MAX_BYTES,
                 max_entry_bytes: int = MAX_ENTRY_BYTES) -> None:
        self.version = version
        self.max_bytes, self.max_entry_bytes = max_bytes, max_entry_bytes
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._producing: dict[Hashable, threading.Lock] = {}
        self.hits = self.misses = 0

    @property
    def size(self) -> int:
        """Bytes held."""
        return self._size

    def __len__(self) -> int:
        return len(self._items)

    def _get(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return True, self._items[key][0]
            return False, None

    def _put(self, key: Hashable, value: Any, size: int) -> None:
        if size > self.max_entry_bytes:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (value, size)
            self._size += size
            while self._size > self.max_bytes and self._items:
                _, (_, dropped) = self._items.popitem(last=False)
                self._size -= dropped

    def get_or_make(self, key: Hashable, make: Callable[[], T], *,
                    size: Callable[[T], int]) -> T:
        """The cached value of ``key``, else ``make()`` (once, however many threads ask).

        An exception of ``make`` is not cached: the next request tries again.
        """
        found, value = self._get(key)
        if found:
            cached: T = value
            return cached
        with self._lock:
            producer = self._producing.setdefault(key, threading.Lock())
        with producer:
            found, value = self._get(key)
            if found:
                waited: T = value
                return waited
            with self._lock:
                self.misses += 1
            try:
                made = make()
                self._put(key, made, size(made))
            finally:
                with self._lock:
                    self._producing.pop(key, None)
        return made


def drawing_cache(cache: MutableMapping[str, Any], version: str) -> DrawingCache:
    """The drawing cache of ``version`` kept in ``cache`` (a new one when the version changed)."""
    with _SLOT_LOCK:
        current = cache.get(_SLOT)
        if not isinstance(current, DrawingCache) or current.version != version:
            current = DrawingCache(version)
            cache[_SLOT] = current
        return current

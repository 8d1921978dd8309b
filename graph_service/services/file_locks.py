"""One holder at a time across threads and processes: an ``flock`` on a file, bounded wait."""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graph_service.errors import BackendUnavailable

__all__ = ["exclusive"]

_THREAD_LOCKS: dict[Path, threading.Lock] = {}
_GUARD = threading.Lock()


@contextmanager
def exclusive(path: Path, *, wait: float, busy: str, poll: float = 0.05) -> Iterator[None]:
    """Hold ``path`` (created when missing) exclusively; the kernel releases it on death.

    :param wait: seconds to wait for another holder before giving up.
    :param busy: the message of the 503 raised when the wait is over.
    :raises BackendUnavailable: when another process held it for ``wait`` seconds.
    :raises OSError: when the lock file cannot be created (e.g. a read-only directory).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with _GUARD:
        thread_lock = _THREAD_LOCKS.setdefault(path.resolve(), threading.Lock())
    deadline = time.monotonic() + wait
    with thread_lock, path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise BackendUnavailable(busy) from None
                time.sleep(poll)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

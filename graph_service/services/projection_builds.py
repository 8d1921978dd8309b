"""The export projection built in a background thread: requests wait for it a bounded time.

Building the projection of a graph version reads the whole graph (about 40 s with the ANSM
thesaurus on an idle 2-CPU machine, minutes on a busy one). Were every export to wait for it,
the first exports after a start or a release would hold all of a worker's threads and every
other request would queue behind them. So the build runs in its own thread; one request at a
time waits for it (at most ``wait`` seconds) and the others are answered at once with 503
``warming_up`` and a ``retry_after`` in seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from graph_service.errors import BackendUnavailable

__all__ = ["RETRY_AFTER", "ProjectionWarmingUp", "built_in_background"]

RETRY_AFTER = 15  # seconds a client is asked to wait while the projection is being built
_LOCK = threading.Lock()
_BUILDS: dict[tuple[int, str], _Build] = {}


class ProjectionWarmingUp(BackendUnavailable):
    """The export graph of this version is still being prepared; retry later."""

    code = "warming_up"


class _Build(threading.Thread):
    """One build, its result or its error, and the one request allowed to wait for it."""

    def __init__(self, build: Callable[[], Any], version: str) -> None:
        super().__init__(name=f"export-projection-{version}", daemon=True)
        self.build, self.version = build, version
        self.result: Any = None
        self.error: BaseException | None = None
        self.started_at = time.monotonic()
        self.waiter = threading.Lock()

    def run(self) -> None:
        try:
            self.result = self.build()
        except BaseException as exc:  # handed to the request that collects the build
            self.error = exc


def _warming(job: _Build) -> ProjectionWarmingUp:
    return ProjectionWarmingUp(
        f"the export graph of version {job.version} is being prepared (about a minute after a "
        f"start or a release; {time.monotonic() - job.started_at:.0f} s so far); retry in "
        f"{RETRY_AFTER} s", retry_after=RETRY_AFTER)


def built_in_background(owner: object, version: str, build: Callable[[], Any], *,
                        wait: float) -> Any:
    """``build()``'s result: started in a background thread once per ``(owner, version)``.

    :param owner: what the build is for (the per-app cache): one build per owner and version.
    :param wait: seconds one request may wait; the others do not wait.
    :raises ProjectionWarmingUp: when the build is still running (503, ``retry_after``).
    :raises Exception: what the build raised (the next request starts a new build).
    """
    key = (id(owner), version)
    with _LOCK:
        job = _BUILDS.get(key)
        if job is None:
            job = _BUILDS[key] = _Build(build, version)
            job.start()
    if not job.waiter.acquire(blocking=False):
        raise _warming(job)
    try:
        job.join(wait)
    finally:
        job.waiter.release()
    if job.is_alive():
        raise _warming(job)
    with _LOCK:
        if _BUILDS.get(key) is job:
            del _BUILDS[key]
    if job.error is not None:
        raise job.error
    return job.result

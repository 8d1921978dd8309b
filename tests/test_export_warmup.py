"""The export projection is built in the background: one request waits for it a bounded time,
the others get 503 ``warming_up`` with Retry-After at once, and no build runs twice."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from graph_service.backends import GraphBackend
from graph_service.blueprints import exports as export_views
from graph_service.services import exports, projection_builds
from graph_service.services.projection_builds import (
    RETRY_AFTER,
    ProjectionWarmingUp,
    built_in_background,
)


class SlowBuild:
    """A build that runs until released, counting its runs."""

    def __init__(self, result: Any = "projection", error: Exception | None = None) -> None:
        self.release = threading.Event()
        self.runs = 0
        self.result, self.error = result, error

    def __call__(self) -> Any:
        self.runs += 1
        assert self.release.wait(timeout=30)
        if self.error is not None:
            raise self.error
        return self.result


def test_one_request_waits_and_the_others_are_told_to_retry() -> None:
    owner, build = object(), SlowBuild()
    with pytest.raises(ProjectionWarmingUp) as first:
        built_in_background(owner, "v1", build, wait=0.05)
    assert first.value.status_code == 503 and first.value.extra["retry_after"] == RETRY_AFTER
    assert "being prepared" in first.value.message
    job = projection_builds._BUILDS[id(owner), "v1"]
    outcome: list[Any] = []
    waiter = threading.Thread(target=lambda: outcome.append(
        built_in_background(owner, "v1", build, wait=30)))
    waiter.start()
    try:
        assert _eventually(job.waiter.locked)  # the waiter holds the one wait slot
        with pytest.raises(ProjectionWarmingUp):  # so this one is not held up (else 30 s)
            built_in_background(owner, "v1", build, wait=30)
        assert waiter.is_alive() and not outcome
    finally:
        build.release.set()
        waiter.join(timeout=30)
    assert outcome == ["projection"] and build.runs == 1
    after = SlowBuild(result="v2 projection")  # a collected build is not kept: a new version
    after.release.set()  # (or a retry after a failure) builds anew
    assert built_in_background(owner, "v2", after, wait=30) == "v2 projection"


def _eventually(condition: Any) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_a_failed_build_is_reported_once_and_the_next_request_builds_again() -> None:
    owner, broken = object(), SlowBuild(error=RuntimeError("store gone"))
    broken.release.set()
    with pytest.raises(RuntimeError, match="store gone"):
        built_in_background(owner, "v1", broken, wait=30)
    fixed = SlowBuild()
    fixed.release.set()
    assert built_in_background(owner, "v1", fixed, wait=30) == "projection"
    assert (broken.runs, fixed.runs) == (1, 1)


@pytest.fixture
def slow_app(graph_store: GraphBackend, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An app whose projection build waits for ``app.release``."""
    from graph_service import create_app

    release = threading.Event()
    real = exports._build_projection

    def held(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(timeout=30)
        return real(*args, **kwargs)

    monkeypatch.setattr(exports, "_build_projection", held)
    monkeypatch.setattr(export_views, "PROJECTION_WAIT", 0.2)
    app = create_app({"TESTING": True, "GRAPH_SERVICE_ISOLATION": "none"}, backend=graph_store)
    app.release = release
    yield app
    release.set()
    for thread in threading.enumerate():
        if thread.name.startswith("export-projection-"):
            thread.join(timeout=30)


def test_exports_answer_503_with_retry_after_while_the_graph_is_prepared(slow_app: Any) -> None:
    client = slow_app.test_client()
    response = client.get("/export?format=csv&focus=naltrexone")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER)
    body = response.get_json()
    assert body["error"] == "warming_up" and body["status"] == 503 and body["message"]
    assert client.get("/health").status_code == 200  # the rest of the service answers
    slow_app.release.set()
    for thread in threading.enumerate():
        if thread.name.startswith("export-projection-"):
            thread.join(timeout=30)
    done = client.get("/export?format=csv&focus=naltrexone")
    assert done.status_code == 200 and "Retry-After" not in done.headers

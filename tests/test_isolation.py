"""Query processes: a runaway query is stopped at its limit; a crash leaves the parent alive."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MINI

from graph_service.backends import GraphBackend, RdfSource
from graph_service.backends.isolated import IsolatedBackend, isolate
from graph_service.backends.oxigraph import OxigraphBackend
from graph_service.backends.rdflib_store import RdflibBackend
from graph_service.config import load_settings
from graph_service.errors import BackendUnavailable, MalformedQuery, QueryTimeout

TIMEOUT = 1.5
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (read from /proc, no psutil)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


@pytest.fixture(params=["oxigraph-memory", "oxigraph-dir", "rdflib"])
def isolated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IsolatedBackend]:
    inner: GraphBackend
    if request.param == "oxigraph-memory":
        inner = OxigraphBackend()
    elif request.param == "oxigraph-dir":
        inner = OxigraphBackend(path=tmp_path / "store")
    else:
        inner = RdflibBackend()
    inner.load([RdfSource(MINI, "turtle", name=MINI.name)])
    store = isolate(inner, load_settings({"GRAPH_SERVICE_QUERY_TIMEOUT": TIMEOUT}), processes=1)
    assert isinstance(store, IsolatedBackend)
    yield store
    store.close()


def _count(store: GraphBackend) -> int:
    return int(store.query(COUNT).rows[0]["n"])  # type: ignore[call-overload]


def test_queries_answer_like_the_parent(isolated: IsolatedBackend) -> None:
    assert _count(isolated) == isolated.inner.triple_count() == 46
    assert isolated.last_pid is not None and isolated.last_pid != os.getpid()
    with pytest.raises(MalformedQuery):  # errors keep their class across the pipe
        isolated.query("SELECT ?x WHERE {")
    served = isolated.serialize_query(COUNT, media_type="text/tab-separated-values")
    assert served.body.decode().splitlines()[1].startswith('46') or '"46"' in served.body.decode()


def test_writes_reach_the_children(isolated: IsolatedBackend) -> None:
    assert _count(isolated) == 46
    isolated.update("INSERT DATA { <http://x/s> <http://x/p> 'o' }")
    assert _count(isolated) == 47
    isolated.clear()
    assert _count(isolated) == 0


def test_runaway_query_is_killed_at_the_limit() -> None:
    inner = OxigraphBackend()
    data = "".join(f"<http://x/s{i}> <http://x/p> \"{i}\" .\n" for i in range(200)).encode()
    inner.load([RdfSource(data, "nt", name="200.nt")])  # 200^4 = 1.6e9 rows to count
    store = isolate(inner, load_settings({"GRAPH_SERVICE_QUERY_TIMEOUT": TIMEOUT}),
                    processes=1)
    assert isinstance(store, IsolatedBackend)
    try:
        _count(store)  # start the child outside the timed part
        started = time.monotonic()
        with pytest.raises(QueryTimeout) as info:
            store.query(RUNAWAY)
        elapsed = time.monotonic() - started
        assert TIMEOUT <= elapsed < TIMEOUT + 1.0
        assert info.value.status_code == 503 and "stopped" in info.value.message
        killed = store.last_pid
        assert killed is not None and not _alive(killed)  # its CPU is free
        assert _count(store) == 200  # the next query is answered by a fresh child
        assert store.last_pid != killed
    finally:
        store.close()


def test_crashing_query_leaves_the_parent_alive(isolated: IsolatedBackend) -> None:
    _count(isolated)
    nested = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
    if isolated.name == "rdflib":  # pure Python: a RecursionError, reported as a bad query
        with pytest.raises(MalformedQuery):
            isolated.query(nested)
        assert _count(isolated) == 46
        return
    with pytest.raises(BackendUnavailable) as info:
        isolated.query(nested)
    assert "died" in info.value.message
    crashed = isolated.last_pid
    assert crashed is not None and not _alive(crashed)
    assert _count(isolated) == 46


def test_index_queries_may_run_past_the_service_limit(tmp_path: Path) -> None:
    """The service's own once-per-version index queries get INDEX_TIME_LIMIT; others do not."""
    from graph_service.backends.base import time_limit

    store = OxigraphBackend()
    store.load([RdfSource(MINI, "turtle", name="mini.ttl")])
    backend = IsolatedBackend(store, timeout=0.001, processes=1)
    cube = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~10^5 rows
    try:
        with pytest.raises(QueryTimeout):
            backend.query(cube)
        with time_limit(60):
            assert backend.query(cube).rows[0]["n"]
        with pytest.raises(QueryTimeout):  # the longer limit ends with its block
            backend.query(cube)
    finally:
        backend.close()


def _two_process_store() -> IsolatedBackend:
    inner = OxigraphBackend()
    inner.load([RdfSource(MINI, "turtle", name="mini.ttl")])
    return IsolatedBackend(inner, timeout=30, processes=2)


def test_one_warm_child_answers_sequential_queries() -> None:
    """Free children are taken last-in first-out: with no overlap the second never starts
    (a FIFO pool would alternate between two children and their separate block caches)."""
    store = _two_process_store()
    try:
        pids = set()
        for _ in range(4):
            assert _count(store) == 46
            pids.add(store.last_pid)
        assert len(pids) == 1 and os.getpid() not in pids
    finally:
        store.close()


def test_free_slots_give_the_latest_child_first_and_empty_slots_last() -> None:
    import queue

    from graph_service.backends.query_process import Slots

    slots = Slots()
    warm, warmer = object(), object()
    slots.put(None)
    slots.put(warm)  # type: ignore[arg-type]
    slots.put(warmer)  # type: ignore[arg-type]
    slots.put(None)  # a killed child's slot goes to the bottom
    assert slots.get(timeout=1) is warmer
    assert slots.get(timeout=1) is warm
    assert slots.get(timeout=1) is None and slots.get_nowait() is None
    started = time.monotonic()
    with pytest.raises(queue.Empty):
        slots.get(timeout=0.05)
    assert time.monotonic() - started < 5


def test_a_child_that_died_while_idle_is_replaced_unnoticed() -> None:
    import signal

    store = _two_process_store()
    try:
        _count(store)
        dead = store.last_pid
        assert dead is not None
        os.kill(dead, signal.SIGKILL)
        for _ in range(100):  # bounded wait until the kernel reports it dead
            if not _alive(dead):
                break
            time.sleep(0.02)
        assert _count(store) == 46  # no 503: the dead child is noticed before the query
        assert store.last_pid not in (None, dead)
    finally:
        store.close()


def test_serialized_bodies_cross_the_pipe_unchanged() -> None:
    """Answers come back as raw bytes, byte for byte what the store wrote, with the counts."""
    inner = OxigraphBackend()
    data = "".join(f'<http://x/s{i}> <http://x/p> "v{i}\\u00e9\\n\\t" .\n'
                   for i in range(3000)).encode()
    inner.load([RdfSource(data, "nt", name="3000.nt")])
    store = IsolatedBackend(inner, timeout=30, processes=1)
    text = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s"
    try:
        for media_type in ("application/sparql-results+json", "text/csv"):
            direct = inner.serialize_query(text, media_type=media_type, max_rows=2500)
            served = store.serialize_query(text, media_type=media_type, max_rows=2500)
            assert served == direct and len(served.body) > 60_000
            assert served.rows == 2500 and served.truncated
        graph = store.serialize_query("CONSTRUCT WHERE { ?s ?p ?o }",
                                      media_type="application/n-triples")
        assert graph.kind == "graph" and graph.rows == 3000 and not graph.truncated
        assert store.last_pid != os.getpid()
    finally:
        store.close()


def test_a_long_index_build_leaves_the_callers_slots_free() -> None:
    """A whole-graph build under a longer ``time_limit`` runs in its own child: with one
    process for callers, a caller's query still answers while the build runs."""
    import threading

    from graph_service.backends.base import time_limit

    inner = OxigraphBackend()
    inner.load([RdfSource(MINI, "turtle", name="mini.ttl")])
    store = IsolatedBackend(inner, timeout=1.0, processes=1)
    outcome: list[BaseException | None] = []

    def build() -> None:
        with time_limit(4):
            try:
                store.query(RUNAWAY[:-2] + ". ?m ?n ?o }")  # 46^5 rows: stopped at 4 s
                outcome.append(None)
            except QueryTimeout as exc:
                outcome.append(exc)

    thread = threading.Thread(target=build)
    try:
        thread.start()
        time.sleep(0.5)
        assert _count(store) == 46  # a shared slot would make this wait 1 s and fail
        assert thread.is_alive()
    finally:
        thread.join(10)
        store.close()
    assert len(outcome) == 1

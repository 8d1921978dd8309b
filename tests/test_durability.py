"""SIGKILL in the middle of a stream of acknowledged writes loses none and leaves no partial one.

The real server (gunicorn, 2 threaded workers, query processes, the on-disk store, a token)
takes a stream of INSERT DATA writes of 14-triple claims from a client thread; the whole process
group (master, workers, query processes) is SIGKILLed while writes are in flight, the server is
started again on the same directory, and the graph and the change log are compared with what
the client was told.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from curation import ID, TOKEN, claim_update, copy_root, curated_store, server

from graph_service.backends.versions import read_head
from graph_service.services.changelog import entries

pytestmark = pytest.mark.live

_COUNT = f"""SELECT ?s (COUNT(*) AS ?n) WHERE {{
  ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{ID}ix-curation-test-")
                  || STRSTARTS(STR(?s), "{ID}cit-ix-curation-test-"))
}} GROUP BY ?s"""


def post_update(base: str, text: str) -> dict[str, object]:
    request = urllib.request.Request(
        f"{base}/sparql", data=urllib.parse.urlencode({"update": text}).encode(),
        headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body: dict[str, object] = json.loads(response.read())
        return body


def claim_triples(base: str) -> dict[str, int]:
    url = f"{base}/sparql?" + urllib.parse.urlencode({"query": _COUNT})
    with urllib.request.urlopen(urllib.request.Request(
            url, headers={"Accept": "application/sparql-results+json"}), timeout=30) as response:
        rows = json.loads(response.read())["results"]["bindings"]
    return {row["s"]["value"]: int(row["n"]["value"]) for row in rows}


def test_sigkill_during_a_write_stream_keeps_every_acknowledged_write_and_no_partial_one(
        tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    root = copy_root(curated_store(tmp_path_factory), tmp_path / "store")
    log = tmp_path / "server.log"
    acked: list[int] = []
    sent: list[int] = []
    with server(root, log) as (base, process):
        def stream() -> None:
            for n in range(200):  # bounded; the kill ends it long before
                sent.append(n)
                try:
                    body = post_update(base, claim_update(n))
                except (urllib.error.URLError, ConnectionError, OSError):
                    return
                assert body["status"] == "ok" and body["added"] == 14
                acked.append(n)

        client = threading.Thread(target=stream, daemon=True)
        client.start()
        deadline = time.monotonic() + 60
        while len(acked) < 6 and time.monotonic() < deadline and client.is_alive():
            time.sleep(0.01)
        assert len(acked) >= 6, log.read_text()[-2000:]
        time.sleep(0.05 + 0.1 * (len(acked) % 3) / 3)  # land somewhere inside a write
        os.killpg(process.pid, signal.SIGKILL)  # master, workers, query processes
        process.wait(timeout=10)
        client.join(timeout=40)
        assert not client.is_alive()

    in_flight = set(sent) - set(acked)
    assert len(in_flight) <= 1  # one client thread: at most one unanswered write
    with server(root, log) as (base, _):
        counts = claim_triples(base)
        present = {n for n in range(200) if f"{ID}ix-curation-test-{n}" in counts}
        assert set(acked) <= present <= set(sent)  # every acknowledged write survived
        for n in present:  # all or nothing: 11 claim triples and 3 citation triples
            assert counts[f"{ID}ix-curation-test-{n}"] == 11
            assert counts[f"{ID}cit-ix-curation-test-{n}"] == 3
        assert len(counts) == 2 * len(present)
        head = read_head(root)
        assert head is not None
        with urllib.request.urlopen(f"{base}/health", timeout=10) as response:
            assert json.loads(response.read())["graph_version"] == head.version

        logged = entries(root, head)
        committed = [e.record for e in logged if e.committed]
        assert {int(r["what"].split("test ")[1].split(")")[0]) for r in committed} == present
        assert committed[-1]["version_after"] == head.version
        assert all(e.status == "pending" for e in logged if not e.committed)
        assert len(logged) - len(committed) <= len(in_flight)

        after = post_update(base, claim_update(500))  # the next writer tidies up
        assert after["version_before"] == head.version
        statuses = [e.status for e in entries(root, read_head(root))]
        assert statuses.count("pending") == 0 and statuses[-1] == "committed"
        assert "ix-curation-test-500" in " ".join(claim_triples(base))

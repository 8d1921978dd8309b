"""Helpers the fuzz tests share: the error contract check, answer parsers, worker pids."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox

__all__ = ["RDF_FORMATS", "check_answer", "parse_sparql_answer", "triples_of", "worker_pids"]

RDF_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
               "application/rdf+xml": ox.RdfFormat.RDF_XML,
               "application/ld+json": ox.RdfFormat.JSON_LD}
RESULT_FORMATS = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
                  "application/sparql-results+xml": ox.QueryResultsFormat.XML,
                  "text/tab-separated-values": ox.QueryResultsFormat.TSV}


def _parts(response: Any) -> tuple[int, str, bytes]:
    """Status, media type and body of a Flask test response or a schemathesis response."""
    if hasattr(response, "mimetype"):
        return response.status_code, response.mimetype, response.get_data()
    headers = {k.lower(): v for k, v in response.headers.items()}
    content_type = headers.get("content-type", [""])[0]
    return response.status_code, content_type.split(";")[0].strip(), response.content


def check_answer(response: Any, *, allowed: tuple[int, ...] = (200,)) -> Any:
    """Assert the contract: an allowed success, or a JSON 4xx error whose ``status`` is the
    HTTP status (the one 5xx allowed is ``503 query_timeout`` for a runaway query)."""
    status, media, data = _parts(response)
    if status in allowed:
        return response
    assert media == "application/json", (status, media, data[:300])
    body = json.loads(data)
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    assert isinstance(body.get("message"), str) and body.get("status") == status, body
    assert 400 <= status < 500 or (status == 503 and body["error"] == "query_timeout"), body
    return response


def triples_of(data: bytes, media: str) -> set[tuple[str, str, str]]:
    """The triples of an RDF answer, parsed back with pyoxigraph."""
    return {(q.subject.value, q.predicate.value, q.object.value)
            for q in ox.parse(data, format=RDF_FORMATS[media])}


def parse_sparql_answer(media: str, data: bytes) -> int:
    """Parse a 200 /sparql answer back by its media type: the number of rows or triples."""
    if media in RDF_FORMATS:
        return len(triples_of(data, media))
    if media == "text/csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        assert rows and all(len(r) == len(rows[0]) for r in rows), data[:300]
        return len(rows) - 1
    parsed = ox.parse_query_results(data, format=RESULT_FORMATS[media])
    return 1 if isinstance(parsed, ox.QueryBoolean) else len(list(parsed))


def worker_pids(master: int) -> set[int]:
    """The gunicorn workers of ``master`` (its direct children running gunicorn)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == master and b"gunicorn" in (entry / "cmdline").read_bytes():
                pids.add(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return pids


def master_pid(url: str) -> int:
    """The gunicorn master serving ``url`` (the process whose parent does not serve it)."""
    bind = url.removeprefix("http://").encode()
    serving: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if bind in (entry / "cmdline").read_bytes():
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                serving[int(entry.name)] = ppid
        except (OSError, IndexError, ValueError):
            continue
    masters = [pid for pid, ppid in serving.items() if ppid not in serving]
    assert len(masters) == 1, serving
    return masters[0]

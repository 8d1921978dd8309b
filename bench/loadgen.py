"""A small closed-loop HTTP load generator: N threads, keep-alive http.client, bounded runs.

Each thread owns one connection and takes the next request from a shared list until the list,
the request budget or the time budget runs out. Every answer must be 2xx with a body; anything
else is counted as an error (with the first status and body kept for the report).
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["Request", "RunResult", "fetch", "percentile", "run"]


@dataclass(frozen=True)
class Request:
    """One HTTP request: method, path (with query string), body, headers."""

    method: str
    path: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class RunResult:
    """Latencies (seconds) of the successful requests, errors, and the wall time."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    wall: float = 0.0
    concurrency: int = 1

    @property
    def throughput(self) -> float:
        """Successful requests per second over the run."""
        return len(self.latencies) / self.wall if self.wall > 0 else 0.0

    def summary(self) -> dict[str, float | int | str]:
        """p50/p90/p99 in milliseconds, requests, errors, throughput."""
        return {"requests": len(self.latencies), "errors": self.errors,
                "p50_ms": round(percentile(self.latencies, 50) * 1000, 3),
                "p90_ms": round(percentile(self.latencies, 90) * 1000, 3),
                "p99_ms": round(percentile(self.latencies, 99) * 1000, 3),
                "rps": round(self.throughput, 2), "first_error": self.first_error}


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (0 for no values).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.0
    """
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil
    return ordered[int(rank) - 1]


def _connection(base: str, timeout: float) -> http.client.HTTPConnection:
    parts = urlsplit(base)
    assert parts.hostname in ("127.0.0.1", "localhost"), "loopback only"
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)


def fetch(base: str, request: Request, *, timeout: float = 120.0) -> tuple[int, bytes]:
    """Send one request on a new connection; return status and body."""
    conn = _connection(base, timeout)
    try:
        conn.request(request.method, request.path, body=request.body,
                     headers=dict(request.headers))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def run(base: str, requests: list[Request], *, concurrency: int, max_seconds: float,
        timeout: float = 30.0) -> RunResult:
    """Send ``requests`` (each at most once) with ``concurrency`` threads, for at most
    ``max_seconds`` (requests in flight finish, each within ``timeout`` seconds or counted as
    an error; none start after the deadline)."""
    result = RunResult(concurrency=concurrency)
    lock = threading.Lock()
    cursor = iter(range(len(requests)))
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        conn = _connection(base, timeout)
        try:
            while time.monotonic() < deadline:
                with lock:
                    index = next(cursor, None)
                if index is None:
                    return
                req = requests[index]
                started = time.perf_counter()
                try:
                    conn.request(req.method, req.path, body=req.body, headers=dict(req.headers))
                    response = conn.getresponse()
                    body = response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = _connection(base, timeout)
                    status, body = 0, repr(exc).encode()
                elapsed = time.perf_counter() - started
                with lock:
                    if 200 <= status < 300 and body:
                        result.latencies.append(elapsed)
                    else:
                        result.errors += 1
                        if not result.first_error:
                            result.first_error = f"{status}: {body[:300]!r}"
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max_seconds + timeout + 5)
    result.wall = time.perf_counter() - started
    return result

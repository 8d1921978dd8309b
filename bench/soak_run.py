"""Soak: ``dikg serve`` (gunicorn, on-disk oxigraph store) under 32 closed-loop clients for N
minutes, a monitor that scrapes /health and /metrics and sends a runaway query now and then,
worker RSS sampled throughout; writes bench/soak-report.md and bench/soak-report.json.

Loopback only; every loop is bounded by the run's deadline and a request budget; the server is
stopped (SIGTERM, then SIGKILL of its process group) however the run ends.
"""

from __future__ import annotations

import argparse
import http.client
import random
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from soak_report import write_reports
from soak_server import (
    WORK,
    log_problems,
    process_rss,
    requests_by_worker,
    scrape_total,
    start_server,
    stop_server,
)
from soak_workload import KINDS, RUNAWAY, Request, check_response, pick

ROOT = Path(__file__).resolve().parent.parent


class Stats:
    """Thread-safe per-kind, per-minute counts and latencies."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.lock = threading.Lock()
        self.cells: dict[tuple[str, int], dict[str, Any]] = defaultdict(
            lambda: {"n": 0, "errors": 0, "lat": [], "statuses": defaultdict(int)})
        self.samples: dict[str, list[str]] = defaultdict(list)  # kind -> first error texts
        self.reconnects = 0

    def record(self, kind: str, sent: float, seconds: float, status: int,
               problem: str | None) -> None:
        minute = int((sent - self.started) // 60)
        with self.lock:
            cell = self.cells[(kind, minute)]
            cell["n"] += 1
            cell["lat"].append(seconds)
            cell["statuses"][status] += 1
            if problem:
                cell["errors"] += 1
                if len(self.samples[kind]) < 5:
                    self.samples[kind].append(problem)

    def total(self) -> int:
        with self.lock:
            return sum(c["n"] for c in self.cells.values())


class Connection:
    """A keep-alive HTTP/1.1 connection that reopens once when the server closed it idle."""

    def __init__(self, port: int, stats: Stats, timeout: float) -> None:
        self.port, self.stats, self.timeout = port, stats, timeout
        self.conn: http.client.HTTPConnection | None = None

    def send(self, request: Request) -> tuple[int, str, bytes]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=self.timeout)
            reused = self.conn.sock is not None
            try:
                self.conn.request(request.method, request.path, body=request.body,
                                  headers=dict(request.headers))
                response = self.conn.getresponse()
                body = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, response.getheader("Content-Type", ""), body
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if not reused or attempt == 2:  # only a stale keep-alive socket is retried
                    raise
                with self.stats.lock:
                    self.stats.reconnects += 1
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def client(seed: int, port: int, stats: Stats, deadline: float, budget: list[int]) -> None:
    """One closed-loop client: next request as soon as the last one is answered."""
    rng = random.Random(seed)
    connection = Connection(port, stats, timeout=60)
    try:
        while time.monotonic() < deadline:
            with stats.lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            request = pick(rng)
            sent = time.monotonic()
            try:
                status, content_type, body = connection.send(request)
                problem = check_response(request, status, content_type, body)
            except (OSError, http.client.HTTPException) as exc:
                status, problem = 0, f"{type(exc).__name__}: {exc}"
                connection.close()
            stats.record(request.kind, sent, time.monotonic() - sent, status, problem)
    finally:
        connection.close()


def monitor(port: int, stats: Stats, deadline: float, runaway_every: float,
            rss: list[dict[str, Any]], master: int, scrape_every: float = 5.0) -> None:
    """Prometheus-like scrapes, a runaway query every ``runaway_every`` s, RSS samples."""
    connection = Connection(port, stats, timeout=60)
    health = Request("health", "GET", "/health", media="application/json")
    metrics = Request("metrics", "GET", "/metrics", media="text/plain")
    runaway = Request("runaway", "POST", "/sparql", RUNAWAY.encode(),
                      (("Content-Type", "application/sparql-query"),), expect=(503,))
    next_runaway = time.monotonic() + 20
    while time.monotonic() < deadline:
        rss.append({"t": round(time.monotonic() - stats.started, 1), **process_rss(master)})
        todo = [health, metrics]
        if time.monotonic() >= next_runaway:
            todo.append(runaway)
            next_runaway += runaway_every
        for request in todo:
            sent = time.monotonic()
            try:
                status, content_type, body = connection.send(request)
                problem = check_response(request, status, content_type, body)
                if request is runaway and b"query_timeout" not in body:
                    problem = f"runaway answered {status} without query_timeout: {body[:200]!r}"
            except (OSError, http.client.HTTPException) as exc:
                status, problem = 0, f"{type(exc).__name__}: {exc}"
                connection.close()
            stats.record(request.kind, sent, time.monotonic() - sent, status, problem)
        time.sleep(max(0.0, min(scrape_every, deadline - time.monotonic())))
    connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--no-ansm", dest="ansm", action="store_false",
                        help="leave the ANSM thesaurus out of the store")
    parser.add_argument("--runaway-every", type=float, default=30.0, help="seconds")
    parser.add_argument("--max-requests", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--without", action="append", default=[], metavar="KIND",
                        choices=[k.name for k in KINDS],
                        help="leave a request kind out of the mix (diagnosis; repeatable)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "soak-report")
    args = parser.parse_args(argv)
    KINDS[:] = [k for k in KINDS if k.name not in args.without]
    port = args.port or _free_port()
    process, log = start_server(port, args.workers, args.ansm)
    try:
        return _soak(args, port, process, log)
    finally:
        stop_server(process)


def _soak(args: argparse.Namespace, port: int, process: subprocess.Popen[bytes],
          log: Path) -> int:
    boot = process_rss(process.pid)
    started = time.monotonic()
    deadline = started + args.minutes * 60
    stats, budget = Stats(started), [args.max_requests]
    rss: list[dict[str, Any]] = []
    threads = [threading.Thread(target=client, args=(args.seed * 1000 + i, port, stats,
                                                     deadline, budget), daemon=True)
               for i in range(args.clients)]
    threads.append(threading.Thread(target=monitor, args=(port, stats, deadline,
                                                          args.runaway_every, rss, process.pid),
                                    daemon=True))
    print(f"soak: {args.clients} clients for {args.minutes:g} min against "
          f"http://127.0.0.1:{port}/ ({args.workers} workers)", flush=True)
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads) and time.monotonic() < deadline + 90:
        time.sleep(min(30.0, max(1.0, deadline - time.monotonic())))
        print(f"soak: {time.monotonic() - started:6.0f} s, {stats.total()} requests", flush=True)
    for thread in threads:
        thread.join(timeout=max(0.1, deadline + 120 - time.monotonic()))
    end = process_rss(process.pid)
    counted = scrape_total(port)
    report = write_reports(args=vars(args) | {"out": str(args.out)}, stats=stats, boot=boot,
                           rss=rss, end=end, metrics_total=counted, log=log_problems(log),
                           by_worker=requests_by_worker(WORK / "metrics"),
                           elapsed=time.monotonic() - started, out=args.out)
    print(f"soak: wrote {args.out}.md and {args.out}.json; verdict: {report['verdict']}")
    return 0 if report["verdict"] == "pass" else 1


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    raise SystemExit(main())

"""Start and stop the servers under test on 127.0.0.1: ``oxigraph serve`` and the service.

Both are context managers that time start-up (process start to first good answer), yield a
:class:`Server` and always stop the process group. :func:`memory` sums RSS and USS over a
process tree (gunicorn master, workers, query children).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from live import free_port, stop_process, wait_http  # noqa: E402

__all__ = ["BIN", "Server", "build_indexes", "memory", "oxigraph_serve", "service"]

BIN = ROOT / ".venv" / "bin"


@dataclass
class Server:
    """A running server: base URL, its process, how long it took to answer."""

    base: str
    process: subprocess.Popen[bytes]
    start_seconds: float
    log: Path


def memory(pid: int) -> dict[str, object]:
    """RSS and USS (MiB) of a process and its descendants, per process and in total."""
    root = psutil.Process(pid)
    rows = []
    for proc in [root, *root.children(recursive=True)]:
        try:
            info = proc.memory_full_info()
            rows.append({"pid": proc.pid, "role": _role(proc, root),
                         "name": " ".join(proc.cmdline()[:3])[-60:],
                         "rss_mib": round(info.rss / 2**20, 1),
                         "uss_mib": round(info.uss / 2**20, 1)})
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return {"processes": rows,
            "rss_total_mib": round(sum(float(r["rss_mib"]) for r in rows), 1),  # type: ignore[arg-type]
            "uss_total_mib": round(sum(float(r["uss_mib"]) for r in rows), 1)}  # type: ignore[arg-type]


def _role(proc: psutil.Process, root: psutil.Process) -> str:
    """master, worker, forkserver, resource tracker or query process."""
    if proc.pid == root.pid:
        return "master" if "gunicorn" in " ".join(proc.cmdline()) else "server"
    line = " ".join(proc.cmdline())
    parent = proc.parent()
    if "resource_tracker" in line:
        return "resource tracker"
    if "forkserver" in line:
        return "query process" if parent and "forkserver" in " ".join(parent.cmdline()) \
            else "forkserver"
    return "worker" if parent and parent.pid == root.pid else "other"


def _start(command: list[str], ready_path: str, log: Path, *, env: Mapping[str, str] | None,
           timeout: float) -> tuple[subprocess.Popen[bytes], str, float]:
    port = free_port()
    command = [part.replace("{PORT}", str(port)) for part in command]
    base = f"http://127.0.0.1:{port}"
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})},
                                   stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_http(base + ready_path, timeout=timeout, process=process, log=log)
    except BaseException:
        stop_process(process)
        raise
    return process, base, time.perf_counter() - started


@contextmanager
def oxigraph_serve(location: Path, log: Path, *, timeout: float = 120.0) -> Iterator[Server]:
    """``oxigraph serve`` over a prebuilt directory (the raw engine as a server)."""
    command = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location),
               "--bind", "127.0.0.1:{PORT}"]
    process, base, seconds = _start(command, "/query?query=ASK%7B%7D", log, env=None,
                                    timeout=timeout)
    try:
        yield Server(base, process, seconds, log)
    finally:
        stop_process(process)


def build_indexes(store: Path, log: Path, *, timeout: float = 1800.0) -> dict[str, object]:
    """``dikg index --rebuild`` on a prebuilt store (what ``dikg serve``'s master does before
    it starts workers): the per-version name, label and safety indexes saved beside the store,
    timed apart from the load."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("wb") as sink:
        done = subprocess.run([str(BIN / "dikg"), "index", "--store", str(store), "--rebuild"],
                              cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, timeout=timeout,
                              check=False)
    seconds = time.perf_counter() - started
    return {"ok": done.returncode == 0, "seconds": round(seconds, 3),
            "output": log.read_text(errors="replace")[-300:].strip()}


@contextmanager
def service(store: Path, log: Path, *, workers: int, cache_size: int,
            query_timeout: float | None = None, warm_up: bool = True,
            timeout: float = 300.0) -> Iterator[Server]:
    """The service under gunicorn over a prebuilt directory store opened read-only by each
    worker (``LOAD_ON_START`` off: no parsing at start-up), with the gunicorn command line of
    ``dikg serve`` (its worker class, threads and config). Workers load the saved indexes
    (:func:`build_indexes`) when present, else one of them builds them."""
    env = {"FLASK_GRAPH_SERVICE_STORE": "oxigraph",
           "FLASK_GRAPH_SERVICE_STORE_PATH": str(store),
           "FLASK_GRAPH_SERVICE_LOAD_ON_START": "false",
           "FLASK_GRAPH_SERVICE_CACHE_SIZE": str(cache_size)}
    if query_timeout is not None:
        env["FLASK_GRAPH_SERVICE_QUERY_TIMEOUT"] = str(query_timeout)
    if not warm_up:  # per-version indexes built on first use instead of at start-up
        env["FLASK_GRAPH_SERVICE_WARM_UP"] = "false"
    from graph_service.cli.serve import gunicorn_command

    command = [part.replace("127.0.0.1:1", "127.0.0.1:{PORT}") for part in
               gunicorn_command(host="127.0.0.1", port=1, workers=workers)]
    process, base, seconds = _start(command, "/health", log, env=env, timeout=timeout)
    try:
        yield Server(base, process, seconds, log)
    finally:
        stop_process(process)

"""Helpers that start REAL server processes on 127.0.0.1 for live tests, and always stop them.

``oxigraph_server(files)`` runs the ``oxigraph`` binary of the virtualenv over a fresh directory
loaded with ``files``; ``service(env)`` runs the service under gunicorn. Both wait for readiness
with a bounded loop and stop the process (terminate, then kill) when the ``with`` block ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

__all__ = [
    "BIN",
    "OxigraphServer",
    "free_port",
    "oxigraph_server",
    "service",
    "stop_process",
    "wait_http",
]

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


class OxigraphServer(str):
    """The base URL of a running ``oxigraph serve`` (a ``str``), with its endpoint URLs."""

    pid: int

    @property
    def query_url(self) -> str:
        """SPARQL query endpoint."""
        return f"{self}/query"

    @property
    def update_url(self) -> str:
        """SPARQL update endpoint."""
        return f"{self}/update"

    @property
    def store_url(self) -> str:
        """Graph Store Protocol endpoint."""
        return f"{self}/store"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_http(url: str, *, timeout: float = 60.0, process: subprocess.Popen[bytes] | None = None,
              log: Path | None = None) -> None:
    """Poll ``url`` until it answers 2xx; at most ``timeout`` seconds, 0.1 s apart.

    :raises RuntimeError: when the process exits first or the time runs out (with its log tail).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before {url} answered"
                               f"{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if 200 <= response.status < 300:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s{_tail(log)}")


def _tail(log: Path | None) -> str:
    if log is None or not log.exists():
        return ""
    return "\n--- server log (tail) ---\n" + log.read_text(errors="replace")[-3000:]


def stop_process(process: subprocess.Popen[bytes], *, grace: float = 10.0) -> None:
    """Stop ``process`` and its process group: SIGTERM, wait ``grace`` seconds, then SIGKILL."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    # workers and query children left behind by a crashed master share its process group
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait(timeout=grace)


@contextmanager
def oxigraph_server(data_files: Iterable[Path | str] = (), *,
                    timeout: float = 60.0) -> Iterator[OxigraphServer]:
    """Run ``oxigraph serve`` on a free 127.0.0.1 port over a new directory holding ``data_files``.

    Yields the base URL (an :class:`OxigraphServer`: ``.query_url``, ``.update_url``,
    ``.store_url``). Files are loaded into the default graph with ``oxigraph load`` first
    (format guessed from the extension). The directory and process are removed at the end.
    """
    workdir = Path(tempfile.mkdtemp(prefix="dikg-oxigraph-"))
    location = workdir / "store"
    log = workdir / "server.log"
    files = [str(Path(f)) for f in data_files]
    try:
        if files:
            subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(location),
                            "--file", *files], check=True, capture_output=True, timeout=timeout)
        port = free_port()
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [str(BIN / "oxigraph"), "serve", "--location", str(location),
                 "--bind", f"127.0.0.1:{port}"],
                stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            base = OxigraphServer(f"http://127.0.0.1:{port}")
            base.pid = process.pid
            wait_http(f"{base}/query?query=ASK%7B%7D", timeout=timeout, process=process, log=log)
            yield base
        finally:
            stop_process(process)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def service(env: Mapping[str, str], *, workers: int = 2, timeout: float = 90.0,
            extra_args: Iterable[str] = ()) -> Iterator[str]:
    """Run the service under the REAL gunicorn (``graph_service.wsgi:app``) on a free port.

    ``env`` adds ``FLASK_GRAPH_SERVICE_*`` settings to this process's environment. Yields the
    base URL (``http://127.0.0.1:PORT``) once ``/health`` answers 200 (bounded by ``timeout``),
    and stops gunicorn with its workers and query processes at the end.

    Note: several workers cannot open one on-disk oxigraph store read-write; for a directory
    store build it first (``prepare_store``) and pass ``FLASK_GRAPH_SERVICE_LOAD_ON_START=0``
    so each worker opens it read-only (what ``dikg serve`` does).
    """
    port = free_port()
    full_env = {**os.environ, **env}
    workdir = Path(tempfile.mkdtemp(prefix="dikg-service-"))
    log = workdir / "gunicorn.log"
    command = [str(BIN / "gunicorn"), "-w", str(workers), "--bind", f"127.0.0.1:{port}",
               "--timeout", "120", "--graceful-timeout", "5", *extra_args,
               "graph_service.wsgi:app"]
    try:
        with log.open("wb") as sink:
            process = subprocess.Popen(command, env=full_env, cwd=ROOT, stdout=sink,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_http(f"{base}/health", timeout=timeout, process=process, log=log)
            yield base
        finally:
            stop_process(process)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

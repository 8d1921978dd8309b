"""gunicorn settings for ``dikg serve``: connections spread over workers, metrics across workers.

Loaded with ``gunicorn -c python:graph_service.gunicorn_conf``.

``keepalive = 0``: each connection is closed after its response. gthread workers accept
connections greedily, so with keep-alive a set of long-lived client connections piles onto one
worker (soak, 2 workers, 32 keep-alive clients: 4777 of 4793 requests on one worker, 72 req/s);
closing after each response lets every new connection go to whichever worker is free (3010 and
3166 requests, 96 req/s). On loopback or a LAN the extra TCP handshake costs well under a
millisecond. Override with ``GUNICORN_CMD_ARGS="--keep-alive 2"`` behind a proxy that balances.

When ``PROMETHEUS_MULTIPROC_DIR`` is set, the master empties it before the first worker starts (old
files would add stale counts) and drops the live-gauge files of every worker that exits
(restarted or killed workers leave their counters in the totals, as Prometheus expects).
A directory ``dikg serve`` made for the run (``dikg-metrics-*``) is removed when gunicorn exits.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

__all__ = ["child_exit", "keepalive", "on_exit", "on_starting"]

keepalive = 0


def on_starting(server: Any) -> None:
    """Create the metrics directory, or empty it of a previous run's files."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """Forget the live gauges of a worker that exited."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    """Remove the run's own metrics directory (one an operator named is left in place)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory and Path(directory).name.startswith("dikg-metrics-"):
        shutil.rmtree(directory, ignore_errors=True)

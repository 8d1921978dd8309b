"""The soak's server side: ``dikg serve`` started and stopped, process RSS, what the server
itself reports (/metrics totals, requests per worker, its log)."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from contextlib import suppress
from pathlib import Path
from typing import Any

__all__ = ["WORK", "log_problems", "process_rss", "requests_by_worker", "scrape_total",
           "start_server", "stop_server"]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORK = ROOT / "bench" / "work" / "soak"


def _children() -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError, IndexError, ValueError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                found[ppid].append(int(entry.name))
    return found


def _rss_kb(pid: int) -> int:
    with suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def process_rss(master: int) -> dict[str, Any]:
    """RSS in MiB of the master, each worker, and each worker's query processes (summed)."""
    children = _children()
    workers = sorted(children.get(master, []))
    return {"master": round(_rss_kb(master) / 1024, 1),
            "workers": {str(w): round(_rss_kb(w) / 1024, 1) for w in workers},
            "query_processes": {str(w): round(sum(_rss_kb(c) for c in children.get(w, []))
                                              / 1024, 1) for w in workers}}


def start_server(port: int, workers: int, ansm: bool) -> tuple[subprocess.Popen[bytes], Path]:
    """``dikg serve`` on 127.0.0.1:port over bench/work/soak/store; waits for /ready."""
    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / "serve.log"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(WORK / "metrics")}
    command = [str(BIN / "dikg"), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--data-dir", str(WORK / "store"),
               "--ansm" if ansm else "--no-ansm"]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                   start_new_session=True, cwd=ROOT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"dikg serve exited with {process.returncode}; see {log}")
        with suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/ready")
            if conn.getresponse().status == 200:
                conn.close()
                return process, log
        time.sleep(0.25)
    stop_server(process)
    raise SystemExit(f"dikg serve was not ready within 300 s; see {log}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, wait 20 s, then SIGKILL it."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=20)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait(timeout=20)


def scrape_total(port: int) -> float:
    """The sum of dikg_http_requests_total over every label, as /metrics reports it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("dikg_http_requests_total{"))


ERROR_MARKERS = ("Traceback", "[ERROR]", "[CRITICAL]", "WORKER TIMEOUT", "unhandled error",
                 "Exception", "Error:")


def requests_by_worker(metrics_dir: Path) -> dict[str, float]:
    """Requests each worker counted, from the multiprocess files (``counter_<pid>.db``)."""
    from prometheus_client.mmap_dict import MmapedDict

    counts: dict[str, float] = {}
    for path in sorted(metrics_dir.glob("counter_*.db")):
        values = MmapedDict(str(path), read_mode=True)  # type: ignore[no-untyped-call]
        try:
            counts[path.stem.split("_", 1)[1]] = sum(
                value for key, value, _ in values.read_all_values()  # type: ignore[no-untyped-call]
                if '"dikg_http_requests"' in key)
        finally:
            values.close()  # type: ignore[no-untyped-call]
    return counts


def log_problems(log: Path) -> dict[str, Any]:
    """Error lines of the server log, and 5xx other than 503 in its JSON access lines."""
    errors: list[str] = []
    server_errors = access = 0
    with log.open(errors="replace") as lines:
        for line in lines:
            if line.startswith('{"time"'):
                access += 1
                server_errors += '"status":5' in line and '"status":503' not in line
            elif any(marker in line for marker in ERROR_MARKERS):
                errors.append(line.rstrip()[:300])
    return {"access_lines": access, "error_lines": len(errors), "first_errors": errors[:20],
            "status_5xx_other_than_503": server_errors}

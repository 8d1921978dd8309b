"""Load benchmarks: each loader runs in its own process; wall time and peak RSS via wait4.

Loaders: ``dikg load FILE --store DIR --no-index`` (ours, into a new on-disk store; its
per-version indexes are built and timed apart by ``dikg index``, see servers.build_indexes; the
start-up ontology and the file stream through one pyoxigraph bulk load; the ontology's SHACL
validation is remembered by content hash in the user cache, ``$DIKG_CACHE_DIR``, so only the
first run on a machine pays it, ~2-3 s, which the median of repeated runs leaves out),
``oxigraph load`` (the Rust CLI from PyPI), pyoxigraph's ``bulk_load`` straight from the file
(the engine's floor in a Python process), and rdflib's Memory store (only for small files: it is
slow).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LOADERS", "LoadRun", "run_loader"]

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
_BULK = ("import sys, pyoxigraph as ox; s = ox.Store(sys.argv[2]); "
         "s.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES); s.flush(); "
         "print(len(s))")
_RDFLIB = ("import sys; from rdflib import Graph; g = Graph(); "
           "g.parse(sys.argv[1], format='nt'); print(len(g))")


@dataclass(frozen=True)
class LoadRun:
    """One load: seconds, peak RSS (MiB), store size on disk (MiB, 0 in memory)."""

    loader: str
    seconds: float
    peak_rss_mib: float
    disk_mib: float
    ok: bool
    output: str


def _command(loader: str, data: Path, target: Path) -> list[str]:
    python = str(BIN / "python")
    if loader == "dikg load":
        return [str(BIN / "dikg"), "load", str(data), "--store", str(target), "--no-index"]
    if loader == "oxigraph load":
        return [str(BIN / "oxigraph"), "load", "--location", str(target), "--file", str(data)]
    if loader == "pyoxigraph bulk_load":
        return [python, "-c", _BULK, str(data), str(target)]
    if loader == "rdflib Memory":
        return [python, "-c", _RDFLIB, str(data)]
    raise ValueError(loader)


LOADERS = ("dikg load", "oxigraph load", "pyoxigraph bulk_load", "rdflib Memory")


def _disk(path: Path) -> float:
    if not path.exists():
        return 0.0
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


def run_loader(loader: str, data: Path, target: Path, *, log: Path,
               timeout: float = 900.0) -> LoadRun:
    """Run one loader into a fresh ``target`` directory; time it and read its own peak RSS
    from ``wait4`` (polled, bounded by ``timeout``; killed past it)."""
    shutil.rmtree(target, ignore_errors=True)
    env = {**os.environ, "FLASK_GRAPH_SERVICE_EXTRA_DATA": ""}
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("wb") as sink:
        process = subprocess.Popen(_command(loader, data, target), cwd=ROOT, env=env,
                                   stdout=sink, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    deadline = started + timeout
    status, usage = 0, None
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            _, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return LoadRun(loader, round(seconds, 3), round(usage.ru_maxrss / 1024, 1), _disk(target),
                   process.returncode == 0, log.read_text(errors="replace")[-400:])

"""``/sparql`` per-request overhead: the service vs ``oxigraph serve-read-only`` on ONE store.

``python bench/overhead.py --store DIR --hubs FILE.json [--rounds 5] [--requests 20]`` starts
both servers on the same directory (so the store layout is out of the comparison), then for
each round and each benchmark question sends the same ``--requests`` requests at concurrency 1
to the raw server and to the service back to back, and prints per-round p50s and the median
p50 and ours/raw ratio over the rounds as JSON. The service runs as ``dikg serve`` runs it
(gunicorn command line, multiprocess metrics directory, cache off, warm-up off).
``--baseline DIR`` serves another checkout as well (``before``), for before/after figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import loadgen  # noqa: E402
import servers  # noqa: E402
import workloads as wl  # noqa: E402

__all__ = ["main"]


@contextmanager
def _baseline(root: Path, store: Path, log: Path, *, workers: int) -> Iterator[servers.Server]:
    """Another checkout served like :func:`servers.service`, run from its own directory."""
    from live import free_port, stop_process, wait_http

    from graph_service.cli.serve import gunicorn_command

    port = free_port()
    command = gunicorn_command(host="127.0.0.1", port=port, workers=workers)
    env = {**os.environ, "PYTHONPATH": str(root), "FLASK_GRAPH_SERVICE_STORE": "oxigraph",
           "FLASK_GRAPH_SERVICE_STORE_PATH": str(store),
           "FLASK_GRAPH_SERVICE_LOAD_ON_START": "false", "FLASK_GRAPH_SERVICE_CACHE_SIZE": "0",
           "FLASK_GRAPH_SERVICE_WARM_UP": "false"}
    started = time.perf_counter()
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=sink,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", timeout=300, process=process, log=log)
        yield servers.Server(f"http://127.0.0.1:{port}", process,
                             time.perf_counter() - started, log)
    finally:
        stop_process(process)


def main(argv: list[str] | None = None) -> None:
    """Start both servers, alternate the cells, print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--hubs", type=Path, required=True, help="a gen.py sidecar .json")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kinds", default=",".join(wl.KINDS))
    parser.add_argument("--cell-seconds", type=float, default=20.0)
    parser.add_argument("--baseline", type=Path,
                        help="another checkout (e.g. `git archive` of an older commit) served "
                             "side by side as 'before' (gunicorn --chdir)")
    args = parser.parse_args(argv)
    hubs = json.loads(args.hubs.read_text())["hubs"]
    kinds = [k for k in args.kinds.split(",") if k]
    logs = Path(tempfile.mkdtemp(prefix="dikg-overhead-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="dikg-metrics-")
    p50: dict[tuple[str, str], list[float]] = {}
    with ExitStack() as stack:
        targets = [("raw", stack.enter_context(servers.oxigraph_serve(args.store,
                                                                       logs / "raw.log")))]
        if args.baseline is not None:
            targets.append(("before", stack.enter_context(
                _baseline(args.baseline.resolve(), args.store, logs / "before.log",
                          workers=args.workers))))
        targets.append(("ours", stack.enter_context(servers.service(
            args.store, logs / "ours.log", workers=args.workers, cache_size=0, warm_up=False))))
        for kind in kinds:  # warm-up: page cache, workers, query processes
            for name, server in targets:
                warm = [wl.sparql_request(kind, wl.params_for(kind, hubs, 5000 + i),
                                          raw=name == "raw") for i in range(4 * args.workers)]
                loadgen.run(server.base, warm, concurrency=2, max_seconds=args.cell_seconds)
        for r in range(args.rounds):
            for kind in kinds:
                params = [wl.params_for(kind, hubs, 1000 * r + i) for i in range(args.requests)]
                order = [(name, server.base) for name, server in targets]
                for name, base in order if r % 2 == 0 else order[::-1]:
                    reqs = [wl.sparql_request(kind, p, raw=name == "raw") for p in params]
                    cell = loadgen.run(base, reqs, concurrency=1, max_seconds=args.cell_seconds)
                    if cell.errors:
                        raise SystemExit(f"{name} {kind}: {cell.first_error}")
                    p50.setdefault((kind, name), []).append(
                        loadgen.percentile(cell.latencies, 50) * 1000)
                cells = ", ".join(f"{name} {p50[(kind, name)][-1]:.2f} ms" for name, _ in order)
                print(f"[{time.strftime('%H:%M:%S')}] round {r + 1} {kind}: {cells}",
                      file=sys.stderr, flush=True)
    summary: dict[str, dict[str, object]] = {}
    for kind in kinds:
        raw_ms = p50[(kind, "raw")]
        row: dict[str, object] = {"raw_p50_ms": round(statistics.median(raw_ms), 2)}
        for name in ("before", "ours"):
            if (kind, name) not in p50:
                continue
            ms = p50[(kind, name)]
            row[f"{name}_p50_ms"] = round(statistics.median(ms), 2)
            row[f"{name}_ratio"] = round(statistics.median(
                o / w for o, w in zip(ms, raw_ms, strict=True)), 2)
            row[f"{name}_runs"] = [round(x, 2) for x in ms]
        if (kind, "before") in p50:
            row["ours_vs_before"] = round(statistics.median(
                o / b for o, b in zip(p50[(kind, "ours")], p50[(kind, "before")], strict=True)), 3)
        row["raw_runs"] = [round(x, 2) for x in raw_ms]
        summary[kind] = row
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

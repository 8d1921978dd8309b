"""``/sparql`` per-request overhead: the service vs ``oxigraph serve-read-only`` on ONE store.

``python bench/overhead.py --store DIR --hubs FILE.json [--rounds 5] [--requests 20]`` starts
both servers on the same directory (so the store layout is out of the comparison), then for
each round and each benchmark question sends the same ``--requests`` requests at concurrency 1
to the raw server and to the service back to back, and prints per-round p50s and the median
p50 and ours/raw ratio over the rounds as JSON. The service runs as ``dikg serve`` runs it
(gunicorn command line, multiprocess metrics directory, cache off, warm-up off).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import loadgen  # noqa: E402
import servers  # noqa: E402
import workloads as wl  # noqa: E402

__all__ = ["main"]


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
    args = parser.parse_args(argv)
    hubs = json.loads(args.hubs.read_text())["hubs"]
    kinds = [k for k in args.kinds.split(",") if k]
    logs = Path(tempfile.mkdtemp(prefix="dikg-overhead-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="dikg-metrics-")
    p50: dict[tuple[str, str], list[float]] = {}
    with servers.oxigraph_serve(args.store, logs / "raw.log") as raw, \
            servers.service(args.store, logs / "ours.log", workers=args.workers, cache_size=0,
                            warm_up=False) as ours:
        for kind in kinds:  # warm-up: page cache, workers, query processes
            for base, is_raw in ((raw.base, True), (ours.base, False)):
                warm = [wl.sparql_request(kind, wl.params_for(kind, hubs, 5000 + i), raw=is_raw)
                        for i in range(4 * args.workers)]
                loadgen.run(base, warm, concurrency=2, max_seconds=args.cell_seconds)
        for r in range(args.rounds):
            for kind in kinds:
                params = [wl.params_for(kind, hubs, 1000 * r + i) for i in range(args.requests)]
                order = (("raw", raw.base), ("ours", ours.base))
                for name, base in order if r % 2 == 0 else order[::-1]:
                    reqs = [wl.sparql_request(kind, p, raw=name == "raw") for p in params]
                    cell = loadgen.run(base, reqs, concurrency=1, max_seconds=args.cell_seconds)
                    if cell.errors:
                        raise SystemExit(f"{name} {kind}: {cell.first_error}")
                    p50.setdefault((kind, name), []).append(
                        loadgen.percentile(cell.latencies, 50) * 1000)
                print(f"[{time.strftime('%H:%M:%S')}] round {r + 1} {kind}: raw "
                      f"{p50[(kind, 'raw')][-1]:.2f} ms, ours {p50[(kind, 'ours')][-1]:.2f} ms",
                      file=sys.stderr, flush=True)
    summary = {}
    for kind in kinds:
        raw_ms, ours_ms = p50[(kind, "raw")], p50[(kind, "ours")]
        summary[kind] = {"raw_p50_ms": round(statistics.median(raw_ms), 2),
                         "ours_p50_ms": round(statistics.median(ours_ms), 2),
                         "ratio": round(statistics.median(o / w for o, w in
                                                          zip(ours_ms, raw_ms, strict=True)), 2),
                         "raw_runs": [round(x, 2) for x in raw_ms],
                         "ours_runs": [round(x, 2) for x in ours_ms]}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

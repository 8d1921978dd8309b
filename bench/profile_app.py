"""Profile requests to the service in-process with pyinstrument (cache off, isolation optional).

``python bench/profile_app.py --store DIR --what check|pairwise|contraindications -o FILE``
opens the prebuilt store read-only, sends a warm-up request through Flask's test client, then
profiles up to 10 requests with different parameters (no new one after ``--max-seconds``) and
writes pyinstrument's text report; prints the latencies as JSON. ``--bindings values`` tries the
change proposed for the embedded backend: bound values sent as ``VALUES`` blocks opening every
group (as the remote backend does) instead of pyoxigraph ``substitutions``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import workloads as wl  # noqa: E402

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Build the app over the store, profile the requests, write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--what", choices=["check", "pairwise", "contraindications"],
                        required=True)
    parser.add_argument("--hubs", required=True, help="JSON list of {iri, label}")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--max-seconds", type=float, default=30.0)
    parser.add_argument("--bindings", choices=["substitutions", "values"],
                        default="substitutions")
    parser.add_argument("--isolation", choices=["none", "process"], default="none",
                        help="process: queries run in the query processes as served (the "
                             "profile then shows the parent's side and the wait on the pipe; "
                             "--bindings values then does not reach them)")
    args = parser.parse_args(argv)
    from pyinstrument import Profiler

    from graph_service import create_app

    if args.bindings == "values":
        _values_bindings()

    hubs = json.loads(args.hubs)
    started = time.perf_counter()
    app = create_app({"GRAPH_SERVICE_STORE_PATH": str(args.store),
                      "GRAPH_SERVICE_LOAD_ON_START": False,
                      "GRAPH_SERVICE_ISOLATION": args.isolation,
                      "GRAPH_SERVICE_CACHE_SIZE": 0, "GRAPH_SERVICE_WARM_UP": False})
    boot = time.perf_counter() - started
    client = app.test_client()

    def send(i: int) -> int:
        if args.what == "check":
            names = [d["label"] for d in wl.panel(hubs, 9000 + i)]
            return int(client.post("/api/v1/check", json={"drugs": names}).status_code)
        text = wl.sparql_text(args.what, wl.params_for(args.what, hubs, 9000 + i))
        return int(client.post("/sparql", data=urlencode({"query": text}),
                               content_type="application/x-www-form-urlencoded",
                               headers={"Accept": "application/sparql-results+json"}).status_code)

    began = time.perf_counter()
    statuses = [send(0)]  # builds the per-version indexes (name, labels, safety claims)
    first = time.perf_counter() - began
    profiler = Profiler(interval=0.001)
    profiler.start()
    started = time.perf_counter()
    latencies = []
    for i in range(1, 11):
        if time.perf_counter() - started > args.max_seconds:
            break
        began = time.perf_counter()
        statuses.append(send(i))
        latencies.append(time.perf_counter() - began)
    profiler.stop()
    mean = sum(latencies) / len(latencies)
    header = (f"# {args.what} ({args.bindings}): {len(latencies)} requests, {mean * 1000:.1f} ms "
              f"each on average; create_app on the prebuilt store {boot:.2f} s (warm-up off); "
              f"first request {first:.2f} s; "
              f"statuses {sorted(set(statuses))}\n")
    args.output.write_text(header + profiler.output_text(unicode=False, color=False,
                                                         show_all=False))
    print(json.dumps({"latencies_ms": [round(x * 1000, 2) for x in latencies],
                      "statuses": statuses, "boot_s": round(boot, 3),
                      "first_request_s": round(first, 3)}))


def _values_bindings() -> None:
    """Patch the embedded backend to send bindings as VALUES blocks (the proposed change)."""
    from typing import Any

    from graph_service.backends.oxigraph import OxigraphBackend
    from graph_service.backends.remote import with_bindings

    original = OxigraphBackend._run

    def run(self: OxigraphBackend, text: str, bindings: Any, dataset: Any) -> Any:
        if bindings:
            text, bindings = with_bindings(text, bindings), None
        return original(self, text, bindings, dataset)

    OxigraphBackend._run = run  # type: ignore[method-assign]


if __name__ == "__main__":
    main()

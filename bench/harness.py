"""``bench/run``: generate, load, serve and measure, side by side in one run; write the results.

For each size: load benchmarks (ours, ``oxigraph load``, pyoxigraph ``bulk_load``, rdflib at
100k), the build of the per-version indexes on the prebuilt store (``dikg index``, timed apart
from the load), start-up of the service on the prebuilt store, memory of its processes, then
latency and throughput at concurrency 1 and 8 of three SPARQL questions on the service (cache
off) and on a raw ``oxigraph serve-read-only`` over the same data, ``POST /api/v1/check``, and a
repeated workload on the service with its cache on. Every cell is bounded by a request count and
seconds; ``--repeat`` runs are summarized by their medians. Servers are started and stopped
here.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import loadgen  # noqa: E402
import loads  # noqa: E402
import report  # noqa: E402
import servers  # noqa: E402
import workloads as wl  # noqa: E402

__all__ = ["main"]

SIZES = {"100k": 100_000, "1m": 1_000_000, "5m": 5_000_000}
CONCURRENCY = (1, 8)


def log(message: str) -> None:
    """Progress on stderr with a timestamp."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ensure_data(size: str, *, seed: int) -> tuple[Path, dict[str, Any]]:
    """bench/data/g<size>.nt and its sidecar, generated when missing or of another seed."""
    data = BENCH / "data" / f"g{size}.nt"
    sidecar = Path(str(data) + ".json")
    meta = json.loads(sidecar.read_text()) if sidecar.exists() and data.exists() else None
    if meta is None or meta.get("seed") != seed or meta["triples"] < SIZES[size]:
        log(f"generating {data.name}")
        subprocess.run([sys.executable, str(BENCH / "gen.py"), "--triples", str(SIZES[size]),
                        "--seed", str(seed), "-o", str(data)], check=True, timeout=1800)
        meta = json.loads(sidecar.read_text())
    return data, meta


def bench_loads(size: str, data: Path, triples: int, repeat: int) -> dict[str, Any]:
    """Median seconds, rate and peak RSS per loader; keeps the last stores for serving."""
    work = BENCH / "work" / size
    out: dict[str, Any] = {}
    loaders = [x for x in loads.LOADERS if x != "rdflib Memory" or triples <= 150_000]
    for loader in loaders:
        runs = []
        for r in range(repeat if triples <= 1_500_000 or loader != "rdflib Memory" else 1):
            slug = loader.split()[0]
            run = loads.run_loader(loader, data, work / f"store-{slug}",
                                   log=work / f"load-{slug}.log")
            log(f"{size} {loader} run {r + 1}: {run.seconds:.2f} s, {run.peak_rss_mib} MiB"
                f"{'' if run.ok else ' FAILED: ' + run.output}")
            runs.append(run)
        seconds = statistics.median(r.seconds for r in runs)
        out[loader] = {"seconds": round(seconds, 3), "runs": [r.seconds for r in runs],
                       "triples_per_s": round(triples / seconds),
                       "peak_rss_mib": statistics.median(r.peak_rss_mib for r in runs),
                       "bytes_per_triple": round(statistics.median(r.peak_rss_mib for r in runs)
                                                 * 2**20 / triples, 1),
                       "disk_mib": runs[-1].disk_mib, "ok": all(r.ok for r in runs)}
    return out


def _start_once(size: str, store: Path, name: str, *, workers: int,
                warm_up: bool) -> tuple[float | None, dict[str, Any], str]:
    """One start: seconds to the first good /health, the /health body, or an error line."""
    try:
        with servers.service(store, BENCH / "work" / size / f"start-{name}.log",
                             workers=workers, cache_size=0, warm_up=warm_up) as server:
            status, body = loadgen.fetch(server.base, loadgen.Request("GET", "/health"))
            health = json.loads(body) if status == 200 else {"status": status}
            return round(server.start_seconds, 3), health, ""
    except RuntimeError as exc:
        reason = [line for line in str(exc).splitlines() if "Error" in line or "Timeout" in line]
        return None, {}, (reason or [str(exc)[:200]])[-1][:300]


def bench_start(size: str, store: Path, *, workers: int, repeat: int) -> dict[str, Any]:
    """Seconds from launching gunicorn to the first good /health on the prebuilt store (its
    per-version indexes saved by ``dikg index``): ``repeat`` times with the default settings
    (workers load the saved indexes), then once with the start-up warm-up off (what opening
    the store itself costs)."""
    runs: list[float] = []
    errors: list[str] = []
    health: dict[str, Any] = {}
    for r in range(repeat):
        seconds, health, error = _start_once(size, store, f"default-{r}", workers=workers,
                                             warm_up=True)
        if seconds is None:
            errors.append(error)
            continue
        runs.append(seconds)
        log(f"{size} service start (default settings) {r + 1}: {seconds:.2f} s "
            f"({health.get('triples')} triples)")
    seconds, _, error = _start_once(size, store, "no-warm-up", workers=workers, warm_up=False)
    log(f"{size} service start (warm-up off): {seconds} {error}")
    return {"seconds": statistics.median(runs) if runs else None, "runs": runs,
            "errors": errors, "health": health,
            "warm_up_off": {"ok": seconds is not None, "seconds": seconds, "error": error}}


def _cell(base: str, requests: list[loadgen.Request], concurrency: int,
          seconds: float) -> dict[str, Any]:
    return dict(loadgen.run(base, requests, concurrency=concurrency, max_seconds=seconds).summary())


def _median(cells: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("p50_ms", "p90_ms", "p99_ms", "rps")
    summary: dict[str, Any] = {k: round(statistics.median(c[k] for c in cells), 3) for k in keys}
    summary["requests"] = sum(c["requests"] for c in cells)
    summary["errors"] = sum(c["errors"] for c in cells)
    summary["first_error"] = next((c["first_error"] for c in cells if c["first_error"]), "")
    summary["runs"] = [{k: c[k] for k in (*keys, "requests")} for c in cells]
    return summary


def agree(raw: str, ours: str, hubs: list[dict[str, str]]) -> dict[str, Any]:
    """Both servers give the same number of solutions / triples for one request of each kind."""
    found: dict[str, Any] = {}
    for kind in wl.KINDS:
        param = wl.params_for(kind, hubs, 3)
        counts = []
        for base, is_raw in ((raw, True), (ours, False)):
            status, body = loadgen.fetch(base, wl.sparql_request(kind, param, raw=is_raw))
            counts.append(wl.count_answer(kind, body) if status == 200 else f"HTTP {status}")
        found[kind] = {"raw": counts[0], "ours": counts[1], "same": counts[0] == counts[1]}
    return found


def bench_queries(size: str, store: Path, raw_store: Path, hubs: list[dict[str, str]], *,
                  workers: int, repeat: int, cell_requests: int,
                  cell_seconds: float) -> dict[str, Any]:
    """Latency cells: SPARQL ours (cache off) vs raw, check, repeated workload (cache on)."""
    work = BENCH / "work" / size
    out: dict[str, Any] = {"sparql": {}, "check": {}, "repeated": {}}
    with servers.oxigraph_serve(raw_store, work / "raw.log") as raw, \
            servers.service(store, work / "ours.log", workers=workers, cache_size=0,
                            warm_up=False) as ours, \
            servers.service(store, work / "ours-cached.log", workers=workers,
                            cache_size=1024, warm_up=False) as cached:
        out["agreement"] = agree(raw.base, ours.base, hubs)
        log(f"{size} answers agree: {out['agreement']}")
        for kind in wl.KINDS:  # warm-up: page cache, workers, query processes
            for base, is_raw in ((raw.base, True), (ours.base, False), (cached.base, False)):
                warm = [wl.sparql_request(kind, wl.params_for(kind, hubs, 5000 + i), raw=is_raw)
                        for i in range(4 * workers)]
                loadgen.run(base, warm, concurrency=8, max_seconds=cell_seconds)
        names = [[d["label"] for d in wl.panel(hubs, 7000 + i)] for i in range(2)]
        loadgen.run(ours.base, [wl.check_request(n) for n in names], concurrency=2,
                    max_seconds=cell_seconds)
        check_failed = False
        out["memory"] = {"ours": servers.memory(ours.process.pid),
                         "raw": servers.memory(raw.process.pid)}
        cells: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
        for r in range(repeat):
            for kind in wl.KINDS:
                for c in CONCURRENCY:
                    offset = 100_000 * r + 10_000 * c
                    params = [wl.params_for(kind, hubs, offset + i) for i in range(cell_requests)]
                    for name, base, is_raw in (("raw", raw.base, True), ("ours", ours.base, False)):
                        reqs = [wl.sparql_request(kind, p, raw=is_raw) for p in params]
                        cells.setdefault((kind, name, c), []).append(
                            _cell(base, reqs, c, cell_seconds))
                    log(f"{size} rep {r + 1} {kind} c={c}: raw p50 "
                        f"{cells[(kind, 'raw', c)][-1]['p50_ms']} ms, ours p50 "
                        f"{cells[(kind, 'ours', c)][-1]['p50_ms']} ms")
            for c in CONCURRENCY:
                offset = 100_000 * r + 10_000 * c
                checks = [wl.check_request([d["label"] for d in wl.panel(hubs, offset + i)])
                          for i in range(cell_requests)]
                if not check_failed:  # a check that times out is measured once, not again
                    cells.setdefault(("check", "ours", c), []).append(
                        _cell(ours.base, checks, c, cell_seconds))
                    repeated_checks = [checks[i % 5] for i in range(cell_requests)]
                    cells.setdefault(("check", "ours-cached-repeated", c), []).append(
                        _cell(cached.base, repeated_checks, c, cell_seconds))
                    check_failed = cells[("check", "ours", c)][-1]["errors"] > 0
                distinct = [(k, wl.params_for(k, hubs, j)) for k in wl.KINDS for j in range(3)]
                for name, base, is_raw in (("raw", raw.base, True),
                                           ("ours-cached", cached.base, False)):
                    reqs = [wl.sparql_request(k, p, raw=is_raw) for k, p in distinct]
                    loadgen.run(base, reqs * workers, concurrency=c, max_seconds=cell_seconds)
                    mix = [reqs[i % len(reqs)] for i in range(cell_requests * 2)]
                    cells.setdefault(("repeated", name, c), []).append(
                        _cell(base, mix, c, cell_seconds))
                last = cells.get(("check", "ours", c), cells[("check", "ours", 1)])[-1]
                log(f"{size} rep {r + 1} check c={c}: p50 {last['p50_ms']}"
                    f" ms p99 {last['p99_ms']} ms; repeated raw p50 "
                    f"{cells[('repeated', 'raw', c)][-1]['p50_ms']} ms, cached p50 "
                    f"{cells[('repeated', 'ours-cached', c)][-1]['p50_ms']} ms")
        out["memory_after"] = {"ours": servers.memory(ours.process.pid),
                               "ours_cached": servers.memory(cached.process.pid),
                               "raw": servers.memory(raw.process.pid)}
    for (kind, name, c), runs in cells.items():
        group = "sparql" if kind in wl.KINDS else kind
        key = kind if group == "sparql" else "all"
        out[group].setdefault(key, {}).setdefault(name, {})[f"c{c}"] = _median(runs)
    return out


def profile(size: str, store: Path, hubs: list[dict[str, str]], *,
            sparql: bool) -> dict[str, Any]:
    """pyinstrument runs in-process (cache and isolation off): the check as committed and with
    VALUES bindings (the proposed backend change), and, when ``sparql``, two /sparql questions."""
    out: dict[str, Any] = {}
    runs = [("check", "values")]
    if size == "100k":  # as committed a check takes seconds to minutes above 100k
        runs.insert(0, ("check", "substitutions"))
    if sparql:
        runs += [("pairwise", "substitutions"), ("contraindications", "substitutions")]
    for what, bindings in runs:
        target = BENCH / "work" / size / f"profile-{what}-{bindings}.txt"
        try:
            done = subprocess.run(
                [sys.executable, str(BENCH / "profile_app.py"), "--store", str(store), "--what",
                 what, "--bindings", bindings, "--hubs", json.dumps(hubs[:200]), "-o",
                 str(target), "--max-seconds", "20"], capture_output=True, timeout=240, cwd=ROOT)
            ok = done.returncode == 0
            found = [line for line in done.stdout.decode().splitlines()
                     if line.startswith('{"latencies_ms"')]
            figures = json.loads(found[-1]) if ok and found else {}
            text = target.read_text() if ok else done.stderr.decode()[-2000:]
        except subprocess.TimeoutExpired:
            figures, text = {}, "did not finish within 240 s (one request took longer)"
        out[f"{what} ({bindings})"] = {"figures": figures, "text": text}
        log(f"{size} profiled {what} ({bindings}): {figures.get('latencies_ms')}")
    return out


def main(argv: list[str] | None = None) -> None:
    """Parse options, run every size, write bench/results.md and bench/results.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k,1m", help="comma list of 100k, 1m, 5m")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn workers (dikg serve's default; 4 threads each)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cell-requests", type=int, default=200)
    parser.add_argument("--cell-seconds", type=float, default=4.0)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--output", type=Path, default=BENCH / "results.md")
    args = parser.parse_args(argv)
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {unknown[0]!r}; use {', '.join(SIZES)}")
    started = time.time()
    results: dict[str, Any] = {"meta": report.machine(), "options": {
        "sizes": sizes, "repeat": args.repeat, "workers": args.workers, "seed": args.seed,

        "cell_requests": args.cell_requests, "cell_seconds": args.cell_seconds}, "sizes": {}}
    for size in sizes:
        data, meta = ensure_data(size, seed=args.seed)
        triples, hubs = int(meta["triples"]), meta["hubs"]
        work = BENCH / "work" / size
        entry: dict[str, Any] = {"triples": triples, "drugs": meta["drugs"]}
        entry["load"] = bench_loads(size, data, triples, args.repeat)
        store, raw_store = work / "store-dikg", work / "store-oxigraph"
        entry["index"] = servers.build_indexes(store, work / "index-dikg.log")
        log(f"{size} dikg index (per-version indexes, apart from the load): {entry['index']}")
        entry["start"] = bench_start(size, store, workers=args.workers, repeat=args.repeat)
        try:
            entry.update(bench_queries(size, store, raw_store, hubs, workers=args.workers,
                                       repeat=args.repeat, cell_requests=args.cell_requests,
                                       cell_seconds=args.cell_seconds))
        except RuntimeError as exc:  # a server that does not start: recorded, run goes on
            entry["error"] = str(exc)[:2000]
            log(f"{size} query benchmarks failed: {str(exc).splitlines()[0]}")
        if not args.no_profile:
            entry["profile"] = profile(size, store, hubs, sparql=size == sizes[-1])
        results["sizes"][size] = entry
    results["meta"]["run_seconds"] = round(time.time() - started, 1)
    results["meta"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    args.output.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    results["targets"] = report.targets(results)  # figures saved first: report.py re-renders
    args.output.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    notes = args.output.with_name(args.output.name.replace("results", "notes", 1))
    args.output.write_text(report.markdown(
        results, notes=notes if notes.exists() and notes != args.output else BENCH / "notes.md"))
    log(f"wrote {args.output} and {args.output.with_suffix('.json')} "
        f"in {results['meta']['run_seconds']:.0f} s")


if __name__ == "__main__":
    main()

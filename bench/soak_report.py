"""The soak's figures: per-kind requests, errors, statuses, p50/p99 per minute, worker RSS,
and the verdict; written as bench/soak-report.json and a readable bench/soak-report.md."""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

__all__ = ["percentile", "write_reports"]

WARM_UP = 60.0  # seconds: caches fill (name index, result cache, export projection)
MAX_GROWTH = 10.0  # percent, worker RSS from the end of the warm-up to the end


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (0 when empty).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([1.0, 2.0, 3.0, 4.0], 99)
    (2.0, 4.0)
    """
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _kinds(stats: Any) -> dict[str, Any]:
    kinds: dict[str, Any] = {}
    for (kind, minute), cell in sorted(stats.cells.items()):
        entry = kinds.setdefault(kind, {"requests": 0, "errors": 0, "statuses": {},
                                        "minutes": [], "_lat": []})
        entry["requests"] += cell["n"]
        entry["errors"] += cell["errors"]
        for status, count in cell["statuses"].items():
            entry["statuses"][str(status)] = entry["statuses"].get(str(status), 0) + count
        entry["_lat"].extend(cell["lat"])
        entry["minutes"].append({"minute": minute + 1, "requests": cell["n"],
                                 "errors": cell["errors"], "p50_ms": _ms(percentile(
                                     cell["lat"], 50)), "p99_ms": _ms(percentile(cell["lat"], 99))})
    for kind, entry in kinds.items():
        latencies = entry.pop("_lat")
        entry["p50_ms"], entry["p99_ms"] = (_ms(percentile(latencies, 50)),
                                            _ms(percentile(latencies, 99)))
        entry["error_samples"] = stats.samples.get(kind, [])
    return kinds


def _memory(boot: dict[str, Any], rss: list[dict[str, Any]], end: dict[str, Any]) -> dict[str, Any]:
    warm = next((s for s in rss if s["t"] >= WARM_UP), rss[-1] if rss else boot)
    growth = {}
    for pid, mib in end["workers"].items():
        start = warm["workers"].get(pid)
        growth[pid] = round(100 * (mib - start) / start, 1) if start else None
    start_total = sum(warm["workers"].values())
    end_total = sum(end["workers"].values())
    return {"boot": boot, "start_after_warm_up": warm, "end": end,
            "worker_growth_pct": growth,
            "total_worker_growth_pct": round(100 * (end_total - start_total) / start_total, 1)
            if start_total else None,
            "workers_unchanged": sorted(boot["workers"]) == sorted(end["workers"]),
            "timeline": [{"t": s["t"], "workers_mib": round(sum(s["workers"].values()), 1),
                          "query_processes_mib": round(sum(s["query_processes"].values()), 1)}
                         for s in rss[::6]]}


def _verdict(kinds: dict[str, Any], memory: dict[str, Any], log: dict[str, Any]) -> list[str]:
    failures = [f"{kind}: {entry['errors']} unexpected answers" for kind, entry in kinds.items()
                if entry["errors"]]
    for pid, growth in memory["worker_growth_pct"].items():
        if growth is None or growth >= MAX_GROWTH:
            failures.append(f"worker {pid}: RSS growth {growth}% (limit {MAX_GROWTH:g}%)")
    if not memory["workers_unchanged"]:
        failures.append("the set of gunicorn workers changed (a worker died or was replaced)")
    if log["status_5xx_other_than_503"]:
        failures.append(f"{log['status_5xx_other_than_503']} 5xx answers in the access log")
    if log["error_lines"]:
        failures.append(f"{log['error_lines']} error lines in the server log")
    return failures


def _git_commit(root: Path) -> str:
    done = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() or "unknown"


def write_reports(*, args: dict[str, Any], stats: Any, boot: dict[str, Any],
                  rss: list[dict[str, Any]], end: dict[str, Any], metrics_total: float,
                  log: dict[str, Any], by_worker: dict[str, float], elapsed: float,
                  out: Path) -> dict[str, Any]:
    """Write ``out``.json and ``out``.md; return the report."""
    kinds = _kinds(stats)
    memory = _memory(boot, rss, end)
    failures = _verdict(kinds, memory, log)
    sent = sum(k["requests"] for k in kinds.values())
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": _git_commit(Path(__file__).resolve().parent.parent),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "system": platform.platform()},
        "settings": args, "elapsed_s": round(elapsed, 1), "requests": sent,
        "throughput_rps": round(sent / elapsed, 1) if elapsed else 0.0,
        "reconnects_of_stale_keepalive": stats.reconnects,
        "metrics_crosscheck": {"client_requests": sent, "dikg_http_requests_total": metrics_total,
                               "by_worker_pid": by_worker},
        "kinds": kinds, "memory": memory, "server_log": log,
        "verdict": "pass" if not failures else "fail", "failures": failures,
    }
    out.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
    out.with_suffix(".md").write_text(_markdown(report))
    return report


def _markdown(report: dict[str, Any]) -> str:
    from soak_workload import KINDS

    urls = {k.name: k.url for k in KINDS} | {
        "health": "GET /health (monitor, every 5 s)", "metrics": "GET /metrics (monitor)",
        "runaway": "POST /sparql runaway COUNT (expected 503)"}
    settings = report["settings"]
    lines = [
        "# Soak report", "",
        f"`bench/soak --minutes {settings['minutes']:g}` on {report['when']} (commit "
        f"{report['commit']}, {report['machine']['cpus']} CPUs): `dikg serve` with "
        f"{settings['workers']} gunicorn workers x 4 threads on the on-disk oxigraph store"
        f"{' with the ANSM thesaurus' if settings['ansm'] else ''}, {settings['clients']} "
        "closed-loop clients (no think time) plus a monitor; loopback only."
        + (f" Left out of the mix: {', '.join(settings['without'])}." if settings["without"]
           else ""), "",
        f"**Verdict: {report['verdict'].upper()}**" + (
            "" if not report["failures"] else " - " + "; ".join(report["failures"])), "",
        f"{report['requests']} requests in {report['elapsed_s']:g} s "
        f"({report['throughput_rps']:g} req/s); `dikg_http_requests_total` on /metrics "
        f"(all workers) at the end: {report['metrics_crosscheck']['dikg_http_requests_total']:g}"
        f" (by worker pid: {report['metrics_crosscheck']['by_worker_pid']}); stale keep-alive "
        f"reconnects: {report['reconnects_of_stale_keepalive']}.", "",
        "## Per endpoint", "",
        "| kind | requests | unexpected | statuses | p50 ms | p99 ms |",
        "|---|---:|---:|---|---:|---:|"]
    for kind, entry in report["kinds"].items():
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(entry["statuses"].items()))
        lines.append(f"| {urls.get(kind, kind)} | {entry['requests']} | {entry['errors']} | "
                     f"{statuses} | {entry['p50_ms']:g} | {entry['p99_ms']:g} |")
    minutes = max(len(e["minutes"]) for e in report["kinds"].values())
    lines += ["", "## p50 / p99 per minute (ms)", "",
              "| kind | " + " | ".join(f"min {m + 1}" for m in range(minutes)) + " |",
              "|---|" + "---:|" * minutes]
    for kind, entry in report["kinds"].items():
        cells = {m["minute"]: f"{m['p50_ms']:g} / {m['p99_ms']:g}" for m in entry["minutes"]}
        lines.append(f"| {kind} | " + " | ".join(cells.get(m + 1, "-") for m in range(minutes))
                     + " |")
    memory = report["memory"]
    lines += ["", "## Worker memory (RSS, MiB)", "",
              f"Start = first sample after a {WARM_UP:g} s warm-up (caches fill); growth limit "
              f"{MAX_GROWTH:g}%.", "", "| worker | at boot | start | end | growth |",
              "|---|---:|---:|---:|---:|"]
    for pid, end in memory["end"]["workers"].items():
        lines.append(f"| {pid} | {memory['boot']['workers'].get(pid, '-')} | "
                     f"{memory['start_after_warm_up']['workers'].get(pid, '-')} | {end} | "
                     f"{memory['worker_growth_pct'][pid]}% |")
    lines += ["", f"Workers unchanged through the run: {memory['workers_unchanged']}. "
              f"Query processes (killable children of the workers) at the end: "
              f"{memory['end']['query_processes']} MiB.", ""]
    log = report["server_log"]
    lines += ["## Server log", "", f"5xx other than 503 in the access log: "
              f"{log['status_5xx_other_than_503']}; error lines: {log['error_lines']}.", ""]
    samples = [(k, s) for k, e in report["kinds"].items() for s in e["error_samples"]]
    if samples:
        lines += ["## Unexpected answers (first of each kind)", ""]
        lines += [f"- {kind}: `{text[:240]}`" for kind, text in samples]
        lines.append("")
    return "\n".join(lines)

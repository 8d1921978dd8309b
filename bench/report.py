"""Turn the harness's measurements into bench/results.md: tables, ratios, targets met or missed."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

__all__ = ["machine", "markdown", "targets"]

ROOT = Path(__file__).resolve().parent.parent
KIND_TITLES = {"contraindications": "class-inherited contraindications (1 drug)",
               "pairwise": "pairwise safety claims among 10 drugs",
               "construct_2hop": "2-hop CONSTRUCT around 1 drug"}


def machine() -> dict[str, Any]:
    """Where and when: CPU, memory, versions, commit."""
    import pyoxigraph

    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                    if line.startswith("model name")), "")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpu": cpu,
            "cores": os.cpu_count(), "memory_gib": round(mem, 1),
            "python": platform.python_version(), "pyoxigraph": pyoxigraph.__version__,
            "commit": commit, "load_average": [round(x, 2) for x in os.getloadavg()]}


def _verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**met**" if ok else "**missed**")


MIN_REQUESTS = 5  # fewer successful requests in a cell (or any error) make no comparison


def _incomparable(*cells: dict[str, Any]) -> str:
    """Why these cells cannot be compared ("" when they can): errors or too few requests."""
    for cell in cells:
        if cell.get("errors") or cell.get("requests", 0) < MIN_REQUESTS:
            return (f"not comparable: {cell.get('requests', 0)} requests, "
                    f"{cell.get('errors', 0)} errors in a cell")
    return ""


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target, per size where it applies, with the measured figure and met / missed
    (``met`` is ``None`` where a side failed or answered too few requests to compare)."""
    out: list[dict[str, Any]] = []
    for size, entry in results["sizes"].items():
        for kind in KIND_TITLES:
            cell = entry.get("sparql", {}).get(kind, {})
            if "raw" in cell and "ours" in cell:
                raw, ours = cell["raw"]["c1"]["p50_ms"], cell["ours"]["c1"]["p50_ms"]
                ratio = ours / raw if raw else float("inf")
                why = _incomparable(cell["raw"]["c1"], cell["ours"]["c1"])
                out.append({"size": size, "target": f"/sparql p50 within 1.2x of raw Oxigraph "
                            f"({kind}, concurrency 1)", "measured": f"{ours:.2f} vs {raw:.2f} ms "
                            f"= {ratio:.2f}x" + (f" ({why})" if why else ""),
                            "met": None if why else ratio <= 1.2})
        rep = entry.get("repeated", {}).get("all", {})
        for c in ("c1", "c8"):
            if "raw" in rep and "ours-cached" in rep:
                why = _incomparable(rep["raw"][c], rep["ours-cached"][c])
                if why:
                    out.append({"size": size, "target": f"faster than raw Oxigraph on the "
                                f"repeated workload (concurrency {c[1:]})", "measured": why,
                                "met": None})
                    continue
                raw, ours = rep["raw"][c]["p50_ms"], rep["ours-cached"][c]["p50_ms"]
                rraw, rours = rep["raw"][c]["rps"], rep["ours-cached"][c]["rps"]
                out.append({"size": size, "target": f"faster than raw Oxigraph on the repeated "
                            f"workload (concurrency {c[1:]})", "measured": f"p50 {ours:.2f} vs "
                            f"{raw:.2f} ms; {rours:.0f} vs {rraw:.0f} req/s",
                            "met": ours < raw and rours > rraw})
        check = entry.get("check", {}).get("all", {}).get("ours", {})
        if check and size in ("1m", "5m"):
            p99, cell = check["c1"]["p99_ms"], check["c1"]
            measured = f"p99 {p99:.1f} ms" if cell["requests"] else \
                f"no successful request ({cell['errors']} errors: {cell['first_error'][:110]})"
            out.append({"size": size, "target": "POST /api/v1/check p99 < 20 ms (10 drugs, "
                        "concurrency 1, distinct lists)", "measured": measured,
                        "met": p99 < 20 and cell["errors"] == 0 and cell["requests"] > 0})
        load = entry.get("load", {})
        if "dikg load" in load and "oxigraph load" in load:
            ratio = load["dikg load"]["triples_per_s"] / load["oxigraph load"]["triples_per_s"]
            out.append({"size": size, "target": "load >= 80% of oxigraph load's rate",
                        "measured": f"{load['dikg load']['triples_per_s']:,} vs "
                        f"{load['oxigraph load']['triples_per_s']:,} triples/s = {ratio:.0%}",
                        "met": ratio >= 0.8})
        if size in ("1m", "5m") and "start" in entry:
            start = entry["start"]
            shown = f"{start['seconds']:.2f} s (median of {len(start['runs'])})" \
                if start["seconds"] is not None else \
                f"does not start: {(start.get('errors') or ['?'])[0][:140]}"
            out.append({"size": size, "target": "service start on a prebuilt store < 3 s "
                        "(default settings, saved per-version indexes)", "measured": shown,
                        "met": start["seconds"] is not None and start["seconds"] < 3})
    return out


def _load_table(load: dict[str, Any], triples: int) -> list[str]:
    rows = ["| loader | seconds (median) | triples/s | ratio to oxigraph load | peak RSS MiB | "
            "bytes RSS per triple | disk MiB |", "|---|---:|---:|---:|---:|---:|---:|"]
    base = load.get("oxigraph load", {}).get("triples_per_s") or 0
    for name, fig in load.items():
        ratio = f"{fig['triples_per_s'] / base:.2f}" if base else "-"
        flag = "" if fig["ok"] else " (FAILED)"
        rows.append(f"| {name}{flag} | {fig['seconds']:.2f} | {fig['triples_per_s']:,} | {ratio} | "
                    f"{fig['peak_rss_mib']:.0f} | {fig['bytes_per_triple']:.0f} | "
                    f"{fig['disk_mib']:.0f} |")
    return rows


def _latency_rows(title: str, cells: dict[str, Any], base_name: str = "raw") -> list[str]:
    rows = []
    for c in ("c1", "c8"):
        base = cells.get(base_name, {}).get(c)
        for name, fig in cells.items():
            f = fig.get(c)
            if f is None:
                continue
            ratio = f"{f['p50_ms'] / base['p50_ms']:.2f}" if base and base["p50_ms"] and \
                name != base_name else "-"
            err = f" ({f['errors']} errors: {f['first_error'][:80]})" if f["errors"] else ""
            rows.append(f"| {title} | {name}{err} | {c[1:]} | {f['p50_ms']:.2f} | "
                        f"{f['p99_ms']:.2f} | {f['rps']:.1f} | {ratio} | {f['requests']} |")
    return rows


def _memory_rows(mem: dict[str, Any]) -> list[str]:
    rows = ["| server | process | RSS MiB | USS MiB |", "|---|---|---:|---:|"]
    for server, fig in mem.items():
        seen_master = False
        for proc in fig["processes"]:
            role = proc.get("role")
            if role is None:  # older results: guess from the command line
                if "gunicorn" in proc["name"]:
                    role, seen_master = ("worker" if seen_master else "master"), True
                elif "oxigraph" in proc["name"]:
                    role = "server"
                else:
                    role = "forkserver, resource tracker or query process"
            rows.append(f"| {server} | {role} | {proc['rss_mib']} | {proc['uss_mib']} |")
        rows.append(f"| {server} | **total** | {fig['rss_total_mib']} | {fig['uss_total_mib']} |")
    return rows


def _trim(text: str, *, limit: int = 40) -> list[str]:
    """The header and the top of a pyinstrument tree (banner lines dropped)."""
    lines = [line for line in text.strip().splitlines()
             if line.strip() and not line.lstrip().startswith(("_", "/_", "/ "))]
    return lines[:limit]


def markdown(results: dict[str, Any], *, notes: Path | None = None) -> str:
    """The whole results.md."""
    meta, opts = results["meta"], results["options"]
    lines = ["# Benchmark results", "",
             f"Run of `bench/run --sizes {','.join(opts['sizes'])} --repeat {opts['repeat']}` "
             f"on {meta['date']}, commit {meta['commit']}: {meta['cores']} cores ({meta['cpu']}), "
             f"{meta['memory_gib']} GiB, Python {meta['python']}, pyoxigraph "
             f"{meta['pyoxigraph']}; {opts['workers']} gunicorn workers (`dikg serve`'s "
             f"command line), default settings except where noted; each cell at most "
             f"{opts['cell_requests']} requests and {opts['cell_seconds']} s; figures are medians "
             f"of {opts['repeat']} runs. Whole run: {meta.get('run_seconds', 0):.0f} s. "
             + (f"Load average at start {meta['load_average']}, at end "
                f"{meta.get('load_average_end')} (other work shared the machine). "
                if "load_average" in meta else "")
             + "Loopback only; the load generator (Python threads) shares the 2 cores.", "",
             "## Targets", "", "| size | target | measured | verdict |", "|---|---|---|---|"]
    for t in results["targets"]:
        lines.append(f"| {t['size']} | {t['target']} | {t['measured']} | {_verdict(t['met'])} |")
    for size, entry in results["sizes"].items():
        if "error" in entry:
            lines += ["", f"**{size}: the query benchmarks could not run**: "
                      f"`{entry['error'].splitlines()[0]}`"]
        lines += ["", f"## {size}: {entry['triples']:,} triples, {entry['drugs']:,} synthetic "
                  "drugs", "", "### Load", "", *_load_table(entry["load"], entry["triples"])]
        start = entry["start"]
        off = start.get("warm_up_off", {})
        median = "did not start" if start["seconds"] is None else f"{start['seconds']:.2f} s"
        index = entry.get("index", {})
        lines += ["", f"Per-version indexes (`dikg index`, run once per graph version after the "
                  f"load, timed apart from it): {index.get('seconds', '?')} s"
                  + ("" if index.get("ok", True) else " (FAILED)") + ".", "",
                  f"Service start on the prebuilt store (gunicorn launch to first good "
                  f"`/health`, {opts['workers']} workers, nothing parsed, the saved indexes "
                  f"loaded by each worker): median **{median}** (runs {start['runs']}). "
                  "With the start-up warm-up off (indexes loaded on first use): " + (
                      f"{off['seconds']:.2f} s." if off.get("ok") else
                      f"did not start: `{off.get('error', '?')}`."), "",
                  "### Latency and throughput", "",
                  "Same query text to both servers (POST form); ours is gunicorn + Flask with "
                  "its result cache off for these rows; ratio = ours p50 / raw p50.", "",
                  "| question | server | concurrency | p50 ms | p99 ms | req/s | ratio | "
                  "requests |", "|---|---|---:|---:|---:|---:|---:|---:|"]
        for kind, title in KIND_TITLES.items():
            lines += _latency_rows(title, entry.get("sparql", {}).get(kind, {}))
        lines += _latency_rows("POST /api/v1/check, 10 drug names",
                               entry.get("check", {}).get("all", {}), base_name="ours")
        lines += _latency_rows("repeated workload (9 distinct queries)",
                               entry.get("repeated", {}).get("all", {}))
        agreement = entry.get("agreement", {})
        lines += ["", "Answers agree (solutions / triples, raw vs ours): " + "; ".join(
            f"{k} {v['raw']} vs {v['ours']}{'' if v['same'] else ' **DIFFER**'}"
            for k, v in agreement.items()), "", "### Memory of the running servers", ""]
        lines += _memory_rows(entry.get("memory_after", entry.get("memory", {})))
        for what, prof in entry.get("profile", {}).items():
            lines += ["", f"### Profile: {what} (pyinstrument, in-process, cache off)", "",
                      "```text", *_trim(prof["text"]), "```"]
    if notes is not None and notes.exists():
        lines += ["", notes.read_text().strip()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # re-render results.md from results.json [notes.md]
    import json
    import sys

    source = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("results.json"))
    notes = Path(sys.argv[2]) if len(sys.argv) > 2 else source.with_name("notes.md")
    saved = json.loads(source.read_text())
    saved["targets"] = targets(saved)
    source.with_suffix(".md").write_text(markdown(saved, notes=notes))
    print(f"wrote {source.with_suffix('.md')}")

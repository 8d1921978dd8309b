"""The data and serve commands through click's runner, and `dikg serve` as a real process."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import MINI
from live import BIN, ROOT, free_port, service, stop_process, wait_http

from graph_service.cli import main

NO_VALIDATION = {"FLASK_GRAPH_SERVICE_VALIDATE_ON_LOAD": "false"}


def _ontology_copy(tmp_path: Path) -> Path:
    target = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", target)
    return target


def test_validate_names_file_node_and_rule(runner: Any, tmp_path: Path) -> None:
    ontology = _ontology_copy(tmp_path)
    (ontology / "zz_broken.ttl").write_text(
        "@prefix dikg: <https://w3id.org/dikg/> .\n@prefix id: <https://w3id.org/dikg/id/> .\n"
        "id:ci-broken a dikg:Contraindication .\n")
    result = runner.invoke(main, ["validate", "--ontology-dir", str(ontology)])
    assert result.exit_code == 1
    assert "zz_broken.ttl" in result.output and "id:ci-broken" in result.output


def test_validate_reports_syntax_errors_with_line(runner: Any, tmp_path: Path) -> None:
    ontology = _ontology_copy(tmp_path)
    (ontology / "zz_syntax.ttl").write_text("<http://x/a> <http://x/p> .\n")
    result = runner.invoke(main, ["validate", "--ontology-dir", str(ontology)])
    assert result.exit_code == 1 and "zz_syntax.ttl" in result.output


def test_stats_json(runner: Any) -> None:
    result = runner.invoke(main, ["stats", "--json"], env=NO_VALIDATION)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["triples"] > 0 and figures["sources"] > 0
    assert "https://w3id.org/dikg/Drug" in figures["entities_per_class"]
    per_source = figures["claims_per_source"]
    assert per_source["L-TAB"] > 0 and per_source["S001"] > 0  # a label and a seed article


def test_load_counts_each_file_and_refuses_bad_ones(runner: Any, tmp_path: Path) -> None:
    store = tmp_path / "store"
    packed = tmp_path / "extra.nt.gz"
    packed.write_bytes(gzip.compress(b"<http://x/a> <http://x/p> <http://x/b> .\n"))
    result = runner.invoke(main, ["load", str(MINI), str(packed), "--store", str(store)],
                           env=NO_VALIDATION)
    assert result.exit_code == 0, result.output
    assert f"        46  {MINI}" in result.output and f"         1  {packed}" in result.output
    stats = runner.invoke(main, ["stats", "--json", "--store", str(store)])
    assert stats.exit_code == 0, (stats.output, stats.exception)
    before = json.loads(stats.output)
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://x/a> <http://x/p> 1 .\n<http://x/b> <http://x/p> .\n")
    result = runner.invoke(main, ["load", str(bad), "--store", str(store)], env=NO_VALIDATION)
    assert result.exit_code == 1 and "bad.ttl" in result.output and "line 2" in result.output
    after = json.loads(runner.invoke(main, ["stats", "--json", "--store", str(store)]).output)
    assert after["triples"] == before["triples"]


def test_serve_dry_run_builds_the_store(runner: Any, tmp_path: Path) -> None:
    result = runner.invoke(main, ["serve", "--dry-run", "--no-exports", "--data-dir",
                                  str(tmp_path / "s"), "--workers", "3", "--port", "8123"],
                           env=NO_VALIDATION)
    assert result.exit_code == 0, result.output
    assert "-w 3 --threads 4 --bind 127.0.0.1:8123" in result.output
    assert "--limit-request-line 0" in result.output
    assert "graph_service.wsgi:app" in result.output
    assert (tmp_path / "s").is_dir()


EXTRA = b"<http://x/loaded> <http://x/p> <http://x/b> .\n"


def _holds(store: Path, subject: str) -> bool:
    import pyoxigraph as ox

    reader = ox.Store.read_only(str(store))
    return next(iter(reader.quads_for_pattern(ox.NamedNode(subject), None, None)), None) \
        is not None


def _serve_build(runner: Any, store: Path, *extra: str, env: dict[str, str] | None = None
                 ) -> Any:
    result = runner.invoke(main, ["serve", "--dry-run", "--no-exports", "--data-dir", str(store),
                                  *extra], env={**NO_VALIDATION, **(env or {})})
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_serve_keeps_data_loaded_with_dikg_load(runner: Any, tmp_path: Path) -> None:
    """`dikg load` then `dikg serve` on the same store: the loaded data is served, not wiped."""
    store, extra = tmp_path / "store", tmp_path / "extra.nt"
    extra.write_bytes(EXTRA)
    loaded = runner.invoke(main, ["load", str(MINI), str(extra), "--store", str(store)],
                           env=NO_VALIDATION)
    assert loaded.exit_code == 0, loaded.output
    before = json.loads(runner.invoke(main, ["stats", "--json", "--store", str(store)]).output)
    served = _serve_build(runner, store)
    assert "rebuilding" not in served.output and "dikg load" in served.output  # a warning
    after = json.loads(runner.invoke(main, ["stats", "--json", "--store", str(store)]).output)
    assert after["triples"] == before["triples"] and _holds(store, "http://x/loaded")
    rebuilt = _serve_build(runner, store, "--rebuild")  # only on request
    assert "discarding" in rebuilt.output and not _holds(store, "http://x/loaded")


def test_serve_rebuilds_only_a_stale_store_it_built_itself(runner: Any, tmp_path: Path) -> None:
    ontology, store, extra = _ontology_copy(tmp_path), tmp_path / "store", tmp_path / "extra.nt"
    env = {"FLASK_GRAPH_SERVICE_ONTOLOGY_DIR": str(ontology)}
    first = _serve_build(runner, store, "--no-ansm", env=env)
    again = _serve_build(runner, store, "--no-ansm", env=env)  # same files: used as it is
    assert "rebuilding" not in again.output and "warning" not in again.output
    (ontology / "zz_added.ttl").write_text(
        "<https://w3id.org/dikg/id/zz-added> <http://www.w3.org/2000/01/rdf-schema#comment> "
        "\"added to the files\" .\n")
    changed = _serve_build(runner, store, "--no-ansm", env=env)
    assert "the ontology or imports changed: rebuilding the store" in changed.output
    assert _version(changed) != _version(first)
    assert _holds(store, "https://w3id.org/dikg/id/zz-added")
    extra.write_bytes(EXTRA)  # data loaded on top: no longer dikg serve's own build
    assert runner.invoke(main, ["load", str(extra), "--store", str(store)],
                         env={**NO_VALIDATION, **env}).exit_code == 0
    (ontology / "zz_added.ttl").unlink()
    kept = _serve_build(runner, store, "--no-ansm", env=env)
    assert "rebuilding" not in kept.output and "warning" in kept.output
    assert _holds(store, "http://x/loaded") and _holds(store, "https://w3id.org/dikg/id/zz-added")


def _version(result: Any) -> str:
    return str(result.output.split("graph version ", 1)[1].split(";", 1)[0])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.mark.live
def test_dikg_serve_runs_gunicorn_workers_on_one_store(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, **NO_VALIDATION}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(BIN / "dikg"), "serve", "--port", str(port), "--workers", "2",
             "--no-exports", "--data-dir", str(tmp_path / "store")],
            env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", timeout=60, process=process, log=log)
        healths = [_get(f"http://127.0.0.1:{port}/health") for _ in range(6)]
        assert {h["graph_version"] for h in healths} != {"empty"}
        assert len({h["graph_version"] for h in healths}) == 1 and healths[0]["triples"] > 0
        assert "gunicorn" in Path(f"/proc/{process.pid}/cmdline").read_text()  # exec'd
    finally:
        stop_process(process)


@pytest.mark.live
def test_live_service_helper_opens_a_prebuilt_store(runner: Any, tmp_path: Path) -> None:
    store = tmp_path / "store"
    built = runner.invoke(main, ["serve", "--dry-run", "--no-exports", "--data-dir", str(store)],
                          env=NO_VALIDATION)
    version = built.output.split("graph version ", 1)[1].split(";", 1)[0]
    env = {"FLASK_GRAPH_SERVICE_STORE_PATH": str(store),
           "FLASK_GRAPH_SERVICE_LOAD_ON_START": "false"}
    with service(env, workers=2) as url:
        health = _get(f"{url}/health")
    assert health["graph_version"] == version and health["store"] == "oxigraph"

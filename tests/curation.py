"""Helpers for the curator-write, durability and release tests: stores, writes, and reading back."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from live import BIN, ROOT, free_port, stop_process, wait_http

__all__ = [
    "ADMIN",
    "ID",
    "PREFIXES",
    "TOKEN",
    "build_root",
    "claim_iris",
    "claim_update",
    "copy_root",
    "curated_store",
    "entity_update",
    "head_quads",
    "server",
    "service_app",
]

TOKEN = "curator-secret"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
ID = "https://w3id.org/dikg/id/"
PREFIXES = """PREFIX id: <https://w3id.org/dikg/id/>
PREFIX dikg: <https://w3id.org/dikg/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


def build_root(root: Path, *, ontology_dir: Path | None = None) -> str:
    """Build a store directory from the ontology (validated), as `dikg serve` does; its version."""
    from graph_service.backends import get_backend
    from graph_service.config import load_settings
    from graph_service.services.loading import prepare_store

    config: dict[str, Any] = {"GRAPH_SERVICE_STORE_PATH": str(root)}
    if ontology_dir is not None:
        config["GRAPH_SERVICE_ONTOLOGY_DIR"] = str(ontology_dir)
    settings = load_settings(config)
    backend = get_backend(settings)
    try:
        return prepare_store(backend, settings)
    finally:
        backend.close()


_BUILT: dict[str, Path] = {}


def curated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed store directory built once per session from the curated ontology (copy it)."""
    if "curated" not in _BUILT:
        root = tmp_path_factory.mktemp("curated") / "store"
        build_root(root)
        _BUILT["curated"] = root
    return _BUILT["curated"]


def copy_root(base: Path, target: Path) -> Path:
    """A private copy of a closed store directory."""
    shutil.copytree(base, target)
    return target


def service_app(root: Path, **config: Any) -> Any:
    """The service over ``root`` as a gunicorn worker opens it (read-only), with the token."""
    from graph_service import create_app

    return create_app({"TESTING": True, "GRAPH_SERVICE_STORE_PATH": str(root),
                       "GRAPH_SERVICE_LOAD_ON_START": False, "GRAPH_SERVICE_ISOLATION": "none",
                       "GRAPH_SERVICE_ADMIN_TOKEN": TOKEN, **config})


def entity_update(name: str, *, label: str | None = None) -> str:
    """INSERT DATA of a valid drug ``id:<name>`` (4 triples); ``label`` breaks rdfs:label."""
    text = name.replace("-", " ")
    return (PREFIXES + f'INSERT DATA {{ id:{name} a dikg:Drug ; skos:prefLabel "{text}"@en ; '
            f'rdfs:label "{label or text}"@en ; '
            f'skos:definition "A drug made up for a test." . }}')


def claim_iris(n: int) -> tuple[str, str]:
    """The claim and citation IRIs written by ``claim_update(n)``."""
    return f"{ID}ix-curation-test-{n}", f"{ID}cit-ix-curation-test-{n}"


def claim_update(n: int) -> str:
    """INSERT DATA of a valid interaction claim with its citation (14 triples)."""
    return PREFIXES + f"""INSERT DATA {{
  id:ix-curation-test-{n} a dikg:Interaction ; dikg:subject id:naltrexone ;
    dikg:relation dikg:interactsWith ; dikg:object id:acamprosate ;
    dikg:severity dikg:Minor ; dikg:kind dikg:Relative ; dikg:status dikg:LabelBacked ;
    dikg:mechanism "none known (test {n})" ; dikg:management "no action (test {n})" ;
    dikg:summary "A made-up interaction number {n} written by a test." ;
    dikg:citation id:cit-ix-curation-test-{n} .
  id:cit-ix-curation-test-{n} a dikg:Citation ; dcterms:source id:src-l-tab ;
    dikg:locator "test {n}" .
}}"""


def head_quads(root: Path) -> set[str]:
    """Every quad of the current version, as N-Quads lines."""
    from graph_service.backends.versions import current_dir

    store = ox.Store.read_only(str(current_dir(root)))
    return set(store.dump(format=ox.RdfFormat.N_QUADS).decode().splitlines())


@contextmanager
def server(root: Path, log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """gunicorn as `dikg serve` runs it, over ``root``; stopped (or already killed) at the end."""
    from graph_service.cli.serve import gunicorn_command

    port = free_port()
    env = {**os.environ, "FLASK_GRAPH_SERVICE_STORE_PATH": str(root),
           "FLASK_GRAPH_SERVICE_LOAD_ON_START": "false",
           "FLASK_GRAPH_SERVICE_ADMIN_TOKEN": TOKEN}
    command = gunicorn_command(host="127.0.0.1", port=port, workers=2, threads=2)
    command[0] = str(BIN / "gunicorn")
    with log.open("ab") as sink:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=sink,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/health", timeout=90, process=process, log=log)
        yield base, process
    finally:
        stop_process(process)

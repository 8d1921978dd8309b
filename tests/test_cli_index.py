"""`dikg load` builds the new version's indexes (timed apart); `dikg index --exports` saves the
export projection too, and a second run reads what the first saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import MINI

from graph_service.backends.oxigraph import OxigraphBackend
from graph_service.cli import main
from graph_service.services.index_store import DIRECTORY, read_indexes
from graph_service.services.projection_store import read_projection

NO_VALIDATION = {"FLASK_GRAPH_SERVICE_VALIDATE_ON_LOAD": "false",
                 "FLASK_GRAPH_SERVICE_EXTRA_DATA": ""}


def _version(store: Path) -> str:
    from graph_service.backends.release import read_version

    backend = OxigraphBackend(path=store, read_only=True)
    try:
        version = read_version(backend)
    finally:
        backend.close()
    assert version
    return version


def test_load_builds_the_indexes_of_the_new_version_unless_told_not_to(
        runner: Any, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    result = runner.invoke(main, ["load", str(MINI), "--store", str(plain), "--no-index"],
                           env=NO_VALIDATION)
    assert result.exit_code == 0, result.output
    assert "indexes built" not in result.output and not (plain / DIRECTORY).exists()

    store = tmp_path / "store"
    result = runner.invoke(main, ["load", str(MINI), "--store", str(store)], env=NO_VALIDATION)
    assert result.exit_code == 0, result.output
    assert "indexes built in" in result.output
    saved = read_indexes(store, _version(store))
    assert saved is not None and saved["resolution_index"] is not None


def test_index_exports_saves_the_projection_once(runner: Any, tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert runner.invoke(main, ["load", str(MINI), "--store", str(store), "--no-index"],
                         env=NO_VALIDATION).exit_code == 0
    first = runner.invoke(main, ["index", "--store", str(store), "--exports"], env=NO_VALIDATION)
    assert first.exit_code == 0, first.output
    assert "indexes built in" in first.output and "export projection built in" in first.output
    projected = read_projection(store, _version(store))
    assert projected is not None and projected.graph.number_of_nodes() > 0
    again = runner.invoke(main, ["index", "--store", str(store), "--exports"], env=NO_VALIDATION)
    assert again.exit_code == 0, again.output
    assert "indexes already present" in again.output
    assert "export projection already present" in again.output
    rebuilt = runner.invoke(main, ["index", "--store", str(store), "--exports", "--rebuild"],
                            env=NO_VALIDATION)
    assert "export projection built in" in rebuilt.output


def test_serve_builds_the_export_projection_before_the_workers_start(
        runner: Any, tmp_path: Path) -> None:
    skipped = tmp_path / "skipped"
    result = runner.invoke(main, ["serve", "--dry-run", "--no-ansm", "--no-exports",
                                  "--data-dir", str(skipped)], env=NO_VALIDATION)
    assert result.exit_code == 0, result.output
    assert read_projection(skipped, _version(skipped)) is None

    store = tmp_path / "store"
    result = runner.invoke(main, ["serve", "--dry-run", "--no-ansm", "--data-dir", str(store)],
                           env=NO_VALIDATION)
    assert result.exit_code == 0, result.output
    assert "built the export projection" in result.output
    projected = read_projection(store, _version(store))
    assert projected is not None and projected.graph.number_of_nodes() > 100

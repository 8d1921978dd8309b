"""The index command: build the per-graph-version indexes of an on-disk store once, beside it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from graph_service.cli import main
from graph_service.cli.data import DEFAULT_STORE, cli_settings
from graph_service.config import Settings

if TYPE_CHECKING:
    from graph_service.backends import GraphBackend

__all__ = ["export_projection_version", "index", "index_store_version"]


@contextmanager
def _current_version(settings: Settings) -> Iterator[tuple[GraphBackend, str, list[str]]]:
    """The directory store of ``settings`` opened read-only, its version and the other name
    workers give that version.

    Workers name the version by the data's release marker when they start and by the version
    pointer once they look at it (:func:`~graph_service.services.writes.store_version`): files
    saved per version are saved under both names.
    """
    from graph_service.backends.oxigraph import OxigraphBackend
    from graph_service.backends.versions import current_dir, read_head
    from graph_service.services.loading import prepare_store
    from graph_service.services.writes import store_version

    assert settings.store_path is not None
    backend = OxigraphBackend(path=current_dir(Path(settings.store_path)), read_only=True)
    try:
        version = prepare_store(backend, replace(settings, load_on_start=False))
        head = read_head(Path(settings.store_path))
        aliases = [store_version(backend.store, head)] if head is not None else []
        yield backend, version, [name for name in aliases if name != version]
    finally:
        backend.close()


def index_store_version(settings: Settings, *, rebuild: bool = False) -> tuple[Path, bool]:
    """Build (unless present, or always with ``rebuild``) the indexes of the current version of
    the directory store of ``settings``, under every name the service gives that version.
    Returns the file and whether it was built now."""
    from graph_service.named_queries import load_catalog
    from graph_service.services.index_store import ensure_indexes, index_path

    root = Path(str(settings.store_path))
    with _current_version(settings) as (backend, version, aliases):
        if rebuild:
            for name in (version, *aliases):
                index_path(root, name).unlink(missing_ok=True)
        catalog = load_catalog(settings.queries_dir, rdflib_check=False)
        _, built = ensure_indexes(backend, catalog, root=root, version=version,
                                  aliases=aliases)
        return index_path(root, version), built


def export_projection_version(settings: Settings, *, rebuild: bool = False) -> tuple[Path, bool]:
    """Build (unless present, or always with ``rebuild``) the export projection of the current
    version of the directory store of ``settings`` and save it under every name of that
    version. Returns the file and whether it was built now."""
    from graph_service.services.exports import load_projection
    from graph_service.services.projection_store import projection_path, save_alias

    root = Path(str(settings.store_path))
    with _current_version(settings) as (backend, version, aliases):
        path = projection_path(root, version)
        if rebuild:
            for name in (version, *aliases):
                projection_path(root, name).unlink(missing_ok=True)
        built = not path.is_file()
        load_projection(backend, queries_dir=settings.queries_dir, graph_version=version,
                        saved_under=root)
        for name in aliases:
            save_alias(root, version, name)
        return path, built


@main.command()
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_STORE, show_default=True, help="oxigraph store directory.")
@click.option("--rebuild", is_flag=True, help="Build them again even when they are present.")
@click.option("--exports", is_flag=True,
              help="Also build the export projection (what GET /export selects from).")
def index(store_dir: Path, rebuild: bool, exports: bool) -> None:
    """Build the name, label and safety-claim indexes of a store's current graph version.

    They are saved beside the store (dikg-indexes/) so that every worker of 'dikg serve'
    loads them at start-up instead of querying the whole graph; 'dikg serve' builds them too.
    With --exports the export projection is saved there as well (otherwise the first export
    of a version builds it).
    """
    from graph_service.errors import GraphServiceError

    if not (store_dir / "CURRENT").exists() and not (store_dir / "dikg-current.json").exists():
        raise click.ClickException(f"{store_dir} is not a store directory (see 'dikg load')")
    settings = cli_settings(store="oxigraph", store_path=str(store_dir.resolve()))
    started = time.perf_counter()
    try:
        path, built = index_store_version(settings, rebuild=rebuild)
        seconds = time.perf_counter() - started
        click.echo(f"indexes {'built in' if built else 'already present, checked in'} "
                   f"{seconds:.2f} s: {path}")
        if exports:
            started = time.perf_counter()
            path, built = export_projection_version(settings, rebuild=rebuild)
            seconds = time.perf_counter() - started
            click.echo(f"export projection {'built in' if built else 'already present, read in'}"
                       f" {seconds:.2f} s: {path}")
    except GraphServiceError as exc:
        raise click.ClickException(exc.message) from exc

"""The index command: build the per-graph-version indexes of an on-disk store once, beside it."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import click

from graph_service.cli import main
from graph_service.cli.data import DEFAULT_STORE, cli_settings
from graph_service.config import Settings

__all__ = ["index", "index_store_version"]


def index_store_version(settings: Settings, *, rebuild: bool = False) -> tuple[Path, bool]:
    """Build (unless present, or always with ``rebuild``) the indexes of the current version of
    the directory store of ``settings``, under every name the service gives that version.

    Workers name the version by the data's release marker when they start and by the version
    pointer once they look at it (:func:`~graph_service.services.writes.store_version`): both
    names get the file. Returns the file and whether it was built now.
    """
    from graph_service.backends.oxigraph import OxigraphBackend
    from graph_service.backends.versions import current_dir, read_head
    from graph_service.named_queries import load_catalog
    from graph_service.services.index_store import ensure_indexes, index_path
    from graph_service.services.loading import prepare_store
    from graph_service.services.writes import store_version

    assert settings.store_path is not None
    root = Path(settings.store_path)
    backend = OxigraphBackend(path=current_dir(root), read_only=True)
    try:
        version = prepare_store(backend, replace(settings, load_on_start=False))
        head = read_head(root)
        aliases = [store_version(backend.store, head)] if head is not None else []
        if rebuild:
            for name in (version, *aliases):
                index_path(root, name).unlink(missing_ok=True)
        catalog = load_catalog(settings.queries_dir, rdflib_check=False)
        _, built = ensure_indexes(backend, catalog, root=root, version=version,
                                  aliases=aliases)
        return index_path(root, version), built
    finally:
        backend.close()


@main.command()
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_STORE, show_default=True, help="oxigraph store directory.")
@click.option("--rebuild", is_flag=True, help="Build them again even when they are present.")
def index(store_dir: Path, rebuild: bool) -> None:
    """Build the name, label and safety-claim indexes of a store's current graph version.

    They are saved beside the store (dikg-indexes/) so that every worker of 'dikg serve'
    loads them at start-up instead of querying the whole graph; 'dikg serve' builds them too.
    """
    from graph_service.errors import GraphServiceError

    if not (store_dir / "CURRENT").exists() and not (store_dir / "dikg-current.json").exists():
        raise click.ClickException(f"{store_dir} is not a store directory (see 'dikg load')")
    settings = cli_settings(store="oxigraph", store_path=str(store_dir.resolve()))
    started = time.perf_counter()
    try:
        path, built = index_store_version(settings, rebuild=rebuild)
    except GraphServiceError as exc:
        raise click.ClickException(exc.message) from exc
    seconds = time.perf_counter() - started
    click.echo(f"indexes {'built in' if built else 'already present, checked in'} "
               f"{seconds:.2f} s: {path}")

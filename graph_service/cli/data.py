"""Data commands: validate, stats, load."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from graph_service.cli import main
from graph_service.models import ONTOLOGY_DIR, PROJECT_ROOT

if TYPE_CHECKING:
    from graph_service.backends import GraphBackend
    from graph_service.config import Settings

__all__ = ["DEFAULT_STORE", "cli_settings", "load", "stats", "validate"]

DEFAULT_STORE = PROJECT_ROOT / ".dikg" / "store"
_PREFIX = "FLASK_"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_DIKG = "https://w3id.org/dikg/"


def cli_settings(**overrides: Any) -> Settings:
    """Settings as the service would see them: defaults, ``FLASK_GRAPH_SERVICE_*``, overrides."""
    from graph_service.config import load_settings

    config: dict[str, Any] = {}
    for key, value in os.environ.items():
        if key.startswith(_PREFIX + "GRAPH_SERVICE_"):
            try:
                config[key[len(_PREFIX):]] = json.loads(value)  # as Flask's from_prefixed_env
            except ValueError:
                config[key[len(_PREFIX):]] = value
    config.update({f"GRAPH_SERVICE_{k.upper()}": v for k, v in overrides.items()})
    return load_settings(config)


def open_store(settings: Settings) -> GraphBackend:
    """The store the settings name, prepared (ontology loaded into an empty store)."""
    from graph_service.backends import get_backend
    from graph_service.services.loading import prepare_store

    backend = get_backend(settings)
    prepare_store(backend, settings)
    return backend


@main.command()
@click.option("--ontology-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=ONTOLOGY_DIR, show_default=True, help="Directory of *.ttl and shapes.ttl.")
def validate(ontology_dir: Path) -> None:
    """Validate the ontology with its SHACL shapes; exit 1 and list violations when invalid."""
    from graph_service.validation import DataValidationError, validate_directory

    try:
        _, report = validate_directory(ontology_dir)
    except DataValidationError as exc:
        report = exc.report
    if report.conforms:
        click.echo(f"{ontology_dir}: valid")
        return
    click.echo(report.describe(limit=len(report.violations)), err=True)
    raise SystemExit(1)


def _stats(backend: GraphBackend) -> dict[str, Any]:
    """Counts from one pass over the store's N-Quads dump (no query text needed)."""
    import pyoxigraph as ox

    triples = 0
    classes: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    sources = set()
    for quad in ox.parse(backend.dump(format="nquads"), format=ox.RdfFormat.N_QUADS):
        triples += 1
        predicate = quad.predicate.value
        if predicate == _RDF_TYPE:
            classes[quad.object.value] += 1
            if quad.object.value == _DIKG + "Source":
                sources.add(quad.subject.value)
        elif predicate == _DIKG + "status":
            statuses[quad.object.value] += 1
    return {"triples": triples, "entities_per_class": dict(classes.most_common()),
            "sources": len(sources), "claims_by_status": dict(statuses.most_common())}


def _claims_per_source(backend: GraphBackend) -> dict[str, int]:
    """Claims citing each source, by source key (``queries/source_counts.rq``)."""
    from graph_service.models import QUERIES_DIR
    from graph_service.named_queries import load_catalog

    text = load_catalog(QUERIES_DIR, rdflib_check=False).text("source_counts")
    return {str(row["key"]): int(str(row["claims"])) for row in backend.query(text).rows}


@main.command()
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="On-disk store directory (default: in memory, the ontology).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stats(store_dir: Path | None, as_json: bool) -> None:
    """Triples, entities per class, sources, claims by status and claims per source."""
    settings = cli_settings(store="oxigraph", store_path=str(store_dir) if store_dir else None,
                            load_on_start=store_dir is None)
    backend = open_store(settings)
    try:
        figures = {**_stats(backend), "claims_per_source": _claims_per_source(backend)}
    finally:
        backend.close()
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    click.echo(f"triples: {figures['triples']}\nsources: {figures['sources']}")
    click.echo("claims by status:")
    for status, n in figures["claims_by_status"].items():
        click.echo(f"  {n:6d}  {status}")
    click.echo("claims per source:")
    for key, n in figures["claims_per_source"].items():
        click.echo(f"  {n:6d}  {key}")
    click.echo("entities per class:")
    for cls, n in figures["entities_per_class"].items():
        click.echo(f"  {n:6d}  {cls}")


@main.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_STORE, show_default=True, help="On-disk store directory.")
@click.option("--optimize", is_flag=True,
              help="Compact the store after loading (slower load, faster queries).")
@click.option("--remote-url", default=None,
              help="Load into this remote SPARQL server (its query URL) instead.")
@click.option("--remote-store-url", default=None, help="Its Graph Store Protocol URL.")
@click.option("--remote-update-url", default=None,
              help="Its SPARQL Update URL (needed with --remote-url).")
@click.option("--index/--no-index", "build_index", default=True, show_default=True,
              help="Build the new graph version's indexes beside the store after loading "
                   "(what 'dikg index' does; timed apart from the load).")
def load(files: tuple[Path, ...], store_dir: Path, optimize: bool, remote_url: str | None,
         remote_store_url: str | None, remote_update_url: str | None,
         build_index: bool) -> None:
    """Load RDF files (Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD, .gz) into a store.

    Each file goes in all or nothing (a bad file leaves the store as it was). The embedded
    store takes each file in one bulk load, an empty one with the validated ontology in the
    same load as the first file; a remote server gets each file through its Graph Store
    Protocol (or SPARQL Update).
    """
    from graph_service.backends import get_backend
    from graph_service.errors import GraphServiceError
    from graph_service.services.loading import load_files

    if remote_url and not remote_update_url:
        raise click.UsageError("--remote-url needs --remote-update-url (the graph version is "
                               "recorded with SPARQL Update)")
    if remote_url:
        settings = cli_settings(store="remote", remote_url=remote_url, load_on_start=True,
                                remote_store_url=remote_store_url,
                                remote_update_url=remote_update_url)
    else:
        settings = cli_settings(store="oxigraph", store_path=str(store_dir), load_on_start=True)
    done: list[tuple[Path, int]] = []
    try:
        backend = get_backend(settings)
    except GraphServiceError as exc:
        raise click.ClickException(exc.message) from exc
    try:
        total = sum(path.stat().st_size for path in files)
        with click.progressbar(length=total, label="loading", file=None) as bar:
            load_files(backend, list(files), settings=settings, on_bytes=bar.update,
                       progress=lambda path, count: done.append((path, count)))
        if optimize and not remote_url:
            backend.store.optimize()  # type: ignore[attr-defined]
    except GraphServiceError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        for path, count in done:
            click.echo(f"{count:10d}  {path}")
        backend.close()
    click.echo(f"{sum(c for _, c in done)} quads loaded into {remote_url or store_dir}")
    if build_index and not remote_url:
        from graph_service.cli.index import index_store_version

        started = time.perf_counter()
        try:
            path, _ = index_store_version(settings)
        except GraphServiceError as exc:
            raise click.ClickException(f"loaded, but the indexes could not be built: "
                                       f"{exc.message} (run 'dikg index')") from exc
        click.echo(f"indexes built in {time.perf_counter() - started:.2f} s: {path}")

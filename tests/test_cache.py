"""The result cache: same answers as the store, bounded, emptied on writes and version changes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rdflib import Literal, URIRef

from graph_service.backends import GraphBackend, QueryResult, RdfSource
from graph_service.backends.cached import CachedBackend
from graph_service.backends.oxigraph import OxigraphBackend
from graph_service.errors import MalformedQuery

PREFIXES = "PREFIX dikg: <https://w3id.org/dikg/> PREFIX id: <https://w3id.org/dikg/id/> " \
           "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> " \
           "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
DRUGS = PREFIXES + "SELECT DISTINCT ?d ?l WHERE { ?d a/rdfs:subClassOf* dikg:Drug ; " \
                   "skos:prefLabel ?l } ORDER BY ?l"
LABEL_OF = PREFIXES + "SELECT ?d ?l WHERE { ?d skos:prefLabel ?l }"
JSON = "application/sparql-results+json"
INSERT = PREFIXES + 'INSERT DATA { id:tramadol a dikg:OpioidAgonist ; ' \
                    'skos:prefLabel "tramadol"@en }'


class Counting:
    """Delegates to a real backend and counts the reads that reach it."""

    def __init__(self, inner: GraphBackend) -> None:
        self.inner, self.name, self.reads = inner, inner.name, 0

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)

    def query(self, text: str, **options: Any) -> QueryResult:
        self.reads += 1
        return self.inner.query(text, **options)

    def serialize_query(self, text: str, **options: Any) -> Any:
        self.reads += 1
        return self.inner.serialize_query(text, **options)


@pytest.fixture
def counted(mini_backend: GraphBackend) -> Counting:
    """The parametrized mini store behind a read counter."""
    return Counting(mini_backend)


def labels(result: QueryResult) -> list[str]:
    return [str(row["l"]) for row in result.rows]


def json_labels(body: bytes) -> list[str]:
    """Parse SPARQL JSON results and return the ``l`` column."""
    return [b["l"]["value"] for b in json.loads(body)["results"]["bindings"]]


def test_cached_answer_equals_a_fresh_one(counted: Counting) -> None:
    cache = CachedBackend(counted)  # type: ignore[arg-type]
    first, second = cache.query(DRUGS), cache.query(DRUGS)
    fresh = counted.inner.query(DRUGS)
    assert labels(first) == labels(second) == labels(fresh) == ["fentanyl", "naltrexone",
                                                                 "oxycodone"]
    assert second.rows == fresh.rows and second.variables == fresh.variables
    body1 = cache.serialize_query(DRUGS, media_type=JSON).body
    body2 = cache.serialize_query(DRUGS, media_type=JSON).body
    assert json_labels(body1) == json_labels(body2) == labels(fresh)
    assert counted.reads == 2  # one per method; the repeats were hits
    assert cache.stats().hits == 2 and cache.stats().entries == 2


def test_update_through_the_cache_invalidates(counted: Counting) -> None:
    cache = CachedBackend(counted)  # type: ignore[arg-type]
    assert "tramadol" not in labels(cache.query(DRUGS))
    assert "tramadol" not in json_labels(cache.serialize_query(DRUGS, media_type=JSON).body)
    cache.update(INSERT)
    assert "tramadol" in labels(cache.query(DRUGS))
    assert "tramadol" in json_labels(cache.serialize_query(DRUGS, media_type=JSON).body)
    assert labels(cache.query(DRUGS)) == labels(counted.inner.query(DRUGS))


@pytest.mark.parametrize("write", ["load", "clear"])
def test_load_and_clear_invalidate(counted: Counting, write: str) -> None:
    cache = CachedBackend(counted)  # type: ignore[arg-type]
    before = labels(cache.query(DRUGS))
    if write == "load":
        cache.load([RdfSource(b'<https://w3id.org/dikg/id/codeine> '
                              b'<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
                              b'<https://w3id.org/dikg/Drug> .\n<https://w3id.org/dikg/id/codeine> '
                              b'<http://www.w3.org/2004/02/skos/core#prefLabel> "codeine" .\n',
                              "nt", name="codeine.nt")])
        assert labels(cache.query(DRUGS)) == ["codeine", *before]
    else:
        cache.clear()
        assert labels(cache.query(DRUGS)) == []


def test_a_new_graph_version_invalidates(counted: Counting) -> None:
    version = ["v1"]
    cache = CachedBackend(counted, version=lambda: version[0])  # type: ignore[arg-type]
    assert "tramadol" not in labels(cache.query(DRUGS))
    counted.inner.update(INSERT)  # another writer, behind the cache's back
    assert "tramadol" not in labels(cache.query(DRUGS))  # still the cached answer of v1
    version[0] = "v2"
    assert "tramadol" in labels(cache.query(DRUGS))
    assert cache.stats().invalidations == 1


def test_errors_and_truncated_answers_are_not_cached(counted: Counting) -> None:
    cache = CachedBackend(counted)  # type: ignore[arg-type]
    for _ in range(2):
        with pytest.raises(MalformedQuery):
            cache.query("SELECT WHERE {")
    cut = cache.query(DRUGS, max_rows=1)
    assert cut.truncated and len(cut.rows) == 1
    assert cache.query(DRUGS, max_rows=1).truncated
    assert counted.reads == 4 and cache.stats().stores == 0


def test_bindings_media_types_and_limits_are_part_of_the_key(counted: Counting) -> None:
    cache = CachedBackend(counted)  # type: ignore[arg-type]
    nal = cache.query(LABEL_OF, bindings={"d": URIRef("https://w3id.org/dikg/id/naltrexone")})
    fen = cache.query(LABEL_OF, bindings={"d": URIRef("https://w3id.org/dikg/id/fentanyl")})
    lit = cache.query(LABEL_OF, bindings={"d": Literal("https://w3id.org/dikg/id/fentanyl")})
    assert (labels(nal), labels(fen), labels(lit)) == (["naltrexone"], ["fentanyl"], [])
    csv = cache.serialize_query(DRUGS, media_type="text/csv").body
    assert csv.decode().splitlines()[0].split(",") == ["d", "l"]
    assert json_labels(cache.serialize_query(DRUGS, media_type=JSON).body)[0] == "fentanyl"
    assert len(cache.query(DRUGS, max_rows=100).rows) == 3
    assert counted.reads == 6 and cache.stats().hits == 0


def test_callers_cannot_corrupt_cached_rows(counted: Counting) -> None:
    cache = CachedBackend(counted)  # type: ignore[arg-type]
    mine = cache.query(DRUGS)
    mine.rows.clear()
    again = cache.query(DRUGS)
    again.rows.reverse()
    with pytest.raises(TypeError, match="read-only"):
        again.rows[0]["l"] = Literal("changed")
    with pytest.raises(TypeError, match="read-only"):
        again.rows[0].update(l=Literal("changed"))
    copied = dict(again.rows[0])
    copied["l"] = Literal("mine")
    assert labels(cache.query(DRUGS)) == ["fentanyl", "naltrexone", "oxycodone"]


def test_bounded_by_entries_and_bytes() -> None:
    inner = Counting(OxigraphBackend())
    inner.inner.update(INSERT)
    cache = CachedBackend(inner, max_entries=2)  # type: ignore[arg-type]
    texts = [DRUGS, LABEL_OF, PREFIXES + "ASK { ?s ?p ?o }"]
    for text in texts:
        cache.query(text)
    assert cache.stats().entries == 2 and cache.stats().evictions == 1
    cache.query(texts[0])  # least recently used: evicted, so it runs again
    assert inner.reads == 4
    tiny = CachedBackend(inner, max_bytes=80)  # type: ignore[arg-type]
    tiny.query(DRUGS)
    assert tiny.stats().stores == 0 and tiny.stats().bytes == 0


def test_a_write_during_a_query_keeps_its_answer_out(counted: Counting) -> None:
    cache: CachedBackend

    class WriteWhileReading(Counting):
        def query(self, text: str, **options: Any) -> QueryResult:
            answer = super().query(text, **options)
            cache.update(INSERT)  # lands after the read started
            return answer

    cache = CachedBackend(WriteWhileReading(counted.inner))  # type: ignore[arg-type]
    stale = cache.query(DRUGS)
    assert "tramadol" not in labels(stale) and cache.stats().stores == 0

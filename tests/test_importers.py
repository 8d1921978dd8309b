"""Importers (ANSM, DrugCentral 2016, PharmacotherapyDB) on hand-written fixtures and real files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from graph_service.cli import main
from graph_service.importers import default_import_files, stored_fingerprint, write_import
from graph_service.importers.ansm import build_ansm
from graph_service.importers.ansm_read import input_files, package_data_dir
from graph_service.importers.common import ImportResult
from graph_service.importers.drugcentral import build_drugcentral
from graph_service.importers.inn import english_inn, name_candidates
from graph_service.importers.pharmacotherapydb import build_pharmacotherapydb
from graph_service.importers.store import replace_source

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "resources" / "importers"
CURATED = FIXTURES / "ontology"
ID = "https://w3id.org/dikg/id/"
DIKG = "https://w3id.org/dikg/"
PREFIXES = """PREFIX dikg: <https://w3id.org/dikg/> PREFIX id: <https://w3id.org/dikg/id/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
# The claims about a pair, in either direction, directly or through rdf:type/rdfs:subClassOf*.
PAIR_QUERY = (
    PREFIXES
    + """
SELECT DISTINCT ?claim ?severity ?source ?a ?b WHERE {
  { ?claim dikg:subject ?s ; dikg:object ?o } UNION { ?claim dikg:subject ?o ; dikg:object ?s }
  ?a (rdf:type/rdfs:subClassOf*)? ?s .
  ?b (rdf:type/rdfs:subClassOf*)? ?o .
  ?claim dikg:severity ?severity ; dikg:citation/dcterms:source ?source .
} ORDER BY ?claim"""
)


def _store(*files: Path) -> ox.Store:
    store = ox.Store()
    for path in files:
        fmt = ox.RdfFormat.TURTLE if path.suffix == ".ttl" else ox.RdfFormat.N_TRIPLES
        store.load(path=path, format=fmt)
    return store


def _write(result: ImportResult, path: Path) -> Path:
    return write_import(result, path, inputs=[], ontology_dir=CURATED, attribution="test")


def _pair(store: ox.Store, a: str, b: str) -> list[tuple[str, str, str]]:
    rows = store.query(
        PAIR_QUERY,
        substitutions={
            ox.Variable("a"): ox.NamedNode(ID + a),
            ox.Variable("b"): ox.NamedNode(ID + b),
        },
    )
    return [
        (
            r["claim"].value.removeprefix(ID),
            r["severity"].value.removeprefix(DIKG),
            r["source"].value.removeprefix(ID),
        )
        for r in rows
    ]


def _values(store: ox.Store, subject: str, predicate: str) -> set[ox.Literal | ox.NamedNode]:
    return {
        q.object
        for q in store.quads_for_pattern(ox.NamedNode(ID + subject), ox.NamedNode(predicate), None)
    }


@pytest.fixture(scope="module")
def ansm_fixture(tmp_path_factory: pytest.TempPathFactory) -> tuple[ImportResult, Path, ox.Store]:
    result = build_ansm(FIXTURES / "ansm", ontology_dir=CURATED)
    out = _write(result, tmp_path_factory.mktemp("ansm") / "ansm.nt")
    return result, out, _store(CURATED / "curated.ttl", out)


# --- INN rules ---

CORE = {
    "disulfirame": "disulfiram",
    "warfarine": "warfarin",
    "simvastatine": "simvastatin",
    "clarithromycine": "clarithromycin",
    "métronidazole": "metronidazole",
    "phénytoïne": "phenytoin",
    "isoniazide": "isoniazid",
    "miconazole": "miconazole",
    "kétoconazole": "ketoconazole",
    "fosphénytoïne": "fosphenytoin",
    "ibuprofène": "ibuprofen",
    "dextrométhorphane": "dextromethorphan",
    "oxycodone": "oxycodone",
    "tramadol": "tramadol",
    "hydromorphone": "hydromorphone",
    "érythromycine": "erythromycin",
    "énoxaparine": "enoxaparin",
    "ciprofloxacine": "ciprofloxacin",
    "amoxicilline": "amoxicillin",
    "paracétamol": "acetaminophen",
}


@pytest.mark.parametrize(("french", "english"), sorted(CORE.items()))
def test_inn_rules_map_core_drugs(french: str, english: str) -> None:
    assert english_inn(french) == english


@pytest.mark.parametrize(
    "french",
    [
        "morphine",
        "codéine",
        "héparine calcique",
        "captodiame",
        "benethamine-pénicilline",
        "tamoxifène",
        "nalméfène",
        "antivitamines K",
        "cocaïne",
        "statine",
        "azole",
    ],
)
def test_inn_rules_stay_silent_off_known_stems(french: str) -> None:
    assert english_inn(french) is None


def test_name_candidates_are_exact_forms_only() -> None:
    assert name_candidates("méthadone") == ("methadone",)
    assert name_candidates("buprénorphine") == ("buprenorphine",)
    assert "naltrexone" not in name_candidates("méthylnaltrexone")
    assert "phenytoin" not in name_candidates("fosphénytoïne")


# --- ANSM on the fixture ---


def test_ansm_counts_on_fixture(ansm_fixture: tuple[ImportResult, Path, ox.Store]) -> None:
    counts = ansm_fixture[0].counts
    assert counts["thesaurus entries"] == 14
    assert counts["entries skipped: unresolved side"] == 1
    assert (
        counts["claims Contraindicated"],
        counts["claims Major"],
        counts["claims Moderate"],
        counts["claims Minor"],
    ) == (3, 4, 1, 1)
    assert counts["classes"] == 6
    assert (
        counts["substances matched by identifier"] == 4
    )  # disulfirame, naltrexone, tramadol, warfarine
    assert counts["substances matched by name"] == 2  # métronidazole, codéine (no code on our side)
    assert counts["substances new"] == 7


def test_ansm_severity_mapping_and_original_levels(
    ansm_fixture: tuple[ImportResult, Path, ox.Store],
) -> None:
    store = ansm_fixture[2]
    assert _pair(store, "disulfiram", "metronidazole") == [
        ("ci-disulfiram-metronidazole", "Contraindicated", "src-l-dis"),
        ("ix-ansm-disulfiram-metronidazole", "Major", "src-ansm-2020"),
    ]
    cocaine = "ix-ansm-ansm-cocaine-disulfiram"
    assert _values(store, cocaine, DIKG + "severity") == {ox.NamedNode(DIKG + "Minor")}
    assert {v.value for v in _values(store, cocaine, DIKG + "originalSeverity")} == {
        "A prendre en compte",
        "Il convient de prendre en compte",
    }
    assert _values(store, "ix-ansm-ansm-methadone-disulfiram", DIKG + "kind") == {
        ox.NamedNode(DIKG + "WarningKind")
    }


def test_ansm_pairs_are_deduplicated(ansm_fixture: tuple[ImportResult, Path, ox.Store]) -> None:
    store = ansm_fixture[2]
    claims = [row[0] for row in _pair(store, "metronidazole", "disulfiram") if "ansm" in row[0]]
    assert claims == ["ix-ansm-disulfiram-metronidazole"]
    locators = {
        q.object.value
        for q in store.quads_for_pattern(None, ox.NamedNode(DIKG + "locator"), None)
        if q.subject.value.startswith(ID + "cit-ix-ansm-disulfiram-metronidazole-")
    }
    assert locators == {
        "thesaurus entry 8: DISULFIRAME + METRONIDAZOLE",
        "thesaurus entry 11: METRONIDAZOLE + DISULFIRAME",
    }


def test_ansm_multi_level_entry_keeps_the_most_severe(
    ansm_fixture: tuple[ImportResult, Path, ox.Store],
) -> None:
    store = ansm_fixture[2]
    claim = "ci-ansm-ansm-class-antivitamines-k-ansm-miconazole"
    assert _pair(store, "warfarin", "ansm-miconazole") == [
        (claim, "Contraindicated", "src-ansm-2020")
    ]
    assert {v.value for v in _values(store, claim, DIKG + "originalSeverity")} == {
        "CONTRE-INDICATION",
        "Précaution d'emploi",
    }
    management = _values(store, claim, DIKG + "management")
    assert (
        ox.Literal(
            "Précaution d'emploi : avec le miconazole par voie vaginale. Contrôle plus "
            "fréquent de l'INR.",
            language="fr",
        )
        in management
    )


def test_ansm_classes_reach_their_members(
    ansm_fixture: tuple[ImportResult, Path, ox.Store],
) -> None:
    store = ansm_fixture[2]
    cls = ox.NamedNode(ID + "ansm-class-inhibiteurs-puissants-du-cyp3a4")
    assert (
        ox.Quad(
            cls,
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
            ox.NamedNode(DIKG + "Drug"),
        )
        in store
    )
    assert ox.Literal("strong CYP3A4 inhibitors", language="en") in _values(
        store, cls.value.removeprefix(ID), "http://www.w3.org/2004/02/skos/core#altLabel"
    )
    found = _pair(store, "ansm-simvastatine", "ansm-clarithromycine")
    assert [c for c, _, _ in found] == [
        "ci-ansm-ansm-clarithromycine-ansm-simvastatine",
        "ci-ansm-ansm-class-inhibiteurs-puissants-du-cyp3a4-ansm-simvastatine",
    ]
    # a class rule reaches curated members: naltrexone (partial antagonists) + tramadol (step II)
    assert (
        "ix-ansm-ansm-class-analgesiques-morphiniques-de-palier-ii-ansm-class-morphiniques-"
        "antagonistes-partiels",
        "Major",
        "src-ansm-2020",
    ) in _pair(store, "tramadol", "naltrexone")


def test_ansm_matching_is_identifier_first_and_careful(
    ansm_fixture: tuple[ImportResult, Path, ox.Store],
) -> None:
    store = ansm_fixture[2]
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    assert ox.NamedNode(ID + "ansm-class-antabuse-reaction") in _values(
        store, "disulfiram", rdf_type
    )
    assert ox.NamedNode(ID + "ansm-class-antabuse-reaction") in _values(
        store, "metronidazole", rdf_type
    )
    # méthadone carries RxCUI 99999 while our methadone has 6813: the name match is refused
    assert _values(store, "ansm-methadone", rdf_type) == {ox.NamedNode(DIKG + "Drug")}
    # RxCUI 253182 is shared by two substances: not used to match and not stated as an identifier
    assert not _values(store, "ansm-fluindione", "http://www.w3.org/2004/02/skos/core#exactMatch")
    assert _values(
        store, "ansm-simvastatine", "http://www.w3.org/2004/02/skos/core#exactMatch"
    ) == {ox.NamedNode("http://purl.bioontology.org/ontology/RXNORM/36567")}
    assert not list(store.quads_for_pattern(ox.NamedNode(ID + "ansm-disulfirame"), None, None))


def test_ansm_new_entities_keep_french_labels(
    ansm_fixture: tuple[ImportResult, Path, ox.Store],
) -> None:
    store = ansm_fixture[2]
    skos = "http://www.w3.org/2004/02/skos/core#"
    assert _values(store, "ansm-simvastatine", skos + "prefLabel") == {
        ox.Literal("simvastatine", language="fr")
    }
    assert _values(store, "ansm-simvastatine", skos + "altLabel") == {
        ox.Literal("simvastatin", language="en")
    }
    assert _values(store, "ansm-simvastatine", DIKG + "labelDerivation") == {
        ox.Literal("French INN rule")
    }
    assert not _values(store, "ansm-cocaine", skos + "altLabel")
    assert not _values(store, "ansm-cocaine", DIKG + "labelDerivation")
    mechanisms = _values(store, "ix-ansm-disulfiram-metronidazole", DIKG + "mechanism")
    assert mechanisms == {
        ox.Literal(
            "Risque d\u2019épisodes de psychose aiguë ou d\u2019état confusionnel, "
            "réversibles à l\u2019arrêt de l\u2019association.",
            language="fr",
        )
    }
    # grapefruit is a concept, alcohol is our ethanol
    assert _values(
        store, "ansm-pamplemousse-jus-et-fruit", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    ) == {ox.NamedNode(DIKG + "Concept")}
    assert [c for c, _, _ in _pair(store, "disulfiram", "ethanol")] == [
        "ix-ansm-ansm-class-antabuse-reaction-ethanol",
        "ix-disulfiram-ethanol",
    ]


def test_every_imported_claim_has_a_source_and_citation(
    ansm_fixture: tuple[ImportResult, Path, ox.Store],
) -> None:
    store = ansm_fixture[2]
    orphans = store.query(
        PREFIXES
        + """SELECT ?c WHERE { ?c a ?k . ?k rdfs:subClassOf* dikg:Claim .
        FILTER NOT EXISTS { ?c dikg:citation/dcterms:source/a dikg:Source } }"""
    )
    assert list(orphans) == []
    claims = store.query(
        PREFIXES
        + """SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {
        ?c dikg:citation/dcterms:source id:src-ansm-2020 ; dikg:status dikg:LabelBacked }"""
    )
    assert int(next(iter(claims))["n"].value) == 9


def test_conflicts_link_different_severities_only(
    ansm_fixture: tuple[ImportResult, Path, ox.Store],
) -> None:
    store = ansm_fixture[2]
    links = sorted(
        (q.subject.value.removeprefix(ID), q.object.value.removeprefix(ID))
        for q in store.quads_for_pattern(None, ox.NamedNode(DIKG + "conflictsWith"), None)
    )
    assert links == [
        (
            "ix-ansm-ansm-class-analgesiques-morphiniques-de-palier-ii-ansm-class-morphiniques-antagonistes-"
            "partiels",
            "ci-naltrexone-opioidagonist",
        ),
        ("ix-ansm-disulfiram-metronidazole", "ci-disulfiram-metronidazole"),
    ]


def test_output_is_sorted_and_byte_identical(
    tmp_path: Path, ansm_fixture: tuple[ImportResult, Path, ox.Store]
) -> None:
    again = _write(build_ansm(FIXTURES / "ansm", ontology_dir=CURATED), tmp_path / "again.nt")
    assert again.read_bytes() == ansm_fixture[1].read_bytes()
    lines = [
        line for line in again.read_text(encoding="utf-8").splitlines() if not line.startswith("#")
    ]
    assert lines == sorted(lines)
    assert len(list(ox.parse(path=again, format=ox.RdfFormat.N_TRIPLES))) == len(lines)


# --- DrugCentral and PharmacotherapyDB on fixtures ------------------------------------------------


def test_drugcentral_fixture(tmp_path: Path) -> None:
    result = build_drugcentral(FIXTURES / "drugcentral", ontology_dir=CURATED)
    store = _store(CURATED / "curated.ttl", _write(result, tmp_path / "dc.nt"))
    assert result.counts["target rows skipped: action type not in the model"] == 1
    assert result.counts["drugs matched by identifier"] == 1  # naltrexone by RxNorm 7243
    mech = "mech-dc2016-naltrexone-oprm1"
    assert _values(store, mech, DIKG + "relation") == {ox.NamedNode(DIKG + "antagonistOf")}
    assert _values(store, mech, DIKG + "action") == {ox.NamedNode(DIKG + "Antagonist")}
    acamprosate = "dc2016-acamprosate"
    assert _values(store, acamprosate, "http://www.w3.org/2004/02/skos/core#exactMatch") == {
        ox.NamedNode("https://go.drugbank.com/drugs/DB00659"),
        ox.NamedNode("http://purl.obolibrary.org/obo/CHEBI_51041"),
    }
    indication = "ind-dc2016-naltrexone-alcohol-dependence"  # matched by DOID
    assert _values(store, indication, DIKG + "object") == {ox.NamedNode(ID + "alcohol-dependence")}
    sources = {
        q.object
        for q in store.quads_for_pattern(
            None, ox.NamedNode("http://purl.org/dc/terms/source"), None
        )
        if "dc2016" in q.subject.value
    }
    assert sources == {ox.NamedNode(ID + "src-drugcentral-2016")}


def test_pharmacotherapydb_fixture(tmp_path: Path) -> None:
    result = build_pharmacotherapydb(FIXTURES / "pharmacotherapydb", ontology_dir=CURATED)
    store = _store(CURATED / "curated.ttl", _write(result, tmp_path / "p.nt"))
    assert (
        result.counts["claims DM"],
        result.counts["claims SYM"],
        result.counts["claims NOT"],
    ) == (2, 1, 1)
    assert _values(store, "ind-ptdb-naltrexone-alcohol-dependence", DIKG + "relation") == {
        ox.NamedNode(DIKG + "indicatedFor")
    }
    assert _values(store, "ind-ptdb-ptdb-folic-acid-alcohol-dependence", DIKG + "relation") == {
        ox.NamedNode(DIKG + "notIndicatedFor")
    }
    assert not [
        q
        for q in store.quads_for_pattern(None, ox.NamedNode(DIKG + "severity"), None)
        if "ptdb" in q.subject.value
    ]


# --- store replacement, CLI, default build --------------------------------------------------------


def test_reimport_replaces_only_that_source(tmp_path: Path) -> None:
    ansm_nt = _write(build_ansm(FIXTURES / "ansm", ontology_dir=CURATED), tmp_path / "ansm.nt")
    ptdb_nt = _write(
        build_pharmacotherapydb(FIXTURES / "pharmacotherapydb", ontology_dir=CURATED),
        tmp_path / "ptdb.nt",
    )
    store_dir = tmp_path / "store"
    store = ox.Store(str(store_dir))
    store.load(path=CURATED / "curated.ttl", format=ox.RdfFormat.TURTLE)
    store.flush()
    del store
    replace_source(
        store_dir,
        ptdb_nt,
        minted=("id:ptdb-", "id:ind-ptdb-", "id:cit-ind-ptdb-", "id:src-pharmacotherapydb-"),
    )
    assert (
        replace_source(
            store_dir,
            ansm_nt,
            minted=(
                "id:ansm-",
                "id:ix-ansm-",
                "id:ci-ansm-",
                "id:cit-ix-ansm-",
                "id:cit-ci-ansm-",
                "id:src-ansm-",
            ),
        )[0]
        == 0
    )
    before = set(ox.Store.read_only(str(store_dir)))
    small = tmp_path / "small"
    shutil.copytree(FIXTURES / "ansm", small)
    thesaurus = (
        small / "thesaurus-referentiel-national-des-interactions-medicamenteuses-20102020.json"
    )
    thesaurus.write_text(
        '[{"main_drug": "DISULFIRAME", "between_main_and_plus_drug": "", '
        '"plus_drug": "COCAINE", "severity_levels": [{"level": "A prendre en compte", '
        '"info": ""}], "interaction_mechanism": "", "description": ""}]',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main,
        [
            "import",
            "ansm",
            str(small),
            "-o",
            str(tmp_path / "a2.nt"),
            "--ontology",
            str(CURATED),
            "--store",
            str(store_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "claims Minor: 1" in result.output and "removed" in result.output
    after = set(ox.Store.read_only(str(store_dir)))
    ansm = (
        "/id/ansm-",
        "/id/ix-ansm-",
        "/id/ci-ansm-",
        "/id/cit-ix-ansm-",
        "/id/cit-ci-ansm-",
        "/id/src-ansm-",
    )

    def others(quads: set[ox.Quad]) -> set[ox.Quad]:
        return {
            q for q in quads if not any(p in q.subject.value or p in str(q.object) for p in ansm)
        }

    assert others(after) == others(before)
    assert ox.NamedNode(ID + "ix-ansm-disulfiram-metronidazole") not in {q.subject for q in after}
    assert ox.NamedNode(ID + "ix-ansm-ansm-cocaine-disulfiram") in {q.subject for q in after}


def test_cli_reports_missing_files_cleanly(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["import", "drugcentral", str(tmp_path), "-o", str(tmp_path / "x.nt")]
    )
    assert result.exit_code == 1
    assert "drug_target.tsv not found" in result.output and "olegursu/drugtarget" in result.output


def test_default_import_files_builds_once_and_rebuilds_when_stale(tmp_path: Path) -> None:
    shutil.copytree(CURATED, tmp_path / "ontology")
    (path,) = default_import_files(tmp_path)
    assert path == tmp_path / ".dikg" / "imports" / "ansm.nt"
    assert path.stat().st_mode & 0o777 == 0o644
    first = path.stat().st_mtime_ns
    assert stored_fingerprint(path)
    assert default_import_files(tmp_path) == [path] and path.stat().st_mtime_ns == first
    with (tmp_path / "ontology" / "curated.ttl").open("a", encoding="utf-8") as stream:
        stream.write("\n# changed\n")
    old = stored_fingerprint(path)
    default_import_files(tmp_path)
    assert stored_fingerprint(path) != old
    assert "Source: ANSM, Thésaurus des interactions médicamenteuses" in path.read_text(
        encoding="utf-8"
    )
    assert input_files(package_data_dir())[0].name.endswith("20102020.json")


def test_fixture_output_meets_the_shapes(
    ansm_fixture: tuple[ImportResult, Path, ox.Store],
) -> None:
    """Imported data follow ontology/shapes.ttl (French INN preferred labels are allowed)."""
    from rdflib import Graph

    from graph_service.validation import validate_graph

    graph = Graph()
    graph.parse(ROOT / "ontology" / "dikg.ttl", format="turtle")
    graph.parse(CURATED / "curated.ttl", format="turtle")
    graph.parse(ansm_fixture[1], format="nt")
    report = validate_graph(graph)
    ours = {q.subject.value for q in ox.parse(path=ansm_fixture[1], format=ox.RdfFormat.N_TRIPLES)}
    assert [str(v) for v in report.violations if v.focus_node in ours] == []


# --- real files ---

SHARED = ROOT.parent / "shared" / "data"
REAL_ONTOLOGY = sorted(p for p in (ROOT / "ontology").glob("*.ttl") if p.name != "shapes.ttl")


@pytest.fixture(scope="module")
def ansm_real(tmp_path_factory: pytest.TempPathFactory) -> tuple[ImportResult, ox.Store]:
    result = build_ansm(package_data_dir(), ontology_dir=ROOT / "ontology")
    out = write_import(result, tmp_path_factory.mktemp("real") / "ansm.nt", inputs=[],
                       ontology_dir=ROOT / "ontology", attribution="test")
    return result, _store(*REAL_ONTOLOGY, out)


def test_real_ansm_counts(ansm_real: tuple[ImportResult, ox.Store]) -> None:
    counts = ansm_real[0].counts
    assert counts["thesaurus entries"] == 3139
    assert counts["entries skipped: unresolved side"] == 0
    severities = [counts[f"claims {s}"] for s in ("Contraindicated", "Major", "Moderate", "Minor")]
    assert severities == [284, 449, 632, 219]
    assert sum(severities) == 1584  # every unordered pair, once
    assert counts["classes"] == 191  # 195 names, 4 of them PDF line-break duplicates
    assert counts["factors matched"] == 1 and counts["factors new"] == 6  # alcohol -> id:ethanol
    substances = sum(counts[f"substances {k}"] for k in
                     ("matched by identifier", "matched by name", "new"))
    assert substances == 1081  # 1,084 index rows, 3 accent duplicates
    assert counts["substances matched by identifier"] >= 23


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("ansm-simvastatine", "ansm-clarithromycine",
     ("ci-ansm-ansm-class-inhibiteurs-puissants-du-cyp3a4-ansm-simvastatine", "Contraindicated")),
    ("disulfiram", "metronidazole", ("ix-ansm-disulfiram-metronidazole", "Major")),
    ("warfarin", "ansm-miconazole",
     ("ci-ansm-ansm-class-antivitamines-k-ansm-miconazole", "Contraindicated")),
    ("naltrexone", "fentanyl",
     ("ci-ansm-ansm-class-analgesiques-morphiniques-de-palier-iii-ansm-class-morphiniques-"
      "antagonistes-partiels", "Contraindicated")),
    ("naltrexone", "tramadol",
     ("ix-ansm-ansm-class-analgesiques-morphiniques-de-palier-ii-ansm-class-morphiniques-"
      "antagonistes-partiels", "Major")),
])
def test_real_ansm_known_pairs_both_ways(ansm_real: tuple[ImportResult, ox.Store], a: str, b: str,
                                         expected: tuple[str, str]) -> None:
    store = ansm_real[1]
    forward, backward = _pair(store, a, b), _pair(store, b, a)
    assert (*expected, "src-ansm-2020") in forward
    assert forward == backward


def test_real_ansm_class_reach_and_conflicts(ansm_real: tuple[ImportResult, ox.Store]) -> None:
    store = ansm_real[1]
    members = store.query(PREFIXES + """SELECT ?d WHERE {
        ?d rdf:type/rdfs:subClassOf* id:ansm-class-inhibiteurs-puissants-du-cyp3a4 .
        ?d a dikg:Drug } ORDER BY ?d""")
    assert [r["d"].value.removeprefix(ID + "ansm-") for r in members] == [
        "clarithromycine", "cobicistat", "erythromycine", "itraconazole", "ketoconazole",
        "posaconazole", "ritonavir", "telithromycine", "voriconazole"]
    links = {(q.subject.value.removeprefix(ID), q.object.value.removeprefix(ID))
             for q in store.quads_for_pattern(None, ox.NamedNode(DIKG + "conflictsWith"), None)}
    assert {("ix-ansm-disulfiram-metronidazole", "ci-disulfiram-metronidazole"),
            ("ix-ansm-ansm-class-antabuse-reaction-ethanol", "ci-disulfiram-ethanol"),
            ("ix-ansm-ansm-class-analgesiques-morphiniques-de-palier-ii-ansm-class-morphiniques-"
             "antagonistes-partiels", "ci-naltrexone-opioidagonist")} <= links


def test_real_ansm_claims_all_cite_the_source(ansm_real: tuple[ImportResult, ox.Store]) -> None:
    store = ansm_real[1]
    rows = store.query(PREFIXES + """SELECT (COUNT(DISTINCT ?c) AS ?n) (COUNT(DISTINCT ?bad) AS ?b)
        WHERE { ?c a ?k . ?k rdfs:subClassOf* dikg:Claim .
                OPTIONAL { FILTER NOT EXISTS { ?c dikg:citation/dcterms:source/a dikg:Source }
                           BIND(?c AS ?bad) } }""")
    row = next(iter(rows))
    assert int(row["b"].value) == 0 and int(row["n"].value) >= 1584
    ansm = store.query(PREFIXES + """SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {
        ?c dikg:citation/dcterms:source id:src-ansm-2020 ; dikg:status dikg:LabelBacked ;
           dikg:summary ?s ; dikg:severity ?sev ; dikg:originalSeverity ?o }""")
    assert int(next(iter(ansm))["n"].value) == 1584


needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(),
    reason=f"{SHARED} is absent: the DrugCentral and PharmacotherapyDB files are not committed "
    "(see docs/importers.md for where to get them)",
)


@pytest.mark.shared_data
@needs_shared
def test_real_drugcentral(tmp_path: Path) -> None:
    result = build_drugcentral(SHARED / "drugcentral-2016", ontology_dir=ROOT / "ontology")
    counts = result.counts
    assert counts["claims TargetAction"] == 2201 and counts["claims Indication"] == 11878
    assert counts["target rows skipped: action type not in the model"] == 171
    store = _store(*REAL_ONTOLOGY, _write(result, tmp_path / "dc.nt"))
    assert _values(store, "mech-dc2016-naltrexone-oprm1", DIKG + "action") == {
        ox.NamedNode(DIKG + "Antagonist")}
    citation = "cit-mech-dc2016-naltrexone-oprm1-1"
    assert _values(store, citation, "http://purl.org/dc/terms/source") == {
        ox.NamedNode(ID + "src-drugcentral-2016")}


@pytest.mark.shared_data
@needs_shared
def test_real_pharmacotherapydb(tmp_path: Path) -> None:
    result = build_pharmacotherapydb(SHARED / "pharmacotherapydb", ontology_dir=ROOT / "ontology")
    counts = result.counts
    assert (counts["claims DM"], counts["claims SYM"], counts["claims NOT"]) == (755, 390, 243)
    store = _store(*REAL_ONTOLOGY, _write(result, tmp_path / "p.nt"))
    for drug in ("naltrexone", "acamprosate", "disulfiram"):
        assert _values(store, f"ind-ptdb-{drug}-alcohol-dependence", DIKG + "relation") == {
            ox.NamedNode(DIKG + "indicatedFor")}


# The per-source counts for `dikg stats` (proposed as queries/source_counts.rq; docs/importers.md).
SOURCE_COUNTS = PREFIXES + """
SELECT ?source ?key (COUNT(DISTINCT ?claim) AS ?claims) WHERE {
  ?source a dikg:Source ; dikg:sourceKey ?key .
  OPTIONAL { ?claim dikg:citation/dcterms:source ?source }
} GROUP BY ?source ?key ORDER BY ?key"""


def test_source_counts_query(ansm_fixture: tuple[ImportResult, Path, ox.Store]) -> None:
    rows = {r["key"].value: int(r["claims"].value) for r in ansm_fixture[2].query(SOURCE_COUNTS)}
    assert rows == {"ANSM-2020": 9, "L-DIS": 4, "DC-2016": 0}


def test_hand_tables_name_real_thesaurus_terms() -> None:
    from graph_service.importers.ansm_read import key, read_thesaurus
    from graph_service.importers.ansm_terms import CLASS_ENGLISH, FACTORS

    book = read_thesaurus(package_data_dir())
    assert set(CLASS_ENGLISH) <= set(book.class_names)
    sides = {key(name) for entry in book.entries for name in (entry.main, entry.plus)}
    assert set(FACTORS) <= sides
    assert set(FACTORS).isdisjoint(book.class_names)
    assert set(FACTORS).isdisjoint(book.substance_names)


@pytest.mark.parametrize(("folder", "build"), [
    ("drugcentral", build_drugcentral), ("pharmacotherapydb", build_pharmacotherapydb)])
def test_drugcentral_and_pharmacotherapydb_outputs_meet_the_shapes(
    tmp_path: Path, folder: str, build: object
) -> None:
    from rdflib import Graph

    from graph_service.validation import validate_graph

    result = build(FIXTURES / folder, ontology_dir=CURATED)  # type: ignore[operator]
    out = _write(result, tmp_path / f"{folder}.nt")
    graph = Graph()
    graph.parse(ROOT / "ontology" / "dikg.ttl", format="turtle")
    graph.parse(CURATED / "curated.ttl", format="turtle")
    graph.parse(out, format="nt")
    ours = {q.subject.value for q in ox.parse(path=out, format=ox.RdfFormat.N_TRIPLES)}
    assert [str(v) for v in validate_graph(graph).violations if v.focus_node in ours] == []

"""The TBox (ontology/dikg.ttl), the SHACL shapes, and the validation of the whole ontology."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from model_terms import CLAIM_CLASS_NAMES
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from graph_service.validation import (
    DataValidationError,
    ValidationReport,
    load_ontology_graph,
    raise_for_violations,
    validate_files,
    validate_graph,
)

ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology"
TBOX = ONTOLOGY / "dikg.ttl"
DIKG = Namespace("https://w3id.org/dikg/")
ID = Namespace("https://w3id.org/dikg/id/")
CONTROLLED = (
    "Severity",
    "ContraindicationKind",
    "ClaimStatus",
    "Frequency",
    "Route",
    "Action",
    "SourceKind",
)


@pytest.fixture(scope="module")
def tbox() -> Graph:
    return Graph().parse(TBOX, format="turtle")


def test_tbox_parses_and_declares_the_ontology(tbox: Graph) -> None:
    header = URIRef("https://w3id.org/dikg/")
    assert (header, RDF.type, OWL.Ontology) in tbox
    assert tbox.value(header, OWL.versionInfo) is not None
    assert tbox.value(header, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )


def _terms(tbox: Graph) -> set[URIRef]:
    kinds = [
        OWL.Class,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        RDF.Property,
        OWL.NamedIndividual,
        *(DIKG[name] for name in CONTROLLED),
    ]
    return {s for kind in kinds for s in tbox.subjects(RDF.type, kind) if isinstance(s, URIRef)}


def test_every_term_has_english_label_and_definition(tbox: Graph) -> None:
    terms = _terms(tbox)
    assert len(terms) > 150
    missing = []
    for term in sorted(terms):
        labels = [o for o in tbox.objects(term, RDFS.label) if getattr(o, "language", None) == "en"]
        definitions = [
            o for o in tbox.objects(term, SKOS.definition) if getattr(o, "language", None) == "en"
        ]
        if not labels or not definitions:
            missing.append(str(term))
    assert not missing, f"terms without rdfs:label@en or skos:definition@en: {missing}"


def test_contract_terms_exist(tbox: Graph) -> None:
    classes = [
        "Drug",
        "DrugClass",
        "Product",
        "Formulation",
        "Target",
        "Receptor",
        "Enzyme",
        "Condition",
        "PatientState",
        "AdverseEffect",
        "Therapy",
        "RiskFactor",
        "Concept",
        "Source",
        "Citation",
        *CLAIM_CLASS_NAMES,
        *CONTROLLED,
    ]
    for name in classes:
        assert (DIKG[name], RDF.type, OWL.Class) in tbox, name
    for name in [
        "subject",
        "object",
        "value",
        "relation",
        "status",
        "citation",
        "contradictedBy",
        "summary",
        "quote",
        "locator",
        "sourceKey",
        "sourceKind",
        "url",
        "seedFile",
        "severity",
        "kind",
        "action",
        "frequency",
        "hasIngredient",
        "saltOf",
        "rank",
        "contraindicatedWith",
        "contraindicatedIn",
        "interactsWith",
        "antagonistOf",
        "riskFactorFor",
        "approvedIn",
        "describedAs",
    ]:
        assert set(tbox.objects(DIKG[name], RDF.type)) & {
            OWL.ObjectProperty,
            OWL.DatatypeProperty,
            RDF.Property,
        }, name
    assert (
        DIKG.citation,
        RDFS.subPropertyOf,
        URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"),
    ) in tbox


def test_severity_ranks(tbox: Graph) -> None:
    ranks = {
        str(s).rsplit("/", 1)[1]: tbox.value(s, DIKG.rank).toPython()
        for s in tbox.subjects(RDF.type, DIKG.Severity)
    }
    assert ranks == {"Contraindicated": 4, "Major": 3, "Moderate": 2, "Minor": 1}


def test_drug_class_hierarchy(tbox: Graph) -> None:
    def parents(cls: URIRef) -> list[URIRef]:
        return list(tbox.transitive_objects(cls, RDFS.subClassOf))

    chain = parents(DIKG.FullOpioidAgonist)
    assert chain[:4] == [
        DIKG.FullOpioidAgonist,
        DIKG.OpioidAgonist,
        DIKG.OpioidReceptorLigand,
        DIKG.Drug,
    ]
    assert DIKG.OpioidReceptorLigand in parents(DIKG.PeripherallyActingOpioidAntagonist)
    assert DIKG.AlcoholDeterrent in parents(DIKG.AldehydeDehydrogenaseInhibitor)
    for cls in tbox.subjects(RDF.type, DIKG.DrugClass):
        assert (cls, RDF.type, OWL.Class) in tbox
        assert DIKG.Drug in parents(cls), cls
    assert (
        DIKG.OpioidAntagonist,
        SKOS.exactMatch,
        URIRef("http://id.nlm.nih.gov/mesh/D009292"),
    ) in tbox


# --- SHACL: a small valid graph, then one broken rule at a time -------------------------------

VALID = """
@prefix dikg: <https://w3id.org/dikg/> .
@prefix id: <https://w3id.org/dikg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

id:naltrexone a dikg:OpioidAntagonist ;
    skos:prefLabel "naltrexone"@en ; rdfs:label "naltrexone"@en ;
    skos:definition "An opioid antagonist."@en ;
    skos:exactMatch <https://go.drugbank.com/drugs/DB00704> .
id:morphine a dikg:FullOpioidAgonist ;
    skos:prefLabel "morphine"@en ; rdfs:label "morphine"@en ; skos:definition "An opioid."@en .
id:revia a dikg:Product ; dikg:hasIngredient id:naltrexone ;
    skos:prefLabel "ReVia"@en ; rdfs:label "ReVia"@en ; skos:definition "A brand."@en .
id:acute-opioid-withdrawal a dikg:PatientState ;
    skos:prefLabel "acute opioid withdrawal"@en ; rdfs:label "acute opioid withdrawal"@en ;
    skos:definition "Withdrawal."@en .

id:src-s004 a dikg:Source ; dcterms:title "Seed 004" ; dikg:sourceKey "S004" ;
    dikg:sourceKind dikg:SeedArticle ; dikg:seedFile "seeds/004_217b8f95ed7676d5.txt" .
id:src-l-tab a dikg:Source ; dcterms:title "Naltrexone tablets label" ; dikg:sourceKey "L-TAB" ;
    dikg:sourceKind dikg:DrugLabel .

id:ci-naltrexone-opioidagonist a dikg:Contraindication ;
    dikg:subject id:naltrexone ; dikg:relation dikg:contraindicatedWith ;
    dikg:object dikg:OpioidAgonist ; dikg:severity dikg:Contraindicated ; dikg:kind dikg:Absolute ;
    dikg:status dikg:LabelBacked ; dikg:summary "Do not combine." ;
    dikg:citation id:cit-ci-naltrexone-opioidagonist-1 .
id:cit-ci-naltrexone-opioidagonist-1 a dikg:Citation ; dcterms:source id:src-l-tab ;
    dikg:locator "4" .

id:ind-naltrexone-acute-opioid-withdrawal a dikg:Indication ;
    dikg:subject id:naltrexone ; dikg:relation dikg:indicatedFor ;
    dikg:object id:acute-opioid-withdrawal ; dikg:status dikg:Contradicted ;
    dikg:contradictedBy id:ci-naltrexone-opioidagonist ;
    dikg:summary "Seed says it eases withdrawal." ;
    dikg:citation id:cit-ind-naltrexone-acute-opioid-withdrawal-1 .
id:cit-ind-naltrexone-acute-opioid-withdrawal-1 a dikg:Citation ; dcterms:source id:src-s004 ;
    dikg:quote "Without naltrexone, those withdrawals can be excruciating." .

id:oprm1 a dikg:Receptor ; dikg:geneSymbol "OPRM1" ;
    skos:prefLabel "mu-type opioid receptor"@en ; rdfs:label "mu-type opioid receptor"@en ;
    skos:definition "The mu opioid receptor."@en ;
    skos:exactMatch <http://purl.uniprot.org/uniprot/P35372>,
        <https://identifiers.org/ncbigene:4988> .
id:mech-naltrexone-oprm1 a dikg:TargetAction ;
    dikg:subject id:naltrexone ; dikg:relation dikg:antagonistOf ; dikg:object id:oprm1 ;
    dikg:action dikg:Antagonist ; dikg:status dikg:LabelBacked ;
    dikg:summary "Naltrexone blocks the mu opioid receptor." ;
    dikg:citation id:cit-mech-naltrexone-oprm1-1 .
id:cit-mech-naltrexone-oprm1-1 a dikg:Citation ; dcterms:source id:src-l-tab .

id:st-naltrexone-not-addictive a dikg:Statement ;
    dikg:subject id:naltrexone ; dikg:relation dikg:notAddictive ; dikg:value true ;
    dikg:status dikg:SeedOnly ; dikg:summary "Naltrexone is not addictive." ;
    dikg:citation id:cit-st-naltrexone-not-addictive-1 .
id:cit-st-naltrexone-not-addictive-1 a dikg:Citation ; dcterms:source id:src-s004 ;
    dikg:quote "Naltrexone is not addictive." .
"""

Mutation = Callable[[Graph], None]


def _drop(subject: URIRef, predicate: URIRef) -> Mutation:
    return lambda g: g.remove((subject, predicate, None))


def _set(subject: URIRef, predicate: URIRef, value: URIRef | Literal) -> Mutation:
    return lambda g: g.set((subject, predicate, value))


def _add(subject: URIRef, predicate: URIRef, value: URIRef | Literal) -> Mutation:
    return lambda g: g.add((subject, predicate, value))


CI = ID["ci-naltrexone-opioidagonist"]
IND = ID["ind-naltrexone-acute-opioid-withdrawal"]
BROKEN: dict[str, tuple[Mutation, URIRef | Literal, str]] = {
    "claim without citation": (_drop(CI, DIKG.citation), CI, "cited"),
    "bad severity": (_set(CI, DIKG.severity, DIKG.Severe), CI, "one severity"),
    "bad kind": (_set(CI, DIKG.kind, DIKG.Sometimes), CI, "one kind"),
    "bad status": (_set(CI, DIKG.status, DIKG.Maybe), CI, "one status"),
    "wrong relation for the class": (
        _set(CI, DIKG.relation, DIKG.interactsWith),
        CI,
        "contraindication relation",
    ),
    "undeclared relation": (
        _set(CI, DIKG.relation, DIKG.contraindicatedWithh),
        CI,
        "relation is a declared property",
    ),
    "undefined object": (
        _set(CI, DIKG.object, ID["morphin"]),
        CI,
        "subject and object are defined",
    ),
    "malformed DrugBank id": (
        _set(ID.naltrexone, SKOS.exactMatch, URIRef("https://go.drugbank.com/drugs/DBX")),
        ID.naltrexone,
        "identifier IRI pattern",
    ),
    "unknown identifier scheme": (
        _set(ID.naltrexone, SKOS.exactMatch, URIRef("https://example.org/drug/1")),
        ID.naltrexone,
        "identifier IRI pattern",
    ),
    "seed citation without quote": (
        _drop(ID["cit-st-naltrexone-not-addictive-1"], DIKG.quote),
        ID["cit-st-naltrexone-not-addictive-1"],
        "seed citations quote the seed",
    ),
    "citation without source": (
        _drop(ID["cit-ci-naltrexone-opioidagonist-1"], DCTERMS.source),
        ID["cit-ci-naltrexone-opioidagonist-1"],
        "one source",
    ),
    "contradicted without contradictedBy": (
        _drop(IND, DIKG.contradictedBy),
        IND,
        "contradicted claims name their contradiction",
    ),
    "contradictedBy on a backed claim": (
        _add(CI, DIKG.contradictedBy, IND),
        CI,
        "only contradicted claims have contradictedBy",
    ),
    "label-backed claim citing only a seed": (
        _set(ID["cit-ci-naltrexone-opioidagonist-1"], DCTERMS.source, ID["src-s004"]),
        CI,
        "backed claims cite a non-seed source",
    ),
    "two summaries": (_add(CI, DIKG.summary, Literal("Another.")), CI, "one summary"),
    "entity without preferred label": (
        _drop(ID.morphine, SKOS.prefLabel),
        ID.morphine,
        "one preferred label",
    ),
    "entity without definition": (
        _drop(ID.morphine, SKOS.definition),
        ID.morphine,
        "has a definition",
    ),
    "product without ingredient": (
        _drop(ID.revia, DIKG.hasIngredient),
        ID.revia,
        "product has an ingredient",
    ),
    "source without kind": (
        _drop(ID["src-l-tab"], DIKG.sourceKind),
        ID["src-l-tab"],
        "one source kind",
    ),
    "action does not match relation": (
        _set(ID["mech-naltrexone-oprm1"], DIKG.action, DIKG.Agonist),
        ID["mech-naltrexone-oprm1"],
        "action matches relation",
    ),
    "contradicted by a contradicted claim": (
        _set(IND, DIKG.contradictedBy, IND),
        IND,
        "contradiction comes from a trusted claim",
    ),
    "seed source without file": (
        _drop(ID["src-s004"], DIKG.seedFile),
        ID["src-s004"],
        "seed sources name their file",
    ),
    "source key used twice": (
        _set(ID["src-l-tab"], DIKG.sourceKey, Literal("S004")),
        Literal("S004"),
        "source keys are unique",
    ),
    "warning that is not of the warning kind": (
        lambda g: g.set((CI, RDF.type, DIKG.Warning)),
        CI,
        "warning kind",
    ),
    "statement without object or value": (
        _drop(ID["st-naltrexone-not-addictive"], DIKG.value),
        ID["st-naltrexone-not-addictive"],
        "statement has an object or a value",
    ),
}


def _valid_graph(tbox: Graph) -> Graph:
    graph = Graph().parse(data=VALID, format="turtle")
    graph += tbox
    return graph


def test_valid_example_conforms(tbox: Graph) -> None:
    report = validate_graph(_valid_graph(tbox))
    assert report.conforms, report.describe()


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_shapes_catch_broken_rule(tbox: Graph, case: str) -> None:
    mutate, node, rule = BROKEN[case]
    graph = _valid_graph(tbox)
    mutate(graph)
    report = validate_graph(graph)
    assert not report.conforms
    hits = [v for v in report.violations if v.focus_node == str(node) and v.rule == rule]
    assert hits, report.describe()
    assert all(v.message and v.severity == "Violation" for v in hits)
    assert rule in str(hits[0]) and str(node).rsplit("/", 1)[-1] in str(hits[0])


def test_ontology_argument_mixes_in_the_tbox(tbox: Graph) -> None:
    data = Graph().parse(data=VALID, format="turtle")
    assert validate_graph(data, ontology=tbox).conforms


def test_violations_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(VALID.replace('dikg:summary "Do not combine." ;', ""), encoding="utf-8")
    report = validate_files([TBOX, bad])
    assert not report.conforms
    violation = next(v for v in report.violations if v.rule == "one summary")
    assert violation.file == str(bad)
    with pytest.raises(DataValidationError) as caught:
        raise_for_violations(report)
    text = str(caught.value)
    assert "bad.ttl" in text and "id:ci-naltrexone-opioidagonist" in text and "one summary" in text
    assert caught.value.report is report
    raise_for_violations(ValidationReport(conforms=True, violations=()))


def test_turtle_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "good.ttl").write_text(VALID, encoding="utf-8")
    (tmp_path / "shapes.ttl").write_text("this is not turtle but is skipped", encoding="utf-8")
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        "@prefix ex: <http://example.org/> .\n\nex:a ex:b ex:c .\nex:a ex:b ;; .\n",
        encoding="utf-8",
    )
    with pytest.raises(DataValidationError) as caught:
        load_ontology_graph(tmp_path)
    (violation,) = caught.value.report.violations
    assert violation.file == str(broken) and violation.line == 4
    assert "broken.ttl, line 4" in str(caught.value)


def test_load_ontology_graph_maps_subjects_to_files(tmp_path: Path) -> None:
    (tmp_path / "a.ttl").write_text(VALID, encoding="utf-8")
    (tmp_path / "b.ttl").write_text(
        "@prefix id: <https://w3id.org/dikg/id/> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        'id:naltrexone skos:altLabel "Revia"@en .\nid:other skos:altLabel "x" .\n',
        encoding="utf-8",
    )
    graph, files = load_ontology_graph(tmp_path)
    assert files[str(ID.naltrexone)] == str(tmp_path / "a.ttl")  # the file that types it
    assert files[str(ID.other)] == str(tmp_path / "b.ttl")
    assert (ID.naltrexone, SKOS.altLabel, Literal("Revia", lang="en")) in graph


def test_validation_module_does_not_import_flask() -> None:
    source = (ONTOLOGY.parent / "graph_service" / "validation.py").read_text(encoding="utf-8")
    assert "import flask" not in source and "from flask" not in source


def test_whole_ontology_conforms() -> None:
    """All of ontology/*.ttl together (TBox, entities, sources, claims, seeds) obeys the shapes.

    On failure the assertion lists each violation as ``file: node path: [rule] message``.
    """
    graph, files = load_ontology_graph(ONTOLOGY)
    report = validate_graph(graph, files=files)
    if not report.conforms:
        pytest.fail(
            "ontology/*.ttl breaks the SHACL shapes:\n" + report.describe(limit=200), pytrace=False
        )

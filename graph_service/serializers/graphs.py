"""Projection of the RDF graph onto a networkx ``MultiDiGraph`` that graph tools can read.

One node per entity (drugs, products, drug classes, receptors, conditions, ...), keyed by its IRI,
with ``label``, ``type``, ``local`` and its literal properties as plain ``str`` attributes; one edge
per relation: direct entity-entity triples (class membership, subclass, ingredient, salt, broader)
and every claim projected to ``subject → object`` (key = claim IRI). Inferred reaches of a claim
(class members, products, narrower conditions) become extra edges marked ``inferred``. Every
attribute value is a plain ``str`` or ``bool``: networkx's GraphML and GEXF writers reject
``URIRef``/``Literal`` and other str subclasses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import networkx as nx
from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from graph_service.models import DIKG, ID

__all__ = ["EDGE_ATTRIBUTES", "Reach", "local_name", "project"]

#: every edge carries exactly these attributes (uniform keys for GraphML/GEXF readers)
EDGE_ATTRIBUTES = ("label", "predicate", "inference", "inferred", "claim", "status", "severity",
                   "kind", "summary", "management", "mechanism", "explanation", "contradicted",
                   "sources", "source_titles", "citations")

#: triples between two entities that become edges, with the label shown on the edge
_DIRECT_LABELS = {RDF.type: "member of", RDFS.subClassOf: "subclass of",
                  SKOS.broader: "narrower than"}
#: properties that are bookkeeping, not attributes of a node
_SKIPPED = {RDF.type, SKOS.prefLabel, RDFS.label}
_CLAIM_SLOTS = (DIKG.severity, DIKG.kind, DIKG.status, DIKG.summary, DIKG.management,
               DIKG.mechanism)
_TYPE_PRIORITY = ("PatientState", "Receptor", "Enzyme", "Product", "Formulation", "Drug",
                  "Condition", "AdverseEffect", "Therapy", "RiskFactor", "Concept", "Target")


@dataclass(frozen=True)
class Reach:
    """A claim reaching entities it does not name (from the ``export_inferred`` query)."""

    claim: str
    source: str
    target: str
    source_via: str = ""  # how source reaches the claim's subject: "", member, ingredient, ...
    target_via: str = ""  # how target reaches the claim's object: "", member, narrower, ...


def local_name(iri: str) -> str:
    """The part of an IRI after its last ``/`` or ``#``.

    >>> local_name("https://w3id.org/dikg/id/naltrexone")
    'naltrexone'
    """
    return re.split(r"[/#]", iri.rstrip("/#"))[-1]


def _humanize(name: str) -> str:
    """``contraindicatedWith`` → ``contraindicated with``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()


class _Reader:
    """Lookups on the RDF graph shared by node and edge building."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.claims = {s for s in graph.subjects(DIKG.relation, None) if isinstance(s, URIRef)
                       and graph.value(s, DIKG.subject) is not None}
        self.citations = set(graph.subjects(RDF.type, DIKG.Citation)) | {
            o for c in self.claims for o in graph.objects(c, DIKG.citation)}
        self.sources = set(graph.subjects(RDF.type, DIKG.Source))
        self.drug_classes = {s for s in graph.subjects(RDF.type, DIKG.DrugClass)
                             if isinstance(s, URIRef)}
        hidden = self.claims | self.citations | self.sources
        named = {o for c in self.claims for p in (DIKG.subject, DIKG.object)
                 for o in graph.objects(c, p) if isinstance(o, URIRef)}
        ours = {s for s in graph.subjects(RDF.type, None)
                if isinstance(s, URIRef) and str(s).startswith(str(ID))}
        self.entities = sorted((ours | named | self.drug_classes) - hidden, key=str)
        self.entity_set = set(self.entities)

    def label(self, node: Node) -> str:
        """English preferred label, then any label, then the local name."""
        for prop in (SKOS.prefLabel, RDFS.label):
            values = list(self.graph.objects(node, prop))
            for value in sorted(values, key=lambda v: getattr(v, "language", None) != "en"):
                return str(value)
        return _humanize(local_name(str(node)))

    def text(self, node: Node) -> str:
        """A literal as text, or an IRI's label (controlled values) or the IRI itself."""
        if isinstance(node, Literal):
            return str(node)
        has_label = (node, RDFS.label, None) in self.graph or (node, SKOS.prefLabel, None) in \
            self.graph
        return self.label(node) if has_label else str(node)

    def node_type(self, node: URIRef) -> str:
        if node in self.drug_classes:
            return "DrugClass"
        names = {local_name(str(t)) for t in self.graph.objects(node, RDF.type)
                 if t not in self.drug_classes}
        for name in _TYPE_PRIORITY:
            if name in names:
                return name
        return sorted(names)[0] if names else "Entity"

    def provenance(self, claim: Node) -> dict[str, str]:
        """Source IRIs, titles and readable citations of a claim, each ``; ``-joined."""
        iris, titles, cites = [], [], []
        for citation in sorted(self.graph.objects(claim, DIKG.citation), key=str):
            source = self.graph.value(citation, DCTERMS.source)
            title = str(self.graph.value(source, DCTERMS.title) or source) if source else "?"
            if source is not None and str(source) not in iris:
                iris.append(str(source))
                titles.append(title)
            where = self.graph.value(citation, DIKG.locator)
            quote = self.graph.value(citation, DIKG.quote)
            cites.append(title + (f" ({where})" if where else "")
                         + (f": “{quote}”" if quote else ""))
        return {"sources": "; ".join(iris), "source_titles": "; ".join(titles),
                "citations": "; ".join(cites)}


def _node_attributes(reader: _Reader, node: URIRef) -> dict[str, str]:
    attrs = {"label": reader.label(node), "type": reader.node_type(node),
             "local": local_name(str(node))}
    values: dict[str, list[str]] = {}
    for prop, value in reader.graph.predicate_objects(node):
        if prop in _SKIPPED or value in reader.entity_set or not isinstance(prop, URIRef):
            continue
        values.setdefault(local_name(str(prop)), []).append(reader.text(value))
    classes = [reader.label(c) for c in reader.graph.objects(node, RDF.type)
               if c in reader.drug_classes]
    if classes:
        values["classes"] = classes
    for name, texts in sorted(values.items()):
        if name not in attrs:
            attrs[name] = "; ".join(sorted(set(texts)))
    return attrs


def _blank_edge(label: str, predicate: str) -> dict[str, str | bool]:
    edge: dict[str, str | bool] = dict.fromkeys(EDGE_ATTRIBUTES, "")
    edge.update(label=label, predicate=predicate, inference="stated", inferred=False,
                contradicted=False)
    return edge


def _claim_edge(reader: _Reader, claim: URIRef) -> dict[str, str | bool]:
    relation = reader.graph.value(claim, DIKG.relation)
    edge = _blank_edge(reader.label(relation) if relation else "claim", str(relation or ""))
    for slot in _CLAIM_SLOTS:
        value = reader.graph.value(claim, slot)
        if value is not None:
            edge[local_name(str(slot))] = reader.text(value)
    edge["claim"] = str(claim)
    edge["contradicted"] = (claim, DIKG.status, DIKG.Contradicted) in reader.graph
    edge.update(reader.provenance(claim))
    return edge


_VIA = {"member": "is a member of", "salt": "is a salt of",
        "salt member": "is a salt of a member of", "ingredient": "contains",
        "ingredient member": "contains a member of", "narrower": "is narrower than"}


def _explain(reader: _Reader, reach: Reach, subject: Node | None, target: Node | None,
             stated: str) -> str:
    """``fentanyl is a member of opioid agonist; stated: naltrexone contraindicated with opioid
    agonist`` — the chain behind an inferred edge (the claim's summary is on the edge itself)."""
    steps = [f"{reader.label(URIRef(node))} {_VIA.get(via, via)} {reader.label(end)}"
             for node, via, end in ((reach.source, reach.source_via, subject),
                                    (reach.target, reach.target_via, target))
             if via and end is not None]
    return "; ".join([*steps, f"stated: {stated}"])


def project(graph: Graph, *, reaches: Iterable[Reach] = (),
            on_progress: Callable[[int, int], None] | None = None) -> nx.MultiDiGraph:
    """Project ``graph`` onto a ``MultiDiGraph`` with every stated, inferred and contradicted edge.

    :param reaches: inferred reaches of claims; each becomes an edge marked ``inferred``.
    :param on_progress: called as ``(done, total)`` while entities and claims are projected.
    """
    reader = _Reader(graph)
    result = nx.MultiDiGraph()
    total = len(reader.entities) + len(reader.claims)
    for done, node in enumerate(reader.entities, start=1):
        result.add_node(str(node), **_node_attributes(reader, node))
        if on_progress is not None and done % 50 == 0:
            on_progress(done, total)
    for node in reader.entities:
        for prop, value in graph.predicate_objects(node):
            if value in reader.entity_set and value != node and isinstance(prop, URIRef):
                label = _DIRECT_LABELS.get(prop) or reader.label(prop)
                key = f"<{node}> <{prop}> <{value}>"
                result.add_edge(str(node), str(value), key=key, **_blank_edge(label, str(prop)))
    claim_edges: dict[str, dict[str, str | bool]] = {}
    for claim in sorted(reader.claims, key=str):
        subject, target = graph.value(claim, DIKG.subject), graph.value(claim, DIKG.object)
        if subject in reader.entity_set and target in reader.entity_set:
            claim_edges[str(claim)] = _claim_edge(reader, claim)
            result.add_edge(str(subject), str(target), key=str(claim), **claim_edges[str(claim)])
    statements: dict[str, str] = {}  # claim -> "subject relation object", shared by its reaches
    for reach in reaches:
        stated = claim_edges.get(reach.claim)
        if stated is None or reach.source not in result or reach.target not in result:
            continue
        subject = graph.value(URIRef(reach.claim), DIKG.subject)
        target = graph.value(URIRef(reach.claim), DIKG.object)
        if reach.claim not in statements and subject is not None and target is not None:
            statements[reach.claim] = (f"{reader.label(subject)} {stated['label']} "
                                       f"{reader.label(target)}")
        how = _explain(reader, reach, subject, target, statements.get(reach.claim, reach.claim))
        edge = {**stated, "inference": "inferred", "inferred": True, "explanation": how}
        key = f"{reach.claim}#reach-{local_name(reach.source)}-{local_name(reach.target)}"
        result.add_edge(reach.source, reach.target, key=key, **edge)
    if on_progress is not None:
        on_progress(total, total)
    return result

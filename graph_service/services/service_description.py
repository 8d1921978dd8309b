"""The SPARQL 1.1 Service Description of /sparql: what it speaks, writes, and refuses."""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, VOID

from graph_service.config import Settings
from graph_service.models import DIKG

__all__ = ["FEATURES", "SD", "service_description"]

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

#: dikg's own features (``sd:Feature`` instances), each with what it promises
FEATURES: dict[str, str] = {
    "NoOutboundRequests": "SERVICE and LOAD are refused (403) before any engine sees the query; "
                          "FROM, FROM NAMED, default-graph-uri and named-graph-uri only select "
                          "graphs already in the store, nothing is fetched.",
    "ReadOnly": "SPARQL Update is refused (403) unless an admin bearer token is configured "
                "and presented.",
    "QueryTimeLimit": "Each query is stopped at the time limit and answered with 503.",
    "ResultLimits": "Answers are cut at a row and a byte limit; a cut answer carries the "
                    "X-Dikg-Truncated header and stays a complete document.",
}


def service_description(*, endpoint: str, settings: Settings, triples: int | None,
                        result_formats: Iterable[str], graph_formats: Iterable[str]) -> Graph:
    """Describe the endpoint at ``endpoint`` as an rdflib graph (SD vocabulary).

    :param result_formats: W3C format IRIs of SELECT/ASK answers.
    :param graph_formats: W3C format IRIs of CONSTRUCT/DESCRIBE answers.
    """
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("dikg", DIKG)
    graph.bind("void", VOID)
    graph.bind("dcterms", DCTERMS)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, DCTERMS.title, Literal("dikg drug-interaction knowledge graph")))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if settings.admin_token:
        graph.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    for iri in (*result_formats, *graph_formats):
        graph.add((service, SD.resultFormat, URIRef(iri)))
    for name, comment in FEATURES.items():
        feature = DIKG[name]
        graph.add((service, SD.feature, feature))
        graph.add((feature, RDF.type, SD.Feature))
        graph.add((feature, RDFS.comment, Literal(comment, lang="en")))
    graph.add((service, DIKG.queryTimeoutSeconds,
               Literal(settings.query_timeout, datatype=XSD.decimal)))
    graph.add((service, DIKG.maxRows, Literal(settings.max_rows)))
    graph.add((service, DIKG.maxResponseBytes, Literal(settings.max_response_bytes)))
    dataset, default_graph = BNode(), BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    if triples is not None:
        graph.add((dataset, VOID.triples, Literal(triples)))
    return graph

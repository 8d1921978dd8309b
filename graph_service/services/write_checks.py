"""SHACL validation of one write: the nodes it can affect, or the whole graph when it must.

A shape's verdict on a focus node depends on the triples along its paths (at most three steps
out in ``ontology/shapes.ttl``), so a changed triple ``(s, p, o)`` can only change the verdict
on ``s`` and on nodes that reach ``s`` in one or two steps. Those nodes are validated over a
data graph holding every ``rdfs:subClassOf`` triple and everything three steps out of them;
verdicts on other nodes of that graph are dropped. The whole graph is validated instead when a
write touches the TBox (classes, properties, hierarchy), a predicate the shapes follow
backwards (``sh:inversePath``, ``sh:targetObjectsOf``), a blank node, or more than
``MAX_FOCUS`` nodes. Measured figures are in docs/operations.md.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
import pyshacl
from rdflib import RDF, RDFS, Graph, Namespace, URIRef

from graph_service.backends.terms import from_oxigraph
from graph_service.validation import ValidationReport, Violation, curie, validate_graph

__all__ = ["MAX_FOCUS", "ChangeCheck", "check_change", "check_whole"]

SH = Namespace("http://www.w3.org/ns/shacl#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
MAX_FOCUS = 2000
DEPTH = 3
_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
_TBOX_PREDICATES = {str(RDFS.subClassOf), str(RDFS.subPropertyOf), str(RDFS.domain),
                    str(RDFS.range), str(OWL.equivalentClass), str(OWL.inverseOf)}
_TBOX_TYPES = {str(OWL.Class), str(RDFS.Class), str(OWL.ObjectProperty), str(RDF.Property),
               str(OWL.DatatypeProperty), str(OWL.AnnotationProperty), str(OWL.Ontology)}


@dataclass(frozen=True)
class ChangeCheck:
    """How a write was validated and what was found."""

    scope: str  # "focused" or "whole graph"
    nodes: int  # focus nodes validated (focused) or triples (whole graph)
    seconds: float
    report: ValidationReport
    reason: str = ""  # why the whole graph was validated


def _backward_predicates(shapes: Graph) -> set[str]:
    """Predicates the shapes follow from object to subject."""
    found = {str(o) for o in shapes.objects(None, SH.targetObjectsOf)}
    found |= {str(o) for o in shapes.objects(None, SH.inversePath) if isinstance(o, URIRef)}
    return found


def _value(term: object) -> str:
    """The IRI, label or lexical form of a term (``str`` of an RDF-star triple)."""
    return str(getattr(term, "value", term))


def _whole_reason(store: ox.Store, changed: list[ox.Quad], shapes: Graph) -> str:
    if any(True for _ in shapes.objects(None, SH.targetNode)):
        return "the shapes name target nodes"
    backward = _backward_predicates(shapes)
    for quad in changed:
        subject, predicate = quad.subject, quad.predicate.value
        if predicate in _TBOX_PREDICATES or (predicate == str(RDF.type)
                                             and _value(quad.object) in _TBOX_TYPES):
            return f"it changes the TBox ({curie(predicate)})"
        if predicate in backward:
            return f"the shapes follow {curie(predicate)} backwards"
        if not isinstance(subject, ox.NamedNode):
            return "it changes a blank node or a quoted triple"
        if any(_value(q.object) in _TBOX_TYPES
               for q in store.quads_for_pattern(subject, _TYPE, None, None)):
            return f"it changes a class or property ({curie(subject.value)})"
    return ""


def _focus(store: ox.Store, changed: list[ox.Quad]) -> set[ox.NamedNode] | None:
    """Changed subjects and the nodes reaching them in one or two steps; None past MAX_FOCUS."""
    focus = {q.subject for q in changed if isinstance(q.subject, ox.NamedNode)}
    frontier = set(focus)
    for _ in range(2):
        reached: set[ox.NamedNode] = set()
        for node in frontier:
            for quad in store.quads_for_pattern(None, None, node, None):
                if not isinstance(quad.subject, ox.NamedNode):
                    return None
                reached.add(quad.subject)
            if len(focus) + len(reached) > MAX_FOCUS:
                return None
        frontier = reached - focus
        focus |= reached
    return focus


def _context(store: ox.Store, focus: Iterable[ox.NamedNode]) -> Graph:
    """Every subClassOf triple and all triples up to ``DEPTH`` steps out of the focus nodes."""
    graph = Graph()
    for quad in store.quads_for_pattern(None, _SUBCLASS, None, None):
        graph.add((from_oxigraph(quad.subject), from_oxigraph(quad.predicate),
                   from_oxigraph(quad.object)))
    seen: set[ox.NamedNode | ox.BlankNode] = set()
    frontier: set[ox.NamedNode | ox.BlankNode] = set(focus)
    for _ in range(DEPTH):
        following: set[ox.NamedNode | ox.BlankNode] = set()
        for node in frontier - seen:
            seen.add(node)
            for quad in store.quads_for_pattern(node, None, None, None):
                graph.add((from_oxigraph(quad.subject), from_oxigraph(quad.predicate),
                           from_oxigraph(quad.object)))
                if isinstance(quad.object, ox.NamedNode | ox.BlankNode):
                    following.add(quad.object)
        frontier = following
    return graph


def _first(graph: Graph, subject: object, predicate: URIRef) -> object | None:
    if subject is None:  # rdflib reads None as "any subject"
        return None
    return next(iter(graph.objects(subject, predicate)), None)  # type: ignore[arg-type]


def _violations(results: Graph, shapes: Graph, label: str) -> tuple[Violation, ...]:
    """pyshacl's report as :class:`Violation` objects (file = the write's label)."""
    found = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus, path, value = (_first(results, result, p)
                              for p in (SH.focusNode, SH.resultPath, SH.value))
        shape = _first(results, result, SH.sourceShape)
        constraint = _first(results, result, SH.sourceConstraint)
        rule = _first(shapes, constraint, SH.name) or _first(shapes, shape, SH.name)
        message = _first(results, result, SH.resultMessage)
        found.append(Violation(
            focus_node=str(focus or ""), path=str(path) if isinstance(path, URIRef) else None,
            message=str(message or rule or "violation"), shape=str(_first(shapes, shape, SH.name)
                                                                   or shape or ""),
            severity="Violation", file=label, rule=str(rule) if rule else None,
            value=str(value) if value is not None else None))
    return tuple(sorted(found, key=lambda v: (v.focus_node, v.rule or "", v.message)))


def _whole(store: ox.Store, shapes: Graph, label: str) -> tuple[ValidationReport, int]:
    graph = Graph()
    for quad in store:
        graph.add((from_oxigraph(quad.subject), from_oxigraph(quad.predicate),
                   from_oxigraph(quad.object)))
    files = {str(s): label for s in set(graph.subjects())}
    return validate_graph(graph, shapes=shapes, files=files), len(graph)


def check_whole(store: ox.Store, *, shapes: Graph, label: str, reason: str = "") -> ChangeCheck:
    """Validate every triple of ``store`` (releases and restores)."""
    started = time.perf_counter()
    report, size = _whole(store, shapes, label)
    return ChangeCheck("whole graph", size, time.perf_counter() - started, report, reason)


def check_change(store: ox.Store, changed: list[ox.Quad], *, shapes: Graph,
                 label: str) -> ChangeCheck:
    """Validate ``store`` (the graph after the write) where ``changed`` quads can matter.

    :param changed: quads the write added or removed.
    :param label: names the write in each violation (its ``file``), e.g. ``SPARQL Update``.
    """
    started = time.perf_counter()
    reason = _whole_reason(store, changed, shapes)
    focus = None if reason else _focus(store, changed)
    if focus is None:
        reason = reason or f"it can affect more than {MAX_FOCUS} nodes"
        report, size = _whole(store, shapes, label)
        return ChangeCheck("whole graph", size, time.perf_counter() - started, report, reason)
    if not focus:
        return ChangeCheck("focused", 0, time.perf_counter() - started,
                           ValidationReport(conforms=True, violations=()))
    # Every target of the context graph is validated, but only verdicts on focus nodes count:
    # a node at the edge of the context lacks triples it would need. (pyshacl's focus_nodes
    # option is not used: it also skips the nested shapes run on value nodes, e.g. sh:node and
    # sh:qualifiedValueShape, and so misses violations.)
    _, results, text = pyshacl.validate(
        _context(store, focus), shacl_graph=shapes, inference="none", abort_on_first=False,
        allow_warnings=False, advanced=False, meta_shacl=False)
    if not isinstance(results, Graph):
        raise RuntimeError(f"the SHACL shapes cannot be used: {text}")
    names = {n.value for n in focus}
    violations = tuple(v for v in _violations(results, shapes, label) if v.focus_node in names)
    report = ValidationReport(conforms=not violations, violations=violations)
    return ChangeCheck("focused", len(focus), time.perf_counter() - started, report)

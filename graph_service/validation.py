"""SHACL validation of the ontology files: each violation names its file, node and broken rule.

The data graph must include the TBox (``ontology/dikg.ttl``): the shapes follow its
``rdfs:subClassOf`` links and check that claim relations are declared there. Validation runs
pyshacl without inference; the whole ontology validates in a few seconds.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyshacl
from rdflib import RDF, BNode, Graph, Namespace, URIRef
from rdflib.term import Node

__all__ = [
    "DEFAULT_SHAPES",
    "SHAPES_FILE_NAME",
    "DataValidationError",
    "ValidationReport",
    "Violation",
    "load_ontology_graph",
    "load_shapes",
    "raise_for_violations",
    "validate_directory",
    "validate_files",
    "validate_graph",
]

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES_FILE_NAME = "shapes.ttl"
DEFAULT_SHAPES = Path(__file__).resolve().parent.parent / "ontology" / SHAPES_FILE_NAME
_MESSAGE_LIMIT = 20
_PREFIXES = (
    ("id:", "https://w3id.org/dikg/id/"),
    ("dsh:", "https://w3id.org/dikg/shapes/"),
    ("dikg:", "https://w3id.org/dikg/"),
    ("skos:", "http://www.w3.org/2004/02/skos/core#"),
    ("rdfs:", "http://www.w3.org/2000/01/rdf-schema#"),
    ("rdf:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("dcterms:", "http://purl.org/dc/terms/"),
    ("sh:", "http://www.w3.org/ns/shacl#"),
)


def curie(iri: str) -> str:
    """Shorten an IRI with the project's prefixes.

    >>> curie("https://w3id.org/dikg/id/naltrexone")
    'id:naltrexone'
    >>> curie("http://example.org/x")
    'http://example.org/x'
    """
    for prefix, namespace in _PREFIXES:
        if iri.startswith(namespace):
            return prefix + iri[len(namespace) :]
    return iri


@dataclass(frozen=True)
class Violation:
    """One broken rule: the node, the property path, the rule, and the file defining the node."""

    focus_node: str
    path: str | None
    message: str
    shape: str
    severity: str
    file: str | None = None
    rule: str | None = None
    value: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or "<graph>"
        if self.line is not None:
            where = f"{where}, line {self.line}"
        node = curie(self.focus_node) if self.focus_node else "-"
        path = f" {curie(self.path)}" if self.path else ""
        rule = self.rule or self.shape
        value = f" (value: {curie(self.value)})" if self.value else ""
        return f"{where}: {node}{path}: [{rule}] {self.message}{value}"


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of one validation run."""

    conforms: bool
    violations: tuple[Violation, ...]

    def describe(self, *, limit: int = _MESSAGE_LIMIT) -> str:
        """List the first ``limit`` violations, one per line."""
        if self.conforms:
            return "the data conform to the shapes"
        lines = [f"{len(self.violations)} violation(s):"]
        lines += [f"  {violation}" for violation in self.violations[:limit]]
        if len(self.violations) > limit:
            lines.append(f"  ... and {len(self.violations) - limit} more")
        return "\n".join(lines)


class DataValidationError(ValueError):
    """Invalid ontology data (SHACL violations or a syntax error); ``report`` holds the details."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__("invalid ontology data: " + report.describe())
        self.report = report


def raise_for_violations(report: ValidationReport) -> None:
    """:raises DataValidationError: if the report does not conform."""
    if not report.conforms:
        raise DataValidationError(report)


@functools.lru_cache(maxsize=8)
def _parse_shapes(path: str, mtime: float) -> Graph:
    return _parse_file(Path(path))


def load_shapes(path: Path = DEFAULT_SHAPES) -> Graph:
    """Parse a shapes file (cached until the file changes)."""
    return _parse_shapes(str(path), path.stat().st_mtime)


def _parse_file(path: Path) -> Graph:
    """Parse one Turtle file; a syntax error becomes a DataValidationError naming file and line."""
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except SyntaxError as error:
        line = getattr(error, "lines", None)
        line = line + 1 if isinstance(line, int) else None
        why = getattr(error, "_why", None) or str(error).splitlines()[0]
        _raise_syntax(path, line, f"Turtle syntax error: {why}")
    except ValueError as error:
        _raise_syntax(path, None, f"cannot parse the file: {error}")
    return graph


def _raise_syntax(path: Path, line: int | None, message: str) -> None:
    violation = Violation(
        focus_node="",
        path=None,
        message=message,
        shape="Turtle syntax",
        severity="Violation",
        file=str(path),
        rule="Turtle syntax",
        line=line,
    )
    raise DataValidationError(ValidationReport(conforms=False, violations=(violation,)))


def _merge(paths: Iterable[Path]) -> tuple[Graph, dict[str, str]]:
    merged = Graph()
    files: dict[str, str] = {}
    typed: set[str] = set()
    for path in paths:
        graph = _parse_file(path)
        for subject in set(graph.subjects()):
            key = str(subject)
            has_type = (subject, RDF.type, None) in graph
            if key not in files or (has_type and key not in typed):
                files[key] = str(path)
            if has_type:
                typed.add(key)
        merged += graph
    for prefix, namespace in _PREFIXES:
        merged.bind(prefix.rstrip(":"), namespace)
    return merged, files


def load_ontology_graph(directory: Path) -> tuple[Graph, dict[str, str]]:
    """Parse every ``*.ttl`` in ``directory`` except the shapes file.

    :returns: the merged graph and a map from each subject (as a string) to the file defining it.
    :raises DataValidationError: on a syntax error, naming the file and line.
    """
    paths = sorted(p for p in Path(directory).glob("*.ttl") if p.name != SHAPES_FILE_NAME)
    return _merge(paths)


def _first(graph: Graph, subject: Node, predicate: URIRef) -> Node | None:
    return next(iter(graph.objects(subject, predicate)), None)


def _name(graph: Graph, node: Node | None) -> str | None:
    if node is None:
        return None
    name = _first(graph, node, SH.name)
    if name is not None:
        return str(name)
    return None if isinstance(node, BNode) else curie(str(node))


def _render(node: Node | None) -> str | None:
    if node is None:
        return None
    return "(complex path)" if isinstance(node, BNode) else str(node)


def _violations(results: Graph, shapes: Graph, files: dict[str, str]) -> tuple[Violation, ...]:
    found = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = _first(results, result, SH.focusNode)
        shape = _first(results, result, SH.sourceShape)
        constraint = _first(results, result, SH.sourceConstraint)
        component = _first(results, result, SH.sourceConstraintComponent)
        severity = _first(results, result, SH.resultSeverity)
        message = _first(results, result, SH.resultMessage)
        shape_name = _name(shapes, shape) or "(unnamed shape)"
        rule = _name(shapes, constraint) or shape_name
        if rule == "(unnamed shape)" and component is not None:
            rule = curie(str(component)).removeprefix("sh:")
        found.append(
            Violation(
                focus_node=str(focus) if focus is not None else "",
                path=_render(_first(results, result, SH.resultPath)),
                message=str(message) if message is not None else rule,
                shape=shape_name,
                severity=curie(str(severity)).removeprefix("sh:") if severity else "Violation",
                file=files.get(str(focus)) if focus is not None else None,
                rule=rule,
                value=_render(_first(results, result, SH.value)),
            )
        )
    return tuple(sorted(found, key=lambda v: (v.file or "", v.focus_node, v.rule or "", v.message)))


def validate_graph(
    data: Graph,
    *,
    shapes: Graph | None = None,
    ontology: Graph | None = None,
    files: dict[str, str] | None = None,
) -> ValidationReport:
    """Validate ``data`` against the shapes (default: ``ontology/shapes.ttl``), without inference.

    :param ontology: a TBox to mix into the data (needed if ``data`` does not include dikg.ttl).
    :param files: subject -> file map, used to name the file of each violation.
    :raises RuntimeError: if pyshacl rejects the shapes themselves (a bug in shapes.ttl).
    """
    shapes_graph = shapes if shapes is not None else load_shapes()
    conforms, results, text = pyshacl.validate(
        data,
        shacl_graph=shapes_graph,
        ont_graph=ontology,
        inference="none",
        abort_on_first=False,
        allow_warnings=False,
        advanced=False,
        meta_shacl=False,
    )
    if not isinstance(results, Graph):
        raise RuntimeError(f"the SHACL shapes cannot be used: {text}")
    violations = _violations(results, shapes_graph, files or {})
    return ValidationReport(conforms=bool(conforms), violations=violations)


def validate_files(paths: Sequence[Path], *, shapes: Graph | None = None) -> ValidationReport:
    """Parse and validate the given Turtle files together (a shapes file among them is skipped).

    :raises DataValidationError: on a syntax error, naming the file and line.
    """
    data, files = _merge(Path(p) for p in paths if Path(p).name != SHAPES_FILE_NAME)
    if shapes is None:
        local = [Path(p).parent / SHAPES_FILE_NAME for p in paths]
        shapes = load_shapes(next((p for p in local if p.exists()), DEFAULT_SHAPES))
    return validate_graph(data, shapes=shapes, files=files)


def validate_directory(directory: Path) -> tuple[Graph, ValidationReport]:
    """Load ``directory`` (as :func:`load_ontology_graph`) and validate it with its shapes.ttl."""
    data, files = load_ontology_graph(directory)
    own = Path(directory) / SHAPES_FILE_NAME
    shapes = load_shapes(own if own.exists() else DEFAULT_SHAPES)
    return data, validate_graph(data, shapes=shapes, files=files)

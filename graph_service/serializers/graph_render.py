"""Graphviz output of a projected graph: DOT text, and SVG/PNG drawn by Debian's ``dot`` binary."""

from __future__ import annotations

import shutil
import subprocess

import networkx as nx

from graph_service.errors import BackendUnavailable, GraphServiceError, QueryTimeout

__all__ = ["TYPE_COLORS", "dot_quote", "render", "to_dot", "to_png", "to_svg", "type_color"]

#: one fill colour per entity type, shared by every format and the web page
TYPE_COLORS = {
    "Drug": "#4e79a7", "DrugClass": "#a0cbe8", "Product": "#f28e2b", "Formulation": "#ffbe7d",
    "Receptor": "#59a14f", "Enzyme": "#8cd17d", "Target": "#8cd17d", "Condition": "#e15759",
    "PatientState": "#ff9d9a", "AdverseEffect": "#b07aa1", "Therapy": "#76b7b2",
    "RiskFactor": "#edc948", "Concept": "#bab0ac", "Entity": "#d7d7d7",
}
_SEVERITY_COLORS = {"contraindicated": "#c0392b", "major": "#e67e22", "moderate": "#d4ac0d",
                    "minor": "#7f8c8d"}
DEFAULT_TIMEOUT = 30.0


def type_color(node_type: str) -> str:
    """The fill colour of an entity type (grey for unknown types).

    >>> type_color("Drug")
    '#4e79a7'
    """
    return TYPE_COLORS.get(node_type, TYPE_COLORS["Entity"])


def dot_quote(value: object) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, newlines kept as ``\\n``.

    >>> dot_quote('say "hi"')
    '"say \\\\"hi\\\\""'
    """
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r", "").replace("\n", "\\n") + '"'


def _attributes(pairs: dict[str, object]) -> str:
    return ", ".join(f"{dot_quote(k)}={dot_quote(v)}" for k, v in pairs.items() if v != "")


def to_dot(graph: nx.MultiDiGraph) -> bytes:
    """Graphviz DOT; every identifier and value is quoted. Inferred edges are dashed."""
    lines = ["digraph \"dikg\" {",
             '  graph ["rankdir"="LR", "fontname"="Helvetica", "overlap"="false"];',
             '  node ["shape"="box", "style"="rounded,filled", "fontname"="Helvetica"];',
             '  edge ["fontname"="Helvetica", "fontsize"="10"];']
    for node, attrs in graph.nodes(data=True):
        pairs: dict[str, object] = {"label": attrs.get("label", node), "tooltip": node,
                                    "fillcolor": type_color(attrs.get("type", "")),
                                    "class": attrs.get("type", "")}
        lines.append(f"  {dot_quote(node)} [{_attributes(pairs)}];")
    for source, target, key, attrs in graph.edges(keys=True, data=True):
        style = "dashed" if attrs.get("inferred") else "solid"
        if attrs.get("contradicted"):
            style = "dotted"
        pairs = {"label": attrs.get("label", ""), "tooltip": attrs.get("summary") or key,
                 "style": style, "color": _SEVERITY_COLORS.get(str(attrs.get("severity")), "")}
        lines.append(f"  {dot_quote(source)} -> {dot_quote(target)} [{_attributes(pairs)}];")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def render(dot_text: bytes, *, output: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Run ``dot -T<output>`` on ``dot_text`` in a subprocess bounded by ``timeout`` seconds.

    :raises BackendUnavailable: when Graphviz is not installed.
    :raises QueryTimeout: when drawing takes longer than ``timeout`` (the process is killed).
    :raises GraphServiceError: when ``dot`` rejects the input.
    """
    binary = shutil.which("dot")
    if binary is None:
        raise BackendUnavailable("Graphviz 'dot' is not installed; install Debian's graphviz.")
    try:
        done = subprocess.run([binary, f"-T{output}"], input=dot_text, capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise QueryTimeout(f"Graphviz took longer than {timeout:g} s to draw the graph; "
                           "choose a focus entity or a smaller depth.") from exc
    if done.returncode != 0:
        raise GraphServiceError("Graphviz failed to draw the graph: "
                                + done.stderr.decode("utf-8", "replace")[-500:])
    return done.stdout


def to_svg(graph: nx.MultiDiGraph, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """SVG drawn by ``dot -Tsvg``."""
    return render(to_dot(graph), output="svg", timeout=timeout)


def to_png(graph: nx.MultiDiGraph, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """PNG drawn by ``dot -Tpng``."""
    return render(to_dot(graph), output="png", timeout=timeout)

"""The safety check: is this combination of medications and conditions a known problem, and why?

Inputs are resolved (never guessed); each medication's reach (itself, ingredients, salt parent,
classes: the path of ``reach.rq``) and each condition's reach (``condition_reach.rq``'s path),
walked in memory on the per-version :mod:`~graph_service.services.reach_graph`, are matched
against the non-contradicted contraindications, interactions and warnings whose subject a
medication reaches (the per-version :mod:`~graph_service.services.safety_index`). One alert per
problem (a pair of inputs): the most severe claim, with the chain of stated triples and its
sources (the per-version :mod:`~graph_service.services.citation_index`: no query per alert), and
the other claims about the same pair in ``other_claims`` (sources can disagree).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from graph_service.backends import GraphBackend
from graph_service.errors import InvalidParameter
from graph_service.named_queries import Catalog
from graph_service.services import explanations as ex
from graph_service.services.citation_index import get_citation_index
from graph_service.services.reach_graph import get_reach_graph
from graph_service.services.resolution import Resolution, ResolutionIndex, resolve
from graph_service.services.safety_index import get_safety_index
from graph_service.services.sources import consulted_sources

__all__ = ["DISCLAIMER", "MAX_ITEMS", "CheckRequest", "parse_check_request", "run_check"]

MAX_ITEMS = 100
MAX_NAME_LENGTH = 500
DISCLAIMER = ("Decision support for health professionals, built from the listed sources; it is not "
              "a guarantee of safety and does not replace clinical judgement or the product label.")


@dataclass(frozen=True)
class CheckRequest:
    """What to check: medication names/identifiers and condition names/identifiers."""

    drugs: tuple[str, ...]
    conditions: tuple[str, ...] = ()


def _names(body: dict[str, Any], field: str) -> tuple[str, ...]:
    value = body.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidParameter(f"{field!r} must be a list of strings", field=field)
    if len(value) > MAX_ITEMS:
        raise InvalidParameter(f"{field!r} takes at most {MAX_ITEMS} items", field=field)
    if any(not v.strip() or len(v) > MAX_NAME_LENGTH for v in value):
        raise InvalidParameter(f"every item of {field!r} must be a non-empty name of at most "
                               f"{MAX_NAME_LENGTH} characters", field=field)
    return tuple(v.strip() for v in value)


def parse_check_request(body: Any) -> CheckRequest:
    """Validate a decoded JSON body ``{"drugs": [...], "conditions": [...]}``.

    :raises InvalidParameter: naming the field that is wrong.
    """
    if not isinstance(body, dict):
        raise InvalidParameter("the body must be a JSON object with 'drugs' and 'conditions'",
                               field="body")
    unknown = sorted(set(body) - {"drugs", "conditions"})
    if unknown:
        raise InvalidParameter(f"unknown field {unknown[0]!r}", field=unknown[0])
    if "drugs" not in body:
        raise InvalidParameter("'drugs' is required", field="drugs")
    request = CheckRequest(_names(body, "drugs"), _names(body, "conditions"))
    if not request.drugs:
        raise InvalidParameter("'drugs' must name at least one medication", field="drugs")
    return request


def _resolve_all(index: ResolutionIndex, names: tuple[str, ...], field: str, entity_type: str,
                 resolved: list[dict[str, Any]],
                 unresolved: list[dict[str, Any]]) -> dict[str, str]:
    found: dict[str, str] = {}  # IRI -> the input that named it first
    for name in names:
        outcome: Resolution = resolve(index, name, entity_type=entity_type)
        if outcome.entity is None:
            unresolved.append({"input": name, "field": field, "reason": outcome.reason,
                               "candidates": [c.to_json() for c in outcome.candidates]})
            continue
        entity = outcome.entity
        resolved.append({"input": name, "field": field, "iri": entity.iri, "label": entity.label,
                         "type": entity.category, "matched_on": entity.matched_on,
                         "score": round(entity.score, 3)})
        found.setdefault(entity.iri, name)
    return found


def _reached_by(reach: dict[str, set[str]]) -> dict[str, list[str]]:
    """Node -> the inputs (in input order) whose reach contains it."""
    found: dict[str, list[str]] = {}
    for item, nodes in reach.items():
        for node in nodes:
            found.setdefault(node, []).append(item)
    return found


def _alert(row: dict[str, Any], kind: str, subject: str, obj: str, inputs: dict[str, str],
           chains: tuple[list[ex.Triple], list[ex.Triple]], labels: dict[str, str],
           sources: list[dict[str, Any]]) -> dict[str, Any]:
    """One alert from a safety-index row (its values are JSON-ready already)."""
    claim = str(row["claim"])
    triples = [*chains[0], *chains[1], *ex.claim_triples(claim, row)]
    return {
        "severity": row.get("severity_label"),
        "severity_rank": row.get("severity_rank"),
        "kind": kind,
        "claim_type": ex.label_of(str(row["claim_type"]), labels),
        "claim_kind": row.get("claim_kind_label"),
        "subject": {"iri": subject, "label": ex.label_of(subject, labels),
                    "input": inputs[subject]},
        "object": {"iri": obj, "label": ex.label_of(obj, labels), "input": inputs[obj]},
        "summary": row.get("summary"), "management": row.get("management"),
        "mechanism": row.get("mechanism"),
        "inferred": bool(chains[0] or chains[1]),
        "explanation": ex.render(triples, labels),
        "sources": sources, "claim": claim, "status": row.get("status_label"),
    }


_STATUS_ORDER = {"label-backed": 0, "secondary-backed": 1, "seed only": 2}


def _preference(alert: dict[str, Any]) -> tuple[Any, ...]:
    """Most severe first; then stated before inferred; then the better-backed status."""
    return (-(alert["severity_rank"] or 0), alert["inferred"],
            _STATUS_ORDER.get((alert["status"] or "").lower(), 3), alert["claim"])


def _group(candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One alert per pair of inputs: the preferred claim, the others in ``other_claims``."""
    by_pair: dict[tuple[str, frozenset[str]], list[dict[str, Any]]] = {}
    for alert in candidates:
        pair = frozenset((alert["subject"]["iri"], alert["object"]["iri"]))
        by_pair.setdefault((alert["kind"], pair), []).append(alert)
    grouped = []
    for alerts in by_pair.values():
        first, *others = sorted(alerts, key=_preference)
        grouped.append({**first, "other_claims": others})
    return sorted(grouped, key=lambda a: (-(a["severity_rank"] or 0), a["inferred"],
                                          a["subject"]["label"], a["object"]["label"], a["claim"]))


def run_check(backend: GraphBackend, catalog: Catalog, index: ResolutionIndex, *,
              request: CheckRequest, graph_version: str,
              cache: MutableMapping[str, Any]) -> dict[str, Any]:
    """Check ``request`` against the graph; the answer of ``POST /api/v1/check``."""
    resolved: list[dict[str, Any]] = []
    unresolved: list[dict[str, Any]] = []
    meds = _resolve_all(index, request.drugs, "drugs", "medication", resolved, unresolved)
    conds = _resolve_all(index, request.conditions, "conditions", "condition", resolved,
                         unresolved)
    graph = get_reach_graph(backend, catalog, version=graph_version, cache=cache)
    med_reach = {iri: graph.reach(iri, mode="medication") for iri in meds}
    by_med = _reached_by(med_reach)
    by_cond = _reached_by({iri: graph.reach(iri, mode="condition") for iri in conds})
    labels = ex.get_labels(backend, catalog, version=graph_version, cache=cache)
    safety = get_safety_index(backend, catalog, version=graph_version, cache=cache)
    cites = get_citation_index(backend, catalog, version=graph_version, cache=cache)
    walks: dict[tuple[str, str], list[ex.Triple]] = {}

    def walk(item: str, mode: str) -> list[ex.Triple]:
        if (item, mode) not in walks:
            walks[item, mode] = graph.walk(item, mode=mode)
        return walks[item, mode]

    alerts: dict[tuple[str, frozenset[str]], dict[str, Any]] = {}
    for a in meds:
        for subj in sorted(med_reach[a]):
            for claim, obj in safety.claims_about(subj):
                pairs = [(b, "drug-drug", "medication") for b in by_med.get(obj, ()) if b != a]
                pairs += [(c, "drug-condition", "condition") for c in by_cond.get(obj, ())]
                for b, kind, mode in pairs:
                    key = (claim, frozenset((a, b)))
                    if key in alerts:
                        continue
                    first = ex.chain(walk(a, "medication"), a, subj, mode="medication")
                    second = ex.chain(walk(b, mode), b, obj, mode=mode)
                    if first is None or second is None:  # reach and chain disagree: a bug
                        raise RuntimeError(f"no stated chain explains {claim} for {a} and {b}")
                    alerts[key] = _alert(safety.row(claim), kind, a, b, {**meds, **conds},
                                         (first, second), labels,
                                         cites.citations(claim))
    ordered = _group(list(alerts.values()))
    answer: dict[str, Any] = {
        "resolved": resolved, "unresolved": unresolved, "alerts": ordered,
        "graph_version": graph_version,
        "sources_consulted": consulted_sources(backend, catalog, version=graph_version,
                                               cache=cache),
        "disclaimer": DISCLAIMER,
    }
    if not ordered:
        answer["message"] = (
            "No known problem was found for this combination in the listed sources "
            f"(graph version {graph_version}). This is decision support, not a guarantee of safety"
            + (", and some inputs could not be resolved." if unresolved else "."))
    return answer

"""Drug cards: what the graph says about one drug or product, with explanations and sources."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from rdflib import URIRef
from rdflib.namespace import RDF, SKOS
from rdflib.term import Node

from graph_service.backends import GraphBackend
from graph_service.errors import NotFound
from graph_service.identifiers import SCHEMES, parse_identifier_iri
from graph_service.models import DIKG, ID
from graph_service.named_queries import Catalog
from graph_service.services import explanations as ex
from graph_service.services.queries import plain, select
from graph_service.services.resolution import Candidate, ResolutionIndex, resolve
from graph_service.services.sources import citation_json

__all__ = ["alternatives", "drug_card", "find_drug", "safety_items", "safety_section"]

_SCHEME_NAMES = {s.key: s.name for s in SCHEMES}


def find_drug(index: ResolutionIndex, ident: str) -> Candidate:
    """The drug or product ``ident`` names (local name, name, brand, identifier or IRI).

    :raises NotFound: with ranked candidates when it names none or several.
    """
    outcome = resolve(index, ident, entity_type="medication")
    if outcome.entity is None:
        raise NotFound(f"No single drug or product matches {ident!r}.", reason=outcome.reason,
                       candidates=[c.to_json() for c in outcome.candidates])
    return outcome.entity


def _ref(row: dict[str, Node], iri_key: str, label_key: str) -> dict[str, Any] | None:
    if row.get(iri_key) is None:
        return None
    return {"iri": str(row[iri_key]), "label": plain(row.get(label_key))}


def _sources_by_claim(backend: GraphBackend, catalog: Catalog,
                      drug: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in select(backend, catalog, "drug_citations", drug=URIRef(drug)):
        grouped.setdefault(str(row["claim"]), []).append(citation_json(row))
    return grouped


def safety_items(backend: GraphBackend, catalog: Catalog, drug: str, *, query: str,
                 labels: dict[str, str], sources: dict[str, list[dict[str, Any]]],
                 edges: MutableMapping[str, list[ex.Triple]]) -> list[dict[str, Any]]:
    """Contraindications or interactions (``query``) of ``drug``: stated and inherited, each with
    the chain of stated triples that makes it apply (``explanation``) and its sources."""
    items = []
    for row in select(backend, catalog, query, drug=URIRef(drug)):
        claim, role, reached = str(row["claim"]), str(row["role"]), str(row["reached"])
        mode = "contained" if role == "product" else "medication"
        path = ex.chain(ex.reach_edges(backend, catalog, drug, edges), drug, reached, mode=mode)
        if path is None:
            raise RuntimeError(f"no stated chain from {drug} to {reached} for {claim}")
        items.append({
            "severity": plain(row.get("severity_label")),
            "severity_rank": plain(row.get("severity_rank")),
            "kind": plain(row.get("claim_kind_label")), "role": role,
            "target": {"iri": str(row["other"]), "label": ex.label_of(str(row["other"]), labels)},
            "via": {"iri": reached, "label": ex.label_of(reached, labels)},
            "relation": plain(row.get("relation_label")), "summary": plain(row.get("summary")),
            "management": plain(row.get("management")), "mechanism": plain(row.get("mechanism")),
            "inferred": bool(plain(row.get("inferred"))),
            "explanation": ex.render([*path, *ex.claim_triples(claim, row)], labels),
            "sources": sources.get(claim, []), "claim": claim,
        })
    return items


def safety_section(backend: GraphBackend, catalog: Catalog, drug: str, *, section: str,
                   version: str, cache: MutableMapping[str, Any]) -> list[dict[str, Any]]:
    """``contraindications`` or ``interactions`` of ``drug`` alone (its sub-resource)."""
    labels = ex.get_labels(backend, catalog, version=version, cache=cache)
    return safety_items(backend, catalog, drug, query=section, labels=labels,
                        sources=_sources_by_claim(backend, catalog, drug), edges={})


def _section(backend: GraphBackend, catalog: Catalog, query: str, drug: str,
             sources: dict[str, list[dict[str, Any]]], fields: dict[str, tuple[str, str | None]],
             ) -> list[dict[str, Any]]:
    items = []
    for row in select(backend, catalog, query, drug=URIRef(drug)):
        item: dict[str, Any] = {
            name: (_ref(row, key, label) if label else plain(row.get(key)))
            for name, (key, label) in fields.items()}
        if row.get("claim") is not None:
            item.update(via=_ref(row, "via", "via_label"), summary=plain(row.get("summary")),
                        claim=str(row["claim"]), sources=sources.get(str(row["claim"]), []))
        items.append(item)
    return items


def alternatives(backend: GraphBackend, catalog: Catalog, drug: str, *,
                 sources: dict[str, list[dict[str, Any]]] | None = None) -> list[dict[str, Any]]:
    """Alternatives of ``drug`` with what differs: the stated difference, each one's mechanism and
    what rules it out (its own stated contraindications)."""
    sources = sources if sources is not None else _sources_by_claim(backend, catalog, drug)
    items = _section(backend, catalog, "alternatives", drug, sources, {
        "alternative": ("alternative", "alternative_label"),
        "indication": ("indication", "indication_label"), "difference": ("difference", None)})
    for item in items:
        other = URIRef(item["alternative"]["iri"])
        item["mechanism"] = sorted({
            f"{plain(r.get('action_label')) or plain(r.get('relation_label'))} of "
            f"{plain(r.get('target_label'))}"
            for r in select(backend, catalog, "receptors_and_actions", drug=other)})
        item["ruled_out_by"] = sorted({
            str(plain(r.get("other_label")) or r["other"])
            for r in select(backend, catalog, "contraindications", drug=other)
            if str(r["role"]) == "subject" and not plain(r.get("inferred"))})
    return items


def _facts(backend: GraphBackend, catalog: Catalog, drug: str) -> dict[str, Any]:
    facts: dict[str, Any] = {"synonyms": [], "classes": [], "salt_of": [], "salts": [],
                             "ingredients": [], "contained_in": [], "identifiers": []}
    slots: dict[tuple[str, Node], str] = {
        ("out", RDF.type): "classes", ("out", DIKG.saltOf): "salt_of",
        ("in", DIKG.saltOf): "salts", ("out", DIKG.hasIngredient): "ingredients",
        ("in", DIKG.hasIngredient): "contained_in"}
    for row in select(backend, catalog, "entity_facts", entity=URIRef(drug)):
        direction, pred, obj = str(row["direction"]), row["p"], row["o"]
        if (direction, pred) == ("out", SKOS.prefLabel):
            facts["label"] = str(obj)
        elif (direction, pred) == ("out", SKOS.definition):
            facts["definition"] = str(obj)
        elif (direction, pred) == ("out", SKOS.altLabel):
            facts["synonyms"].append(str(obj))
        elif (direction, pred) == ("out", SKOS.exactMatch):
            found = parse_identifier_iri(str(obj))
            facts["identifiers"].append({
                "scheme": _SCHEME_NAMES[found.scheme] if found else None,
                "id": found.id if found else None, "iri": str(obj)})
        elif (direction, pred) in slots and not (pred == RDF.type and row.get("o_label") is None):
            facts[slots[(direction, pred)]].append({"iri": str(obj),
                                                    "label": plain(row.get("o_label"))})
    return facts


def drug_card(backend: GraphBackend, catalog: Catalog, entity: Candidate, *, version: str,
              cache: MutableMapping[str, Any]) -> dict[str, Any]:
    """The card of a resolved drug or product (``GET /api/v1/drugs/{id}``)."""
    drug = entity.iri
    labels = ex.get_labels(backend, catalog, version=version, cache=cache)
    sources = _sources_by_claim(backend, catalog, drug)
    edges: dict[str, list[ex.Triple]] = {}
    card: dict[str, Any] = {"iri": drug, "id": drug.removeprefix(str(ID)),
                            "label": entity.label, "type": entity.category, "definition": None}
    card.update(_facts(backend, catalog, drug))
    card["mechanism"] = _section(backend, catalog, "receptors_and_actions", drug, sources, {
        "target": ("target", "target_label"), "gene_symbol": ("gene_symbol", None),
        "action": ("action_label", None), "relation": ("relation_label", None),
        "qualifier": ("qualifier", None)})
    card["indications"] = _section(backend, catalog, "indications", drug, sources, {
        "condition": ("condition", "condition_label"), "relation": ("relation_label", None),
        "qualifier": ("qualifier", None)})
    for name in ("contraindications", "interactions"):
        card[name] = safety_items(backend, catalog, drug, query=name, labels=labels,
                                  sources=sources, edges=edges)
    card["warnings"] = _section(backend, catalog, "warnings", drug, sources, {
        "hazard": ("hazard", "hazard_label"), "severity": ("severity_label", None),
        "management": ("management", None)})
    effects = _section(backend, catalog, "adverse_effects", drug, sources, {
        "effect": ("effect", "effect_label"), "frequency": ("frequency_label", None),
        "incidence": ("incidence", None)})
    card["adverse_effects"] = {
        group: [e for e in effects if (e["frequency"] or "other") == group]
        for group in ("common", "uncommon", "serious", "other")}
    card["formulations"] = _section(backend, catalog, "formulations", drug, sources, {
        "product": ("product", "product_label"),
        "formulation": ("formulation", "formulation_label"),
        "route": ("route_label", None), "strength": ("strength", None),
        "dose_form": ("dose_form", None)})
    card["dosing"] = _section(backend, catalog, "dosing", drug, sources, {
        "formulation": ("formulation", "formulation_label"), "route": ("route_label", None),
        "strength": ("strength", None), "dose": ("dose", None), "schedule": ("schedule", None),
        "indication": ("indication", "indication_label")})
    card["alternatives"] = alternatives(backend, catalog, drug, sources=sources)
    used = {s["source"]: s for claim in sources.values() for s in claim}
    card["sources"] = sorted(({k: v for k, v in s.items() if k in ("source", "key", "title",
                                                                    "kind", "url", "seed_file")}
                              for s in used.values()), key=lambda s: str(s["key"] or s["source"]))
    card["graph_version"] = version
    return card

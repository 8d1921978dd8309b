"""Component schemas of the OpenAPI document: the JSON shapes of the REST contract."""

from __future__ import annotations

from typing import Any

from graph_service.request_rules import MAX_LIST_ITEMS, NAME_MAX_LENGTH, NON_BLANK

__all__ = ["SCHEMAS", "ref"]

_STR: dict[str, Any] = {"type": "string"}
_NSTR: dict[str, Any] = {"type": ["string", "null"]}
_NINT: dict[str, Any] = {"type": ["integer", "null"]}
_VALUE: dict[str, Any] = {"type": ["string", "number", "integer", "boolean", "null"]}


def ref(name: str) -> dict[str, Any]:
    """A ``$ref`` to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: list[str], properties: dict[str, Any], *,
         closed: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "required": required, "properties": properties}
    if closed:
        schema["additionalProperties"] = False
    return schema


def _array(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **extra}


def _nullable(name: str) -> dict[str, Any]:
    return {"anyOf": [ref(name), {"type": "null"}]}


# any non-blank name (unknown ones come back as unresolved), as services/checks.py takes them
_NAMES = _array({"type": "string", "minLength": 1, "maxLength": NAME_MAX_LENGTH,
                 "pattern": NON_BLANK}, maxItems=MAX_LIST_ITEMS)
_CLAIM_ITEM = _obj(["claim", "summary"], {"claim": _STR, "summary": _NSTR, "via": _nullable(
    "EntityRef"), "sources": _array(ref("Citation"))})

_ALERT_REQUIRED = ["severity", "kind", "subject", "object", "summary", "management", "inferred",
                   "explanation", "sources", "claim"]
_ALERT_PROPERTIES: dict[str, Any] = {
    "severity": _NSTR, "severity_rank": _NINT,
    "kind": {"enum": ["drug-drug", "drug-condition"]},
    "claim_type": _STR, "claim_kind": _NSTR,
    "subject": ref("InputEntity"), "object": ref("InputEntity"),
    "summary": _NSTR, "management": _NSTR, "mechanism": _NSTR,
    "inferred": {"type": "boolean"}, "explanation": _array(ref("Triple"), minItems=1),
    "sources": _array(ref("Citation")), "claim": _STR, "status": _NSTR}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": _obj(["error", "message", "status"], {
        "error": _STR, "message": _STR, "status": {"type": "integer"},
        "candidates": _array(_obj(["iri", "label"], {"iri": _STR, "label": _NSTR})),
        "field": _STR, "parameter": _STR}),
    "EntityRef": _obj(["iri", "label"], {"iri": _STR, "label": _NSTR}),
    "InputEntity": _obj(["iri", "label", "input"], {"iri": _STR, "label": _NSTR, "input": _STR}),
    "Candidate": _obj(["iri", "label", "type", "score", "matched_on", "matched_text"], {
        "iri": _STR, "label": _STR, "type": _STR, "score": {"type": "number"},
        "matched_on": {"enum": ["label", "altLabel", "identifier", "prefix", "fuzzy"]},
        "matched_text": _STR, "salt_of": _STR}),
    "EntitiesResponse": _obj(["query", "type", "resolved", "candidates", "graph_version"], {
        "query": _STR, "type": _STR, "resolved": _nullable("Candidate"),
        "candidates": _array(ref("Candidate")), "graph_version": _STR}),
    "Citation": _obj(["source", "title"], {k: _NSTR for k in (
        "source", "key", "title", "kind", "url", "seed_file", "quote", "locator", "citation")}),
    "Triple": _obj(["subject", "predicate", "object"], {
        "subject": ref("EntityRef"), "predicate": ref("EntityRef"), "object": ref("EntityRef")}),
    "ClaimAlert": _obj(_ALERT_REQUIRED, _ALERT_PROPERTIES),
    "Alert": {**_obj([*_ALERT_REQUIRED, "other_claims"],
                     {**_ALERT_PROPERTIES, "other_claims": _array(ref("ClaimAlert"))}),
              "description": "One problem (a pair of inputs): its most severe non-contradicted "
                             "claim, and the other claims about the same pair in other_claims."},
    "CheckRequest": _obj(["drugs"], {"drugs": {**_NAMES, "minItems": 1},
                                     "conditions": _NAMES}, closed=True),
    "ResolvedInput": _obj(["input", "field", "iri", "label", "type", "matched_on"], {
        "input": _STR, "field": {"enum": ["drugs", "conditions"]}, "iri": _STR, "label": _STR,
        "type": _STR, "matched_on": _STR, "score": {"type": "number"}}),
    "UnresolvedInput": _obj(["input", "field", "reason", "candidates"], {
        "input": _STR, "field": {"enum": ["drugs", "conditions"]},
        "reason": {"enum": ["unknown", "ambiguous"]}, "candidates": _array(ref("Candidate"))}),
    "ConsultedSource": _obj(["source"], {
        "source": _STR, "key": _NSTR, "title": _NSTR, "url": _NSTR, "seed_file": _NSTR,
        "claims": _NINT}),
    "CheckResponse": _obj(["resolved", "unresolved", "alerts", "graph_version",
                           "sources_consulted", "disclaimer"], {
        "resolved": _array(ref("ResolvedInput")), "unresolved": _array(ref("UnresolvedInput")),
        "alerts": _array(ref("Alert")), "graph_version": _STR,
        "sources_consulted": _array(ref("ConsultedSource")), "disclaimer": _STR,
        "message": _STR}),
    "SafetyItem": _obj(["severity", "role", "target", "via", "summary", "inferred",
                        "explanation", "sources", "claim"], {
        "severity": _NSTR, "severity_rank": _NINT, "kind": _NSTR,
        "role": {"enum": ["subject", "object", "product"]},
        "target": ref("EntityRef"), "via": ref("EntityRef"), "relation": _NSTR,
        "summary": _NSTR, "management": _NSTR, "mechanism": _NSTR,
        "inferred": {"type": "boolean"}, "explanation": _array(ref("Triple"), minItems=1),
        "sources": _array(ref("Citation")), "claim": _STR}),
    "ClaimItem": _CLAIM_ITEM,
    "Alternative": {**_CLAIM_ITEM, "required": ["alternative", "claim", "mechanism",
                                                "ruled_out_by"],
                    "properties": {**_CLAIM_ITEM["properties"],
                                   "alternative": ref("EntityRef"),
                                   "indication": _nullable("EntityRef"), "difference": _NSTR,
                                   "mechanism": _array(_STR), "ruled_out_by": _array(_STR)}},
    "Identifier": _obj(["scheme", "id", "iri"], {"scheme": _NSTR, "id": _NSTR, "iri": _STR}),
    "DrugCard": _obj(["iri", "id", "label", "type", "classes", "identifiers", "mechanism",
                      "indications", "contraindications", "interactions", "warnings",
                      "adverse_effects", "formulations", "dosing", "alternatives", "sources",
                      "graph_version"], {
        "iri": _STR, "id": _STR, "label": _STR, "type": _STR, "definition": _NSTR,
        "synonyms": _array(_STR), "identifiers": _array(ref("Identifier")),
        **{k: _array(ref("EntityRef")) for k in ("classes", "salt_of", "salts", "ingredients",
                                                 "contained_in")},
        **{k: _array(ref("ClaimItem")) for k in ("mechanism", "indications", "warnings",
                                                 "dosing")},
        "formulations": _array({"type": "object"}),
        "contraindications": _array(ref("SafetyItem")),
        "interactions": _array(ref("SafetyItem")),
        "adverse_effects": _obj(["common", "uncommon", "serious", "other"], {
            k: _array(ref("ClaimItem")) for k in ("common", "uncommon", "serious", "other")}),
        "alternatives": _array(ref("Alternative")),
        "sources": _array(ref("Citation")), "graph_version": _STR}),
    "DrugSection": _obj(["drug", "graph_version"], {
        "drug": ref("EntityRef"), "graph_version": _STR,
        "contraindications": _array(ref("SafetyItem")),
        "interactions": _array(ref("SafetyItem")), "alternatives": _array(ref("Alternative"))}),
    "SourceSummary": _obj(["source", "claims"], {
        **{k: _NSTR for k in ("source", "key", "title", "kind", "url", "seed_file", "version",
                              "date")},
        "claims": _obj(["total"], {k: {"type": "integer"} for k in (
            "total", "label_backed", "secondary_backed", "seed_only", "contradicted")})}),
    "SourcesResponse": _obj(["sources", "graph_version"], {
        "sources": _array(ref("SourceSummary")), "graph_version": _STR}),
    "Conflict": _obj(["claim", "subject", "relation", "summary", "sources", "contradicted_by"], {
        "claim": _STR, "status": _STR, "subject": ref("EntityRef"), "relation": ref("EntityRef"),
        "object": _nullable("EntityRef"), "value": _VALUE, "summary": _NSTR, "comment": _NSTR,
        "sources": _array(ref("Citation")),
        "contradicted_by": _array(_obj(["claim", "sources"], {
            "claim": _STR, "summary": _NSTR, "status": _NSTR,
            "sources": _array(ref("Citation"))}))}),
    "SeverityConflictSide": _obj(["claim", "summary", "severity", "sources"], {
        "claim": _STR, "summary": _NSTR, "severity": _NSTR, "severity_rank": _NINT,
        "sources": _array(ref("Citation"))}),
    "SeverityConflict": _obj(["claim", "conflicts_with"], {
        "claim": ref("SeverityConflictSide"), "conflicts_with": ref("SeverityConflictSide")}),
    "ConflictsResponse": _obj(["conflicts", "severity_conflicts", "graph_version"], {
        "conflicts": _array(ref("Conflict")),
        "severity_conflicts": _array(ref("SeverityConflict")), "graph_version": _STR}),
    "NamedQueryParam": _obj(["name", "type", "required"], {
        "name": _STR, "type": _STR, "required": {"type": "boolean"}, "description": _STR,
        "entity_type": _STR, "default": _VALUE}),
    "NamedQuery": _obj(["name", "summary", "returns", "methods", "params", "url"], {
        "name": _STR, "summary": _STR, "description": _STR, "url": _STR,
        "returns": {"enum": ["select", "ask", "construct"]}, "methods": _array(_STR),
        "tags": _array(_STR), "params": _array(ref("NamedQueryParam"))}),
    "NamedQueryList": _obj(["queries"], {"queries": _array(ref("NamedQuery"))}),
    "NamedQueryResult": _obj(["query", "kind", "params", "graph_version"], {
        "query": _STR, "kind": {"enum": ["select", "ask", "graph"]},
        "params": {"type": "object", "additionalProperties": _VALUE}, "graph_version": _STR,
        "variables": _array(_STR), "rows": _array({"type": "object",
                                                   "additionalProperties": _VALUE}),
        "count": {"type": "integer"}, "truncated": {"type": "boolean"},
        "boolean": {"type": "boolean"},
        "triples": _array(_obj(["subject", "predicate", "object"], {
            "subject": _STR, "predicate": _STR, "object": _STR}))}),
    "Ready": _obj(["status", "graph_version", "failures"], {
        "status": {"enum": ["ready", "not ready"]}, "graph_version": _STR,
        "named_queries": {"type": "integer"}, "validated": {"type": "boolean"},
        "triples": _NINT, "failures": _array(_STR)}),
    "Health": _obj(["status", "graph_version"], {
        "status": _STR, "version": _STR, "store": _STR, "graph_version": _STR,
        "triples": {"type": "integer"}}),
}

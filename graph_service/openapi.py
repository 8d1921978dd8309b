"""The OpenAPI 3.1 document of the service: every operation, named queries included."""

from __future__ import annotations

from typing import Any

from graph_service import __version__
from graph_service.named_queries import Catalog, NamedQuery, QueryParam
from graph_service.openapi_schemas import SCHEMAS, ref
from graph_service.request_rules import (
    ENTITIES_MAX_LIMIT,
    IRI_MAX_LENGTH,
    IRI_PATTERN,
    MAX_LIST_ITEMS,
    NAME_MAX_LENGTH,
    NON_BLANK,
    TYPE_LIST,
    any_case,
    comma_list,
    comma_names,
)

__all__ = ["build_openapi"]

_JSON = "application/json"
_ERRORS = {400: "Malformed request or a parameter of the wrong type (named in the body)",
           403: "Forbidden (updates, SERVICE, remote datasets)",
           404: "Unknown drug, entity or query (with candidates where they exist)",
           405: "Method not allowed", 406: "No offered format matches (lists the formats)",
           413: "Body too large", 415: "Unsupported content type",
           503: "Time limit reached or store unavailable"}
_SPARQL_MEDIA = ["application/sparql-results+json", "application/sparql-results+xml",
                 "text/csv", "text/tab-separated-values", "text/turtle", "application/n-triples",
                 "application/rdf+xml", "application/ld+json"]
_SEGMENT = "A-Za-z0-9._~!$&'()*+,;=:@"  # a character class body; "-" is added last
# Names are any text with a character str.strip() keeps; IRIs are request_rules.IRI_PATTERN.
_NAME = {"type": "string", "minLength": 1, "maxLength": 1000, "pattern": NON_BLANK}
_PARAM_SCHEMAS: dict[str, dict[str, Any]] = {
    "iri": {"type": "string", "format": "iri", "minLength": 1, "maxLength": IRI_MAX_LENGTH,
            "pattern": IRI_PATTERN},
    "string": _NAME,
    "entity": _NAME,
    "integer": {"type": "integer"},
}


_RATE_LIMITED = {  # observability.py: per-client token bucket, off unless configured
    "description": "Too many requests from this client (only when GRAPH_SERVICE_RATE_LIMIT is "
                   "set); retry after Retry-After seconds",
    "headers": {"Retry-After": {"description": "seconds to wait",
                                "schema": {"type": "integer", "minimum": 1}}},
    "content": {_JSON: {"schema": ref("Error")}}}
_NOT_LIMITED = ("/health", "/ready", "/metrics")


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": _ERRORS[c],
                     "content": {_JSON: {"schema": ref("Error")}}} for c in codes}


def _ok(schema: str, description: str = "OK") -> dict[str, Any]:
    return {"200": {"description": description, "content": {_JSON: {"schema": ref(schema)}}}}


def _media(*types: str, description: str = "OK") -> dict[str, Any]:
    return {"200": {"description": description, "content": {t: {"schema": {}} for t in types}}}


def _query(name: str, schema: dict[str, Any], description: str, *,
           required: bool = False) -> dict[str, Any]:
    param = {"name": name, "in": "query", "required": required, "description": description,
             "schema": schema}
    if schema.get("type") == "array":
        param.update(style="form", explode=True)  # ?drugs=a&drugs=b
    return param


def _op(summary: str, responses: dict[str, Any], *, tags: list[str], op_id: str,
        parameters: list[dict[str, Any]] | None = None,
        body: dict[str, Any] | None = None, description: str = "") -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": op_id, "summary": summary, "tags": tags,
                                 "responses": responses}
    if description:
        operation["description"] = description
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = {"required": True, "content": {_JSON: {"schema": body}}}
    return operation


def _param_schema(param: QueryParam, *, body: bool = False) -> dict[str, Any]:
    """A parameter's schema; in a JSON body a list may also be one comma-separated string."""
    if param.type in ("entity_list", "iri_list"):
        item = _PARAM_SCHEMAS["iri" if param.type == "iri_list" else "entity"]
        listed = {"type": "array", "items": item, "minItems": 1, "maxItems": MAX_LIST_ITEMS}
        if not body:
            return listed
        return {"anyOf": [listed, {"type": "string", "pattern": comma_names(MAX_LIST_ITEMS),
                                   "description": "comma-separated"}]}
    schema = dict(_PARAM_SCHEMAS[param.type])
    if param.type == "integer":
        schema.update({k: v for k, v in (("minimum", param.minimum),
                                         ("maximum", param.maximum)) if v is not None})
    return schema


def _named_query(query: NamedQuery) -> dict[str, Any]:
    formats = {"select": ["json", "csv"], "ask": ["json"],
               "construct": ["json", "turtle", "nt", "json-ld"]}[query.returns]
    media = {"json": _JSON, "csv": "text/csv", "turtle": "text/turtle",
             "nt": "application/n-triples", "json-ld": "application/ld+json"}
    ok = {"200": {"description": "The answer", "content": {
        media[f]: {"schema": ref("NamedQueryResult") if f == "json" else {}} for f in formats}}}
    responses = {**ok, **_errors(400, 404, 406, 503)}
    fmt = _query("format", {"enum": formats}, "answer format (default: JSON or by Accept)")
    described = f"{query.description}\n\nParameters are bound, never pasted into the query."
    params = [_query(p.name, _param_schema(p), p.description or p.type, required=p.required)
              for p in query.params]
    item: dict[str, Any] = {}
    tags = ["named queries", *query.tags]
    if "GET" in query.methods:
        item["get"] = _op(query.summary, responses, tags=tags, op_id=f"query_{query.name}_get",
                          parameters=[*params, fmt], description=described)
    if "POST" in query.methods:
        body = {"type": "object", "additionalProperties": False,
                "required": [p.name for p in query.params if p.required],
                "properties": {p.name: _param_schema(p, body=True) for p in query.params}}
        item["post"] = _op(query.summary, {**responses, **_errors(415)}, tags=tags,
                           op_id=f"query_{query.name}_post", parameters=[fmt], body=body,
                           description=described)
    return item


def _api_paths() -> dict[str, Any]:
    ident = {"name": "ident", "in": "path", "required": True,
             "description": "local name (naltrexone), name, brand, identifier or IRI",
             "schema": {"type": "string", "minLength": 1, "maxLength": 500}}
    entity_types = ["any", "medication", "drug", "product", "class", "condition", "receptor",
                    "adverse_effect", "therapy", "other"]
    drug_tags = ["drugs"]
    return {
        "/api/v1/entities": {"get": _op(
            "Resolve a name, brand, synonym, salt or identifier to ranked candidates",
            {**_ok("EntitiesResponse"), **_errors(400)}, tags=["resolution"], op_id="entities",
            parameters=[
                _query("q", {**_NAME, "maxLength": NAME_MAX_LENGTH}, "the text to resolve "
                       "(any non-blank text; unknown names give no candidates)", required=True),
                _query("type", {"enum": entity_types}, "restrict to one kind of entity"),
                _query("limit", {"type": "integer", "minimum": 1, "maximum": ENTITIES_MAX_LIMIT},
                       "number of candidates (default 10; ASCII digits)")])},
        "/api/v1/drugs/{ident}": {"get": _op(
            "Drug card", {**_ok("DrugCard"), **_errors(404)}, tags=drug_tags, op_id="drug_card",
            parameters=[ident])},
        **{f"/api/v1/drugs/{{ident}}/{section}": {"get": _op(
            f"{section.capitalize()} of a drug, stated and inherited, with explanations",
            {**_ok("DrugSection"), **_errors(404)}, tags=drug_tags, op_id=f"drug_{section}",
            parameters=[ident])} for section in ("contraindications", "interactions")},
        "/api/v1/drugs/{ident}/alternatives": {"get": _op(
            "Alternatives of a drug with what differs", {**_ok("DrugSection"), **_errors(404)},
            tags=drug_tags, op_id="drug_alternatives", parameters=[ident])},
        "/api/v1/check": {"post": _op(
            "Check medications and conditions for known contraindications and interactions",
            {**_ok("CheckResponse"), **_errors(400, 413, 415)}, tags=["check"], op_id="check",
            body=ref("CheckRequest"),
            description="Names or identifiers; products count through their ingredients, "
                        "class-level rules reach members, conditions reach narrower ones. "
                        "Contradicted claims are never used. Decision support, not a "
                        "guarantee.")},
        "/api/v1/sources": {"get": _op("Source documents with claim counts",
                                       _ok("SourcesResponse"), tags=["provenance"],
                                       op_id="sources")},
        "/api/v1/conflicts": {"get": _op("Contradicted claims beside the claims that "
                                         "contradict them, and severity disagreements "
                                         "between sources", _ok("ConflictsResponse"),
                                         tags=["provenance"], op_id="conflicts")},
        "/api/v1/queries": {"get": _op("The named queries with their typed parameters",
                                       _ok("NamedQueryList"), tags=["named queries"],
                                       op_id="queries")},
    }


def _service_paths(export_formats: dict[str, str], export_aliases: list[str],
                   include_options: list[str], max_depth: int) -> dict[str, Any]:
    sparql_params = [
        _query("query", {"type": "string", "minLength": 1, "maxLength": 100_000},
               "SPARQL query (none: the service description)"),
        _query("default-graph-uri", {"type": "array", "items": {"type": "string"}}, "dataset"),
        _query("named-graph-uri", {"type": "array", "items": {"type": "string"}}, "dataset")]
    sparql_ok = _media(*_SPARQL_MEDIA, description="Results, or the service description")
    return {
        "/sparql": {
            "get": _op("SPARQL 1.1 query (GET)", {**sparql_ok, **_errors(400, 403, 406, 503)},
                       tags=["sparql"], op_id="sparql_get", parameters=sparql_params),
            "post": {**_op("SPARQL 1.1 query (POST form or application/sparql-query)",
                           {**sparql_ok, **_errors(400, 403, 406, 413, 415, 503)},
                           tags=["sparql"], op_id="sparql_post"),
                     "requestBody": {"required": True, "content": {
                         "application/x-www-form-urlencoded": {"schema": {
                             "type": "object", "description": "no query (and no update): the "
                             "service description, as GET /sparql without a query",
                             "properties": {
                                 "query": {"type": "string", "minLength": 1},
                                 "update": {"type": "string", "minLength": 1, "description":
                                            "SPARQL Update: 403 unless an admin token is "
                                            "configured and sent"}}}},
                         "application/sparql-query": {"schema": {"type": "string"}}}}}},
        "/export": {"get": _op(
            "The graph (or an entity's neighbourhood) as a file for graph tools",
            {**_media(*sorted(set(export_formats.values())), description="The graph file "
                      "(X-Graph-Nodes, X-Graph-Edges; X-Graph-Layout for drawings)"),
             **_errors(400, 404),
             "503": {"description": "Graphviz over the time limit (query_timeout), or the export "
                                    "graph of a new version still being prepared (warming_up, "
                                    "with Retry-After)",
                     "headers": {"Retry-After": {"description": "seconds (warming_up)",
                                                 "schema": {"type": "integer", "minimum": 1}}},
                     "content": {_JSON: {"schema": ref("Error")}}}},
            tags=["export"], op_id="export", parameters=[
                _query("format", {"type": "string",
                                  "pattern": any_case([*export_formats, *export_aliases])},
                       f"file format: a name from /export/formats or an alias "
                       f"({', '.join(export_aliases)}); any case", required=True),
                _query("focus", {"type": "string", "maxLength": NAME_MAX_LENGTH},
                       "entity to centre on (name, id or IRI; empty: the whole graph)"),
                _query("depth", {"type": "integer", "minimum": 0, "maximum": max_depth},
                       "hops around the focus (default 1; ASCII digits)"),
                _query("include", {"type": "array", "items": {
                    "type": "string", "pattern": comma_list(include_options)}},
                       "extra edges: repeated and/or comma-separated, no spaces"),
                _query("types", {"type": "array", "items": {
                    "type": "string", "pattern": TYPE_LIST}},
                       "node types to keep, repeated and/or comma-separated (e.g. Drug,Receptor;"
                       " any case; an unknown type is a 400 listing the types)")])},
        "/export/formats": {"get": _op("The export formats", _media(_JSON), tags=["export"],
                                       op_id="export_formats")},
        "/health": {"get": _op("Liveness with graph version and triple count", _ok("Health"),
                               tags=["operations"], op_id="health")},
        "/ready": {"get": _op(
            "Readiness: graph loaded and named queries loaded (503 with the failed checks)",
            {**_ok("Ready"), "503": {"description": "Not ready",
                                     "content": {_JSON: {"schema": ref("Ready")}}}},
            tags=["operations"], op_id="ready")},
        "/metrics": {"get": _op("Prometheus metrics", _media("text/plain"),
                                tags=["operations"], op_id="metrics")},
        "/openapi.json": {"get": _op("This document", _media(_JSON), tags=["docs"],
                                     op_id="openapi")},
        "/docs": {"get": _op("Interactive API documentation", _media("text/html"),
                             tags=["docs"], op_id="docs")},
        "/": {"get": _op("Web page: query editor, results, graph view", _media("text/html"),
                         tags=["web"], op_id="web_page")},
        "/id/{local}": {"get": _op(
            "An entity IRI: HTML for browsers, RDF by Accept",
            {**_media("text/html", "text/turtle", "application/n-triples",
                      "application/ld+json", "application/rdf+xml"), **_errors(400, 404, 406)},
            tags=["web"], op_id="entity_iri", parameters=[
                {"name": "local", "in": "path", "required": True,
                 "schema": {"type": "string", "minLength": 1, "maxLength": 500,
                            "pattern": rf"^[{_SEGMENT}-]+$"}}])},
    }


def build_openapi(catalog: Catalog, *, export_formats: dict[str, str],
                  include_options: list[str], max_depth: int,
                  export_aliases: tuple[str, ...] | list[str] = (),
                  server_url: str = "/") -> dict[str, Any]:
    """The OpenAPI 3.1 document for this catalog of named queries.

    :param export_formats: export format name -> media type (``serializers.graph_formats``).
    """
    paths = {**_api_paths(),
             **_service_paths(export_formats, list(export_aliases), include_options, max_depth)}
    for query in catalog.public():
        paths[f"/api/v1/queries/{query.name}"] = _named_query(query)
    for path, item in paths.items():
        for operation in item.values() if path not in _NOT_LIMITED else ():
            operation["responses"].setdefault("429", _RATE_LIMITED)
    return {
        "openapi": "3.1.0",
        "info": {"title": "dikg: naltrexone drug-interaction knowledge graph",
                 "version": __version__,
                 "description": "SPARQL endpoint, contraindication check API, named queries "
                                "and graph exports. Decision support for professionals, with "
                                "sources; not a guarantee of safety.",
                 "license": {"name": "MIT", "identifier": "MIT"}},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }

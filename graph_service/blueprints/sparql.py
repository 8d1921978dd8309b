"""SPARQL 1.1 Protocol endpoint (query side) at /sparql, with CORS for browser tools.

Requests: GET ``?query=``; POST ``application/x-www-form-urlencoded`` (``query=`` or
``update=``); POST ``application/sparql-query`` / ``application/sparql-update`` (raw UTF-8
body). No query: the service description. Answers are negotiated (``Accept`` with q-values,
or ``format=``); a cut answer says so in ``X-Dikg-Truncated: rows=<n>`` or ``bytes=<limit>``.
Updates are refused with 403 unless the admin token is presented as a bearer token (a uniform
403 for "no token configured", "missing" and "wrong": the contract says 403, and it does not
reveal whether updates can be enabled at all).
"""

from __future__ import annotations

import functools
from urllib.parse import unquote_to_bytes

from flask import Blueprint, Response, jsonify, request, url_for

from graph_service.backends.base import Dataset, QueryResult
from graph_service.errors import BadRequest, UnsupportedMediaType
from graph_service.serializers import GRAPH_OFFERS, RESULT_OFFERS, content_type, negotiate
from graph_service.serializers.sparql_results import write_graph, write_result
from graph_service.services.service_description import service_description
from graph_service.services.sparql import (
    check_dataset,
    prepare_query,
    prepare_update,
    run_query,
)
from graph_service.state import get_state

__all__ = ["TRUNCATED_HEADER", "bp"]

bp = Blueprint("sparql", __name__)

TRUNCATED_HEADER = "X-Dikg-Truncated"
_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_UPDATE = "application/sparql-update"
_METHODS = "GET, HEAD, POST, OPTIONS"
_MAX_FIELDS = 1000

Params = dict[str, list[str]]


def _decode(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"{what} is not valid UTF-8 (byte {exc.start})") from None


def _parse_pairs(raw: bytes, what: str, into: Params) -> None:
    """``application/x-www-form-urlencoded`` pairs, each decoded as strict UTF-8."""
    fields = [f for f in raw.split(b"&") if f]
    if len(fields) > _MAX_FIELDS:
        raise BadRequest(f"{what} has {len(fields)} fields; the limit is {_MAX_FIELDS}")
    for field in fields:
        key, _, value = field.partition(b"=")
        into.setdefault(_decode(unquote_to_bytes(key.replace(b"+", b" ")), what), []).append(
            _decode(unquote_to_bytes(value.replace(b"+", b" ")), what))


def _charset_is_utf8() -> bool:
    charset = request.mimetype_params.get("charset")
    return charset is None or charset.lower().replace("_", "-") in ("utf-8", "utf8")


def _params() -> Params:
    """Every protocol parameter of the request, with raw bodies as ``query`` / ``update``."""
    params: Params = {}
    _parse_pairs(request.query_string, "the URL query string", params)
    if request.method != "POST":
        return params
    mimetype = request.mimetype
    if mimetype == _FORM:
        _parse_pairs(request.get_data(cache=False), "the form body", params)
    elif mimetype in (_QUERY, _UPDATE):
        if not _charset_is_utf8():
            raise UnsupportedMediaType("SPARQL bodies must be UTF-8 (charset=utf-8)")
        field = "query" if mimetype == _QUERY else "update"
        params.setdefault(field, []).append(_decode(request.get_data(cache=False), "the body"))
    else:
        raise UnsupportedMediaType(
            f"POST /sparql takes {_FORM}, {_QUERY} or {_UPDATE}, not {mimetype or 'no type'}",
            accepted=[_FORM, _QUERY, _UPDATE])
    return params


def _single(params: Params, name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise BadRequest(f"the '{name}' parameter is given {len(values)} times; give it once")
    return values[0] if values else None


@functools.lru_cache(maxsize=256)
def _negotiated(accept: str | None, kind: str, formats: tuple[str, ...]) -> str:
    """:func:`negotiate`, remembered: clients send the same few ``Accept`` headers again and
    again, and parsing one costs about as much as the rest of a cheap request's routing (a
    refusal raises ``NotAcceptable`` every time, it is not remembered)."""
    return negotiate(accept, kind=kind, formats=formats)


def _answer(body: bytes, media_type: str, *, status: int = 200) -> Response:
    response = Response(body, status=status)
    response.headers["Content-Type"] = content_type(media_type)
    return response


def _describe(params: Params) -> Response:
    state = get_state()
    media_type = negotiate(request.headers.get("Accept"), kind="graph",
                           formats=params.get("format", []))
    graph = service_description(
        endpoint=url_for("sparql.endpoint", _external=True), settings=state.settings,
        triples=state.backend.triple_count(),
        result_formats=[o.format_iri for o in RESULT_OFFERS],
        graph_formats=[o.format_iri for o in GRAPH_OFFERS])
    return _answer(write_graph(graph, media_type), media_type)


def _update(params: Params, text: str) -> Response:
    state = get_state()
    authorization = request.headers.get("Authorization")
    checked = prepare_update(text, settings=state.settings, authorization=authorization)
    if request.method != "POST":
        raise BadRequest("SPARQL Update must be sent with POST")
    if params.get("using-graph-uri") or params.get("using-named-graph-uri"):
        raise BadRequest("using-graph-uri and using-named-graph-uri are not supported; "
                         "use USING / WITH in the update text")
    from graph_service.blueprints.store import curator, perform
    from graph_service.services.writes import Write

    who, client = curator()  # one validated, logged transaction (services/writes.py)
    result = perform(Write(operation="update", who=who, client=client, text=checked))
    return jsonify(result.to_json())


def _query(params: Params, text: str) -> Response:
    state = get_state()
    settings = state.settings
    prepared = prepare_query(text, settings=settings)
    dataset = Dataset(default_graphs=tuple(params.get("default-graph-uri", [])),
                      named_graphs=tuple(params.get("named-graph-uri", [])))
    check_dataset(dataset, settings=settings)
    media_type = _negotiated(request.headers.get("Accept"), prepared.kind,
                             tuple(params.get("format", ())))
    answer = run_query(state.backend, prepared, media_type=media_type,
                       dataset=None if dataset.is_default() else dataset, settings=settings)
    if isinstance(answer, QueryResult):
        body, rows, truncated = write_result(answer, media_type,
                                             max_bytes=settings.max_response_bytes)
    else:
        body, rows, truncated = answer.body, answer.rows, answer.truncated
    response = _answer(body, media_type)
    if truncated:
        cut_by_rows = rows >= settings.max_rows
        response.headers[TRUNCATED_HEADER] = (
            f"rows={rows}" if cut_by_rows else f"bytes={settings.max_response_bytes}")
    return response


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)
def endpoint() -> Response:
    """The SPARQL 1.1 Protocol (query side; update with the admin token)."""
    if request.method == "OPTIONS":
        response = Response(status=204)
        del response.headers["Content-Type"]
        response.headers["Allow"] = _METHODS
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Authorization, Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
        return response
    params = _params()
    query, update = _single(params, "query"), _single(params, "update")
    if query is not None and update is not None:
        raise BadRequest("give either 'query' or 'update', not both")
    if update is not None:
        return _update(params, update)
    if query is None:
        return _describe(params)
    return _query(params, query)


@bp.after_request
def _cors(response: Response) -> Response:
    """Let browser tools (YASGUI) on the configured origins read the answers."""
    allowed = get_state().settings.cors_origins.strip()
    origin = request.headers.get("Origin")
    if allowed == "*":
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin and origin in {o.strip() for o in allowed.split(",")}:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers.add("Vary", "Origin")
    response.headers["Access-Control-Expose-Headers"] = f"{TRUNCATED_HEADER}, Content-Type"
    return response


"""One place that turns every error into ``{"error", "message", "status"}`` JSON."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from graph_service.errors import GraphServiceError

__all__ = ["error_response", "register_error_handlers"]

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def error_response(error: GraphServiceError) -> Response:
    """The JSON response for a service error, with its status code."""
    response = jsonify(error.to_json())
    response.status_code = error.status_code
    if error.status_code == 429 and "retry_after" in error.extra:
        response.headers["Retry-After"] = str(error.extra["retry_after"])
    return response


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 413:
        message = "The request body is larger than the service accepts."
    else:
        message = error.description or error.name
    response = jsonify({"error": _HTTP_CODES.get(status, "http_error"), "message": message,
                        "status": status})
    response.status_code = status
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        response.headers["Allow"] = ", ".join(valid_methods)
    return response


def _unexpected(error: Exception) -> Response:
    log.exception("unhandled error", exc_info=error)
    response = jsonify({"error": "internal_error", "status": 500,
                        "message": "The service failed to answer; the error was logged."})
    response.status_code = 500
    return response


def register_error_handlers(app: Flask) -> None:
    """Render service errors, HTTP errors and bugs as JSON; never a stack trace."""
    app.register_error_handler(GraphServiceError, error_response)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)

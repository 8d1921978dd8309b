"""Errors that carry their HTTP status; one handler renders them as JSON.

Hierarchy::

    GraphServiceError (500)
    ├── BadRequest (400)
    │   ├── MalformedQuery (400)      SPARQL the parser rejects, with its message and position
    │   ├── QueryTooComplex (400)     nesting or size beyond what the engine survives
    │   └── InvalidParameter (400)    a named-query or API parameter of the wrong type
    ├── Forbidden (403)               updates without the admin token; SERVICE / LOAD / remote FROM
    ├── NotFound (404)                unknown drug, entity, named query
    ├── NotAcceptable (406)           no offered format matches Accept; lists the formats
    ├── PayloadTooLarge (413)
    ├── UnsupportedMediaType (415)
    ├── TooManyRequests (429)
    ├── InvalidDataError (422)        data that fails SHACL validation or cannot be parsed
    ├── QueryTimeout (503)            the query ran past its time limit and was stopped
    └── BackendUnavailable (503)      the store or remote server cannot be reached
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "BackendUnavailable",
    "BadRequest",
    "Forbidden",
    "GraphServiceError",
    "InvalidDataError",
    "InvalidParameter",
    "MalformedQuery",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "PayloadTooLarge",
    "QueryTimeout",
    "QueryTooComplex",
    "TooManyRequests",
    "UnsupportedMediaType",
]


class GraphServiceError(Exception):
    """Base error: a machine-readable ``code``, a message and extra JSON fields."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def to_json(self) -> dict[str, Any]:
        """The error body of the HTTP contract: ``{"error", "message", "status", ...}``."""
        return {"error": self.code, "message": self.message, "status": self.status_code,
                **self.extra}


class BadRequest(GraphServiceError):
    """The request is malformed."""

    status_code = 400
    code = "bad_request"


class MalformedQuery(BadRequest):
    """The SPARQL text does not parse."""

    code = "malformed_query"


class QueryTooComplex(BadRequest):
    """The query nests deeper or is larger than the service accepts."""

    code = "query_too_complex"


class InvalidParameter(BadRequest):
    """A parameter is missing or has the wrong type."""

    code = "invalid_parameter"


class Forbidden(GraphServiceError):
    """The operation is not allowed (read-only endpoint, outbound request)."""

    status_code = 403
    code = "forbidden"


class NotFound(GraphServiceError):
    """The named thing does not exist."""

    status_code = 404
    code = "not_found"


class MethodNotAllowed(GraphServiceError):
    """The HTTP method is not allowed on this path."""

    status_code = 405
    code = "method_not_allowed"


class NotAcceptable(GraphServiceError):
    """No offered representation matches the Accept header."""

    status_code = 406
    code = "not_acceptable"


class PayloadTooLarge(GraphServiceError):
    """The request body is over the limit."""

    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(GraphServiceError):
    """The request body has a content type this endpoint does not take."""

    status_code = 415
    code = "unsupported_media_type"


class InvalidDataError(GraphServiceError):
    """Data that cannot be parsed or fails validation; names file, node and rule."""

    status_code = 422
    code = "invalid_data"


class TooManyRequests(GraphServiceError):
    """The client is over its rate limit."""

    status_code = 429
    code = "too_many_requests"


class QueryTimeout(GraphServiceError):
    """The query ran past its time limit and its work was stopped."""

    status_code = 503
    code = "query_timeout"


class BackendUnavailable(GraphServiceError):
    """The store cannot answer (remote server down, worker lost)."""

    status_code = 503
    code = "backend_unavailable"

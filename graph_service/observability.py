"""Operators' view of every request: request ids, JSON access logs, metrics, rate limiting.

:func:`init_observability` adds two hooks to the app:

- before each request: take the request id from ``X-Request-Id`` when it is 1 to 128 of
  ``A-Z a-z 0-9 . _ : -`` (else make one), then apply the per-client rate limit;
- after each request: echo ``X-Request-Id``, put ``request_id`` into JSON error bodies, count the
  request in the Prometheus metrics (endpoint = the Flask URL rule, never the raw path) and write
  one JSON log line (logger ``graph_service.access``, to stderr; quiet when ``TESTING``).

The service's own warnings and errors (logger ``graph_service``, e.g. an unhandled error's
traceback) are JSON lines too, with the request id of the request they happened in.

Rate limiting (``GRAPH_SERVICE_RATE_LIMIT`` requests a minute per client IP, 0 = off) uses a
token bucket per client **in each worker process**: with N gunicorn workers a client that
spreads its connections over all of them may get up to N times the limit. ``/health``,
``/ready`` and ``/metrics`` are never limited. The client is the socket peer
(``REMOTE_ADDR``); behind a proxy, configure the proxy to pass the peer (e.g. werkzeug's
``ProxyFix``) or limit there.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request

from graph_service.errors import TooManyRequests
from graph_service.metrics import Metrics
from graph_service.rate_limit import TokenBuckets

__all__ = ["REQUEST_ID_HEADER", "JsonLines", "get_metrics", "init_observability",
           "valid_request_id"]

REQUEST_ID_HEADER = "X-Request-Id"
EXTENSION_KEY = "graph_service_observability"
UNLIMITED = frozenset({"ops.health", "ops.ready", "ops.metrics"})
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
_MAX_LOGGED_PATH = 2048

access_log = logging.getLogger("graph_service.access")
service_log = logging.getLogger("graph_service")


def valid_request_id(value: str | None) -> bool:
    """Whether a caller's request id can be echoed and logged as it is.

    >>> valid_request_id("req-42.a:b_c"), valid_request_id("a b"), valid_request_id("x" * 129)
    (True, False, False)
    """
    return value is not None and _REQUEST_ID.fullmatch(value) is not None


class JsonLines(logging.Formatter):
    """A log record as one JSON line: an access record's dict as it is; any other record as
    time, level, logger, request id (inside a request), message and traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: Any = record.msg
        if not isinstance(line, dict):
            line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(
                        timespec="milliseconds"),
                    "level": record.levelname.lower(), "logger": record.name,
                    "request_id": g.get("request_id") if has_request_context() else None,
                    "message": record.getMessage()}
            if record.exc_info:
                line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=str)


def _setup_logs(*, testing: bool) -> None:
    """JSON lines on stderr: the access log (INFO) and the service's warnings and errors."""
    if testing:  # tests attach their own handlers when they want lines
        return
    for logger, level in ((access_log, logging.INFO), (service_log, logging.WARNING)):
        if logger.handlers:
            continue
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False  # one line per record, not again through the root logger


def get_metrics(app: Flask | None = None) -> Metrics:
    """The metrics of ``app`` (default: the current app)."""
    target = app if app is not None else current_app
    metrics: Metrics = target.extensions[EXTENSION_KEY]["metrics"]
    return metrics


def _endpoint() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def _before() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER)
    g.request_id = incoming if valid_request_id(incoming) else uuid.uuid4().hex
    extension = current_app.extensions[EXTENSION_KEY]
    extension["metrics"].in_progress.inc()
    g.request_counted = True
    if request.endpoint in UNLIMITED:
        return
    wait = extension["buckets"].take(request.remote_addr or "unknown")
    if wait > 0:
        extension["metrics"].rate_limited.inc()
        seconds = TokenBuckets.retry_after(wait)
        raise TooManyRequests(
            f"more than {extension['buckets'].rate} requests a minute from this client; "
            f"retry in {seconds} s", retry_after=seconds)


def _error_with_request_id(response: Response, request_id: str) -> None:
    if response.status_code < 400 or response.is_streamed or not response.is_json:
        return
    body = response.get_json(silent=True)
    if isinstance(body, dict) and "error" in body and "request_id" not in body:
        body["request_id"] = request_id
        response.set_data(current_app.json.dumps(body, separators=(",", ":")))


def _after(response: Response) -> Response:
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    _error_with_request_id(response, request_id)
    started = g.get("request_started")
    duration = time.perf_counter() - started if started is not None else 0.0
    metrics = get_metrics()
    endpoint = _endpoint()
    method = request.method if request.method in _METHODS else "other"
    status = response.status_code
    metrics.requests.labels(endpoint=endpoint, method=method, status=str(status)).inc()
    metrics.latency.labels(endpoint=endpoint, method=method).observe(duration)
    if status == 503 and response.is_json and not response.is_streamed:
        body = response.get_json(silent=True)
        if isinstance(body, dict) and body.get("error") == "query_timeout":
            metrics.timeouts.labels(endpoint=endpoint).inc()
    if _truncated(response):
        metrics.truncations.labels(endpoint=endpoint).inc()
    access_log.info(_log_line(request_id=request_id, status=status, duration=duration,
                              endpoint=endpoint, size=response.calculate_content_length()))
    return response


def _teardown(_error: BaseException | None) -> None:
    if g.pop("request_counted", False):
        get_metrics().in_progress.dec()


def _truncated(response: Response) -> bool:
    """A cut answer: the SPARQL header, or ``"truncated":true`` in a named query's JSON."""
    if "X-Dikg-Truncated" in response.headers:
        return True
    if request.endpoint != "api.run_query" or response.status_code != 200 \
            or response.is_streamed or not response.is_json:
        return False
    return b'"truncated":true' in response.get_data()


def _log_line(*, request_id: str, status: int, duration: float, endpoint: str,
              size: int | None) -> dict[str, Any]:
    return {"time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "info", "logger": "graph_service.access", "request_id": request_id,
            "method": request.method[:16], "path": request.path[:_MAX_LOGGED_PATH],
            "endpoint": endpoint, "status": status, "duration_ms": round(duration * 1000, 2),
            "bytes": size, "client": request.remote_addr,
            "user_agent": request.headers.get("User-Agent", "")[:256]}


def init_observability(app: Flask) -> None:
    """Attach request ids, JSON access logs, metrics and the rate limit to ``app``.

    Call after the state is set up (``init_app``): the rate comes from its settings.
    """
    from graph_service.state import get_state

    state = get_state(app)
    metrics = Metrics.create()
    metrics.set_graph(version=state.graph_version, triples=None)
    app.extensions[EXTENSION_KEY] = {"metrics": metrics,
                                     "buckets": TokenBuckets(rate=state.settings.rate_limit)}
    _setup_logs(testing=app.testing)
    app.before_request(_before)
    app.after_request(_after)
    app.teardown_request(_teardown)

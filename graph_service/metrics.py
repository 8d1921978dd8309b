"""Prometheus metrics of one app, correct across gunicorn workers (multiprocess mode).

When ``PROMETHEUS_MULTIPROC_DIR`` is set (``dikg serve`` sets it to a fresh directory), every
worker writes its values to files there and a scrape of ``/metrics`` on any worker sums the
counters and histograms of all workers; ``graph_service/gunicorn_conf.py`` drops the files of
dead workers. Without it (tests, ``flask run``), the numbers are this process's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

__all__ = ["MULTIPROC_ENV", "Metrics", "multiprocess_dir"]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def multiprocess_dir() -> str | None:
    """The multiprocess directory when prometheus_client runs in multiprocess mode."""
    return os.environ.get(MULTIPROC_ENV) or None


@dataclass
class Metrics:
    """The service's metrics, registered in a registry of their own (one per app)."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    timeouts: Counter
    truncations: Counter
    rate_limited: Counter
    in_progress: Gauge
    graph_info: Gauge
    graph_triples: Gauge
    version: str | None = None

    @classmethod
    def create(cls) -> Metrics:
        """Fresh metrics in a new registry (several apps may live in one test process)."""
        registry = CollectorRegistry(auto_describe=True)
        return cls(
            registry=registry,
            requests=Counter("dikg_http_requests", "HTTP requests answered, by endpoint "
                             "(the URL rule), method and status",
                             ["endpoint", "method", "status"], registry=registry),
            latency=Histogram("dikg_http_request_duration_seconds",
                              "Time to build the answer, by endpoint and method",
                              ["endpoint", "method"], buckets=BUCKETS, registry=registry),
            timeouts=Counter("dikg_query_timeouts", "Answers refused because a query ran "
                             "past its time limit (503 query_timeout)", ["endpoint"],
                             registry=registry),
            truncations=Counter("dikg_truncated_answers", "Answers cut at the row or byte "
                                "limit (and marked so)", ["endpoint"], registry=registry),
            rate_limited=Counter("dikg_rate_limited", "Requests refused with 429 by the "
                                 "per-client rate limit", registry=registry),
            in_progress=Gauge("dikg_http_requests_in_progress", "Requests being answered",
                              registry=registry, multiprocess_mode="livesum"),
            graph_info=Gauge("dikg_graph_info", "The graph version being served (value 1)",
                             ["graph_version"], registry=registry,
                             multiprocess_mode="livemostrecent"),
            graph_triples=Gauge("dikg_graph_triples", "Triples in the store",
                                registry=registry, multiprocess_mode="livemostrecent"),
        )

    def set_graph(self, *, version: str, triples: int | None) -> None:
        """Record the served graph version (a previous one drops to 0) and its size."""
        if self.version is not None and self.version != version:
            self.graph_info.labels(graph_version=self.version).set(0)
        self.graph_info.labels(graph_version=version).set(1)
        self.version = version
        if triples is not None:
            self.graph_triples.set(triples)

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """The exposition (Prometheus text, or OpenMetrics when asked) and its content type.

        In multiprocess mode the values of every live worker are read from the directory.
        """
        registry = self.registry
        if multiprocess_dir():
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        encoder, content_type = choose_encoder(accept or "")
        return encoder(registry), content_type
